"""A deliverable opened from a published report or a past dashboard shows its state
as at that period, says so, and links back; the live page is one click further."""

from django.urls import reverse

from deliverables.models import Rag, Status
from scrutiny.dashboards.figures import build_dashboard, dashboard_rows
from scrutiny.models import PublishedReport
from scrutiny.reports.services import publish_report, render_report
from tests.factories import DeliverableFactory, record_update


def quarters(plan):
    return list(plan.reporting_periods.order_by("starts_on"))


def test_from_a_report_the_deliverable_is_as_the_report_showed_it(
    client, editor, plan, deliverable
):
    q1, q2, q3, _q4 = quarters(plan)
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q2,
        narrative="Halfway there.",
        status=Status.IN_PROGRESS,
        reason="Progress",
        rag=Rag.AMBER,
    )
    report = publish_report(plan=plan, period=q2, by=editor)
    deliverable.refresh_from_db()
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q3,
        narrative="All done.",
        status=Status.COMPLETED,
        reason="Progress",
        rag=Rag.GREEN,
    )

    client.force_login(editor)
    url = reverse("scrutiny:report-timeline", args=[report.pk, deliverable.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "As at the end of Q2 2017" in page
    assert "as the published report showed it" in page
    assert "In progress" in page and "Amber" in page
    assert "Halfway there." in page and "All done." not in page
    assert f'href="{reverse("scrutiny:report", args=[report.pk])}"' in page
    assert "Back to the Q2 2017 report" in page
    live = reverse("deliverables:detail", args=[deliverable.pk])
    assert f'href="{live}"' in page

    other = DeliverableFactory(objective__priority__plan=plan)
    missing = reverse("scrutiny:report-timeline", args=[report.pk, other.pk])
    assert client.get(missing).status_code == 404


def test_from_a_past_dashboard_the_deliverable_is_as_it_stood_then(
    client, reader, editor, plan, deliverable
):
    q1, q2, *_ = quarters(plan)
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q1,
        narrative="Begun.",
        status=Status.IN_PROGRESS,
        reason="Progress",
    )
    deliverable.refresh_from_db()
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q2,
        narrative="Finished.",
        status=Status.COMPLETED,
        reason="Progress",
    )
    client.force_login(reader)
    url = reverse("scrutiny:timeline", args=[plan.pk, q1.pk, deliverable.pk])
    page = client.get(url).content.decode()
    assert "As at the end of Q1 2017" in page
    assert "Begun." in page and "Finished." not in page
    assert "Back to the Q1 2017 dashboard" in page


def test_a_report_published_before_its_rows_were_kept_apart_still_opens(
    client, editor, plan, deliverable
):
    """Such a report holds every row among its figures: its drill-downs, timelines
    and spreadsheet read them there."""
    q2 = quarters(plan)[1]
    data = build_dashboard(plan, q2)
    data["deliverables"] = dashboard_rows(plan, q2)
    meta = {"version": 1, "published_on": "2017-07-10", "change_note": ""}
    report = PublishedReport.objects.create(
        plan=plan,
        period=q2,
        published_by=editor,
        data=data,
        html=render_report(data, meta | {"differences": []}),
    )
    assert report.rows == [] and report.every_row == data["deliverables"]
    client.force_login(editor)
    drill = client.get(
        reverse("scrutiny:report-drill-down", args=[report.pk]), {"late": "true"}
    )
    assert drill.status_code == 200
    assert deliverable.title in drill.content.decode()
    timeline = client.get(
        reverse("scrutiny:report-timeline", args=[report.pk, deliverable.pk])
    )
    assert timeline.status_code == 200
    sheet = client.get(reverse("scrutiny:report-csv", args=[report.pk, "deliverables"]))
    assert sheet.status_code == 200
    assert deliverable.reference in sheet.getvalue().decode()
