"""Every list costs the same number of SQL queries whatever its length: no N+1.

Each list is read by an editor of the plan owner (who sees everything here) with 3 rows
and then with 30, each row carrying the relations its serializer shows (owners,
strands, milestones, values, reviews, API clients...), and both reads must take the
same number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliverables.models import Deliverable, Milestone, ProgressUpdate
from deliverables.services import return_update
from plans.models import Indicator, Objective, Organisation, Plan, Priority
from plans.services import ensure_quarterly_periods, issue_api_client
from scrutiny.models import DecisionNotice
from tests.api.conftest import session_client
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableFactory,
    DeliverableOwnerFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MilestoneFactory,
    ObjectiveFactory,
    OrganisationFactory,
    PlanFactory,
    PriorityFactory,
    StrandFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
FEW, MANY = 3, 30


@dataclass
class Scene:
    """What the row builders share: the plan, its organisations and people."""

    plan: Plan
    authority: Organisation
    force: Organisation
    partner: Organisation
    editor: Any
    contributor: Any
    api_client: Any
    led: Deliverable
    made: int = 0

    def next(self) -> int:
        self.made += 1
        return self.made


@pytest.fixture
def scene(current_plan, authority, force, partner, personas, led):
    editor = personas["editor"]
    # Contributors' updates wait for review, so some rows carry a review too.
    current_plan.review_contributor_updates = True
    current_plan.save()
    client, _ = issue_api_client(
        organisation=force, name="Performance system", scopes=["read"], by=editor
    )
    return Scene(
        plan=current_plan,
        authority=authority,
        force=force,
        partner=partner,
        editor=editor,
        contributor=personas["contributor_lead"],
        api_client=client,
        led=led,
    )


def add_deliverable(scene: Scene) -> None:
    n = scene.next()
    work = DeliverableFactory(
        objective__priority__plan=scene.plan,
        reference=f"Q.{n}",
        lead_organisation=scene.force,
    )
    DeliverableOwnerFactory(deliverable=work, organisation=scene.partner)
    DeliverableOwnerFactory(deliverable=work, organisation=None)
    MilestoneFactory(deliverable=work)
    work.strands.add(StrandFactory(plan=scene.plan))


def add_progress_update(scene: Scene) -> None:
    """Updates by an editor, by an API client, and by a contributor whose update was
    returned by review, in turn, so each row touches every relation shown."""
    n = scene.next()
    if n % 3 == 0:
        record_update(deliverable=scene.led, by=scene.editor, narrative=f"Update {n}")
        return
    if n % 3 == 1:
        by, client = scene.api_client.service_user, scene.api_client
    else:
        by, client = scene.contributor, None
    update = record_update(
        deliverable=scene.led, by=by, api_client=client, narrative=f"Update {n}"
    )
    return_update(update=update, by=scene.editor, comment="Say what changed.")


def add_plan(scene: Scene) -> None:
    n = scene.next()
    plan = PlanFactory(owner=scene.authority, reference=f"QC/{n}")
    ensure_quarterly_periods(plan=plan)


def add_priority(scene: Scene) -> None:
    parent = Priority.objects.filter(plan=scene.plan, parent=None).first()
    PriorityFactory(plan=scene.plan, parent=parent)


def add_objective(scene: Scene) -> None:
    ObjectiveFactory(priority__plan=scene.plan)


def add_milestone(scene: Scene) -> None:
    MilestoneFactory(deliverable=scene.led)


def add_indicator(scene: Scene) -> None:
    indicator = IndicatorFactory(plan=scene.plan)
    for period in scene.plan.reporting_periods.order_by("starts_on")[:2]:
        IndicatorValueFactory(indicator=indicator, period=period)


def add_decision_notice(scene: Scene) -> None:
    notice = DecisionNoticeFactory(plan=scene.plan)
    notice.deliverables.add(scene.led)


def add_organisation(scene: Scene) -> None:
    OrganisationFactory(parent=scene.authority, successor=scene.force)


@dataclass(frozen=True)
class Listing:
    url: Callable[[Scene], str]
    add: Callable[[Scene], None]
    model: Any  # every row of it is visible to the editor, so the list holds them all
    # Whether the page shows the rows' relations, so that they were really read.
    shows: Callable[[list[dict]], bool] = lambda rows: True
    paginated: bool = True


def _every(check: Callable[[dict], bool]) -> Callable[[list[dict]], bool]:
    return lambda rows: all(check(row) for row in rows)


def _updates_show(rows: list[dict]) -> bool:
    """Each of the three kinds of update of ``add_progress_update`` is on the page."""
    return (
        all(row["period"]["label"] and row["recorded_by"] for row in rows)
        and any(row["api_client"] == "Performance system" for row in rows)
        and any(row["review_comment"] == "Say what changed." for row in rows)
        and any(row["review_state"] == "accepted" for row in rows)
    )


def _list(resource: str) -> Callable[[Scene], str]:
    return lambda scene: f"{API}/{resource}/?page_size=100"


LISTINGS = {
    "deliverables": Listing(
        _list("deliverables"),
        add_deliverable,
        Deliverable,
        _every(
            lambda row: (
                row["reference"] == "3.1.1.1.1"  # led, which has none of these
                or bool(row["owners"] and row["strands"] and row["milestones"])
            )
        ),
    ),
    "progress-updates": Listing(
        _list("progress-updates"), add_progress_update, ProgressUpdate, _updates_show
    ),
    "plans": Listing(_list("plans"), add_plan, Plan),
    "priorities": Listing(_list("priorities"), add_priority, Priority),
    "objectives": Listing(_list("objectives"), add_objective, Objective),
    "milestones": Listing(_list("milestones"), add_milestone, Milestone),
    "indicators": Listing(
        _list("indicators"),
        add_indicator,
        Indicator,
        _every(lambda row: len(row["values"]) == 2 and row["values"][0]["recorded_by"]),
    ),
    "decision-notices": Listing(
        _list("decision-notices"),
        add_decision_notice,
        DecisionNotice,
        _every(lambda row: bool(row["deliverables"])),
    ),
    "organisations": Listing(_list("organisations"), add_organisation, Organisation),
    "deliverable-updates": Listing(
        lambda scene: f"{API}/deliverables/{scene.led.pk}/updates/",
        add_progress_update,
        ProgressUpdate,
        _updates_show,
        paginated=False,
    ),
}


def measure(client, listing: Listing, scene: Scene) -> tuple[int, int]:
    """(queries, rows) for one read of the list."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(listing.url(scene))
    assert response.status_code == 200, response.content
    body = response.json()
    if listing.paginated:
        assert body["next"] is None
        body = body["results"]
    assert listing.shows(body), body
    return len(captured.captured_queries), len(body)


