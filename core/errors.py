"""The service's own error pages (400, 403, 404, 500 and a refused form), each in the
service's look with a way back; and the middleware that shows them in place of
Django's debugging page when a page is refused with DEBUG on, as in the demo.

When the service answers 403 and when 404 is one rule, written in
docs/permissions.md: 404 when the person may not know the thing exists, 403 when
they can see it but may not do this to it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token


def way_back(request: Any, *, same_page: bool = False) -> str:
    """The page the person came from, when it is one of the service's own: the
    browser's Referer (sent within the site only, SECURE_REFERRER_POLICY), cut to
    its path and query. Empty when there is none, or it is this very page (unless
    ``same_page``: a refused form's way back is the form)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # a 400 for the host itself: no page of ours to go to
        return ""
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    if not back.startswith("/") or (not same_page and back == request.get_full_path()):
        return ""
    return back


def reason_for(exception: Any) -> str:
    """What a refusal says, when it was given words (``PermissionDenied("You do not
    send returns for this plan.")``); the admin's refusals carry a list of them."""
    message = exception.args[0] if getattr(exception, "args", None) else ""
    if isinstance(message, list | tuple):
        message = " ".join(str(part) for part in message)
    return message if isinstance(message, str) else ""


@requires_csrf_token
def bad_request(request, exception, template_name="400.html"):
    body = loader.render_to_string(
        template_name, {"back": way_back(request)}, request=request
    )
    return HttpResponseBadRequest(body)


@requires_csrf_token
def permission_denied(request, exception, template_name="403.html"):
    context = {"back": way_back(request), "reason": reason_for(exception)}
    body = loader.render_to_string(template_name, context, request=request)
    return HttpResponseForbidden(body)


@requires_csrf_token
def page_not_found(request, exception, template_name="404.html"):
    body = loader.render_to_string(
        template_name, {"back": way_back(request)}, request=request
    )
    return HttpResponseNotFound(body)


def server_error(request, template_name="500.html"):
    """Rendered from settings alone: no context processors, so no database, which
    may be what failed."""
    context = {
        "service_name": settings.SERVICE_NAME,
        "phase": settings.PHASE,
        "back": way_back(request),
    }
    return HttpResponseServerError(loader.render_to_string(template_name, context))


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    """A form sent with a missing or stale security token (CSRF_FAILURE_VIEW):
    usually a page left open while its person signed in or out elsewhere. Its way
    back is the form itself, fetched again with a fresh token."""
    context = {
        "back": way_back(request, same_page=True),
        "no_cookie": reason == REASON_NO_CSRF_COOKIE,
    }
    body = loader.render_to_string(template_name, context, request=request)
    return HttpResponseForbidden(body)


class NotFoundPageMiddleware:
    """Shows the service's 404 page for a page that is not found or refused, with
    DEBUG on too.

    With DEBUG on, Django answers a 404 with its debugging page, which lists every
    address of the service: in the demo (DEBUG=true) a reader who follows a link to
    a page they may not see would get it. A refused page (``Http404`` from a view)
    and an address that matches nothing get the service's page instead, as they do
    with DEBUG off. A 403 needs nothing: Django renders ``handler403`` either way.
    The debugging page for a server error stays: developers need it.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        unknown_address = request.resolver_match is None
        if settings.DEBUG and response.status_code == 404 and unknown_address:
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request: Any, exception: Exception) -> Any:
        # With DEBUG off this is what Django does itself: the same page.
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
