from django.apps import AppConfig


class ScrutinyConfig(AppConfig):
    name = "scrutiny"
    verbose_name = "Scrutiny"

    def ready(self) -> None:
        # Imported here: the audit log reads models, which the registry must hold first.
        from core import audit

        audit.register(
            "scrutiny",
            where={
                "scrutiny.ScrutinyAction": ("plan", "owner"),
                "scrutiny.DecisionNotice": ("plan", "decided_by"),
                "scrutiny.ReportPdf": ("report.plan", None),
                "scrutiny.Commentary": ("plan", "plan.owner"),
            },
        )
