"""An editor changes several deliverables at once from the deliverables list: ticks
them, says what to do and why, and finds the step as one entry in the dashboard's
summary of changes. Every page is checked with axe and for CSP violations."""

import re

from playwright.sync_api import expect

from deliverables.models import Deliverable, ProgressUpdate, Status
from tests.browser.conftest import axe_check, sign_in


def test_an_editor_merges_three_deliverables_into_a_new_umbrella(page, workspace):
    plan = workspace["plan"]
    three = [workspace["late"], *workspace["on_time"]]
    sign_in(page, "erin")
    page.goto(f"/deliverables/?plan={plan.pk}")
    axe_check(page)
    for deliverable in three:
        page.get_by_label(f"Choose {deliverable.reference} {deliverable.title}").check()
    page.get_by_role("button", name="Change the chosen deliverables").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Change several deliverables at once"
    )
    for deliverable in three:
        expect(
            page.get_by_label(re.compile(re.escape(deliverable.title)))
        ).to_be_checked()
    axe_check(page)

    page.get_by_label("Merge them into a new deliverable").check()
    page.get_by_label("Title of the new deliverable").fill("Victims' hub")
    page.get_by_role("button", name="Change them").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Say why they are changing.")
    expect(page.get_by_label("Title of the new deliverable")).to_have_value(
        "Victims' hub"
    )
    axe_check(page)
    assert not ProgressUpdate.objects.exists()

    page.get_by_label("Why are they changing?").fill(
        "One hub now runs every victim service."
    )
    page.get_by_role("button", name="Change them").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(
        "Merged 3 deliverables into the new deliverable 1 Victims' hub."
    )
    assert f"plan={plan.pk}" in page.url
    axe_check(page)
    umbrella = Deliverable.objects.get(title="Victims' hub")
    assert set(
        Deliverable.objects.filter(merged_into=umbrella).values_list("pk", flat=True)
    ) == {d.pk for d in three}

    banner.get_by_role("link", name="1 Victims' hub").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Victims' hub")
    axe_check(page)

    period = ProgressUpdate.objects.filter(merged_into=umbrella).first().period
    page.goto(f"/plans/{plan.pk}/dashboard/{period.pk}/")
    expect(page.locator("main")).to_contain_text(
        "Merged into 1 Victims' hub (new), 3 together: 1.1.1 Open the new custody "
        "suite; 1.1.2 Recruit twenty more officers; 1.1.3 Roll out body-worn video. "
        "Reason: One hub now runs every victim service."
    )
    axe_check(page)


def test_without_javascript_an_editor_puts_two_on_hold(new_page, workspace):
    page = new_page(java_script_enabled=False)
    plan = workspace["plan"]
    two = workspace["on_time"]
    sign_in(page, "erin")
    page.goto(f"/deliverables/?plan={plan.pk}&status=in_progress")
    for deliverable in two:
        page.get_by_label(f"Choose {deliverable.reference} {deliverable.title}").check()
    page.get_by_role("button", name="Change the chosen deliverables").click()
    # Each option's own question shows under it, with or without JavaScript.
    expect(page.get_by_label("New forecast date")).to_be_visible()
    axe_check(page)
    page.get_by_label("Put them on hold").check()
    page.get_by_label("Why are they changing?").fill("The budget is under review.")
    page.get_by_role("button", name="Change them").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Put 2 deliverables on hold."
    )
    assert "status=in_progress" in page.url  # the list as it was filtered
    axe_check(page)
    assert [Deliverable.objects.get(pk=d.pk).status for d in two] == [
        Status.ON_HOLD
    ] * 2
