"""A person's account page, and the pages that set up, ask for and turn off
two-factor sign-in."""

from __future__ import annotations

import base64

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from core.accounts import services, sessions
from core.accounts.forms import CodeForm, notifications_form
from core.accounts.qr import qr_code_data_url, spaced
from core.accounts.selectors import two_factor_offered, two_factor_required
from core.accounts.signals import SET_UP, TWO_FACTOR_STATE, VERIFY
from core.forms import add_service_errors

# Backup codes, kept in the session between confirming and the page that shows them
# (once).
NEW_BACKUP_CODES = "new_backup_codes"

APP_CODE_HELP = "The 6-digit code your authenticator app shows now."
NEW_SECRET = (
    "Too many wrong codes. Delete this service from your app, scan the new QR code "
    "and try again."
)


def _next_page(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _wait_message(paused: services.CodesPaused) -> str:
    seconds = max(int((paused.until - timezone.now()).total_seconds()) + 1, 1)
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes in a row: wait {seconds} {unit}, then try again."


def _wrong_code_message(tries: int) -> str:
    more = "1 more try" if tries == 1 else f"{tries} more tries"
    return (
        f"{services.WRONG_CODE} You have {more} before signing in is paused "
        "for an hour."
    )


def _locked_out(request):
    """Codes are paused for an hour: sign the person out, so that trying again needs
    the password too (which django-axes counts)."""
    logout(request)
    return render(request, "accounts/locked_out.html", status=403)


def _check(request, form, attempt, tries_left):
    """Run ``attempt`` (which checks the code). Returns ``(result, None)`` when the
    code is right; ``(None, response)`` when codes are paused for an hour; and
    ``(None, None)`` with the message put beside the field otherwise."""
    try:
        return attempt(), None
    except services.CodesPaused as paused:
        if paused.for_an_hour:
            return None, _locked_out(request)
        form.add_error("code", _wait_message(paused))
    except ValidationError as error:
        tries = tries_left()
        if tries == 0:
            return None, _locked_out(request)
        wrong = getattr(error, "error_dict", {}).get("code")
        if wrong and wrong[0].message == services.WRONG_CODE:
            form.add_error("code", _wrong_code_message(tries))
        else:
            add_service_errors(form, error)
    return None, None


class AccountPage(LoginRequiredMixin, View):
    """Signed-in people only; then a method the page does not take is refused; then
    ``check`` may answer before the handler does."""

    http_method_names = ["get", "head", "post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request)
        return self.check(request) or super().dispatch(request, *args, **kwargs)

    def check(self, request):
        return None


class AccountView(AccountPage):
    """Who you are, where you work, and whether two-factor sign-in is on."""

    http_method_names = ["get", "head"]

    def get(self, request):
        user = request.user
        app = services.confirmed_app(user)
        backup_codes_left = (
            StaticToken.objects.filter(
                device__user=user, device__confirmed=True
            ).count()
            if app
            else 0
        )
        return render(
            request,
            "accounts/account.html",
            {
                # Through the reverse relation: the platform imports no app.
                "memberships": user.memberships.select_related("organisation").order_by(
                    "organisation__name"
                ),
                "two_factor_on": app is not None,
                "backup_codes_left": backup_codes_left,
                "offered": two_factor_offered(user),
                "required": two_factor_required(user),
                "notifications_form": notifications_form(user),
                "idle_minutes": sessions.duration(sessions.idle_limit_of(request)),
                "max_age": sessions.duration(settings.SESSION_MAX_AGE * 60),
            },
        )


class SignOutEverywhereView(AccountPage):
    """Ends every session of the person, in other browsers too, and this one: for
    someone who left a session open on a shared computer or lost a device."""

    http_method_names = ["post"]

    def post(self, request):
        services.sign_out_everywhere_asked(by=request.user)
        logout(request)
        messages.success(
            request,
            "You are signed out everywhere: on every computer, phone and browser. "
            "Sign in again to carry on here.",
        )
        return redirect("sign-in")


class SetUpView(AccountPage):
    """Scan a QR code (or type the secret), then confirm with a code."""

    def check(self, request):
        if not two_factor_offered(request.user):
            raise Http404
        if services.confirmed_app(request.user) is not None:
            return redirect("accounts:account")
        return None

    def get(self, request):
        return self.show(request, CodeForm(label="Code", help_text=APP_CODE_HELP))

    def post(self, request):
        form = CodeForm(request.POST, label="Code", help_text=APP_CODE_HELP)
        if not form.is_valid():
            return self.show(request, form, status=400)
        user = request.user
        try:
            device, codes = services.confirm_two_factor(
                user=user, code=form.cleaned_data["code"]
            )
        except services.CodesPaused as paused:
            if paused.for_an_hour:
                # Nothing to guess here (the secret is on the page): start afresh.
                services.discard_pending_two_factor(user=user)
                form.add_error("code", NEW_SECRET)
            else:
                form.add_error("code", _wait_message(paused))
            return self.show(request, form, status=400)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.show(request, form, status=400)
        django_otp.login(request, device)
        request.session.cycle_key()
        request.session.pop(TWO_FACTOR_STATE, None)
        # Anyone else signed in as this person must now sign in with a code too.
        services.end_sessions(user=user, keep=request.session.session_key)
        request.session[NEW_BACKUP_CODES] = codes
        messages.success(request, "Two-factor sign-in is on.")
        return redirect("accounts:codes")

    def show(self, request, form, status=200):
        device = services.start_two_factor(user=request.user)
        secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
        return render(
            request,
            "accounts/set_up.html",
            {
                "form": form,
                "qr_code": qr_code_data_url(device.config_url),
                "secret": spaced(secret),
                "required": request.session.get(TWO_FACTOR_STATE) == SET_UP,
            },
            status=status,
        )


@method_decorator(never_cache, name="dispatch")
class BackupCodesView(AccountPage):
    """New backup codes, shown once; and a button to replace them."""

    def get(self, request):
        codes = request.session.pop(NEW_BACKUP_CODES, None)
        if not codes:
            return redirect("accounts:account")
        return render(request, "accounts/backup_codes.html", {"codes": codes})

    def post(self, request):
        if not request.user.is_verified():
            raise Http404
        try:
            codes = services.replace_backup_codes(user=request.user)
        except ValidationError as error:
            raise Http404 from error
        request.session[NEW_BACKUP_CODES] = codes
        return redirect("accounts:codes")


class TurnOffView(AccountPage):
    """Turn two-factor sign-in off, with a code from the app or a backup code."""

    def check(self, request):
        if services.confirmed_app(request.user) is None:
            return redirect("accounts:account")
        return None

    def get(self, request):
        return self.show(request, self.form())

    def post(self, request):
        form = self.form(request.POST)
        if two_factor_required(request.user) or not form.is_valid():
            return self.show(request, form, status=400)
        user = request.user
        _, response = _check(
            request,
            form,
            lambda: services.turn_off_two_factor(
                user=user, code=form.cleaned_data["code"]
            ),
            lambda: services.tries_left(user),
        )
        if response is not None:
            return response
        if form.errors:
            return self.show(request, form, status=400)
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("accounts:account")

    @staticmethod
    def form(data=None):
        return CodeForm(
            data,
            label="Code",
            help_text="A code from your authenticator app, or a backup code.",
        )

    def show(self, request, form, status=200):
        return render(
            request,
            "accounts/turn_off.html",
            {"form": form, "required": two_factor_required(request.user)},
            status=status,
        )


class VerifyView(AccountPage):
    """After the password: the code from the person's app, or a backup code."""

    def check(self, request):
        if request.session.get(TWO_FACTOR_STATE) != VERIFY:
            return redirect(_next_page(request))
        if services.confirmed_app(request.user) is None and not (
            StaticDevice.objects.filter(user=request.user, confirmed=True).exists()
        ):
            # An administrator removed their devices since they signed in.
            request.session.pop(TWO_FACTOR_STATE)
            return redirect(_next_page(request))
        return None

    def get(self, request):
        return self.show(request, self.form())

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(request, form, status=400)
        user = request.user
        device, response = _check(
            request,
            form,
            lambda: services.verify_code(user=user, code=form.cleaned_data["code"]),
            lambda: services.tries_left(user),
        )
        if response is not None:
            return response
        if device is None:
            return self.show(request, form, status=400)
        django_otp.login(request, device)
        request.session.cycle_key()
        request.session.pop(TWO_FACTOR_STATE, None)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            messages.info(
                request,
                f"You signed in with a backup code; each works once. You have "
                f"{left} left. Make new ones on your account page.",
            )
        return redirect(_next_page(request))

    @staticmethod
    def form(data=None):
        return CodeForm(
            data,
            label="Code from your authenticator app",
            help_text=(
                "Open the app on your phone and type the 6-digit code it shows for "
                "this service. If you do not have your phone, type one of your "
                "backup codes."
            ),
        )

    def show(self, request, form, status=200):
        return render(
            request,
            "accounts/verify.html",
            {"form": form, "next": _next_page(request)},
            status=status,
        )
