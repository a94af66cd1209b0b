"""Quarterly dashboards and published reports: freezing, corrections, who may publish,
what the public may read (and what it never sees), exports, and query counts."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from core.models import AuditEvent
from deliverables import states
from deliverables.models import Deliverable, Rag, Status
from deliverables.services import return_update
from plans.models import Plan, ReportingPeriod
from plans.services import reopen_period
from scrutiny.dashboards.figures import dashboard_rows
from scrutiny.models import PublishedReport, ReportPdf
from scrutiny.reports.pdf import stored_report_pdf
from scrutiny.reports.services import publish_report
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    ForceFactory,
    MilestoneFactory,
    StrandFactory,
    record_update,
)

pytestmark = pytest.mark.django_db


def quarter(plan, n):
    return ReportingPeriod.objects.get(plan=plan, label=f"Q{n} 2017")


def page(response) -> str:
    return response.content.decode()


def complete(deliverable, by, period, narrative="Finished and handed over."):
    """Record a completion for ``period``, reopening it first if its report locked it
    (as an editor does to take a late update before publishing a correction)."""
    period.refresh_from_db()
    if period.is_locked:
        reopen_period(period=period, by=by, reason="A late update arrived.")
    return record_update(
        deliverable=deliverable,
        by=by,
        narrative=narrative,
        status=Status.COMPLETED,
        reason="Delivered as planned.",
        period=period,
    )


@pytest.fixture
def public_plan(plan):
    plan.is_public = True
    plan.save()
    return plan


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Reports' PDFs are stored in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def drawn(monkeypatch):
    """WeasyPrint stood in for: each report drawn (and the address its links resolve
    against) is counted, and its PDF is a few bytes naming its version."""
    calls = []

    def draw(report, url):
        calls.append((report.pk, url))
        return f"%PDF-1.7\n% version {report.version}\n%%EOF\n".encode()

    monkeypatch.setattr("scrutiny.reports.pdf.report_pdf", draw)
    return calls


# Publishing freezes ------------------------------------------------------------


def test_a_published_report_does_not_change_when_the_plan_does(
    client, editor, plan, deliverable
):
    q2 = quarter(plan, 2)
    old_title = deliverable.title
    client.force_login(editor)

    response = client.post(reverse("scrutiny:publish", args=[plan.pk, q2.pk]))
    report = PublishedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scrutiny:report", args=[report.pk])
    assert report.version == 1
    assert report.published_by == editor
    html, data = report.html, report.data
    assert data["total"] == 1
    completed = {r["status"]: r["count"] for r in data["statuses"]}["completed"]
    assert completed == 0

    complete(deliverable, editor, q2)
    deliverable.refresh_from_db()
    deliverable.title = "A wholly new title"
    deliverable.save()

    report = PublishedReport.objects.get(pk=report.pk)
    assert report.html == html
    assert report.data == data
    shown = page(client.get(reverse("scrutiny:report", args=[report.pk])))
    assert html in shown
    assert old_title in shown
    assert "A wholly new title" not in shown
    assert "This version has been corrected" not in shown

    # The live dashboard has moved on, though.
    live = client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]))
    assert "A wholly new title" in page(live)
    live_completed = {
        r["status"]: r["count"] for r in live.context["data"]["statuses"]
    }["completed"]
    assert live_completed == 1


def test_a_correction_needs_a_note(client, editor, plan, deliverable):
    q2 = quarter(plan, 2)
    first = publish_report(plan=plan, period=q2, by=editor)
    complete(deliverable, editor, q2)

    with pytest.raises(ValidationError) as raised:
        publish_report(plan=plan, period=q2, by=editor)
    assert "change_note" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        publish_report(plan=plan, period=q2, by=editor, change_note="   ")
    assert "change_note" in raised.value.message_dict

    client.force_login(editor)
    url = reverse("scrutiny:publish", args=[plan.pk, q2.pk])
    assert "Publish a correction" in page(client.get(url))
    response = client.post(url, {"change_note": ""})
    shown = page(response)
    assert response.status_code == 400
    assert "<title>Error: " in shown
    assert "govuk-error-summary" in shown
    assert 'href="#id_change_note"' in shown
    assert 'id="id_change_note-error"' in shown
    assert "Say what this correction changes since version 1" in shown
    assert "govuk-textarea--error" in shown
    assert list(PublishedReport.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_correction_is_the_next_version_and_says_what_changed(
    client, editor, plan, deliverable
):
    q2 = quarter(plan, 2)
    client.force_login(editor)
    url = reverse("scrutiny:publish", args=[plan.pk, q2.pk])
    client.post(url)
    first = PublishedReport.objects.get()
    complete(deliverable, editor, q2)

    note = "The force's Q2 update arrived after the panel's deadline."
    response = client.post(url, {"change_note": note})
    second = PublishedReport.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scrutiny:report", args=[second.pk])
    assert second.version == 2
    assert second.is_correction
    assert second.change_note == note
    assert "Completed: 0 to 1" in second.data["differences"]

    shown = page(client.get(reverse("scrutiny:report", args=[second.pk])))
    assert "version 2" in shown
    assert "What changed in this version" in shown
    assert escape(note) in shown
    assert "Completed: 0 to 1" in shown
    assert "This version has been corrected" not in shown

    old = page(client.get(reverse("scrutiny:report", args=[first.pk])))
    assert "This version has been corrected" in old
    assert f'href="{reverse("scrutiny:report", args=[second.pk])}"' in old
    assert "Read version 2" in old
    assert "Completed: 0 to 1" not in old

    listing = page(client.get(reverse("scrutiny:reports", args=[plan.pk])))
    assert "Version 2" in listing
    assert "Version 1" in listing


def test_a_published_report_refuses_every_change(editor, plan, deliverable):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)

    report.change_note = "Sneaky edit"
    with pytest.raises(PublishedReport.Frozen):
        report.save()
    with pytest.raises(PublishedReport.Frozen):
        report.delete()
    with pytest.raises(PublishedReport.Frozen):
        PublishedReport.objects.update(change_note="Sneaky edit")
    with pytest.raises(PublishedReport.Frozen):
        PublishedReport.objects.filter(pk=report.pk).update(html="")
    with pytest.raises(PublishedReport.Frozen):
        PublishedReport.objects.all().delete()
    with pytest.raises(PublishedReport.Frozen):
        PublishedReport.objects.filter(pk=report.pk).delete()

    stored = PublishedReport.objects.get()
    assert stored.change_note == ""
    assert stored.html == report.html


# Only plan editors publish ---------------------------------------------------------


@pytest.mark.parametrize("who", ["reader", "contributor"])
def test_only_plan_editors_publish(client, request, who, plan, deliverable):
    user = request.getfixturevalue(who)
    q2 = quarter(plan, 2)
    client.force_login(user)
    url = reverse("scrutiny:publish", args=[plan.pk, q2.pk])

    # Both see the plan, so are refused (403), not told it is not there.
    assert client.get(url).status_code == 403
    assert client.post(url, {"change_note": "Let me"}).status_code == 403
    assert not PublishedReport.objects.exists()
    with pytest.raises(PermissionDenied):
        publish_report(plan=plan, period=q2, by=user)
    assert not PublishedReport.objects.exists()

    # Nor is the button offered on the live dashboard they can read.
    dashboard = client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]))
    assert dashboard.status_code == 200
    assert url not in page(dashboard)


def test_signed_out_people_are_sent_to_sign_in_to_publish(anonymous, plan):
    q2 = quarter(plan, 2)
    url = reverse("scrutiny:publish", args=[plan.pk, q2.pk])
    for response in (anonymous.get(url), anonymous.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))
    assert not PublishedReport.objects.exists()


def test_a_period_of_another_plan_cannot_be_published(editor, plan, authority):
    from plans.services import ensure_quarterly_periods
    from tests.factories import PlanFactory

    other = PlanFactory(owner=authority)
    ensure_quarterly_periods(plan=other)
    with pytest.raises(ValidationError):
        publish_report(plan=plan, period=quarter(other, 2), by=editor)
    assert not PublishedReport.objects.exists()


# Public access ----------------------------------------------------------------


def report_urls(report):
    return [
        reverse("scrutiny:report", args=[report.pk]),
        reverse("scrutiny:report-pdf", args=[report.pk]),
        reverse("scrutiny:report-csv", args=[report.pk, "status"]),
        reverse("scrutiny:report-xlsx", args=[report.pk]),
        reverse("scrutiny:report-drill-down", args=[report.pk]),
        reverse("scrutiny:reports", args=[report.plan_id]),
    ]


def test_anyone_may_read_a_public_plans_published_reports(
    anonymous, editor, public_plan, deliverable
):
    report = publish_report(plan=public_plan, period=quarter(public_plan, 2), by=editor)

    shown = anonymous.get(reverse("scrutiny:report", args=[report.pk]))
    assert shown.status_code == 200
    assert deliverable.title in page(shown)

    pdf = anonymous.get(reverse("scrutiny:report-pdf", args=[report.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.getvalue().startswith(b"%PDF")

    table = anonymous.get(reverse("scrutiny:report-csv", args=[report.pk, "status"]))
    assert table.status_code == 200
    assert table["Content-Type"].startswith("text/csv")

    xlsx = anonymous.get(reverse("scrutiny:report-xlsx", args=[report.pk]))
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")

    drill = anonymous.get(
        reverse("scrutiny:report-drill-down", args=[report.pk]), {"status": "future"}
    )
    assert drill.status_code == 200
    assert deliverable.title in page(drill)

    listing = anonymous.get(reverse("scrutiny:reports", args=[public_plan.pk]))
    assert listing.status_code == 200
    assert reverse("scrutiny:report", args=[report.pk]) in page(listing)

    overview = anonymous.get(reverse("scrutiny:overview"))
    assert overview.status_code == 200
    assert public_plan.title in page(overview)
    assert reverse("scrutiny:report", args=[report.pk]) in page(overview)


@pytest.mark.parametrize(
    ("is_public", "state"),
    [(False, Plan.State.PUBLISHED), (True, Plan.State.DRAFT)],
    ids=["private", "public-draft"],
)
def test_nobody_signed_out_reads_a_private_or_draft_plans_reports(
    anonymous, editor, plan, deliverable, is_public, state
):
    plan.is_public, plan.state = is_public, state
    plan.save()
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)

    for url in report_urls(report):
        assert anonymous.get(url).status_code == 404, url
    timeline = reverse("scrutiny:report-timeline", args=[report.pk, deliverable.pk])
    assert anonymous.get(timeline).status_code == 404
    assert anonymous.get(reverse("scrutiny:dashboard", args=[plan.pk])).status_code == (
        404
    )
    assert plan.title not in page(anonymous.get(reverse("scrutiny:overview")))


def test_signed_out_the_dashboard_is_the_latest_published_report(
    anonymous, editor, public_plan, deliverable
):
    url = reverse("scrutiny:dashboard", args=[public_plan.pk])
    q1, q2 = quarter(public_plan, 1), quarter(public_plan, 2)
    assert anonymous.get(url).status_code == 404
    period_url = reverse("scrutiny:dashboard-period", args=[public_plan.pk, q2.pk])
    assert anonymous.get(period_url).status_code == 404

    first = publish_report(plan=public_plan, period=q1, by=editor)
    second = publish_report(plan=public_plan, period=q2, by=editor)
    corrected = publish_report(
        plan=public_plan, period=q2, by=editor, change_note="Late update."
    )
    assert second.version == 1 and corrected.version == 2

    response = anonymous.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("scrutiny:report", args=[corrected.pk])
    response = anonymous.get(
        reverse("scrutiny:dashboard-period", args=[public_plan.pk, q1.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("scrutiny:report", args=[first.pk])


def test_signed_out_there_is_no_live_drill_down(
    anonymous, editor, public_plan, deliverable
):
    q2 = quarter(public_plan, 2)
    publish_report(plan=public_plan, period=q2, by=editor)
    for name, args in [
        ("scrutiny:drill-down", [public_plan.pk, q2.pk]),
        ("scrutiny:timeline", [public_plan.pk, q2.pk, deliverable.pk]),
    ]:
        response = anonymous.get(reverse(name, args=args), {"status": "future"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in"))


@pytest.fixture
def reviewed_plan(public_plan):
    public_plan.review_contributor_updates = True
    public_plan.save()
    return public_plan


def test_returned_and_waiting_updates_and_review_comments_never_show(
    anonymous, editor, contributor, reviewed_plan, deliverable
):
    q2, q3 = quarter(reviewed_plan, 2), quarter(reviewed_plan, 3)
    record_update(
        deliverable=deliverable,
        by=editor,
        narrative="Accepted narrative: the business case is approved.",
        period=q2,
    )
    returned = record_update(
        deliverable=deliverable,
        by=contributor,
        narrative="Returned narrative: all done, trust us.",
        status=Status.COMPLETED,
        reason="We think so.",
        period=q2,
    )
    assert returned.requires_review
    return_update(
        update=returned, by=editor, comment="Internal review comment: no evidence."
    )
    waiting = record_update(
        deliverable=deliverable,
        by=contributor,
        narrative="Waiting narrative: still being checked.",
        period=q2,
    )
    assert waiting.requires_review
    record_update(
        deliverable=deliverable,
        by=editor,
        narrative="Later narrative: recorded for the next quarter.",
        period=q3,
    )

    report = publish_report(plan=reviewed_plan, period=q2, by=editor)
    assert report.data["total"] == 1
    statuses = {r["status"]: r["count"] for r in report.data["statuses"]}
    assert statuses["completed"] == 0

    timeline = anonymous.get(
        reverse("scrutiny:report-timeline", args=[report.pk, deliverable.pk])
    )
    assert timeline.status_code == 200
    shown_report = page(anonymous.get(reverse("scrutiny:report", args=[report.pk])))
    drill = page(anonymous.get(reverse("scrutiny:report-drill-down", args=[report.pk])))
    assert "Accepted narrative" in report.html
    assert "Accepted narrative" in page(timeline)
    for text in (report.html, shown_report, drill, page(timeline)):
        assert "Returned narrative" not in text
        assert "Internal review comment" not in text
        assert "Waiting narrative" not in text
        assert "Later narrative" not in text


@pytest.mark.parametrize("names_in_public", [False, True])
def test_recorders_are_named_in_public_only_when_the_owner_allows(
    anonymous, editor, authority, public_plan, deliverable, names_in_public
):
    editor.first_name, editor.last_name = "Erin", "Quayle-Ashworth"
    editor.save()
    authority.names_in_public = names_in_public
    authority.save()
    q2 = quarter(public_plan, 2)
    record_update(
        deliverable=deliverable,
        by=editor,
        narrative="Patrol plan agreed with the parishes.",
        period=q2,
    )
    report = publish_report(plan=public_plan, period=q2, by=editor)

    shown = page(anonymous.get(reverse("scrutiny:report", args=[report.pk])))
    timeline = page(
        anonymous.get(
            reverse("scrutiny:report-timeline", args=[report.pk, deliverable.pk])
        )
    )
    assert "Patrol plan agreed" in report.html
    assert "Patrol plan agreed" in timeline
    for text in (report.html, shown, timeline):
        assert ("Erin Quayle-Ashworth" in text) is names_in_public
        assert ("Quayle-Ashworth" in text) is names_in_public


# The PDF: drawn once, kept -------------------------------------------------------


def stored_bytes(report):
    with report.pdf.file.open("rb") as file:
        return file.read()


def test_publishing_stores_a_real_pdf_with_its_size(
    client, editor, plan, deliverable, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    url = reverse("scrutiny:publish", args=[plan.pk, quarter(plan, 2).pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    report = PublishedReport.objects.get()
    pdf = ReportPdf.objects.get(report=report)
    content = stored_bytes(report)
    assert content.startswith(b"%PDF")  # drawn by WeasyPrint itself
    assert pdf.size == len(content) == default_storage.size(pdf.file.name)
    assert pdf.file.name.startswith(f"reports/{plan.pk}/")
    event = AuditEvent.objects.get(object_type="scrutiny.ReportPdf")
    assert (event.action, event.via, event.plan_id) == ("created", "task", plan.pk)


def test_a_download_sends_the_stored_pdf_and_never_draws_it_again(
    client,
    editor,
    plan,
    deliverable,
    drawn,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SITE_URL = "https://plans.example.org/"
    with django_capture_on_commit_callbacks(execute=True):
        report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    assert drawn == [(report.pk, f"https://plans.example.org/reports/{report.pk}/")]
    stored = stored_bytes(report)
    client.force_login(editor)

    for _ in range(2):
        response = client.get(reverse("scrutiny:report-pdf", args=[report.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            'attachment; filename="r42017-q2-2017-report-v1.pdf"'
        )
        assert response["Content-Length"] == str(len(stored))
        assert response.getvalue() == stored
    assert len(drawn) == 1
    assert ReportPdf.objects.count() == 1


def test_a_report_without_a_stored_pdf_draws_it_on_its_first_download_only(
    client, editor, plan, deliverable, drawn
):
    # As a report published before PDFs were kept, or one still being drawn: here
    # the task queued after the commit never runs.
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    assert not ReportPdf.objects.exists()
    client.force_login(editor)
    url = reverse("scrutiny:report-pdf", args=[report.pk])

    first = client.get(url)
    assert first.status_code == 200
    assert len(drawn) == 1
    pdf = ReportPdf.objects.get(report=report)
    sent = first.getvalue()
    assert sent == stored_bytes(report)
    assert pdf.size == len(sent)

    assert client.get(url).getvalue() == sent
    assert len(drawn) == 1
    assert ReportPdf.objects.count() == 1


def test_a_correction_gets_a_pdf_of_its_own(
    editor, plan, deliverable, drawn, django_capture_on_commit_callbacks
):
    q2 = quarter(plan, 2)
    with django_capture_on_commit_callbacks(execute=True):
        first = publish_report(plan=plan, period=q2, by=editor)
    was = stored_bytes(first)
    complete(deliverable, editor, q2)
    with django_capture_on_commit_callbacks(execute=True):
        second = publish_report(
            plan=plan, period=q2, by=editor, change_note="A late completion."
        )

    assert [pk for pk, _ in drawn] == [first.pk, second.pk]
    first, second = (PublishedReport.objects.get(pk=r.pk) for r in (first, second))
    assert first.pdf.file.name != second.pdf.file.name
    assert b"version 2" in stored_bytes(second)
    assert stored_bytes(first) == was  # version 1's PDF is left as it was


def test_a_pdf_that_fails_to_draw_does_not_stop_publishing(
    client,
    editor,
    plan,
    deliverable,
    media,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    def broken(report, url):
        raise OSError("Pango is missing")

    monkeypatch.setattr("scrutiny.reports.pdf.report_pdf", broken)
    client.force_login(editor)
    url = reverse("scrutiny:publish", args=[plan.pk, quarter(plan, 2).pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    report = PublishedReport.objects.get()
    assert response["Location"] == reverse("scrutiny:report", args=[report.pk])
    assert not ReportPdf.objects.exists()
    assert not list(Path(media).rglob("*.pdf"))
    assert "PDF being prepared" in page(client.get(response["Location"]))


def test_a_reports_pdf_never_changes(editor, plan, deliverable, drawn):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    pdf = stored_report_pdf(report=report)
    assert stored_report_pdf(report=report) == pdf
    assert len(drawn) == 1

    pdf.size = 1
    with pytest.raises(PublishedReport.Frozen):
        pdf.save()
    with pytest.raises(PublishedReport.Frozen):
        pdf.delete()
    with pytest.raises(PublishedReport.Frozen):
        ReportPdf.objects.update(size=1)
    with pytest.raises(PublishedReport.Frozen):
        ReportPdf.objects.all().delete()
    assert ReportPdf.objects.get().size == len(stored_bytes(report))


def test_a_pdf_stored_meanwhile_by_another_download_is_the_one_kept(
    editor, plan, deliverable, monkeypatch
):
    """Two first downloads at once: the one that stores first wins, and the other's
    file is not kept."""
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)

    def draw_while_another_stores(report, url):
        other = ReportPdf(report=report, size=9)
        other.file.save("report.pdf", ContentFile(b"%PDF-them"), save=False)
        other.save()
        return b"%PDF-us"

    monkeypatch.setattr("scrutiny.reports.pdf.report_pdf", draw_while_another_stores)
    pdf = stored_report_pdf(report=report)

    assert ReportPdf.objects.get() == pdf
    assert stored_bytes(report) == b"%PDF-them"
    folder = default_storage.path(f"reports/{plan.pk}")
    assert [p.name for p in Path(folder).iterdir()] == [Path(pdf.file.name).name]


def test_a_pdf_whose_file_is_missing_is_drawn_afresh(
    client, editor, plan, deliverable, drawn
):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    default_storage.delete(stored_report_pdf(report=report).file.name)
    client.force_login(editor)

    response = client.get(reverse("scrutiny:report-pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert len(drawn) == 2


def test_the_report_page_and_list_show_the_pdfs_size_or_that_it_is_being_prepared(
    client, editor, plan, deliverable, drawn
):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    client.force_login(editor)
    detail = reverse("scrutiny:report", args=[report.pk])
    listing = reverse("scrutiny:reports", args=[plan.pk])
    pdf_url = reverse("scrutiny:report-pdf", args=[report.pk])

    # Not stored yet: the link still works (it draws the PDF), and says so.
    for url in (detail, listing):
        shown = page(client.get(url))
        assert pdf_url in shown
        assert "PDF being prepared" in shown

    size = filesizeformat(stored_report_pdf(report=report).size)
    shown = page(client.get(detail))
    assert f"Report as PDF ({size})</a>" in shown
    assert "PDF being prepared" not in shown
    shown = page(client.get(listing))
    assert f" of the Q2 2017 report</span> ({size})</a>" in shown
    assert "PDF being prepared" not in shown


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_someone_who_cannot_see_the_report_cannot_have_its_pdf(
    client, request, who, editor, plan, deliverable, drawn
):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    if who == "outsider":
        client.force_login(request.getfixturevalue("outsider"))
    url = reverse("scrutiny:report-pdf", args=[report.pk])

    assert client.get(url).status_code == 404
    assert not drawn
    assert not ReportPdf.objects.exists()
    stored_report_pdf(report=report)
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_publishing_queues_the_pdf_and_the_worker_draws_it(
    settings, editor, plan, deliverable, drawn
):
    """What production does (TASKS_BACKEND=database): publishing returns at once,
    and the worker draws and stores the PDF."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    assert not drawn
    assert not ReportPdf.objects.exists()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert [pk for pk, _ in drawn] == [report.pk]
    assert ReportPdf.objects.get().report == report


