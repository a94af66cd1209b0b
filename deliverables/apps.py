from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


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
        # A body's transfer to its successor moves what it leads and owns.
        from deliverables.transfer import transfer_deliverables
        from plans.succession.registry import register_transfer_step

        register_transfer_step("deliverables", transfer_deliverables)
        self._keep_period_states()
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
            derived=("deliverables.PeriodState", "deliverables.StatesStamp"),
        )

    def _keep_period_states(self) -> None:
        """Each deliverable's state at the end of every period follows whatever is
        saved one row at a time (bulk writes call ``deliverables.states``)."""
        # Imported here: it reads models, which the registry must hold first.
        from deliverables import states

        post_save.connect(
            states.on_deliverable_saved, sender=self.get_model("Deliverable")
        )
        post_save.connect(
            states.on_update_saved, sender=self.get_model("ProgressUpdate")
        )
        post_delete.connect(
            states.on_deliverable_deleted, sender=self.get_model("Deliverable")
        )
        strands: Any = self.get_model("Deliverable")._meta.get_field("strands")
        m2m_changed.connect(
            states.on_strands_changed, sender=strands.remote_field.through
        )
        for signal in (post_save, post_delete):
            signal.connect(
                states.on_milestone_changed, sender=self.get_model("Milestone")
            )
        post_delete.connect(
            states.on_strand_deleted, sender=apps.get_model("plans", "Strand")
        )
        post_save.connect(states.on_review_saved, sender=self.get_model("UpdateReview"))
        post_save.connect(
            states.on_period_saved, sender=apps.get_model("plans", "ReportingPeriod")
        )
        post_save.connect(
            states.on_objective_saved, sender=apps.get_model("plans", "Objective")
        )
        post_save.connect(
            states.on_priority_saved, sender=apps.get_model("plans", "Priority")
        )
        post_save.connect(
            states.on_variation_saved, sender=apps.get_model("plans", "PlanVariation")
        )
