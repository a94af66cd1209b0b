"""Bearer tokens from the client-credentials grant, acting as the client's account."""

from oauth2_provider.contrib.rest_framework import OAuth2Authentication


class ClientCredentialsAuthentication(OAuth2Authentication):
    """A client-credentials token carries no user: act as the client's service account.

    That account is a contributor of the client's organisation, so every read and write
    is scoped by the same rules as a person's, and the write names the client.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if user is None:
            # Read with the token (core.api.oauth.ClientValidator), so later checks
            # of token.application.api_client answer from memory.
            client = getattr(token.application, "api_client", None)
            if client is None or client.revoked_at is not None:
                return None
            user = client.service_user
        return user, token
