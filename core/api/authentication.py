"""Bearer tokens from the client-credentials grant, acting as the client's account."""

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.exceptions import AuthenticationFailed

INVALID_TOKEN = (
    "The access token is not valid: it is unknown, has expired or was revoked. "
    "Fetch a new one from /o/token/."
)


class ClientCredentialsAuthentication(OAuth2Authentication):
    """A client-credentials token carries no user: act as the client's service account.

    That account is a contributor of the client's organisation, so every read and write
    is scoped by the same rules as a person's, and the write names the client.

    A request that sends a bearer token which is not valid is refused as such (401,
    "the access token is not valid"), rather than treated as one that sent none.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            if _sends_bearer_token(request):
                raise AuthenticationFailed(INVALID_TOKEN, code="invalid_token")
            return None
        user, token = result
        if user is None:
            # Read with the token (core.api.oauth.ClientValidator), so later checks
            # of token.application.api_client answer from memory.
            client = getattr(token.application, "api_client", None)
            if client is None or client.revoked_at is not None:
                raise AuthenticationFailed(INVALID_TOKEN, code="invalid_token")
            user = client.service_user
        return user, token


def _sends_bearer_token(request) -> bool:
    scheme, _, _ = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer"
