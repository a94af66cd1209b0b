"""Who may call the API at all; what they may see is decided by each queryset's scope.

- Signed-in browser users (session) may read.
- OAuth clients need the ``read`` scope to read and ``updates:write`` to write; a
  view that writes something else names its own scope in ``write_scope`` (the plan's
  structure: ``plans:write``).
- Writes also need the actor to be allowed to write that object, which the view checks
  (answering 404 when not, so nothing leaks about objects one may not touch).
"""

from oauth2_provider.models import AccessToken
from rest_framework.permissions import SAFE_METHODS, BasePermission

READ_SCOPE = "read"
WRITE_SCOPE = "updates:write"
STRUCTURE_SCOPE = "plans:write"


class ApiAccess(BasePermission):
    message = "Sign in, or send an OAuth access token with the scope this needs."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        token = request.auth
        method = request.method.lower()
        if method not in getattr(view, "http_method_names", ()) or not hasattr(
            view, method
        ):
            return True  # a method the address does not take: 405, whoever asks
        needed = (
            READ_SCOPE
            if request.method in SAFE_METHODS
            else getattr(view, "write_scope", WRITE_SCOPE)
        )
        if isinstance(token, AccessToken):
            client = getattr(token.application, "api_client", None)
            if client is None or client.revoked_at is not None:
                return False
            if not token.allow_scopes([needed]):
                self.message = f"This token lacks the {needed} scope."
                return False
        return True
