from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_audit_guards(sender, using, **kwargs):
    # SQLite loses a table's triggers when a migration rebuilds it: put them back.
    from django.db import connections

    from plans import audit_guards

    audit_guards.install(connections[using])


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans and organisations"

    def ready(self) -> None:
        from plans import audit, audit_guards

        # Every write to our data is recorded in the audit log (plans/audit.py).
        audit.connect()
        audit_guards.allow_flush()
        post_migrate.connect(_reinstall_audit_guards, sender=self)
