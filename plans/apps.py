from django.apps import AppConfig


def _end_memberships(sender, *, user, by, reason, **kwargs) -> int:
    # Imported here: plans.services loads models, which must wait until the app
    # registry is ready (this module is imported while it is being filled).
    from plans.services import end_memberships_of

    return end_memberships_of(user=user, by=by, reason=reason)


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans and organisations"

    def ready(self) -> None:
        # Imported here: these modules load models, which need the app registry ready.
        from core import actors, audit, personal_data
        from core.accounts import selectors as accounts
        from plans.querysets import memberships_of
        from plans.sign_in import selectors as sign_in

        # The platform reads roles through core.actors; memberships are ours.
        actors.provide(roles_of=memberships_of)
        # The sign-in page's identity providers, and who may not use a password.
        accounts.provide_sign_in_options(sign_in.sign_in_options)
        accounts.provide_password_check(sign_in.password_sign_in_refusal)
        personal_data.account_anonymising.connect(
            _end_memberships, dispatch_uid="plans-end-memberships"
        )
        audit.register(
            "plans",
            where={
                "plans.Organisation": (None, "pk"),
                "plans.Membership": (None, "organisation"),
                "plans.Plan": ("pk", "owner"),
                "plans.ApiClient": (None, "organisation"),
                "plans.WebhookEndpoint": (None, "organisation"),
                "plans.IdentityProvider": (None, "organisation"),
                "plans.BodyTransfer": (None, "from_body"),
                "plans.ExternalAccount": (None, "identity_provider.organisation"),
                "plans.IndicatorDefinition": (None, "owner"),
                "plans.PeriodEvent": ("period.plan", None),
                "plans.IndicatorValue": ("indicator.plan", None),
                "plans.IndicatorChange": ("indicator.plan", None),
            },
        )
