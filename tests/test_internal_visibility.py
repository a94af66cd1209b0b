"""What is internal to a plan's bodies (deliverables/visibility.py), on a PUBLIC plan.

The world is the permission matrix's (tests/permission_world.py): B owns a public
plan whose deliverable C leads; C's contributor records every update and B's editor
reviews them. Everything internal (an update waiting for review, a returned one,
every review comment, evidence not marked public, a draft of the commentary) carries
B's secret marker. A is neither owner nor recorder.

Each surface (a page, an export, an API answer) is requested by each viewer: the
owner's people and API client, the recorder's people and API client, A's people and
API client, and someone signed out. Those neither owner nor recorder never get the
marker; the owner's and the recorder's get what the surface shows them (so the check
is not empty). Webhooks are in tests/test_internal_visibility_webhooks.py.

    pytest tests/test_internal_visibility.py -p no:randomly
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from tests.permission_world import _shared_handler, module_world
from tests.test_cross_organisation import body_text

pytestmark = pytest.mark.django_db

#: Who asks, as (organisation side, user role) or (side, "api") for its API client's
#: token; None is someone signed out.
VIEWERS: dict[str, tuple[str, str] | None] = {
    "owner reader": ("b", "reader"),
    "owner editor": ("b", "editor"),
    "owner API client": ("b", "api"),
    "recorder contributor": ("c", "contributor"),
    "recorder reader": ("c", "reader"),
    "recorder API client": ("c", "api"),
    "neither (admin)": ("a", "admin"),
    "neither (reader)": ("a", "reader"),
    "neither (API client)": ("a", "api"),
    "signed out": None,
}
OWNER = {"owner reader", "owner editor", "owner API client"}
RECORDER = {"recorder contributor", "recorder reader", "recorder API client"}
INSIDERS = OWNER | RECORDER
NEITHER = frozenset(VIEWERS) - INSIDERS
#: A page takes no bearer token: to it, an API client is signed out.
PEOPLE = {v for v, who in VIEWERS.items() if who is None or who[1] != "api"}

#: Everything internal on the public plan's one deliverable, as its updates show it.
TIMELINE = (
    "waiting-narrative",
    "waiting-evidence",
    "returned-narrative",
    "returned-evidence",
    "return-comment",
    "evidence",  # not marked public, on the accepted update
)


@dataclass(frozen=True)
class Surface:
    """One address: ``shows`` is what it shows each viewer of ``shown_to`` (markers,
    as ``internal(what)`` in the world); each viewer of ``kept_from`` gets none of
    B's markers."""

    name: str
    route: str
    args: dict[str, str] = field(default_factory=dict)
    query: str = ""
    shows: tuple[str, ...] = ()
    shown_to: frozenset[str] = frozenset(INSIDERS)
    kept_from: frozenset[str] = frozenset(NEITHER)
    api: bool = False


PLAN = {"plan": "public_plan"}
REPORTED = {"plan": "public_plan", "period": "public_period"}
DRAFTED = {"plan": "public_plan", "period": "public_draft_period"}
#: Commentary drafts are narrower still: the plan's editors (and its body's API
#: client) alone, not the recorder (nor the owner's readers).
EDITOR_ONLY = frozenset({"owner editor", "owner API client"})
NOT_EDITORS = frozenset(VIEWERS) - EDITOR_ONLY

