from django.apps import AppConfig


class ScrutinyConfig(AppConfig):
    name = "scrutiny"
    verbose_name = "Scrutiny"

    def ready(self) -> None:
        # Imported here: the audit log reads models, which the registry must hold first.
        from core import audit

        # A body's transfer to its successor moves its open actions and
        # recommendations.
        from plans.succession.registry import register_transfer_step
        from scrutiny.transfer import transfer_scrutiny

        register_transfer_step("scrutiny", transfer_scrutiny)
        audit.register(
            "scrutiny",
            where={
                "scrutiny.ScrutinyAction": ("plan", "owner"),
                "scrutiny.Recommendation": ("plan", "owner"),
                "scrutiny.RecommendationReminder": (
                    "recommendation.plan",
                    "recommendation.owner",
                ),
                "scrutiny.DecisionNotice": ("plan", "decided_by"),
                "scrutiny.ReportPdf": ("report.plan", None),
                "scrutiny.Commentary": ("plan", "plan.owner"),
            },
        )
