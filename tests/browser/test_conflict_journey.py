"""Two people record progress on the same deliverable in two browsers: the second to
save is shown who changed what, keeps their answers, and saves again once they have
looked. Every page is checked with axe and for CSP violations."""

import re

from playwright.sync_api import expect

from deliverables.models import ProgressUpdate
from tests.browser.conftest import axe_check, sign_in


def test_the_second_to_save_sees_the_first_change_and_saves_again(new_page, workspace):
    deliverable = workspace["on_time"][0]
    url = f"/deliverables/{deliverable.pk}/progress/"
    farah, erin = new_page(), new_page()
    sign_in(farah, "farah")
    sign_in(erin, "erin")
    farah.goto(url)
    erin.goto(url)

    farah.get_by_label("Amber: at risk").check()
    farah.get_by_label("What progress has been made?").fill(
        "Recruitment paused while the budget is reviewed."
    )
    farah.get_by_role("button", name="Save update").click()
    expect(farah.get_by_role("heading", level=1)).to_have_text(deliverable.title)

    erin.get_by_label("Green: on track").check()
    erin.get_by_label("What progress has been made?").fill("Twenty officers sworn in.")
    erin.get_by_role("button", name="Save update").click()

    summary = erin.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(erin).to_have_title(re.compile("^Error: "))
    expect(summary).to_contain_text(f"Farah Force saved a change to {deliverable}")
    expect(summary).to_contain_text("Nothing you entered has been saved yet.")
    expect(summary.locator(".govuk-summary-list")).to_contain_text("Amber: at risk")
    expect(summary).to_contain_text("Recruitment paused while the budget is reviewed.")
    expect(erin.get_by_label("What progress has been made?")).to_have_value(
        "Twenty officers sworn in."
    )
    expect(erin.get_by_label("Green: on track")).to_be_checked()
    axe_check(erin)
    assert list(ProgressUpdate.objects.values_list("rag", flat=True)) == ["amber"]

    erin.get_by_role("button", name="Save update").click()
    expect(erin.get_by_role("heading", level=1)).to_have_text(deliverable.title)
    expect(erin.locator(".app-timeline__item").first).to_contain_text(
        "Twenty officers sworn in."
    )
    axe_check(erin)
    deliverable.refresh_from_db()
    assert deliverable.rag == "green"
    assert ProgressUpdate.objects.count() == 2


def test_the_second_editor_of_a_deliverable_keeps_the_first_editors_title(
    new_page, workspace
):
    deliverable = workspace["on_time"][1]
    url = f"/deliverables/{deliverable.pk}/edit/"
    first, second = new_page(), new_page()
    sign_in(first, "erin")
    sign_in(second, "erin")
    first.goto(url)
    second.goto(url)

    first.get_by_label("Title").fill("Recruit thirty more officers")
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "Recruit thirty more officers"
    )

    second.get_by_label("Delivering unit").fill("People Services")
    second.get_by_role("button", name="Save").click()
    summary = second.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("You saved a change to")
    expect(summary).to_contain_text("in another tab or window")
    expect(summary).to_contain_text("the form below now shows their answer: Title")
    expect(second.get_by_label("Title")).to_have_value("Recruit thirty more officers")
    expect(second.get_by_label("Delivering unit")).to_have_value("People Services")
    axe_check(second)

    second.get_by_role("button", name="Save").click()
    expect(second.get_by_role("heading", level=1)).to_have_text(
        "Recruit thirty more officers"
    )
    deliverable.refresh_from_db()
    assert (deliverable.title, deliverable.delivering_unit) == (
        "Recruit thirty more officers",
        "People Services",
    )