SURFACES = [
    # Pages
    Surface(
        "deliverable page",
        "deliverables:detail",
        {"pk": "public_deliverable"},
        shows=TIMELINE,
    ),
    Surface("plan page", "plans:detail", {"pk": "public_plan"}),
    Surface(
        "deliverable as it stood (timeline)",
        "scrutiny:timeline",
        {**REPORTED, "pk": "public_deliverable"},
        shows=("evidence",),
    ),
    Surface("live dashboard", "scrutiny:dashboard", PLAN),
    Surface(
        "dashboard of a quarter with draft commentary",
        "scrutiny:dashboard-period",
        DRAFTED,
        shows=("commentary",),
        shown_to=frozenset({"owner editor"}),
        kept_from=NOT_EDITORS,
    ),
    Surface(
        "commentary page",
        "scrutiny:commentary",
        DRAFTED,
        shows=("commentary",),
        shown_to=frozenset({"owner editor"}),
        kept_from=NOT_EDITORS,
    ),
    Surface(
        "your tasks",
        "deliverables:tasks",
        shows=("return-comment",),
        shown_to=frozenset({"recorder contributor"}),
    ),
    Surface(
        "review queue",
        "deliverables:review-queue",
        shows=("waiting-narrative",),
        shown_to=frozenset({"owner editor"}),
    ),
    Surface(
        "evidence file not marked public",
        "deliverables:evidence",
        {"pk": "internal_evidence"},
        shows=("file",),
    ),
    Surface("published report", "scrutiny:report", {"pk": "public_report"}),
    # Exports
    Surface("deliverables CSV", "deliverables:list", query="export=csv"),
    Surface("deliverables XLSX", "deliverables:list", query="export=xlsx"),
    Surface("report XLSX", "scrutiny:report-xlsx", {"pk": "public_report"}),
    Surface(
        "report CSV",
        "scrutiny:report-csv",
        {"pk": "public_report", "table": "=status"},
    ),
    # The API
    Surface(
        "API: a deliverable's updates",
        "deliverable-updates",
        {"pk": "public_deliverable"},
        shows=(*TIMELINE, "accept-comment"),
        api=True,
    ),
    Surface(
        "API: a deliverable with its updates",
        "deliverable-detail",
        {"pk": "public_deliverable"},
        query="expand=updates",
        shows=(*TIMELINE, "accept-comment"),
        api=True,
    ),
    Surface(
        "API: the update log",
        "progressupdate-list",
        query="deliverable={public_deliverable}",
        shows=(*TIMELINE, "accept-comment"),
        api=True,
    ),
    Surface(
        "API: updates waiting for review",
        "progressupdate-list",
        query="review_state=submitted",
        shows=("waiting-narrative",),
        api=True,
    ),
    Surface(
        "API: an update waiting for review",
        "progressupdate-detail",
        {"pk": "waiting_update"},
        shows=("waiting-narrative", "waiting-evidence"),
        api=True,
    ),
    Surface(
        "API: a returned update",
        "progressupdate-detail",
        {"pk": "returned_update"},
        shows=("returned-narrative", "return-comment"),
        api=True,
    ),
    Surface(
        "API: an accepted update",
        "progressupdate-detail",
        {"pk": "accepted_update"},
        shows=("accept-comment", "evidence"),
        api=True,
    ),
    Surface(
        "API: an accepted update's evidence",
        "progressupdate-attachments",
        {"pk": "accepted_update"},
        shows=("evidence",),
        api=True,
    ),
    Surface(
        "API: draft commentary",
        "plan-period-commentary",
        DRAFTED,
        shows=("commentary",),
        shown_to=EDITOR_ONLY,
        kept_from=NOT_EDITORS,
        api=True,
    ),
    Surface(
        "API: the published report",
        "publishedreport-detail",
        {"pk": "public_report"},
        api=True,
    ),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, and rolled back after it."""
    yield from module_world(django_db_blocker, tmp_path_factory)


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return {name: _client(world, who) for name, who in VIEWERS.items()}


def _client(world, who) -> APIClient:
    client = APIClient()
    client.handler = _shared_handler()
    if who is None:
        return client
    side = getattr(world, who[0])
    if who[1] == "api":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {side.tokens['api']}")
    else:
        client.force_login(side.users[who[1]])
    return client


def url_of(world, surface: Surface) -> str:
    objects = world.b.objects
    kwargs: dict[str, Any] = {
        name: value[1:] if value.startswith("=") else objects[value].pk
        for name, value in surface.args.items()
    }
    url = reverse(surface.route, kwargs=kwargs)
    query = surface.query.format(**{k: getattr(v, "pk", v) for k, v in objects.items()})
    if surface.route == "deliverables:list":
        query += f"&plan={objects['public_plan'].pk}"
    return f"{url}?{query}" if query else url


def marker(world, what: str) -> str:
    return world.marker(f"public-{what}")


def _cases():
    for surface in SURFACES:
        for viewer in VIEWERS:
            if not surface.api and viewer not in PEOPLE:
                continue
            yield pytest.param(surface, viewer, id=f"{surface.name} | {viewer}")


@pytest.mark.parametrize("surface, viewer", list(_cases()))
def test_what_is_internal_reaches_the_plans_bodies_alone(
    surface, viewer, world, clients
):
    cache.clear()  # sign-in throttle counts
    response = clients[viewer].get(url_of(world, surface))
    assert response.status_code < 500
    text = body_text(response)
    if viewer in surface.shown_to and surface.shows:
        assert response.status_code == 200, response.status_code
        missing = [w for w in surface.shows if marker(world, w) not in text]
        assert not missing, f"{viewer} should read {missing}"
    if viewer in surface.kept_from:
        assert world.secret not in text, f"{viewer} read what is internal"


def test_the_surfaces_show_the_public_plan_to_those_outside_it(world, clients):
    """The other side: A's people read the accepted update and the evidence marked
    public, so it is only what is internal that they are kept from."""
    neither = clients["neither (admin)"]
    page = body_text(
        neither.get(
            reverse("deliverables:detail", args=[world.b.public_deliverable.pk])
        )
    )
    assert "Bravo public accepted narrative" in page
    assert "Bravo public evidence" in page
    answer = neither.get(
        reverse("deliverable-updates", args=[world.b.public_deliverable.pk])
    ).json()
    assert [u["id"] for u in answer] == [world.b.accepted_update.pk]
    assert answer[0]["review_comment"] is None
    assert [a["title"] for a in answer[0]["attachments"]] == ["Bravo public evidence"]
    for name in ("waiting_update", "returned_update"):
        url = reverse("progressupdate-detail", args=[world.b.objects[name].pk])
        assert neither.get(url).status_code == 404
        assert clients["neither (API client)"].get(url).status_code == 404


def test_superusers_read_everything_internal(world, django_db_blocker):
    root = _client(world, None)
    from django.contrib.auth import get_user_model

    root.force_login(get_user_model().objects.get(username="charlie-root"))
    text = body_text(
        root.get(reverse("deliverable-updates", args=[world.b.public_deliverable.pk]))
    )
    for what in (*TIMELINE, "accept-comment"):
        assert marker(world, what) in text, what
