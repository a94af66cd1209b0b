"""An editor adds a national measure to a plan, redefines it with a reason, and sees
the roll-up on the plan page; every page is checked with axe."""

from decimal import Decimal

from playwright.sync_api import expect

from deliverables.models import Rag
from plans.models import IndicatorChange
from plans.services import refresh_national_measures
from tests.browser.conftest import axe_check, sign_in


def test_editor_adds_a_national_measure_and_redefines_it(page, workspace):
    # Live-server tests empty the database between tests, migrations' data too.
    refresh_national_measures()
    plan = workspace["plan"]
    late = workspace["late"]
    late.rag, late.percent_complete = Rag.AMBER, 40
    late.save()
    sign_in(page, "erin")

    page.goto(f"/plans/{plan.pk}/")
    expect(page.get_by_text("worst of 1 rated").first).to_be_visible()
    page.get_by_text("Objectives (1)").first.click()
    axe_check(page)

    page.get_by_role("link", name="Indicators").click()
    page.get_by_role("link", name="Add from the library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicator library")
    axe_check(page)
    page.get_by_role("button", name="Add to plan Reduce serious violence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators")
    expect(page.get_by_text("Added Reduce serious violence")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Edit Reduce serious violence").click()
    page.get_by_label("Target (optional)").fill("300")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe_check(page)
    page.get_by_label("Reason for the change").fill("Agreed with the panel")
    page.get_by_label("First period measured this way (optional)").select_option(
        label=plan.reporting_periods.order_by("starts_on")[1].label
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("target none → 300")).to_be_visible()
    axe_check(page)

    change = IndicatorChange.objects.get()
    assert change.changes == {"target_value": ["", "300"]}
    assert change.indicator.target_value == Decimal(300)

    page.get_by_role("link", name="Add from the library").click()
    page.get_by_role("link", name="Define your own").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe_check(page)
