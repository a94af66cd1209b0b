"""Background tasks (django.tasks). With no worker configured they run at once."""

from django.tasks import task

from deliverables.reminders import send_reminders


@task
def send_update_reminders() -> int:
    """E-mail owners whose deliverables need an update this period."""
    return send_reminders()
