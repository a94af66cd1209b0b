"""Site-wide pages: home, sign-in, the brand stylesheet, accessibility and cookies;
and the base mixin that scopes every page's queryset."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from core.forms import GovukFormMixin


class ScopedMixin(LoginRequiredMixin):
    """Pages list and show only what the signed-in person may see: scope is applied
    here, once, through each model's ``visible_to``."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


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
    pass


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


class CookiesView(TemplateView):
    template_name = "pages/cookies.html"
