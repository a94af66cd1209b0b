"""The service's error pages: each in the service's look, in plain words, with a way
back; the same pages for refusals with DEBUG on (the demo), where Django would list
every address instead; and the Sign in link that signed-out visitors see.

This module is also the URLconf of the tests that need a view that fails
(``@pytest.mark.urls``): the site's own addresses and error handlers, and two more.
"""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path, reverse

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_patterns
from core.errors import server_error

pytestmark = pytest.mark.django_db

SERVICE = "Plan Delivery Tracker"
HEADER = 'class="govuk-generic-header__homepage-link"'
START = '<a class="govuk-link" href="/">Go to the start page</a>'
URL_LIST = "URLconf"  # what Django's debugging 404 page says before its list


def breaks(request):
    raise RuntimeError("Something in the service broke.")


def bad(request):
    raise SuspiciousOperation("A request the service cannot read.")


urlpatterns = [
    path("test/breaks/", breaks),
    path("test/bad/", bad),
    *site_patterns,
]
WITH_FAILING_VIEWS = pytest.mark.urls(__name__)


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def demo(settings):
    """DEBUG on, as `make run` serves the demo."""
    settings.DEBUG = True


def text(response) -> str:
    return response.content.decode()


def assert_service_page(response, status: int, heading: str) -> str:
    body = text(response)
    assert response.status_code == status
    assert HEADER in body and SERVICE in body
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in body
    assert START in body
    assert URL_LIST not in body
    return body


# 404 ---------------------------------------------------------------------------------


def test_an_unknown_address_gets_the_not_found_page(client, production):
    body = assert_service_page(client.get("/no-such-page/"), 404, "Page not found")
    assert "check you copied the entire address" in body


def test_an_outsider_asking_for_anothers_plan_gets_the_not_found_page(
    client, production, outsider, plan
):
    client.force_login(outsider)
    response = client.get(
        reverse("plans:detail", args=[plan.pk]),
        HTTP_REFERER="http://testserver/plans/",
    )
    body = assert_service_page(response, 404, "Page not found")
    assert plan.title not in body
    assert '<a class="govuk-link" href="/plans/">Go back to the page' in body
    # Signed in: their menu, and no Sign in link.
    assert "Sign out (Olly Outsider)" in body
    assert "/sign-in/?next=" not in body


def test_a_signed_out_visitor_is_offered_sign_in_on_the_not_found_page(
    client, production, plan
):
    url = reverse("scrutiny:reports", args=[plan.pk])  # not a public plan
    body = assert_service_page(client.get(url), 404, "Page not found")
    assert f'href="/sign-in/?next={url}">sign in</a> and try again' in body


# 403 ---------------------------------------------------------------------------------


def test_a_reader_editing_their_own_plan_gets_the_forbidden_page(
    client, production, reader, plan
):
    client.force_login(reader)
    back = reverse("plans:detail", args=[plan.pk])
    response = client.get(
        reverse("plans:edit", args=[plan.pk]), HTTP_REFERER=f"http://testserver{back}"
    )
    body = assert_service_page(response, 403, "You cannot do this")
    assert "your role does not let you do it" in body
    assert f'<a class="govuk-link" href="{back}">Go back to the page' in body


def test_the_forbidden_page_gives_the_reason_the_page_gave(
    client, production, reader, plan, q2
):
    client.force_login(reader)
    response = client.get(reverse("plans:returns", args=[plan.pk, q2.pk]))
    body = assert_service_page(response, 403, "You cannot do this")
    assert "You do not send returns for this plan." in body


def test_no_way_back_is_offered_to_another_site(client, production, reader, plan):
    client.force_login(reader)
    response = client.get(
        reverse("plans:edit", args=[plan.pk]),
        HTTP_REFERER="https://elsewhere.example/plans/",
    )
    body = assert_service_page(response, 403, "You cannot do this")
    assert "elsewhere.example" not in body
    assert "Go back to the page" not in body


# 400 and 500 -------------------------------------------------------------------------


@WITH_FAILING_VIEWS
def test_a_request_the_service_cannot_read_gets_the_bad_request_page(
    client, production
):
    body = assert_service_page(
        client.get("/test/bad/"), 400, "There is a problem with your request"
    )
    assert "nothing was saved" in body


def test_a_request_for_another_host_gets_the_bad_request_page(client, production):
    response = client.get(
        "/plans/",
        HTTP_HOST="elsewhere.example",
        HTTP_REFERER="http://elsewhere.example/plans/",
    )
    body = assert_service_page(response, 400, "There is a problem with your request")
    assert "Go back to the page" not in body


