from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from core import audit_guards


def _reinstall_audit_guards(sender, using, **kwargs):
    # SQLite loses a table's triggers when a migration rebuilds it: put them back.
    audit_guards.install(connections[using])


class CoreConfig(AppConfig):
    """The platform every domain app uses and none owns: the API's plumbing, the
    audit log, accounts, GOV.UK forms, site pages, backups and personal data.

    Imports no domain app: what it needs to know of them (who belongs to which
    organisation, where a record's plan is) the domain apps tell it at start-up,
    through ``core.actors`` and ``core.audit.register``.
    """

    name = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        # Imported here: core.audit loads core.models, and models may be imported only
        # once the app registry is ready.
        from core import audit

        # Every write to our data is recorded in the audit log (core/audit.py).
        audit.connect()
        audit_guards.allow_flush()
        post_migrate.connect(_reinstall_audit_guards, sender=self)
