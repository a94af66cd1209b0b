"""An editor varies a plan in force: starts a variation (a mistake first), renames a
priority through the plan's own page, records the variation, and a past quarter's
dashboard still shows the priority as it stood, saying the plan was varied since.
Every page is checked with axe and at 320 pixels wide."""

from django.utils import timezone
from playwright.sync_api import expect

from plans.models import PlanVariation
from tests.browser.conftest import axe_check, sign_in


def no_sideways_scroll(page):
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert width <= 320


def test_editor_varies_the_plan_and_a_past_quarter_keeps_it(page, workspace):
    plan = workspace["plan"]
    priority = workspace["late"].objective.priority
    old_title = priority.title
    periods = list(plan.reporting_periods.order_by("starts_on"))
    today = timezone.localdate()
    current = next(p for p in periods if p.starts_on <= today <= p.ends_on)
    # The variation takes effect in the current quarter: the one before keeps the
    # plan as it stood (in January there is none before, and the check is skipped).
    day = current.starts_on if current is not periods[0] else current.ends_on
    sign_in(page, "erin")

    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Variations of the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Variations of the plan")
    expect(page.get_by_text("The plan has not been varied.")).to_be_visible()
    axe_check(page)
    no_sideways_scroll(page)

    page.get_by_role("link", name="Vary the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vary the plan")
    axe_check(page)
    page.get_by_role("button", name="Start the variation").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_reason-error")).to_contain_text(
        "Enter why the plan is varied."
    )
    axe_check(page)
    assert not PlanVariation.objects.exists()

    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Why the plan is varied").fill("The panel asked for it.")
    page.get_by_label("Consultation with the panel (optional)").fill(
        "Consulted at the September meeting."
    )
    page.get_by_role("button", name="Start the variation").click()
    expect(page.get_by_text("Started the variation.")).to_be_visible()
    axe_check(page)

    page.goto(f"/plans/{plan.pk}/")
    expect(page.get_by_text("You are varying this plan")).to_be_visible()
    page.goto(f"/plans/priorities/{priority.pk}/edit/")
    page.get_by_label("Title").fill("Keeping people safe, varied")
    page.get_by_role("button", name="Save").click()

    page.goto(f"/plans/{plan.pk}/variations/")
    row = page.get_by_role("row").filter(has_text="Keeping people safe, varied")
    expect(row).to_contain_text(old_title)
    axe_check(page)
    no_sideways_scroll(page)
    page.get_by_role("button", name="Record the variation").click()
    expect(page.get_by_text("Recorded the variation.")).to_be_visible()
    assert PlanVariation.objects.get().state == "recorded"

    before = periods[periods.index(current) - 1] if current is not periods[0] else None
    if before is not None:
        page.goto(f"/plans/{plan.pk}/dashboard/{before.pk}/")
        notice = page.get_by_text(f"The plan was varied after {before.label}")
        expect(notice).to_be_visible()
        expect(page.get_by_text(old_title).first).to_be_visible()
        axe_check(page)
