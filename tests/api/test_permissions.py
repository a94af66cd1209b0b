"""The API's permission matrix: each endpoint by each persona, then OAuth clients.

The personas (see ``personas`` in tests/api/conftest.py):

- anonymous: nobody signed in;
- reader, editor, admin: members of the authority, which owns the current plan;
- contributor_lead: a contributor of the force, which leads ``led``;
- contributor_other: a contributor of the partner, which co-owns ``owned`` (and so
  takes part in the current plan, without being party to ``led``).

Around them the ``world`` fixture builds one plan of each kind that the scope rules tell
apart, each with a deliverable, a milestone, a progress update, an indicator and a
decision notice, so that every list can be checked row by row and every detail and
write answered as the rules say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from deliverables.models import Attachment, ProgressUpdate
from plans.models import IndicatorValue, Plan
from scrutiny.models import PublishedReport, ScrutinyAction
from tests.api.conftest import bearer, session_client
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableFactory,
    DeliverableOwnerFactory,
    ForceFactory,
    IndicatorFactory,
    MilestoneFactory,
    UserFactory,
    plan_for_year,
    record_update,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
AMBER = {"narrative": "Recruitment behind plan.", "rag": "amber"}
PROBLEM_JSON = "application/problem+json"

PERSONAS = [
    "anonymous",
    "reader",
    "contributor_other",
    "contributor_lead",
    "editor",
    "admin",
]
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
#: Members of the authority, the policing body that owns the current and draft plans.
OWNER = frozenset({"reader", "editor", "admin"})
NOBODY: frozenset[str] = frozenset()

# Who sees each plan -----------------------------------------------------------------
#
# current       owned by the authority; the force leads ``led``, the partner co-owns
#               ``owned``: everyone signed in takes part in it.
# draft         owned by the authority, still a draft; the force leads and the partner
#               co-owns its deliverable, but a draft shows only to its owner.
# public        another body's published public plan: anyone signed in.
# public_draft  another body's plan marked public but still a draft: nobody.
# guest         another body's published plan in which the force leads a deliverable:
#               the force only (the authority has no part in it).
# foreign       another body's published plan with no part for any of us: nobody.
PLAN_SEEN = {
    "current": SIGNED_IN,
    "draft": OWNER,
    "public": SIGNED_IN,
    "public_draft": NOBODY,
    "guest": frozenset({"contributor_lead"}),
    "foreign": NOBODY,
}

# Deliverables are stricter than plans: in a plan one does not own, only the work one's
# organisation leads or co-owns (or all of a public, non-draft plan's).
DELIVERABLE_PLAN = {
    "led": "current",
    "owned": "current",
    "draft": "draft",
    "public": "public",
    "public_draft": "public_draft",
    "guest": "guest",
    "foreign": "foreign",
}
DELIVERABLE_SEEN = {
    "led": OWNER | {"contributor_lead"},
    "owned": OWNER | {"contributor_other"},
    "draft": OWNER,
    "public": SIGNED_IN,
    "public_draft": NOBODY,
    "guest": frozenset({"contributor_lead"}),
    "foreign": NOBODY,
}
ORGANISATION_SEEN = {
    name: SIGNED_IN for name in ("authority", "force", "partner", "stranger")
}
# Priorities and objectives belong to a plan: seen with it (by deliverable label here,
# since each deliverable was made under its own priority and objective).
PLAN_PART_SEEN = {label: PLAN_SEEN[plan] for label, plan in DELIVERABLE_PLAN.items()}

#: resource -> {label: personas who see it}
SEEN = {
    "organisations": ORGANISATION_SEEN,
    "plans": PLAN_SEEN,
    "priorities": PLAN_PART_SEEN,
    "objectives": PLAN_PART_SEEN,
    "deliverables": DELIVERABLE_SEEN,
    "milestones": DELIVERABLE_SEEN,
    "progress-updates": DELIVERABLE_SEEN,
    "indicators": PLAN_SEEN,
    "decision-notices": PLAN_SEEN,
    "reports": PLAN_SEEN,
    "scrutiny-actions": PLAN_SEEN,
}
RESOURCES = list(SEEN)


@dataclass
class World:
    """Every object the matrix reads or writes, by resource and label."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getitem__(self, resource: str) -> dict[str, Any]:
        return self.objects.setdefault(resource, {})


