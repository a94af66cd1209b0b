"""Someone who has signed in with their password but still owes a two-factor code
reaches no page (the admin site included) until they give it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from core.accounts.signals import SET_UP, TWO_FACTOR_STATE, VERIFY


class TwoFactorMiddleware:
    """After django-otp's ``OTPMiddleware``. Reads only the session (marked at sign-in
    by ``accounts.signals``), so pages cost nobody an extra query."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        session = getattr(request, "session", None)
        state = session.get(TWO_FACTOR_STATE) if session is not None else None
        if state in (VERIFY, SET_UP) and request.user.is_authenticated:
            if state == VERIFY and request.user.is_verified():
                assert session is not None  # the state was read from it
                del session[TWO_FACTOR_STATE]
            elif not self._open_to(request.path_info, state):
                return self._send_to(request, state)
            else:
                # The menu's pages would only send them back here.
                request.owes_two_factor_code = True
        return self.get_response(request)

    @staticmethod
    def _open_to(path: str, state: str) -> bool:
        """Pages anyone may reach before giving a code: the code page itself, signing
        out, the brand stylesheet, static files and the site's policies."""
        open_pages = {
            reverse("accounts:verify"),
            reverse("sign-out"),
            reverse("brand-css"),
            reverse("accessibility"),
            reverse("cookies"),
        }
        if state == SET_UP:
            open_pages |= {reverse("accounts:set-up"), reverse("accounts:codes")}
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path in open_pages or path.startswith(static)

    @staticmethod
    def _send_to(request: Any, state: str) -> Any:
        target = reverse("accounts:verify" if state == VERIFY else "accounts:set-up")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
