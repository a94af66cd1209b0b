"""Every multi-row write is one transaction: it lands whole or not at all.

Each write that stores many rows (a bulk API POST, confirming a plan import, merging
deliverables, publishing a report) is first run once to count the statements that
write (INSERT, UPDATE, DELETE). Then it is run again with the database made to fail on
the first, a middle and the last of those statements, as a full disk, a lost
connection or a constraint would; each time, every table of the application holds
exactly what it held before.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from deliverables.models import Deliverable
from tests.factories import DATES_2017, DeliverableFactory, plan_for_year

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")
#: Tables written around a request rather than by the write itself: the session
#: (saved after the view's transaction), throttle counts and sign-in records.
BOOKKEEPING = ("django_session", "tracker_cache", "axes_")
JERSEY = Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"


class DatabaseFault(Exception):
    """Raised in place of the n-th writing statement."""


@contextmanager
def writes_fail_at(n: int | None):
    """Count the writing statements run inside; with ``n``, the n-th one fails."""
    seen = {"writes": 0}

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES) and not any(
            table in sql for table in BOOKKEEPING
        ):
            seen["writes"] += 1
            if seen["writes"] == n:
                raise DatabaseFault(sql[:80])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def stored() -> dict[str, int]:
    """How many rows every table of the application holds (history included)."""
    counts = {}
    for label in ("plans", "deliverables", "scrutiny", "auth", "oauth2_provider"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.db_table] = model._default_manager.count()
    return counts


def writes_of(operation) -> int:
    """The writing statements of one run of ``operation``, rolled back."""
    with pytest.raises(DatabaseFault):
        with transaction.atomic(), writes_fail_at(None) as seen:
            operation()
            raise DatabaseFault("counted")
    return seen["writes"]


def assert_all_or_nothing(operation, prepare=lambda: None) -> int:
    """Fail the operation at its first, middle and last write: nothing is left."""
    prepare()
    total = writes_of(operation)
    assert total >= 2, "not a multi-statement write"
    for n in sorted({1, total // 2, total}):
        prepare()
        before = stored()
        with writes_fail_at(n), pytest.raises(DatabaseFault):
            operation()
        assert stored() == before, f"write {n} of {total} left rows behind"
    return total


@pytest.fixture
def team(current_plan, force):
    return [
        DeliverableFactory(
            objective__priority__plan=current_plan,
            lead_organisation=force,
            status="in_progress",
            forecast_date="Q4",
            baseline_date="Q4",
        )
        for _ in range(20)
    ]


def test_a_bulk_api_post_is_all_or_nothing(force_api, team):
    body = {
        "updates": [
            {"deliverable": d.pk, "narrative": f"Bulk {n}.", "rag": "green"}
            for n, d in enumerate(team)
        ]
    }

    def post():
        response = force_api.post("/api/v1/progress-updates/bulk/", body, format="json")
        assert response.status_code == 201, response.content

    assert_all_or_nothing(post)


def test_confirming_a_plan_import_is_all_or_nothing(client, editor, authority, force):
    client.force_login(editor)
    state = {}

    def preview():
        response = client.post(
            reverse("deliverables:import"),
            {
                "file": SimpleUploadedFile("plan.csv", JERSEY.read_bytes()),
                "organisation": authority.pk,
                "reference": "R.4/2017",
                "title": "2017 Policing Plan",
                **DATES_2017,
            },
            follow=True,
        )
        assert response.status_code == 200, response.context.get("errors")
        state["token"] = response.context["token"]

    def confirm():
        response = client.post(
            reverse("deliverables:import-check", args=[state["token"]]),
            {"confirm": "1"},
        )
        assert response.status_code == 302

    # The import writes in bulk: a few statements for each kind of row.
    assert assert_all_or_nothing(confirm, prepare=preview) > 10
    assert not Deliverable.objects.exists()


def test_merging_is_all_or_nothing(client, editor, team):
    client.force_login(editor)
    umbrella, parts = team[0], team[1:6]

    def merge():
        response = client.post(
            reverse("deliverables:merge", args=[umbrella.pk]),
            {"merged": [p.pk for p in parts], "reason": "One programme of work."},
        )
        assert response.status_code == 302, response.content

    assert_all_or_nothing(merge)


def test_publishing_a_report_is_all_or_nothing(client, editor, authority, force):
    year = timezone.localdate().year - 1
    plan = plan_for_year(authority, year)
    period = plan.reporting_periods.order_by("starts_on").last()
    DeliverableFactory.create_batch(
        5, objective__priority__plan=plan, lead_organisation=force
    )
    client.force_login(editor)

    def publish():
        response = client.post(
            f"/plans/{plan.pk}/dashboard/{period.pk}/publish/",
            {"change_note": "First edition."},
        )
        assert response.status_code == 302, response.content

    assert_all_or_nothing(publish)
