"""Throttling per API client (and per signed-in user), answered with 429 Retry-After."""

from rest_framework.throttling import UserRateThrottle


class PerClientThrottle(UserRateThrottle):
    """Each client acts as its own service account, so per-user is per-client."""

    scope = "client"
