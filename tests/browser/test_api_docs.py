"""The interactive API reference at /api/docs/ works under the site's Content
Security Policy: Swagger UI starts, shows every operation from the schema, and lets a
signed-in user try a read. The ``new_page`` fixture fails a test on any CSP violation
or script error; axe checks each state of the page: closed, with an operation and a
schema open, with the authorisation dialog, and with an answer shown."""

from playwright.sync_api import expect

from plans.services import issue_api_client
from tests.browser.conftest import axe_check, sign_in
from tests.factories import UserFactory


def test_anyone_reads_the_api_reference(page, transactional_db):
    page.goto("/api/docs/")
    expect(page).to_have_title("API reference – Plan Delivery Tracker")
    heading = page.get_by_role("heading", name="API reference", exact=True)
    expect(heading).to_be_visible()
    # Swagger UI draws the schema's title as an <h1>; the page marks it a heading of
    # the second level, under the page's own (browsers honour aria-level; Playwright's
    # role queries read the tag, so the attribute is what is checked).
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("Plan Delivery Tracker API")
    expect(title).to_have_attribute("aria-level", "2")
    record = page.locator("#operations-deliverables-deliverables_updates_create")
    expect(record).to_contain_text("/api/v1/deliverables/{id}/updates/")
    expect(record).to_contain_text("Record a progress update on this deliverable")
    axe_check(page)

    # An operation, ready to try, with its request's schema and the schemas below.
    record.locator(".opblock-summary-control").click()
    record.get_by_role("button", name="Try it out").click()
    expect(record.get_by_role("button", name="Execute")).to_be_visible()
    axe_check(page)
    record.get_by_role("tab", name="Schema").first.click()
    page.locator(".models").get_by_role("button").first.click()
    axe_check(page)

    # The dialog that takes a force's client credentials.
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    expect(dialog).to_contain_text("clientCredentials")
    axe_check(page)
    dialog.get_by_label("Close").click()
    expect(dialog).to_be_hidden()

    # Back to the service, which asks a visitor to sign in.
    page.get_by_role("link", name="Plan Delivery Tracker").click()
    page.wait_for_url("**/sign-in/**")


def test_a_signed_in_editor_tries_a_read_from_the_reference(new_page, workspace):
    page = new_page()
    sign_in(page, "erin")
    page.goto("/api/docs/")
    plans = page.locator("#operations-plans-plans_list")
    plans.get_by_role("button", name="GET /api/v1/plans/", exact=True).click()
    plans.get_by_role("button", name="Try it out").click()
    plans.get_by_role("button", name="Execute").click()
    answer = plans.locator(".live-responses-table")
    expect(answer.locator("tbody .response-col_status")).to_have_text("200")
    expect(answer).to_contain_text(workspace["plan"].title)
    axe_check(page)


def test_a_forces_api_client_tries_a_read_with_its_credentials(page, workspace, force):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client, secret = issue_api_client(
        organisation=force, name="SOJP performance system", scopes=["read"], by=root
    )
    page.goto("/api/docs/")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.get_by_label("client_id:").fill(client.application.client_id)
    dialog.get_by_label("client_secret:").fill(secret)
    dialog.get_by_text("read", exact=True).click()
    dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    # Swagger UI fetched a token from /o/token/.
    expect(dialog).to_contain_text("Authorized")
    axe_check(page)
    dialog.get_by_label("Close").click()

    deliverables = page.locator("#operations-deliverables-deliverables_list")
    deliverables.get_by_role(
        "button", name="GET /api/v1/deliverables/", exact=True
    ).click()
    deliverables.get_by_role("button", name="Try it out").click()
    deliverables.get_by_role("button", name="Execute").click()
    expect(deliverables.locator(".curl-command")).to_contain_text(
        "Authorization: Bearer"
    )
    answer = deliverables.locator(".live-responses-table")
    expect(answer.locator("tbody .response-col_status")).to_have_text("200")
    expect(answer).to_contain_text(workspace["late"].title)