@pytest.mark.parametrize("name", list(LISTINGS))
def test_list_takes_as_many_queries_for_30_rows_as_for_3(name, scene):
    listing = LISTINGS[name]
    client = session_client(scene.editor)

    for _ in range(FEW):
        listing.add(scene)
    few_queries, few_rows = measure(client, listing, scene)
    assert few_rows == listing.model.objects.count()
    assert few_rows >= FEW

    for _ in range(MANY - FEW):
        listing.add(scene)
    many_queries, many_rows = measure(client, listing, scene)
    assert many_rows == listing.model.objects.count()
    assert many_rows == few_rows + MANY - FEW

    print(
        f"{name}: {few_queries} queries / {few_rows} rows, {many_queries} / {many_rows}"
    )
    assert many_queries == few_queries, (
        f"{name}: {few_queries} queries for {few_rows} rows but {many_queries} for "
        f"{many_rows}"
    )


def _post_update(client, deliverable, n):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            f"{API}/deliverables/{deliverable.pk}/updates/",
            {"narrative": f"Update {n}", "rag": "amber" if n % 2 else "green"},
            format="json",
        )
    assert response.status_code == 201, response.content
    return response, [q["sql"] for q in captured.captured_queries]


def test_a_single_update_costs_the_same_queries_after_1_or_30_updates(
    force_api, led, personas
):
    """The write reads the deliverable (locked), its periods and the client's roles,
    then writes the update, the deliverable and its history row, and works out its
    period states again; the answer is built from what was written, never read
    back."""
    editor = personas["editor"]
    record_update(deliverable=led, by=editor, narrative="First.")
    response, few = _post_update(force_api, led, 1)
    for n in range(30):
        record_update(deliverable=led, by=editor, narrative=f"More {n}.")
    response, many = _post_update(force_api, led, 2)

    assert len(many) == len(few), "\n".join(many)
    body = response.json()
    stored = ProgressUpdate.objects.get(pk=body["id"])
    assert (body["narrative"], body["rag"], body["period"]["id"]) == (
        stored.narrative,
        stored.rag,
        stored.period_id,
    )
    assert body["recorded_by"] and body["api_client"] and body["attachments"] == []
    led.refresh_from_db()
    assert response["ETag"] == led.etag
    # One read of the deliverable's counted log: its state at the end of each
    # period, worked out again (``deliverables.states``); no other read of updates.
    log = [q for q in many if q.startswith('SELECT "deliverables_progressupdate"')]
    assert len(log) == 1 and '"requires_review"' in log[0]
    assert not [q for q in many if "deliverables_attachment" in q]
