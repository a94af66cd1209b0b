from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_guards(sender, using, **kwargs):
    # SQLite loses a table's triggers when a migration rebuilds it: put them back.
    from django.db import connections

    from deliverables import guards

    guards.install(connections[using])


class DeliverablesConfig(AppConfig):
    name = "deliverables"
    verbose_name = "Deliverables and progress"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_guards, sender=self)
