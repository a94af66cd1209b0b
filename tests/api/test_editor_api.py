"""The editor API: a plan's editors (and their body's API clients with the
``plans:write`` scope) add, change, archive and remove the plan's structure through
the same services and rules as the browser's forms (docs/api.md, "Keeping the plan's
structure in step")."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from deliverables.models import Deliverable, Milestone, ProgressUpdate, Status
from plans.models import Objective, Plan, Priority, Strand
from tests.api.conftest import bearer, session_client
from tests.factories import (
    DeliverableFactory,
    ObjectiveFactory,
    OrganisationFactory,
    PriorityFactory,
    StrandFactory,
    plan_for_year,
)

pytestmark = pytest.mark.django_db

EDITOR_SCOPES = ["read", "plans:write"]


@pytest.fixture
def structure_api(issue_client, authority):
    """The authority's own system: a client with read and plans:write."""
    client, _, token = issue_client(authority, EDITOR_SCOPES, name="Planning system")
    api = bearer(token)
    api.api_client = client
    return api


@pytest.fixture
def priority(current_plan):
    return PriorityFactory(plan=current_plan, reference="1", title="Keep people safe")


@pytest.fixture
def objective(priority):
    return ObjectiveFactory(priority=priority, reference="1.1", title="Patrols")


def url(name, *args):
    return reverse(name, args=args)