@pytest.fixture
def world(current_plan, led, owned, authority, force, partner, personas):
    year = current_plan.starts_on.year
    stranger = ForceFactory(name="Isle of Man Constabulary", short_name="IOMC")
    seeder = UserFactory(username="seeder")

    def plan(owner, reference, **fields):
        return plan_for_year(owner, year, reference=f"{reference}/{year}", **fields)

    def deliverable(plan, lead, co_owner=None):
        made = DeliverableFactory(
            objective__priority__plan=plan, lead_organisation=lead
        )
        if co_owner is not None:
            DeliverableOwnerFactory(deliverable=made, organisation=co_owner)
        return made

    world = World()
    world["organisations"].update(
        authority=authority, force=force, partner=partner, stranger=stranger
    )
    world["plans"].update(
        current=current_plan,
        draft=plan(authority, "DRAFT", state=Plan.State.DRAFT),
        public=plan(stranger, "PUBLIC", is_public=True),
        public_draft=plan(
            stranger, "PUBLIC-DRAFT", is_public=True, state=Plan.State.DRAFT
        ),
        guest=plan(stranger, "GUEST"),
        foreign=plan(stranger, "FOREIGN"),
    )
    plans = world["plans"]
    world["deliverables"].update(
        led=led,
        owned=owned,
        draft=deliverable(plans["draft"], force, co_owner=partner),
        public=deliverable(plans["public"], stranger),
        public_draft=deliverable(plans["public_draft"], stranger),
        guest=deliverable(plans["guest"], force),
        foreign=deliverable(plans["foreign"], stranger),
    )
    for label, work in world["deliverables"].items():
        world["priorities"][label] = work.objective.priority
        world["objectives"][label] = work.objective
        world["milestones"][label] = MilestoneFactory(deliverable=work)
        world["progress-updates"][label] = record_update(
            deliverable=work, by=seeder, narrative=f"Seeded update on {label}."
        )
    for label, each in plans.items():
        world["indicators"][label] = IndicatorFactory(plan=each)
        world["decision-notices"][label] = DecisionNoticeFactory(plan=each)
        world["reports"][label] = PublishedReport.objects.create(
            plan=each,
            period=each.reporting_periods.first(),
            published_by=seeder,
            data={},
            html="",
        )
        world["scrutiny-actions"][label] = ScrutinyAction.objects.create(
            plan=each, text="Why?", raised_by="Panel", owner=force
        )
    return world


def client_for(personas, persona):
    return session_client(personas[persona])


def list_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None, "the whole list should fit on one page"
    return {row["id"] for row in body["results"]}


def detail_url(resource: str, obj: Any) -> str:
    return f"{API}/{resource}/{obj.pk}/"


def updates_url(deliverable) -> str:
    return f"{API}/deliverables/{deliverable.pk}/updates/"


def assert_refused_unauthenticated(response):
    """Anonymous callers get 401 with the OAuth authenticator's Bearer challenge."""
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == PROBLEM_JSON


# Reads ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
@pytest.mark.parametrize("resource", RESOURCES)
def test_signed_in_list_holds_exactly_what_the_persona_may_see(
    resource, persona, world, personas
):
    response = client_for(personas, persona).get(
        f"{API}/{resource}/", {"page_size": 1000}
    )
    returned = list_ids(response)
    expected = {label for label, seen in SEEN[resource].items() if persona in seen}
    shown = {label for label, obj in world[resource].items() if obj.pk in returned}
    assert shown == expected
    known = {obj.pk for obj in world[resource].values()}
    assert returned <= known, f"rows outside the world were listed: {returned - known}"


@pytest.mark.slow
@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
@pytest.mark.parametrize("resource", RESOURCES)
def test_signed_in_detail_is_200_when_visible_and_404_when_not(
    resource, persona, world, personas
):
    client = client_for(personas, persona)
    answered = {}
    for label, obj in world[resource].items():
        response = client.get(detail_url(resource, obj))
        answered[label] = response.status_code
        if response.status_code == 200:
            assert response.json()["id"] == obj.pk
        else:
            assert response["Content-Type"] == PROBLEM_JSON
    expected = {
        label: 200 if persona in seen else 404 for label, seen in SEEN[resource].items()
    }
    assert answered == expected


@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
def test_signed_in_deliverable_updates_are_listed_only_for_visible_deliverables(
    persona, world, personas
):
    client = client_for(personas, persona)
    answered = {}
    for label, work in world["deliverables"].items():
        response = client.get(updates_url(work))
        answered[label] = response.status_code
        if response.status_code == 200:
            ids = [row["id"] for row in response.json()]
            assert ids == [world["progress-updates"][label].pk]
    expected = {
        label: 200 if persona in seen else 404
        for label, seen in DELIVERABLE_SEEN.items()
    }
    assert answered == expected


