"""OAuth 2.0 glue: each client may only ask for the scopes it was issued, and a
request's token is read with its client in one query."""

import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    """Scopes come from the client's ApiClient record, not one global list."""

    def _issued(self, application) -> list[str]:
        client = getattr(application, "api_client", None)
        if client is None or client.revoked_at is not None:
            return []
        if not client.service_user.is_active:  # deactivated: no new tokens
            return []
        return list(client.scopes)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return self._issued(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self._issued(application)


class ClientValidator(OAuth2Validator):
    """Reads a bearer token together with its application's ``ApiClient`` and that
    client's service account, which every API request then asks for: one query
    where there were two."""

    def _load_access_token(self, token):
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (
            get_access_token_model()
            .objects.select_related("application__api_client__service_user", "user")
            .filter(token_checksum=checksum)
            # A deactivated account's tokens stop working at once, whoever holds them.
            .exclude(user__is_active=False)
            .first()
        )