@WITH_FAILING_VIEWS
def test_a_server_error_gets_the_service_page_with_debug_off(production, reader):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    response = client.get("/test/breaks/", HTTP_REFERER="http://testserver/plans/")
    body = assert_service_page(
        response, 500, "Sorry, there is a problem with the service"
    )
    assert "Try again later." in body
    assert '<a class="govuk-link" href="/plans/">Go back to the page' in body
    assert "RuntimeError" not in body and "Traceback" not in body


def test_the_server_error_page_needs_no_database(production, django_assert_num_queries):
    request = RequestFactory().get("/plans/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert SERVICE in response.content.decode()


@WITH_FAILING_VIEWS
def test_developers_keep_the_debugging_page_for_a_server_error(demo):
    client = Client(raise_request_exception=False)
    response = client.get("/test/breaks/")
    assert response.status_code == 500
    assert "Something in the service broke." in text(response)
    assert "Traceback" in text(response)


# A form sent with a stale or missing token -------------------------------------------


def test_a_form_sent_with_a_stale_token_gets_the_expired_form_page(
    production, editor, plan
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    form = reverse("plans:edit", args=[plan.pk])
    assert client.get(form).status_code == 200  # the token's cookie is set
    response = client.post(
        form,
        {"title": "Sent too late", "csrfmiddlewaretoken": "x" * 32},
        HTTP_REFERER=f"http://testserver{form}",
    )
    body = assert_service_page(response, 403, "This form has expired")
    assert "Nothing was saved." in body
    assert "when you sign in or out" in body
    assert f'<a class="govuk-link" href="{form}">Go back to the form</a>' in body
    plan.refresh_from_db()
    assert plan.title != "Sent too late"


def test_a_form_sent_without_the_cookie_says_to_allow_cookies(production):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("sign-in"),
        {"username": "rory", "password": "correct-horse-battery"},
        HTTP_REFERER="http://testserver/sign-in/",
    )
    body = assert_service_page(response, 403, "This form has expired")
    assert "Allow cookies for this site" in body
    assert '<a class="govuk-link" href="/sign-in/">Go back to the form</a>' in body


# With DEBUG on, as in the demo -------------------------------------------------------


def test_in_the_demo_a_refused_page_is_the_not_found_page_not_the_address_list(
    client, demo, outsider, plan
):
    client.force_login(outsider)
    response = client.get(reverse("plans:detail", args=[plan.pk]))
    assert_service_page(response, 404, "Page not found")


def test_in_the_demo_an_unknown_address_is_the_not_found_page(client, demo):
    assert_service_page(client.get("/no-such-page/"), 404, "Page not found")


def test_in_the_demo_a_forbidden_page_is_the_service_page(client, demo, reader, plan):
    client.force_login(reader)
    response = client.get(reverse("plans:edit", args=[plan.pk]))
    assert_service_page(response, 403, "You cannot do this")


def test_in_the_demo_a_missing_slash_still_redirects(client, demo):
    response = client.get("/accessibility")
    assert response.status_code == 301
    assert response["Location"] == "/accessibility/"


# The Sign in link --------------------------------------------------------------------


def test_signed_out_visitors_see_a_sign_in_link_back_to_this_page(client):
    body = text(client.get("/accessibility/?from=footer&x=1"))
    link = (
        '<a class="govuk-service-navigation__link" '
        'href="/sign-in/?next=/accessibility/%3Ffrom%3Dfooter%26x%3D1">Sign in</a>'
    )
    assert link in body


def test_the_sign_in_link_takes_them_back_after_signing_in(client, reader):
    page = text(client.get("/sign-in/?next=/accessibility/%3Fx%3D1"))
    assert '<input type="hidden" name="next" value="/accessibility/?x=1">' in page
    response = client.post(
        "/sign-in/",
        {"username": "rory", "password": "correct-horse-battery", "next": "/cookies/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/cookies/"


def test_the_sign_in_page_has_no_sign_in_link_to_itself(client):
    assert "/sign-in/?next=" not in text(client.get(reverse("sign-in")))


def test_signed_in_people_see_no_sign_in_link(client, reader):
    client.force_login(reader)
    body = text(client.get("/accessibility/"))
    assert "/sign-in/?next=" not in body
    assert "Sign out (Rory Reader)" in body
