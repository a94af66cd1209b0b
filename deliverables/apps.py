from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_guards(sender, using, **kwargs):
    # SQLite loses a table's triggers when a migration rebuilds it: put them back.
    from django.db import connections

    # Imported here: app modules wait until the app registry is ready.
    from deliverables import guards

    guards.install(connections[using])


class DeliverablesConfig(AppConfig):
    name = "deliverables"
    verbose_name = "Deliverables and progress"

    def ready(self) -> None:
        # Imported here: the audit log reads models, which the registry must hold first.
        from core import audit

        post_migrate.connect(_reinstall_guards, sender=self)
        audit.register(
            "deliverables",
            where={
                "deliverables.Deliverable": ("plan", "lead_organisation"),
                "deliverables.DeliverableOwner": ("deliverable.plan", "organisation"),
                "deliverables.Milestone": (
                    "deliverable.plan",
                    "deliverable.lead_organisation",
                ),
                "deliverables.ProgressUpdate": (
                    "deliverable.plan",
                    "deliverable.lead_organisation",
                ),
                "deliverables.UpdateReview": (
                    "update.deliverable.plan",
                    "update.deliverable.lead_organisation",
                ),
                "deliverables.Attachment": (
                    "update.deliverable.plan",
                    "update.deliverable.lead_organisation",
                ),
                "deliverables.SentReminder": ("period.plan", None),
            },
        )