@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
def test_signed_in_update_evidence_is_listed_only_for_visible_updates(
    persona, world, personas
):
    client = client_for(personas, persona)
    answered = {
        label: client.get(f"{API}/progress-updates/{update.pk}/attachments/")
        for label, update in world["progress-updates"].items()
    }
    assert {label: r.status_code for label, r in answered.items()} == {
        label: 200 if persona in seen else 404
        for label, seen in DELIVERABLE_SEEN.items()
    }


@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_list_is_refused_with_401(resource, world):
    assert_refused_unauthenticated(session_client(None).get(f"{API}/{resource}/"))


@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_detail_is_refused_with_401_even_for_public_plans(resource, world):
    client = session_client(None)
    for obj in world[resource].values():
        assert_refused_unauthenticated(client.get(detail_url(resource, obj)))


def test_anonymous_deliverable_updates_are_refused_with_401(world):
    client = session_client(None)
    for work in world["deliverables"].values():
        assert_refused_unauthenticated(client.get(updates_url(work)))


# Writes -----------------------------------------------------------------------------


def post_progress_by_url(client, target):
    return client.post(updates_url(target), AMBER)


def post_progress_with_id(client, target):
    return client.post(f"{API}/progress-updates/", {**AMBER, "deliverable": target.pk})


def post_progress_in_bulk(client, target):
    return client.post(
        f"{API}/progress-updates/bulk/",
        {"updates": [{**AMBER, "deliverable": target.pk}]},
    )


def post_indicator_value(client, target):
    period = target.plan.reporting_periods.order_by("starts_on").first()
    return client.post(
        f"{API}/indicators/{target.pk}/values/",
        {"period": period.label, "value": "12.5"},
    )


def post_evidence_link(client, target):
    return client.post(
        f"{API}/progress-updates/{target.pk}/attachments/",
        {"url": "https://example.org/minutes", "title": "Board minutes"},
    )


@dataclass(frozen=True)
class Write:
    post: Any
    resource: str  # where the target is in the world
    label: str
    writers: frozenset[str]
    model: Any
    bulk: bool = False


LED_WRITERS = frozenset({"contributor_lead", "editor", "admin"})
OWNED_WRITERS = frozenset({"contributor_other", "editor", "admin"})
WRITES = {
    "progress-by-url-on-led": Write(
        post_progress_by_url, "deliverables", "led", LED_WRITERS, ProgressUpdate
    ),
    "progress-with-id-on-led": Write(
        post_progress_with_id, "deliverables", "led", LED_WRITERS, ProgressUpdate
    ),
    "progress-in-bulk-on-led": Write(
        post_progress_in_bulk,
        "deliverables",
        "led",
        LED_WRITERS,
        ProgressUpdate,
        bulk=True,
    ),
    "progress-by-url-on-owned": Write(
        post_progress_by_url, "deliverables", "owned", OWNED_WRITERS, ProgressUpdate
    ),
    "progress-with-id-on-owned": Write(
        post_progress_with_id, "deliverables", "owned", OWNED_WRITERS, ProgressUpdate
    ),
    "progress-in-bulk-on-owned": Write(
        post_progress_in_bulk,
        "deliverables",
        "owned",
        OWNED_WRITERS,
        ProgressUpdate,
        bulk=True,
    ),
    # Plan editors, and contributors of every organisation with work in the plan: the
    # force leads ``led`` and the partner co-owns ``owned``.
    "indicator-value-on-current-plan": Write(
        post_indicator_value,
        "indicators",
        "current",
        frozenset({"contributor_lead", "contributor_other", "editor", "admin"}),
        IndicatorValue,
    ),
    # A plan the authority has no part in: only the force, which leads work there.
    "indicator-value-on-guest-plan": Write(
        post_indicator_value,
        "indicators",
        "guest",
        frozenset({"contributor_lead"}),
        IndicatorValue,
    ),
    # Evidence on an update: whoever may record progress on its deliverable (and
    # the update's author, here a seeding account with no persona).
    "evidence-on-led-update": Write(
        post_evidence_link, "progress-updates", "led", LED_WRITERS, Attachment
    ),
    "evidence-on-owned-update": Write(
        post_evidence_link, "progress-updates", "owned", OWNED_WRITERS, Attachment
    ),
}


def _cases(keep):
    return [
        pytest.param(name, persona, id=f"{name}-{persona}")
        for name, write in WRITES.items()
        for persona in PERSONAS
        if keep(write, persona)
    ]


