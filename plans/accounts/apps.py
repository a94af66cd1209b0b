from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plans.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self) -> None:
        from plans.accounts import signals

        signals.connect()
