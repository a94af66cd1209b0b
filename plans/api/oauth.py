"""OAuth 2.0 glue: each client may only ask for the scopes it was issued."""

from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    """Scopes come from the client's ApiClient record, not one global list."""

    def _issued(self, application) -> list[str]:
        client = getattr(application, "api_client", None)
        if client is None or client.revoked_at is not None:
            return []
        return list(client.scopes)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return self._issued(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self._issued(application)
