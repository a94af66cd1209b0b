"""Published reports and scrutiny actions through the API: read-only, scoped."""

import datetime

import pytest

from deliverables.models import Status
from scrutiny.models import ScrutinyAction
from scrutiny.reports.services import publish_report
from tests.api.conftest import session_client
from tests.factories import record_update

API = "/api/v1"


@pytest.fixture
def report(plan, deliverable, editor):
    q1 = plan.reporting_periods.order_by("starts_on").first()
    record_update(
        deliverable=deliverable,
        by=editor,
        period=q1,
        status=Status.IN_PROGRESS,
        reason="Started",
        narrative="Under way.",
    )
    return publish_report(plan=plan, period=q1, by=editor)


def test_list_gives_facts_and_links_without_the_figures(report, editor):
    response = session_client(editor).get(f"{API}/reports/", {"plan": report.plan_id})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["version"] == 1
    assert row["period_label"] == "Q1 2017"
    assert row["pdf_url"].endswith(f"/reports/{report.pk}/pdf/")
    assert "data" not in row


def test_one_report_carries_its_figures_as_published(report, editor):
    response = session_client(editor).get(f"{API}/reports/{report.pk}/")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["total"] == 1
    counts = {r["status"]: r["count"] for r in data["statuses"]}
    assert counts["in_progress"] == 1


def test_reports_are_read_only(report, editor):
    client = session_client(editor)
    assert client.delete(f"{API}/reports/{report.pk}/").status_code == 405
    assert client.post(f"{API}/reports/", {}, format="json").status_code == 405


def test_outsider_sees_no_reports_or_actions(report, outsider, force):
    ScrutinyAction.objects.create(
        plan=report.plan, text="Why?", raised_by="Panel", owner=force
    )
    client = session_client(outsider)
    assert client.get(f"{API}/reports/").json()["results"] == []
    assert client.get(f"{API}/reports/{report.pk}/").status_code == 404
    assert client.get(f"{API}/scrutiny-actions/").json()["results"] == []


def test_actions_filter_by_state(plan, editor, force):
    ScrutinyAction.objects.create(
        plan=plan, text="Open one", raised_by="Panel", owner=force
    )
    ScrutinyAction.objects.create(
        plan=plan,
        text="Answered one",
        raised_by="Panel",
        owner=force,
        state=ScrutinyAction.State.ANSWERED,
        response="Done.",
        answered_on=datetime.date(2017, 5, 1),
    )
    response = session_client(editor).get(
        f"{API}/scrutiny-actions/", {"state": "answered"}
    )
    assert [r["text"] for r in response.json()["results"]] == ["Answered one"]
    bad = session_client(editor).get(f"{API}/scrutiny-actions/", {"state": "maybe"})
    assert bad.status_code == 400
    assert "state" in bad.content.decode()
