"""How long a signed-in session lasts: it ends after a spell without activity (shorter
for those who can change plans and who sees them) and, however active, a while after
signing in (docs/sign-in.md, "Sessions").

A small middleware of our own rather than a library: the maintained ones
(django-session-timeout, django-auto-logout, django-session-security) take one timeout
for everyone, and the last needs a script on every page. Everything it needs is kept
in the session at sign-in, so a page costs nobody an extra query.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from core.actors import edits_anywhere

# Kept in the session at sign-in (seconds since the epoch, and seconds).
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
IDLE_LIMIT = "idle_limit"

#: Activity is written to the session at most once a minute, not on every page.
ACTIVITY_STEP = 60


def is_staff_session(user: Any) -> bool:
    """Superusers, staff and administrators or editors of any organisation: those
    whose session, left open, could change plans and who sees them."""
    return bool(getattr(user, "is_staff", False)) or edits_anywhere(user)


def idle_limit_for(user: Any) -> int:
    """Seconds without activity after which ``user``'s session ends."""
    if is_staff_session(user):
        return settings.SESSION_IDLE_TIMEOUT_STAFF * 60
    return settings.SESSION_IDLE_TIMEOUT * 60


def idle_limit_of(request: Any) -> int:
    """Seconds without activity after which this request's session ends: as stamped
    at sign-in, so that it costs no query."""
    stamped = request.session.get(IDLE_LIMIT)
    return stamped if stamped is not None else idle_limit_for(request.user)


def _now() -> int:
    return int(timezone.now().timestamp())


def start(session: Any, user: Any) -> None:
    """Stamp a session that has just signed in: when, and how long it may sit idle."""
    now = _now()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[IDLE_LIMIT] = idle_limit_for(user)


def _stamp_on_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        start(session, user)


def duration(seconds: int) -> str:
    """A limit in words: "30 minutes", "8 hours"."""
    minutes = max(round(seconds / 60), 1)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class SessionLifetimeMiddleware:
    """Ends a signed-in session left idle past its limit or older than
    ``SESSION_MAX_AGE``, then sends a browser asking for a page to the sign-in page,
    which says why. After ``MessageMiddleware``."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return self.get_response(request)
        now = _now()
        if SIGNED_IN_AT not in session:
            # A session from before these limits, or signed in without the signal.
            start(session, request.user)
        idle = now - session[LAST_SEEN]
        if idle > session[IDLE_LIMIT]:
            why = (
                f"You were signed out after {duration(session[IDLE_LIMIT])} "
                "without activity. Sign in again to carry on."
            )
            return self._sign_out(request, why)
        if now - session[SIGNED_IN_AT] > settings.SESSION_MAX_AGE * 60:
            why = (
                f"You were signed out {duration(settings.SESSION_MAX_AGE * 60)} after "
                "signing in. Sign in again to carry on."
            )
            return self._sign_out(request, why)
        if idle >= ACTIVITY_STEP:
            session[LAST_SEEN] = now
        return self.get_response(request)

    def _sign_out(self, request: Any, why: str) -> Any:
        logout(request)
        messages.info(request, why)
        path = request.path_info
        if request.method in ("GET", "HEAD") and not path.startswith("/api/"):
            if request.headers.get("HX-Request"):
                # A part of a page: the whole page goes to the sign-in page.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                return response
            return redirect(
                reverse(settings.LOGIN_URL)
                + "?"
                + urlencode({"next": request.get_full_path()})
            )
        # A form posted or an API call: answered as for anyone signed out.
        return self.get_response(request)
