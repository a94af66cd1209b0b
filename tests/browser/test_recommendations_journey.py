"""An editor records an HMICFRS recommendation (refused first for a due date before
publication, on a source that takes one), imports a report's worth from a
spreadsheet (a bad file first), the force's contributor responds, and the register
shows what is overdue; every page is checked with axe, and at 320 pixels none scrolls
sideways."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from scrutiny.recommendations.models import Recommendation
from tests.browser.conftest import axe_check, sign_in

BAD = """reference,recommendation,source,source title,published,owner
AFI 2,,HMICFRS,PEEL,not a date,Nobody
"""


def good(today: datetime.date) -> str:
    long_ago = (today - datetime.timedelta(days=100)).isoformat()
    return (
        "reference,recommendation,source,source title,published,owner,deliverables\n"
        f"AFI 2,Train call handlers in THRIVE.,HMICFRS,PEEL,{long_ago},SOJP,1.1.2\n"
        f"AFI 3,Audit crime recording.,HMICFRS,PEEL,{today.isoformat()},SOJP,\n"
    )


def test_recommendations_from_record_to_response(page, new_page, workspace, tmp_path):
    plan = workspace["plan"]
    today = timezone.localdate()
    register = f"/plans/{plan.pk}/recommendations/"
    visited = [register]
    sign_in(page, "erin")

    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Recommendations register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Recommendations register"
    )
    axe_check(page)

    # Recorded by hand: "other" takes the editor's date, refused before publication.
    page.get_by_role("link", name="Record a recommendation").click()
    visited.append(page.url)
    axe_check(page)
    page.get_by_label("Reference (optional)").fill("L 1")
    page.get_by_label("Recommendation", exact=True).fill("Review the custody suite.")
    page.get_by_label("Other").check()
    page.get_by_label("Title of the source").fill("Letter from the Minister")
    published = page.get_by_role("group", name="Published on")
    published.get_by_label("Day").fill(str(today.day))
    published.get_by_label("Month").fill(str(today.month))
    published.get_by_label("Year").fill(str(today.year))
    due = page.get_by_role("group", name="Response due")
    earlier = today - datetime.timedelta(days=1)
    due.get_by_label("Day").fill(str(earlier.day))
    due.get_by_label("Month").fill(str(earlier.month))
    due.get_by_label("Year").fill(str(earlier.year))
    page.get_by_label("Owner: who must respond").select_option(
        label="States of Jersey Police"
    )
    page.get_by_label("Linked deliverables (optional)").fill("1.1.1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_due_on-error")).to_contain_text(
        "The due date must be on or after the date it was published."
    )
    axe_check(page)
    assert not Recommendation.objects.exists()
    later = today + datetime.timedelta(days=30)
    due.get_by_label("Day").fill(str(later.day))
    due.get_by_label("Month").fill(str(later.month))
    due.get_by_label("Year").fill(str(later.year))
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text(
            "Saved the recommendation: its response is due "
            f"{later.day} {later:%B} {later.year}."
        )
    ).to_be_visible()

    # Imported: a bad file lists its problems and records nothing.
    page.get_by_role("link", name="Import from a spreadsheet").click()
    visited.append(page.url)
    axe_check(page)
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    page.get_by_label("Spreadsheet of recommendations").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    problems = page.get_by_role("table", name="Problems in the file")
    expect(problems.get_by_role("row")).to_have_count(4)  # heading and three
    axe_check(page)
    assert Recommendation.objects.count() == 1
    fine = tmp_path / "peel.csv"
    fine.write_text(good(today))
    page.get_by_label("Spreadsheet of recommendations").set_input_files(str(fine))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 2 recommendations.")).to_be_visible()
    overdue_row = page.get_by_role("row").filter(has_text="AFI 2")
    expect(overdue_row.get_by_text("Overdue")).to_be_visible()
    fresh_row = page.get_by_role("row").filter(has_text="AFI 3")
    expect(fresh_row.get_by_text("Due in 56 days")).to_be_visible()
    axe_check(page)

    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("row").filter(has_text="AFI 3")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="AFI 2")).to_have_count(1)
    visited.append(page.url)
    axe_check(page)

    # The force responds.
    force = new_page()
    sign_in(force, "farah")
    force.goto(register)
    force.get_by_role("row").filter(has_text="AFI 2").get_by_role(
        "link", name="Respond"
    ).click()
    visited.append(force.url)
    axe_check(force)
    force.get_by_label("Your response").fill("All call handlers trained by March.")
    force.get_by_role("button", name="Send response").click()
    expect(force.get_by_text("Sent your response.")).to_be_visible()
    row = force.get_by_role("row").filter(has_text="AFI 2")
    expect(row.get_by_text("Responded", exact=True)).to_be_visible()
    expect(row.get_by_text("Overdue")).to_have_count(0)
    assert Recommendation.objects.get(reference="AFI 2").state == "responded"

    # The editor closes it.
    page.goto(register)
    page.get_by_role("row").filter(has_text="AFI 2").get_by_role(
        "link", name="Close"
    ).click()
    visited.append(page.url)
    axe_check(page)
    page.get_by_role("button", name="Close it").click()
    expect(page.get_by_text("Closed the recommendation.")).to_be_visible()
    assert Recommendation.objects.get(reference="AFI 2").state == "closed"

    # On a phone, none of the pages scrolls sideways: the respond and close pages
    # of one still awaiting its response (AFI 3) and of one responded to.
    afi3 = Recommendation.objects.get(reference="AFI 3")
    Recommendation.objects.filter(reference="L 1").update(
        state="responded", response="Reviewed.", responded_on=today
    )
    answered = Recommendation.objects.get(reference="L 1")
    visited = [
        url for url in visited if "/respond/" not in url and "/close/" not in url
    ]
    visited += [
        f"/recommendations/{afi3.pk}/respond/",
        f"/plans/{plan.pk}/recommendations/{answered.pk}/close/",
    ]
    phone = new_page(viewport={"width": 320, "height": 640})
    sign_in(phone, "erin")
    for url in visited:
        response = phone.goto(url)
        assert response.status == 200, url
        assert phone.evaluate("document.documentElement.scrollWidth") <= 320, url
        axe_check(phone)
