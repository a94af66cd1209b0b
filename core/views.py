"""Site-wide pages: home, sign-in, the brand stylesheet, accessibility and cookies;
and the bases that scope every page: ``ScopedMixin`` for lists, ``ScopedPage`` for a
page about one object."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from core.accounts.selectors import password_sign_in_refusal, sign_in_options
from core.forms import GovukFormMixin


class ScopedMixin(LoginRequiredMixin):
    """Pages list and show only what the signed-in person may see: scope is applied
    here, once, through each model's ``visible_to``."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedPage:
    """The base of every page about one object (a plan, a deliverable, an
    organisation): the object is found in the caller's scope, through its model's
    ``visible_to``, before any handler runs, and the page refuses what the caller may
    not do. No view looks the object up or checks a role itself.

    A subclass names ``scope_model``, the URL's ``scope_kwarg`` and the attribute the
    object goes in (``scope_attr``), and declares what it ``needs``: a rule
    ``(actor, object) -> bool`` such as ``plans.permissions.edits_plan``, or ``None``
    to read only. Out of scope is a 404: the page does not say that the object
    exists. In scope but not allowed is a 403: the person can see the object, only not
    do this to it (the rule in docs/permissions.md). ``signed_in = False`` opens it to
    signed-out readers (what a public plan shows); ``scope_related`` joins what the
    page reads.
    """

    scope_model: Any = None
    scope_kwarg = "pk"
    scope_attr = "object"
    scope_related: tuple[str, ...] = ()
    needs: Callable[[Any, Any], bool] | None = None
    signed_in = True
    #: Answer a method the page has no handler for with 405 before looking anything
    #: up (pages written as plain ``View`` handlers); otherwise out of scope comes
    #: first, whatever the method (form pages).
    methods_first = False

    def dispatch(self, request, *args, **kwargs):
        if self.signed_in and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        method = request.method.lower()
        if self.methods_first and not hasattr(self, method):
            return self.http_method_not_allowed(request, *args, **kwargs)
        queryset = self.scope_model._default_manager.visible_to(request.user)
        if self.scope_related:
            queryset = queryset.select_related(*self.scope_related)
        found = get_object_or_404(self.narrowed(queryset), pk=kwargs[self.scope_kwarg])
        setattr(self, self.scope_attr, found)
        self.scoped(found)
        needs = type(self).needs
        if needs is not None and not needs(request.user, found):
            self.refuse()
        return super().dispatch(request, *args, **kwargs)

    def narrowed(self, queryset: Any) -> Any:
        """The scoped queryset cut further by the URL (a period of the plan in the
        URL, say): no narrower, the object is not there (404)."""
        return queryset

    def scoped(self, found: Any) -> None:
        """Called once the object is found, before ``needs`` is asked: set what else
        the page needs from it (its plan; a second object in the URL, which is a 404
        when missing, before any 403)."""

    def refuse(self) -> None:
        """The person can see the object but may not do this to it: 403."""
        raise PermissionDenied


@require_GET
def home(request):
    if request.user.is_authenticated:
        return redirect("plans:list")
    return redirect("sign-in")


@require_GET
@cache_control(max_age=3600)
def brand_css(request):
    """The configurable brand colour as a stylesheet (CSP allows no inline style)."""
    colour = settings.BRAND_COLOUR
    if not (colour.startswith("#") and len(colour) in {4, 7}):
        colour = "#1d70b8"
    body = f":root {{ --govuk-brand-colour: {colour}; }}\n"
    return HttpResponse(body, content_type="text/css")


class SignInForm(GovukFormMixin, auth_views.AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # An organisation may sign its people in with its own identity provider
        # only (docs/sign-in.md); the rule is the selector's, the form shows it.
        refusal = password_sign_in_refusal(user)
        if refusal:
            raise forms.ValidationError(refusal, code="password_sign_in_off")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sign_in_options"] = self.options
        return context

    def dispatch(self, request, *args, **kwargs):
        self.options = sign_in_options()
        response = super().dispatch(request, *args, **kwargs)
        origins = sorted({o for option in self.options for o in option.origins})
        if origins:
            # A provider's button posts here and is redirected to the provider:
            # browsers check that redirect against the page's form-action.
            policy = dict(settings.SECURE_CSP)
            policy["form-action"] = [*policy.get("form-action", []), *origins]
            response._csp_config = policy
        return response


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


class CookiesView(TemplateView):
    template_name = "pages/cookies.html"
