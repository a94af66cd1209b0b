"""The visitor's address when the app servers sit behind a load balancer."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as the proxies we trust saw it.

    With TRUSTED_PROXY_COUNT proxies in front, each appends the address it saw to
    X-Forwarded-For, so the visitor's is that many places from the right; anything
    further left was written by the visitor and is not believed. With none, or no
    header, it is the address of the connection. The same rule as the API throttle's
    (Django REST framework's NUM_PROXIES).
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(count, len(addresses))]
    return request.META.get("REMOTE_ADDR")