ALLOWED = _cases(lambda w, p: p in w.writers)
REFUSED_404 = _cases(lambda w, p: p in SIGNED_IN and p not in w.writers and not w.bulk)
REFUSED_IN_BULK = _cases(lambda w, p: p in SIGNED_IN and p not in w.writers and w.bulk)


@pytest.mark.slow
@pytest.mark.parametrize("name, persona", ALLOWED)
def test_persona_with_a_writing_role_writes_exactly_one_row(
    name, persona, world, personas
):
    write = WRITES[name]
    target = world[write.resource][write.label]
    before = write.model.objects.count()
    response = write.post(client_for(personas, persona), target)
    assert response.status_code == 201, response.content
    assert write.model.objects.count() == before + 1
    row = write.model.objects.latest("pk")
    if write.model is Attachment:
        assert row.added_by == personas[persona]
        assert row.update_id == target.pk
        assert row.url == "https://example.org/minutes"
        return
    assert row.recorded_by == personas[persona]
    if write.model is ProgressUpdate:
        assert row.deliverable_id == target.pk
        assert row.rag == "amber"
        if write.bulk:
            assert response.json()["created"] == 1
    else:
        assert row.indicator_id == target.pk
        assert row.value == Decimal("12.5")


@pytest.mark.slow
@pytest.mark.parametrize("name, persona", REFUSED_404)
def test_persona_without_a_writing_role_gets_404_and_writes_nothing(
    name, persona, world, personas
):
    write = WRITES[name]
    before = write.model.objects.count()
    response = write.post(
        client_for(personas, persona), world[write.resource][write.label]
    )
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    assert write.model.objects.count() == before


@pytest.mark.slow
@pytest.mark.parametrize("name, persona", REFUSED_IN_BULK)
def test_bulk_item_the_persona_may_not_update_is_refused_in_a_400_naming_it(
    name, persona, world, personas
):
    write = WRITES[name]
    before = write.model.objects.count()
    response = write.post(
        client_for(personas, persona), world[write.resource][write.label]
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "deliverable")]
    assert write.model.objects.count() == before


@pytest.mark.parametrize("name", list(WRITES))
def test_anonymous_write_is_refused_with_401_and_writes_nothing(name, world):
    write = WRITES[name]
    before = write.model.objects.count()
    response = write.post(session_client(None), world[write.resource][write.label])
    assert_refused_unauthenticated(response)
    assert write.model.objects.count() == before


def test_reader_cannot_record_progress_even_on_work_they_can_see(world, personas):
    reader = client_for(personas, "reader")
    led = world["deliverables"]["led"]
    assert reader.get(detail_url("deliverables", led)).status_code == 200
    before = ProgressUpdate.objects.count()
    assert post_progress_by_url(reader, led).status_code == 404
    assert post_progress_with_id(reader, led).status_code == 404
    assert post_progress_in_bulk(reader, led).status_code == 400
    assert ProgressUpdate.objects.count() == before


def test_partner_contributor_sees_and_updates_owned_but_not_led(world, personas):
    hugh = client_for(personas, "contributor_other")
    led, owned = world["deliverables"]["led"], world["deliverables"]["owned"]
    assert hugh.get(detail_url("deliverables", led)).status_code == 404
    assert hugh.get(detail_url("deliverables", owned)).status_code == 200
    assert post_progress_by_url(hugh, led).status_code == 404
    assert post_progress_by_url(hugh, owned).status_code == 201
    assert list(
        ProgressUpdate.objects.filter(
            recorded_by=personas["contributor_other"]
        ).values_list("deliverable_id", flat=True)
    ) == [owned.pk]


# OAuth clients ----------------------------------------------------------------------

PROGRESS_POSTS = {
    "by-url": post_progress_by_url,
    "with-id": post_progress_with_id,
    "in-bulk": post_progress_in_bulk,
}


def test_force_client_reads_led_and_its_updates(force_api, world):
    led = world["deliverables"]["led"]
    assert force_api.get(detail_url("deliverables", led)).status_code == 200
    response = force_api.get(updates_url(led))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [
        world["progress-updates"]["led"].pk
    ]


@pytest.mark.parametrize("resource", RESOURCES)
def test_force_client_lists_what_a_force_contributor_sees(resource, force_api, world):
    returned = list_ids(force_api.get(f"{API}/{resource}/", {"page_size": 1000}))
    shown = {label for label, obj in world[resource].items() if obj.pk in returned}
    assert shown == {
        label for label, seen in SEEN[resource].items() if "contributor_lead" in seen
    }