def problem_fields(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return {e["field"] for e in response.json()["errors"]}


# Adding ---------------------------------------------------------------------------


def test_editor_adds_a_priority_objective_and_strand(editor, current_plan):
    api = session_client(editor)
    response = api.post(
        url("priority-list"),
        {"plan": current_plan.pk, "reference": "2", "title": "Support victims"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["ETag"].startswith('W/"')
    priority = Priority.objects.get(plan=current_plan, reference="2")
    assert priority.title == "Support victims"

    response = api.post(
        url("objective-list"),
        {
            "plan": current_plan.pk,
            "priority": priority.pk,
            "reference": "2.1",
            "title": "Answer every call",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Objective.objects.get(reference="2.1").priority == priority

    response = api.post(
        url("strand-list"), {"plan": current_plan.pk, "name": "Victims"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Strand.objects.filter(plan=current_plan, name="Victims").exists()
    # Every write names who made it, as the browser's do.
    assert set(
        AuditEvent.objects.filter(
            object_type__in=["plans.Priority", "plans.Objective", "plans.Strand"],
            action="created",
        ).values_list("actor__username", flat=True)
    ) == {editor.username}


def test_client_with_plans_write_adds_a_deliverable_with_owners_and_strands(
    structure_api, objective, authority, force
):
    plan = objective.plan
    strand = StrandFactory(plan=plan, name="Victims")
    response = structure_api.post(
        url("deliverable-list"),
        {
            "plan": plan.pk,
            "objective": objective.pk,
            "reference": "1.1.1",
            "title": "Night-time economy patrols",
            "lead_organisation": force.pk,
            "baseline_date": "Q3",
            "owners": ["Ch. Insp Operations", "Insp Licensing"],
            "strands": [strand.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    deliverable = Deliverable.objects.get(plan=plan, reference="1.1.1")
    assert list(deliverable.owners.values_list("role", flat=True)) == [
        "Ch. Insp Operations",
        "Insp Licensing",
    ]
    assert list(deliverable.strands.all()) == [strand]
    assert response.json()["owners"][0]["role"] == "Ch. Insp Operations"
    assert response["ETag"] == deliverable.etag
    event = AuditEvent.objects.get(
        object_type="deliverables.Deliverable", action="created"
    )
    assert event.api_client == structure_api.api_client


def test_editor_sets_up_a_plan_with_its_quarters(editor, authority):
    response = session_client(editor).post(
        url("plan-list"),
        {
            "owner": authority.pk,
            "reference": "PCP/2030",
            "title": "Police and Crime Plan 2030",
            "starts_on": "2030-04-01",
            "ends_on": "2031-03-31",
            "year_starts_month": 4,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(reference="PCP/2030")
    assert plan.reporting_periods.count() == 4
    assert response.json()["reporting_periods"][0]["label"] == "Q1 2030/31"


# Changing, with If-Match ----------------------------------------------------------


def test_patch_with_the_version_read_changes_it(editor, priority):
    api = session_client(editor)
    etag = api.get(url("priority-detail", priority.pk))["ETag"]
    response = api.patch(
        url("priority-detail", priority.pk),
        {"title": "Keep everyone safe"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    priority.refresh_from_db()
    assert priority.title == "Keep everyone safe"
    assert response["ETag"] != etag


def test_patch_with_a_stale_version_is_refused_and_writes_nothing(editor, priority):
    api = session_client(editor)
    etag = api.get(url("priority-detail", priority.pk))["ETag"]
    api.patch(url("priority-detail", priority.pk), {"title": "First"}, format="json")
    response = api.patch(
        url("priority-detail", priority.pk),
        {"title": "Second"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    priority.refresh_from_db()
    assert priority.title == "First"


def test_patch_without_if_match_is_not_checked(structure_api, led):
    response = structure_api.patch(
        url("deliverable-detail", led.pk),
        {"title": "Daytime and evening patrols", "owners": ["Supt Operations"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    led.refresh_from_db()
    assert led.title == "Daytime and evening patrols"
    assert list(led.owners.values_list("role", flat=True)) == ["Supt Operations"]
    assert response["ETag"] == led.etag


def test_stale_deliverable_version_is_refused(structure_api, led):
    stale = led.etag
    structure_api.patch(
        url("deliverable-detail", led.pk), {"title": "Changed"}, format="json"
    )
    response = structure_api.patch(
        url("deliverable-detail", led.pk),
        {"title": "Changed again"},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    assert response.status_code == 412
    led.refresh_from_db()
    assert led.title == "Changed"


def test_a_milestone_is_added_changed_and_removed(editor, led):
    api = session_client(editor)
    response = api.post(
        url("milestone-list"),
        {"deliverable": led.pk, "title": "Patrol plan agreed", "due_date": "Q3"},
        format="json",
    )
    assert response.status_code == 201, response.content
    milestone = Milestone.objects.get(deliverable=led, title="Patrol plan agreed")
    etag = response["ETag"]
    response = api.patch(
        url("milestone-detail", milestone.pk),
        {"due_date": "Q4"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    milestone.refresh_from_db()
    assert milestone.due_date == "Q4"
    response = api.delete(url("milestone-detail", milestone.pk))
    assert response.status_code == 204
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


# Archiving and removing -----------------------------------------------------------


def test_a_part_something_hangs_from_is_not_removed(editor, objective):
    api = session_client(editor)
    DeliverableFactory(objective=objective)
    response = api.delete(url("priority-detail", objective.priority.pk))
    assert response.status_code == 409
    assert "objective" in response.json()["detail"]
    assert Priority.objects.filter(pk=objective.priority.pk).exists()
    response = api.delete(url("objective-detail", objective.pk))
    assert response.status_code == 409
    assert "deliverable" in response.json()["detail"]


def test_a_part_nothing_hangs_from_is_removed(editor, current_plan):
    api = session_client(editor)
    priority = PriorityFactory(plan=current_plan)
    strand = StrandFactory(plan=current_plan)
    assert api.delete(url("priority-detail", priority.pk)).status_code == 204
    assert api.delete(url("strand-detail", strand.pk)).status_code == 204
    assert not Priority.objects.filter(pk=priority.pk).exists()
    assert not Strand.objects.filter(pk=strand.pk).exists()
    assert AuditEvent.objects.filter(
        object_type="plans.Priority", action="deleted", actor=editor
    ).exists()


def test_a_tagged_strand_is_not_removed(editor, led):
    strand = StrandFactory(plan=led.plan)
    led.strands.add(strand)
    response = session_client(editor).delete(url("strand-detail", strand.pk))
    assert response.status_code == 409
    assert Strand.objects.filter(pk=strand.pk).exists()


def test_archiving_a_plan_supersedes_it_and_its_structure_stops_changing(
    editor, priority
):
    api = session_client(editor)
    plan = priority.plan
    response = api.post(url("plan-archive", plan.pk))
    assert response.status_code == 200, response.content
    plan.refresh_from_db()
    assert plan.state == Plan.State.SUPERSEDED
    response = api.patch(
        url("priority-detail", priority.pk), {"title": "Late change"}, format="json"
    )
    assert response.status_code == 409
    assert "archived" in response.json()["detail"]
    priority.refresh_from_db()
    assert priority.title == "Keep people safe"
    response = api.post(
        url("strand-list"), {"plan": plan.pk, "name": "Too late"}, format="json"
    )
    assert response.status_code == 409
    assert not Strand.objects.filter(name="Too late").exists()


def test_archiving_a_deliverable_records_it_as_stopped(structure_api, led):
    response = structure_api.post(
        url("deliverable-archive", led.pk),
        {"reason": "The force now funds it from its own budget."},
        format="json",
        HTTP_IF_MATCH=led.etag,
    )
    assert response.status_code == 200, response.content
    led.refresh_from_db()
    assert led.status == Status.WILL_NOT_PROCEED
    update = ProgressUpdate.objects.get(deliverable=led)
    assert update.reason == "The force now funds it from its own budget."
    assert update.recorded_by == structure_api.api_client.service_user
    assert response.json()["status"] == Status.WILL_NOT_PROCEED
    # Stopped already: its state, not the request, is at fault.
    again = structure_api.post(
        url("deliverable-archive", led.pk), {"reason": "Again."}, format="json"
    )
    assert again.status_code == 409
    assert ProgressUpdate.objects.filter(deliverable=led).count() == 1


def test_archiving_a_deliverable_needs_a_reason(structure_api, led):
    response = structure_api.post(url("deliverable-archive", led.pk), {}, format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"reason"}
    led.refresh_from_db()
    assert led.status == Status.IN_PROGRESS


# Bad input: 400 naming the field, nothing written ----------------------------------


def test_an_objective_of_another_plan_is_refused(structure_api, objective, force):
    other = ObjectiveFactory(priority__plan=plan_for_year(objective.plan.owner, 2019))
    response = structure_api.post(
        url("deliverable-list"),
        {
            "plan": objective.plan.pk,
            "objective": other.pk,
            "reference": "9.9",
            "title": "Misplaced",
            "lead_organisation": force.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"objective"}
    assert not Deliverable.objects.filter(reference="9.9").exists()


def test_a_priority_of_another_plan_is_refused(editor, objective, authority):
    other = PriorityFactory(plan=plan_for_year(authority, 2019))
    api = session_client(editor)
    response = api.post(
        url("objective-list"),
        {
            "plan": objective.plan.pk,
            "priority": other.pk,
            "reference": "7.1",
            "title": "Misplaced",
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"priority"}
    response = api.patch(
        url("priority-detail", objective.priority.pk),
        {"parent": other.pk},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"parent"}
    assert not Objective.objects.filter(reference="7.1").exists()
    objective.priority.refresh_from_db()
    assert objective.priority.parent is None


def test_a_reference_used_twice_in_the_plan_is_refused(editor, objective, led):
    api = session_client(editor)
    response = api.post(
        url("objective-list"),
        {
            "plan": objective.plan.pk,
            "priority": objective.priority.pk,
            "reference": objective.reference,
            "title": "Twin",
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"reference"}
    response = api.patch(
        url("deliverable-detail", led.pk),
        {"reference": DeliverableFactory(objective=objective).reference},
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"reference"}
    assert Objective.objects.filter(reference=objective.reference).count() == 1


def test_a_plan_ending_before_it_starts_is_refused(editor, authority):
    response = session_client(editor).post(
        url("plan-list"),
        {
            "owner": authority.pk,
            "reference": "BACKWARDS",
            "title": "Backwards plan",
            "starts_on": "2030-04-01",
            "ends_on": "2029-03-31",
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"ends_on"}
    assert not Plan.objects.filter(reference="BACKWARDS").exists()


def test_a_strand_of_another_plan_is_refused(structure_api, led, authority):
    other = StrandFactory(plan=plan_for_year(authority, 2019))
    response = structure_api.patch(
        url("deliverable-detail", led.pk), {"strands": [other.pk]}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"strands"}
    assert not led.strands.exists()


def test_a_plan_for_a_body_one_does_not_edit_is_refused(editor, force):
    response = session_client(editor).post(
        url("plan-list"),
        {
            "owner": force.pk,
            "reference": "NOT-OURS",
            "title": "Not ours",
            "starts_on": "2030-01-01",
            "ends_on": "2030-12-31",
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"owner"}


# Who may ---------------------------------------------------------------------------


def test_a_token_without_plans_write_is_refused(issue_client, authority, priority):
    _, _, token = issue_client(authority, ["read", "updates:write"])
    api = bearer(token)
    response = api.patch(
        url("priority-detail", priority.pk), {"title": "No"}, format="json"
    )
    assert response.status_code == 403
    assert "plans:write" in response.json()["detail"]
    response = api.post(
        url("strand-list"), {"plan": priority.plan.pk, "name": "No"}, format="json"
    )
    assert response.status_code == 403
    priority.refresh_from_db()
    assert priority.title == "Keep people safe"


def test_a_forces_client_never_writes_structure(issue_client, force, led):
    _, _, token = issue_client(force, EDITOR_SCOPES)
    api = bearer(token)
    response = api.patch(
        url("deliverable-detail", led.pk), {"title": "No"}, format="json"
    )
    assert response.status_code == 403
    response = api.post(
        url("strand-list"), {"plan": led.plan.pk, "name": "No"}, format="json"
    )
    assert response.status_code == 403
    led.refresh_from_db()
    assert led.title == "Daytime patrol strategy"


def test_a_reader_is_refused(reader, priority):
    api = session_client(reader)
    response = api.patch(
        url("priority-detail", priority.pk), {"title": "No"}, format="json"
    )
    assert response.status_code == 403
    response = api.delete(url("priority-detail", priority.pk))
    assert response.status_code == 403
    assert Priority.objects.filter(pk=priority.pk, title="Keep people safe").exists()


def test_another_organisations_ids_are_not_found(issue_client, priority, led):
    _, _, token = issue_client(OrganisationFactory(), EDITOR_SCOPES)
    api = bearer(token)
    for name, pk in (("priority-detail", priority.pk), ("deliverable-detail", led.pk)):
        response = api.patch(url(name, pk), {"title": "No"}, format="json")
        assert response.status_code == 404, name
    assert api.post(
        url("deliverable-archive", led.pk), {"reason": "No"}
    ).status_code == (404)
    response = api.post(
        url("strand-list"), {"plan": priority.plan.pk, "name": "No"}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"plan"}
    assert not Strand.objects.filter(name="No").exists()


def test_put_is_not_taken(editor, priority):
    response = session_client(editor).put(
        url("priority-detail", priority.pk), {"title": "No"}, format="json"
    )
    assert response.status_code == 405


# Idempotent retries ------------------------------------------------------------------


def test_a_retried_create_answers_the_same_and_adds_one(structure_api, current_plan):
    body = {"plan": current_plan.pk, "name": "Victims"}
    first = structure_api.post(
        url("strand-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = structure_api.post(
        url("strand-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Strand.objects.filter(plan=current_plan).count() == 1
    other = structure_api.post(
        url("strand-list"),
        {**body, "name": "Offenders"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422
    assert Strand.objects.filter(plan=current_plan).count() == 1


def test_a_plan_is_not_passed_to_a_body_one_does_not_edit(editor, current_plan):
    elsewhere = OrganisationFactory()
    response = session_client(editor).patch(
        url("plan-detail", current_plan.pk), {"owner": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"owner"}
    current_plan.refresh_from_db()
    assert current_plan.owner != elsewhere


def test_an_editor_changes_a_plans_reporting_settings_within_their_limits(
    editor, current_plan
):
    api = session_client(editor)
    response = api.patch(
        url("plan-detail", current_plan.pk), {"grace_days": 91}, format="json"
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"grace_days"}
    response = api.patch(
        url("plan-detail", current_plan.pk), {"grace_days": 21}, format="json"
    )
    assert response.status_code == 200, response.content
    current_plan.refresh_from_db()
    assert current_plan.grace_days == 21


def test_changes_and_archives_are_recorded_against_the_client(structure_api, led):
    structure_api.patch(
        url("deliverable-detail", led.pk), {"title": "Renamed"}, format="json"
    )
    structure_api.post(
        url("deliverable-archive", led.pk), {"reason": "Dropped."}, format="json"
    )
    changes = AuditEvent.objects.filter(
        object_type="deliverables.Deliverable", object_id=str(led.pk), action="changed"
    )
    assert changes.count() == 2  # the change, and the stop's new status
    assert set(changes.values_list("api_client", flat=True)) == {
        structure_api.api_client.pk
    }


def test_a_client_with_plans_write_is_issued_from_the_command_line(authority):
    import io

    from django.core.management import call_command

    from plans.models import ApiClient

    call_command(
        "issue_api_client",
        authority.short_name,
        "--name",
        "Planning system",
        "--scopes",
        "read,plans:write",
        stdout=io.StringIO(),
    )
    client = ApiClient.objects.get(name="Planning system")
    assert sorted(client.scopes) == ["plans:write", "read"]