# Exports -----------------------------------------------------------------------


@pytest.fixture
def two_deliverables(plan, force, editor, deliverable):
    """Both in the plan from the start; one completed in Q2."""
    done = DeliverableFactory(
        objective=deliverable.objective, lead_organisation=force, title="Body cameras"
    )
    complete(done, editor, quarter(plan, 2))
    return deliverable, done


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_status_table_as_csv(client, editor, plan, two_deliverables):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    client.force_login(editor)
    response = client.get(reverse("scrutiny:report-csv", args=[report.pk, "status"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('-report-v1.status.csv"')
    rows = csv_rows(response)
    assert rows[0] == ["Status", "End of Q2 2017", "End of Q1 2017", "Change"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["Completed"] == ["1", "0", "1"]
    assert by_label["Future"] == ["1", "2", "-1"]
    assert by_label["In progress"] == ["0", "0", "0"]
    assert rows[-1] == ["Total", "2", "2", "0"]


EVIL = '=HYPERLINK("https://evil.example/","Click me")'


def test_formula_cells_are_escaped_in_csv_and_xlsx(client, editor, plan, force):

    DeliverableFactory(
        objective__priority__plan=plan,
        lead_organisation=force,
        title=EVIL,
        baseline_date="Q1",
        forecast_date="Q1",
    )
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    assert [r["title"] for r in report.every_row if r["late"]] == [EVIL]
    client.force_login(editor)

    rows = csv_rows(
        client.get(reverse("scrutiny:report-csv", args=[report.pk, "late"]))
    )
    assert rows[0][:2] == ["Reference", "Title"]
    assert rows[1][1] == "'" + EVIL
    assert not any(cell.startswith("=") for row in rows for cell in row)

    response = client.get(reverse("scrutiny:report-xlsx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-report-v1.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    late = workbook["Late"]
    assert late.cell(row=2, column=2).value == "'" + EVIL
    assert late.cell(row=2, column=2).data_type == "s"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


def test_control_characters_do_not_break_the_xlsx(client, editor, plan, deliverable):
    q2 = quarter(plan, 2)
    record_update(
        deliverable=deliverable, by=editor, narrative="Pasted\x0bfrom Word", period=q2
    )
    report = publish_report(plan=plan, period=q2, by=editor)
    client.force_login(editor)
    response = client.get(reverse("scrutiny:report-xlsx", args=[report.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    narratives = [
        cell.value for row in workbook["All deliverables"].iter_rows() for cell in row
    ]
    assert "Pasted from Word" in narratives


def test_an_unknown_table_is_not_found(client, editor, plan, deliverable):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    client.force_login(editor)
    url = reverse("scrutiny:report-csv", args=[report.pk, "no-such-table"])
    assert client.get(url).status_code == 404


def test_the_report_page_offers_every_table(client, editor, plan, deliverable):
    report = publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    client.force_login(editor)
    shown = page(client.get(reverse("scrutiny:report", args=[report.pk])))
    for slug in ("status", "late", "deliverables", "actions"):
        url = reverse("scrutiny:report-csv", args=[report.pk, slug])
        assert url in shown
        assert client.get(url).status_code == 200
    assert reverse("scrutiny:report-xlsx", args=[report.pk]) in shown


# The live dashboard, signed in ---------------------------------------------------


@pytest.fixture
def mixed_plan(plan, force, deliverable):
    """The force leads one deliverable and owns another; a third is someone else's."""
    owned = DeliverableFactory(
        objective=deliverable.objective, lead_organisation=ForceFactory()
    )
    DeliverableOwnerFactory(deliverable=owned, organisation=force)
    others = DeliverableFactory(
        objective=deliverable.objective,
        lead_organisation=ForceFactory(),
        title="Someone else's work",
    )
    return deliverable, owned, others


def test_an_editor_sees_the_live_dashboard_with_its_headline_counts(
    client, editor, plan, mixed_plan
):
    _, _, others = mixed_plan
    q2 = quarter(plan, 2)
    complete(others, editor, q2)
    client.force_login(editor)

    response = client.get(reverse("scrutiny:dashboard", args=[plan.pk]))
    assert response.status_code == 302  # to the latest period that has ended
    assert response["Location"] == reverse(
        "scrutiny:dashboard-period", args=[plan.pk, quarter(plan, 4).pk]
    )
    response = client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]))
    shown = page(response)
    assert response.status_code == 200
    data = response.context["data"]
    assert data["total"] == 3
    counts = {r["status"]: r["count"] for r in data["statuses"]}
    assert counts["completed"] == 1
    assert counts["future"] == 2
    assert "3 deliverables in the plan" in shown
    assert "Quarterly dashboard: Q2 2017" in shown
    assert '<span class="app-headline__count">1</span>' in shown
    assert '<span class="app-headline__count">2</span>' in shown
    assert "Publish this report" in shown
    assert reverse("scrutiny:publish", args=[plan.pk, q2.pk]) in shown


def test_a_force_contributor_sees_only_its_own_work(
    client, contributor, plan, mixed_plan
):
    led, owned, others = mixed_plan
    q2 = quarter(plan, 2)
    client.force_login(contributor)
    response = client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]))
    shown = page(response)
    assert response.status_code == 200
    data = response.context["data"]
    assert data["total"] == 2
    seen = dashboard_rows(plan, q2, Deliverable.objects.visible_to(contributor))
    assert {r["id"] for r in seen} == {led.pk, owned.pk}
    assert "2 deliverables in the plan" in shown
    assert others.title not in shown
    assert "Publish this report" not in shown

    drill = client.get(reverse("scrutiny:drill-down", args=[plan.pk, q2.pk]))
    assert drill.status_code == 200
    assert {r["id"] for r in drill.context["rows"]} == {led.pk, owned.pk}
    timeline = reverse("scrutiny:timeline", args=[plan.pk, q2.pk, others.pk])
    assert client.get(timeline).status_code == 404


def test_an_outsider_cannot_see_the_dashboard(client, outsider, plan, deliverable):
    q2 = quarter(plan, 2)
    client.force_login(outsider)
    for url in (
        reverse("scrutiny:dashboard", args=[plan.pk]),
        reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]),
        reverse("scrutiny:drill-down", args=[plan.pk, q2.pk]),
        reverse("scrutiny:reports", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert plan.title not in page(client.get(reverse("scrutiny:overview")))


def test_a_period_of_another_plan_is_not_found(client, editor, plan, authority):
    from plans.services import ensure_quarterly_periods
    from tests.factories import PlanFactory

    other = PlanFactory(owner=authority)
    ensure_quarterly_periods(plan=other)
    client.force_login(editor)
    url = reverse("scrutiny:dashboard-period", args=[plan.pk, quarter(other, 2).pk])
    assert client.get(url).status_code == 404


def add_work(plan, objective, force, editor, count, start):
    """``count`` deliverables, each with a strand, a milestone next quarter, an owner
    and updates in Q1 and Q2 (started, then re-dated, rated red, or completed); the
    last merged in Q2 into the first. Beside them, everything else a dashboard shows,
    one of each per batch: a decision notice naming the batch, an indicator with
    values and a change to its definition, and a scrutiny action."""
    from decimal import Decimal

    from plans.services import change_indicator
    from scrutiny.models import ScrutinyAction
    from tests.factories import (
        DecisionNoticeFactory,
        IndicatorFactory,
        IndicatorValueFactory,
    )

    q1, q2 = quarter(plan, 1), quarter(plan, 2)
    strand = StrandFactory(plan=plan, name=f"Strand {start}")
    made = []
    for i in range(start, start + count):
        d = DeliverableFactory(
            objective=objective,
            lead_organisation=force,
            baseline_date="Q3",
            forecast_date="Q3",
            identified_on=datetime.date(2017, 4, 10) if i % 5 == 0 else None,
        )
        made.append(d)
        d.strands.add(strand)
        DeliverableOwnerFactory(deliverable=d, organisation=force)
        MilestoneFactory(deliverable=d, due_date="Q3")
        record_update(
            deliverable=d,
            by=editor,
            narrative=f"Work started on {i}.",
            status=Status.IN_PROGRESS,
            reason="Funding approved.",
            period=q1,
        )
        kind = i % 3
        record_update(
            deliverable=d,
            by=editor,
            narrative=f"Quarter two on {i}.",
            status=Status.COMPLETED if kind == 0 else None,
            forecast_date="Q4" if kind == 1 else None,
            rag=Rag.RED if kind == 2 else Rag.AMBER,
            reason="Change of scope." if kind in (0, 1) else "",
            period=q2,
        )
    if len(made) > 1 and not made[-1].is_closed:
        made[-1].refresh_from_db()
        record_update(
            deliverable=made[-1],
            by=editor,
            narrative="Joined the first of its batch.",
            status=Status.MERGED,
            merged_into=made[0],
            reason="One team now.",
            period=q2,
        )
    notice = DecisionNoticeFactory(plan=plan, approved_on=datetime.date(2017, 5, 2))
    notice.deliverables.add(*made)
    indicator = IndicatorFactory(plan=plan, target_value=Decimal(90))
    for period, value in ((q1, 100), (q2, 95)):
        IndicatorValueFactory(indicator=indicator, period=period, value=value)
    change_indicator(
        indicator=indicator,
        by=editor,
        reason="A tighter target from Q2.",
        from_period=q2,
        target_value=Decimal(85),
    )
    ScrutinyAction.objects.create(
        plan=plan,
        text=f"Why did batch {start} slip?",
        raised_by="Police and Crime Panel",
        raised_on=datetime.date(2017, 4, 20),
        owner=force,
    )


#: The most a dashboard page may cost, whatever the plan holds, on the first read
#: after a write: issue 7's budget, one more for an editor (the quarter's draft
#: commentary), four more since the figures are counted in SQL (the strands' counts,
#: every list's places and then the words of the rows it shows, and what needs an
#: update on its own), and seven to keep the counts: the plan's stamp, the cache
#: lookup, and the cache's write (its size, a savepoint, the key, the row), and one
#: for the plan's variations (the plan as it stood at the period's end), and one
#: for the recommendations panel (its counts in one aggregate).
DASHBOARD_QUERIES = 29
#: The same page while nothing has changed since a read kept its counts: the stamp
#: and the cache lookup in place of the five counting queries.
DASHBOARD_QUERIES_KEPT = 19


@pytest.mark.parametrize("n", [2, 4], ids=["past period", "latest period"])
def test_the_dashboard_costs_the_same_queries_for_3_or_30_deliverables(
    client, editor, plan, force, deliverable, n
):
    period = quarter(plan, n)
    objective = deliverable.objective
    add_work(plan, objective, force, editor, 2, start=1)
    client.force_login(editor)
    url = reverse("scrutiny:dashboard-period", args=[plan.pk, period.pk])
    client.get(url)  # warm any per-process caches
    states.stamp([plan.pk])  # as a write would: the counts kept are read no more

    # The first read after a write counts; the next reads what that one kept.
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["data"]["total"] == 3
    with CaptureQueriesContext(connection) as few_again:
        client.get(url)

    add_work(plan, objective, force, editor, 27, start=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as many_again:
        again = client.get(url)
    assert again.context["data"] == response.context["data"]
    data = response.context["data"]
    assert data["total"] == 30
    assert data["counts"]["off_track"]
    if n == 2:  # what happened in the period, and what is due in the next
        assert data["completed"] and data["changes"]["redated"]
        merged = data["changes"]["merged"]
        assert len(merged) == 2 and data["milestones_next"]
        for row in merged:
            target = Deliverable.objects.get(pk=row["into_id"])
            assert (row["into_reference"], row["into_title"]) == (
                target.reference,
                target.title,
            )
        assert len(data["decisions"]) == 2
        assert len(data["decisions"][1]["deliverables"]) == 27
        assert len(data["actions"]["open"]) == 2
    assert len(data["indicators"]) == 2
    assert all(row["changes"] for row in data["indicators"])
    sql = "\n".join(q["sql"] for q in many.captured_queries)
    assert len(many) == len(few), sql
    assert len(many) <= DASHBOARD_QUERIES, sql
    assert len(many_again) == len(few_again) < len(many)
    assert len(many_again) <= DASHBOARD_QUERIES_KEPT