def test_force_client_cannot_see_owned(force_api, world):
    owned = world["deliverables"]["owned"]
    assert force_api.get(detail_url("deliverables", owned)).status_code == 404
    assert force_api.get(updates_url(owned)).status_code == 404


@pytest.mark.parametrize("how", list(PROGRESS_POSTS))
def test_force_client_records_progress_on_led(how, force_api, world):
    led = world["deliverables"]["led"]
    before = ProgressUpdate.objects.count()
    response = PROGRESS_POSTS[how](force_api, led)
    assert response.status_code == 201, response.content
    assert ProgressUpdate.objects.count() == before + 1
    update = ProgressUpdate.objects.latest("pk")
    assert update.deliverable_id == led.pk
    assert update.api_client.name == "Performance system"


@pytest.mark.parametrize("how", list(PROGRESS_POSTS))
def test_force_client_cannot_record_progress_on_owned(how, force_api, world):
    before = ProgressUpdate.objects.count()
    response = PROGRESS_POSTS[how](force_api, world["deliverables"]["owned"])
    if how == "in-bulk":
        assert response.status_code == 400, response.content
        errors = response.json()["errors"]
        assert [(e["index"], e["field"]) for e in errors] == [(0, "deliverable")]
    else:
        assert response.status_code == 404, response.content
    assert ProgressUpdate.objects.count() == before


def test_force_client_records_an_indicator_value_on_its_plans(force_api, world):
    before = IndicatorValue.objects.count()
    for label in ("current", "guest"):
        response = post_indicator_value(force_api, world["indicators"][label])
        assert response.status_code == 201, (label, response.content)
    assert IndicatorValue.objects.count() == before + 2


@pytest.mark.parametrize("how", list(PROGRESS_POSTS))
def test_partner_client_records_progress_on_owned(how, issue_client, partner, world):
    _, _, token = issue_client(partner)
    owned = world["deliverables"]["owned"]
    before = ProgressUpdate.objects.count()
    response = PROGRESS_POSTS[how](bearer(token), owned)
    assert response.status_code == 201, response.content
    assert ProgressUpdate.objects.count() == before + 1
    assert ProgressUpdate.objects.latest("pk").deliverable_id == owned.pk


def test_partner_client_cannot_record_progress_on_led(issue_client, partner, world):
    _, _, token = issue_client(partner)
    before = ProgressUpdate.objects.count()
    response = post_progress_by_url(bearer(token), world["deliverables"]["led"])
    assert response.status_code == 404
    assert ProgressUpdate.objects.count() == before


def test_partner_client_records_an_indicator_value_on_the_current_plan(
    issue_client, partner, world
):
    _, _, token = issue_client(partner)
    before = IndicatorValue.objects.count()
    response = post_indicator_value(bearer(token), world["indicators"]["current"])
    assert response.status_code == 201, response.content
    assert IndicatorValue.objects.count() == before + 1


@pytest.fixture
def read_only_api(issue_client, force):
    _, _, token = issue_client(force, scopes=["read"], name="Read-only feed")
    return bearer(token)


def test_read_only_client_reads_led(read_only_api, world):
    led = world["deliverables"]["led"]
    assert read_only_api.get(detail_url("deliverables", led)).status_code == 200
    assert read_only_api.get(updates_url(led)).status_code == 200


@pytest.mark.parametrize(
    "name",
    [n for n, w in WRITES.items() if "contributor_lead" in w.writers],
)
def test_read_only_client_gets_403_on_every_post_and_writes_nothing(
    name, read_only_api, world
):
    write = WRITES[name]
    before = write.model.objects.count()
    response = write.post(read_only_api, world[write.resource][write.label])
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    assert "updates:write" in response.json()["detail"]
    assert write.model.objects.count() == before


def test_write_only_client_records_progress_but_cannot_read(issue_client, force, world):
    _, _, token = issue_client(force, scopes=["updates:write"], name="Push only")
    api = bearer(token)
    led = world["deliverables"]["led"]
    refused = api.get(detail_url("deliverables", led))
    assert refused.status_code == 403
    assert "read" in refused.json()["detail"]
    before = ProgressUpdate.objects.count()
    assert post_progress_by_url(api, led).status_code == 201
    assert ProgressUpdate.objects.count() == before + 1


def test_unknown_bearer_token_is_refused_with_401_and_writes_nothing(world):
    api = bearer("not-a-token")
    assert_refused_unauthenticated(api.get(f"{API}/deliverables/"))
    before = ProgressUpdate.objects.count()
    response = post_progress_by_url(api, world["deliverables"]["led"])
    assert_refused_unauthenticated(response)
    assert ProgressUpdate.objects.count() == before
