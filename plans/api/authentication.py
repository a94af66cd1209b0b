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
            from plans.models import ApiClient

            client = (
                ApiClient.objects.select_related("service_user")
                .filter(application_id=token.application_id, revoked_at=None)
                .first()
            )
            if client is None:
                return None
            # Later checks read token.application.api_client: answer from memory.
            type(token.application).api_client.related.set_cached_value(
                token.application, client
            )
            user = client.service_user
        return user, token
