"""The annual report: its statutory steps in order, who may take them, missing
quarters, publishing (frozen, with corrections), its PDF and spreadsheet, and who
may read a published version."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from plans.models import ReportingPeriod
from scrutiny.annual import services
from scrutiny.annual.models import AnnualReportPdf, PublishedAnnualReport
from scrutiny.models import Recommendation
from scrutiny.reports.services import publish_report
from tests.factories import DeliverableFactory

pytestmark = pytest.mark.django_db

SENT = datetime.date(2018, 2, 1)
MEETING = datetime.date(2018, 3, 1)
ANSWERED = datetime.date(2018, 4, 3)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def drawn(monkeypatch):
    """WeasyPrint stood in for: each PDF drawn is counted."""
    calls = []

    def draw(report, url, template="scrutiny/report_pdf.html"):
        calls.append((report.pk, url, template))
        return f"%PDF-1.7\n% annual version {report.version}\n%%EOF\n".encode()

    monkeypatch.setattr("scrutiny.annual.pdf.report_pdf", draw)
    return calls


def quarters(plan):
    return list(ReportingPeriod.objects.filter(plan=plan).order_by("starts_on"))


def publish_quarters(plan, editor, how_many=4):
    for period in quarters(plan)[:how_many]:
        publish_report(plan=plan, period=period, by=editor)


@pytest.fixture
def year(plan, editor, deliverable):
    """The 2017 plan with its four quarters published, and its annual report begun."""
    publish_quarters(plan, editor)
    return services.create_annual_report(plan=plan, year="2017", by=editor)


def responded(report, editor, texts=("Publish the fleet plan.",)):
    report = services.send_to_panel(report=report, by=editor, sent_on=SENT)
    report = services.record_panel_recommendations(
        report=report, by=editor, reviewed_on=MEETING, texts=list(texts)
    )
    answers = {r.pk: "Agreed: by June." for r in report.recommendations.all()}
    return services.record_response(
        report=report, by=editor, responded_on=ANSWERED, responses=answers
    )


# The steps, in order ----------------------------------------------------------------


def test_the_statutory_steps_in_order_end_in_a_published_version(year, editor):
    report = services.send_to_panel(report=year, by=editor, sent_on=SENT)
    assert (report.state, report.sent_on) == ("sent_to_panel", SENT)

    report = services.record_panel_recommendations(
        report=report,
        by=editor,
        reviewed_on=MEETING,
        texts=["Publish the fleet plan.", "  ", "Report on victims' satisfaction."],
    )
    recommendations = list(report.recommendations.order_by("pk"))
    assert [r.text for r in recommendations] == [
        "Publish the fleet plan.",
        "Report on victims' satisfaction.",
    ]
    assert {r.source for r in recommendations} == {"annual_review"}
    assert recommendations[0].reference == "AR 2017/1"
    assert recommendations[0].published_on == MEETING
    assert recommendations[0].owner == report.plan.owner
    assert recommendations[0].due_on == MEETING + datetime.timedelta(days=28)

    report = services.record_response(
        report=report,
        by=editor,
        responded_on=ANSWERED,
        responses={recommendations[0].pk: "Published in May."},
        overall="We accept both.",
    )
    assert report.state == "response_recorded"
    recommendations[0].refresh_from_db()
    assert recommendations[0].response == "Published in May."
    assert recommendations[0].state == "responded"
    # Responded on the day the commissioner responded, not the day it was typed in.
    assert recommendations[0].responded_on == ANSWERED

    published = services.publish_annual_report(report=report, by=editor)
    report.refresh_from_db()
    assert report.state == "published"
    assert published.version == 1
    assert published.published_by == editor
    assert published.data["overall_response"] == "We accept both."
    assert [r["text"] for r in published.data["recommendations"]] == [
        "Publish the fleet plan.",
        "Report on victims' satisfaction.",
    ]
    assert "We accept both." in published.html


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (
            lambda r, e: services.record_response(
                report=r, by=e, responded_on=ANSWERED, overall="Yes"
            ),
            "responded_on",
        ),
        (
            lambda r, e: services.record_panel_recommendations(
                report=r, by=e, reviewed_on=MEETING, texts=["A"]
            ),
            "reviewed_on",
        ),
        (lambda r, e: services.publish_annual_report(report=r, by=e), "publish"),
    ],
)
def test_a_step_out_of_order_is_refused_and_writes_nothing(year, editor, step, field):
    with pytest.raises(ValidationError) as refused:
        step(year, editor)
    assert field in refused.value.message_dict
    assert 'at the step "Draft"' in refused.value.message_dict[field][0]
    year.refresh_from_db()
    assert year.state == "draft"
    assert not Recommendation.objects.exists()
    assert not PublishedAnnualReport.objects.exists()


def test_sending_twice_is_refused(year, editor):
    services.send_to_panel(report=year, by=editor, sent_on=SENT)
    with pytest.raises(ValidationError) as refused:
        services.send_to_panel(report=year, by=editor, sent_on=MEETING)
    assert "sent to the panel" in refused.value.message_dict["sent_on"][0]
    year.refresh_from_db()
    assert year.sent_on == SENT


def test_a_meeting_before_the_report_was_sent_is_refused(year, editor):
    report = services.send_to_panel(report=year, by=editor, sent_on=MEETING)
    with pytest.raises(ValidationError) as refused:
        services.record_panel_recommendations(
            report=report, by=editor, reviewed_on=SENT, texts=["Too early."]
        )
    assert refused.value.message_dict["reviewed_on"] == [
        "The meeting must be on or after the day the report was sent to the panel."
    ]
    assert not Recommendation.objects.exists()


def test_each_recommendation_needs_a_response_unless_an_overall_one_is_given(
    year, editor
):
    report = services.send_to_panel(report=year, by=editor, sent_on=SENT)
    report = services.record_panel_recommendations(
        report=report, by=editor, reviewed_on=MEETING, texts=["One", "Two"]
    )
    first, second = report.recommendations.order_by("pk")
    with pytest.raises(ValidationError) as refused:
        services.record_response(
            report=report,
            by=editor,
            responded_on=ANSWERED,
            responses={first.pk: "Done."},
        )
    assert list(refused.value.message_dict) == [f"response_{second.pk}"]
    first.refresh_from_db()
    assert first.state == "open"
    report.refresh_from_db()
    assert report.state == "panel_recommendations"


def test_only_the_plans_editors_work_on_it(year, reader, outsider):
    for person in (reader, outsider):
        with pytest.raises(PermissionDenied):
            services.send_to_panel(report=year, by=person, sent_on=SENT)
        with pytest.raises(PermissionDenied):
            services.save_sections(report=year, by=person, foreword="Mine now")
    year.refresh_from_db()
    assert (year.state, year.foreword) == ("draft", "")


def test_one_report_a_year_and_only_a_year_of_the_plan(year, plan, editor):
    with pytest.raises(ValidationError) as twice:
        services.create_annual_report(plan=plan, year="2017", by=editor)
    assert twice.value.message_dict["year"] == [
        "The plan already has an annual report for 2017."
    ]
    with pytest.raises(ValidationError) as unknown:
        services.create_annual_report(plan=plan, year="2031", by=editor)
    assert unknown.value.message_dict["year"] == ["Choose one of the plan's years."]


# Missing quarters -----------------------------------------------------------------


def test_missing_quarters_are_named_and_publishing_needs_a_reason(
    client, plan, editor, deliverable
):
    publish_quarters(plan, editor, how_many=2)
    report = services.create_annual_report(plan=plan, year="2017", by=editor)
    client.force_login(editor)
    page = client.get(reverse("scrutiny:annual-year", args=[plan.pk, "2017"]))
    assert page.status_code == 200
    assert "Q3 2017 and Q4 2017 have no published report" in page.content.decode()

    report = responded(report, editor)
    with pytest.raises(ValidationError) as refused:
        services.publish_annual_report(report=report, by=editor)
    assert refused.value.message_dict["publish"][0].startswith(
        "Q3 2017 and Q4 2017 have no published report: publish them, or say why"
    )
    assert not PublishedAnnualReport.objects.exists()

    services.save_sections(
        report=report,
        by=editor,
        missing_quarters_reason="The force's new system lost the returns.",
    )
    published = services.publish_annual_report(report=report, by=editor)
    assert published.data["figures"]["missing"] == ["Q3 2017", "Q4 2017"]
    html = published.html
    assert "Q3 2017 and Q4 2017 have no published report" in html
    assert "The force&#x27;s new system lost the returns." in html


# Frozen, corrected ------------------------------------------------------------------


def test_a_published_version_does_not_change_when_the_plan_does(
    year, editor, plan, deliverable
):
    services.save_sections(report=year, by=editor, foreword="A good year.")
    published = services.publish_annual_report(
        report=responded(year, editor), by=editor
    )
    html, data = published.html, published.data
    deliverable.title = "A wholly new title"
    deliverable.save()
    plan.title = "Renamed plan"
    plan.save()
    services.save_sections(report=year, by=editor, foreword="Rewritten later.")

    again = PublishedAnnualReport.objects.get(pk=published.pk)
    assert (again.html, again.data) == (html, data)
    assert "A good year." in again.html
    with pytest.raises(PublishedAnnualReport.Frozen):
        again.save()
    with pytest.raises(PublishedAnnualReport.Frozen):
        again.delete()
    with pytest.raises(PublishedAnnualReport.Frozen):
        PublishedAnnualReport.objects.update(html="")


def test_a_correction_is_a_new_version_that_says_what_changed(year, editor):
    report = responded(year, editor)
    first = services.publish_annual_report(report=report, by=editor)
    services.save_sections(report=report, by=editor, foreword="Corrected foreword.")
    with pytest.raises(ValidationError) as unexplained:
        services.publish_annual_report(report=report, by=editor)
    assert unexplained.value.message_dict["change_note"] == [
        "Say what this correction changes since version 1, and why."
    ]
    second = services.publish_annual_report(
        report=report, by=editor, change_note="The foreword left out the fleet."
    )
    assert second.version == 2
    assert second.data["differences"] == ["Foreword: rewritten"]
    assert "The foreword left out the fleet." in second.html
    assert PublishedAnnualReport.objects.get(pk=first.pk).version == 1


# Pages ------------------------------------------------------------------------------


def test_the_working_page_takes_each_step_and_shows_errors_beside_fields(
    client, year, editor, plan
):
    client.force_login(editor)
    url = reverse("scrutiny:annual-year", args=[plan.pk, "2017"])
    too_long = client.post(url, {"step": "sections", "sections-foreword": "x" * 7000})
    assert too_long.status_code == 400
    assert "Ensure this value has at most 6000 characters" in too_long.content.decode()
    year.refresh_from_db()
    assert year.foreword == ""

    no_date = client.post(url, {"step": "send"})
    assert no_date.status_code == 400
    assert "govuk-error-summary" in no_date.content.decode()

    sent = client.post(
        url,
        {
            "step": "send",
            "send-sent_on_0": "1",
            "send-sent_on_1": "2",
            "send-sent_on_2": "2018",
        },
    )
    assert sent.status_code == 302
    year.refresh_from_db()
    assert year.state == "sent_to_panel"

    reviewed = client.post(
        url,
        {
            "step": "panel",
            "panel-reviewed_on_0": "1",
            "panel-reviewed_on_1": "3",
            "panel-reviewed_on_2": "2018",
            "panel-recommendations": "Publish the fleet plan.\r\n\r\nMeet victims.",
        },
    )
    assert reviewed.status_code == 302
    assert Recommendation.objects.filter(source="annual_review").count() == 2

    nothing = client.post(url, {"step": "nonsense"})
    assert nothing.status_code == 400


def test_the_list_shows_published_versions_to_readers_and_drafts_to_editors(
    client, year, editor, reader, plan
):
    client.force_login(reader)
    listed = client.get(reverse("scrutiny:annual-reports", args=[plan.pk]))
    assert listed.status_code == 200
    assert "No annual report has been published" in listed.content.decode()
    client.force_login(editor)
    listed = client.get(reverse("scrutiny:annual-reports", args=[plan.pk]))
    assert "Draft" in listed.content.decode()
    reports = client.get(reverse("scrutiny:reports", args=[plan.pk]))
    assert (
        reverse("scrutiny:annual-reports", args=[plan.pk]) in reports.content.decode()
    )


def test_a_public_plans_published_version_is_read_signed_out(
    year, editor, plan, django_assert_max_num_queries
):
    published = services.publish_annual_report(
        report=responded(year, editor), by=editor
    )
    anonymous = Client()
    url = reverse("scrutiny:annual-report", args=[published.pk])
    assert anonymous.get(url).status_code == 404
    plan.is_public = True
    plan.save()
    with django_assert_max_num_queries(8):
        page = anonymous.get(url)
    assert page.status_code == 200
    assert "annual report 2017" in page.content.decode()
    listed = anonymous.get(reverse("scrutiny:annual-reports", args=[plan.pk]))
    assert listed.status_code == 200
    assert url in listed.content.decode()


def test_pdf_is_drawn_once_and_the_spreadsheet_escapes_formulas(
    client, year, editor, plan, drawn
):
    report = services.send_to_panel(report=year, by=editor, sent_on=SENT)
    report = services.record_panel_recommendations(
        report=report, by=editor, reviewed_on=MEETING, texts=["=HYPERLINK(1)"]
    )
    report = services.record_response(
        report=report, by=editor, responded_on=ANSWERED, overall="Accepted."
    )
    published = services.publish_annual_report(report=report, by=editor)
    client.force_login(editor)
    url = reverse("scrutiny:annual-report-pdf", args=[published.pk])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert len(drawn) == 1
    assert drawn[0][2] == "scrutiny/annual/report_pdf.html"
    assert AnnualReportPdf.objects.get().report == published

    sheet = client.get(reverse("scrutiny:annual-report-xlsx", args=[published.pk]))
    book = load_workbook(io.BytesIO(sheet.content))
    assert "By status" in book.sheetnames
    rows = list(book["Panel recommendations"].values)
    assert rows[1][1] == "'=HYPERLINK(1)"
    statuses = {r[0]: r for r in book["By status"].values}
    assert statuses["Completed"][-1] == published.data["figures"]["statuses"][0]["end"]


def test_the_working_pages_queries_do_not_grow_with_the_plan(
    client, plan, editor, deliverable, force
):
    def queries() -> int:
        client.force_login(editor)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("scrutiny:annual-year", args=[plan.pk, "2017"]))
        assert page.status_code == 200
        return len(captured)

    publish_quarters(plan, editor, how_many=2)
    services.create_annual_report(plan=plan, year="2017", by=editor)
    few = queries()
    for _ in range(15):
        DeliverableFactory(objective=deliverable.objective, lead_organisation=force)
    for period in quarters(plan)[:2]:
        publish_report(plan=plan, period=period, by=editor, change_note="Fifteen more.")
    assert queries() == few
