from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        # Imported here: the signals load the two-factor and OAuth models (through
        # core.accounts.services), which need the app registry ready.
        from core.accounts import signals

        signals.connect()
