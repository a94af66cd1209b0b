"""Changing several deliverables in one step, for one reason: put on hold, re-dated,
stopped, merged into one of the plan or into a new umbrella. All or nothing; one
group id shared by the step's updates, which the summary of changes shows as one."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.models import Deliverable, ProgressUpdate, Status
from deliverables.services import (
    GroupAction,
    change_several,
    merge_deliverables,
    merge_into_new,
    next_free_reference,
)
from plans.services import lock_period
from scrutiny.dashboards.figures import build_dashboard, dashboard_rows
from scrutiny.reports.services import publish_report
from tests.factories import (
    DeliverableFactory,
    PlanFactory,
    StrandFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

REASON = "The board paused the programme while the budget is reviewed."


def quarter(plan, number):
    return plan.reporting_periods.order_by("starts_on")[number - 1]


@pytest.fixture
def work(plan, force, deliverable):
    """Four open deliverables of the 2017 plan under one objective, in progress."""
    made = [deliverable] + [
        DeliverableFactory(
            objective=deliverable.objective,
            lead_organisation=force,
            reference=f"3.1.{n}",
            title=f"Project {n}",
            position=n,
        )
        for n in range(2, 5)
    ]
    for d in made:
        d.status = Status.IN_PROGRESS
        d.save()
    return made


def statuses(deliverables):
    return [Deliverable.objects.get(pk=d.pk).status for d in deliverables]


# The services ------------------------------------------------------------------


def test_an_editor_puts_several_on_hold_in_one_step_with_one_reason(plan, work, editor):
    q2 = quarter(plan, 2)
    updates = change_several(
        plan=plan,
        deliverables=work[:3],
        action=GroupAction.HOLD,
        reason=REASON,
        by=editor,
        period=q2,
    )
    assert statuses(work) == [Status.ON_HOLD] * 3 + [Status.IN_PROGRESS]
    assert len(updates) == 3
    assert len({u.group for u in updates}) == 1 and updates[0].group is not None
    stored = ProgressUpdate.objects.filter(group=updates[0].group)
    assert sorted(stored.values_list("deliverable_id", flat=True)) == sorted(
        d.pk for d in work[:3]
    )
    assert {(u.reason, u.period_id, u.recorded_by_id) for u in stored} == {
        (REASON, q2.pk, editor.pk)
    }


def test_one_deliverable_refused_refuses_the_whole_step(plan, work, editor):
    record_update(
        deliverable=work[1],
        by=editor,
        narrative="Done.",
        status=Status.COMPLETED,
        reason="Delivered.",
        period=quarter(plan, 1),
    )
    before = ProgressUpdate.objects.count()
    with pytest.raises(ValidationError) as refused:
        change_several(
            plan=plan,
            deliverables=work[:3],
            action=GroupAction.STOP,
            reason=REASON,
            by=editor,
            period=quarter(plan, 2),
        )
    assert refused.value.message_dict["deliverables"] == [
        f"{work[1].reference} is completed: only open work can be stopped."
    ]
    assert ProgressUpdate.objects.count() == before
    assert statuses(work[:3]) == [
        Status.IN_PROGRESS,
        Status.COMPLETED,
        Status.IN_PROGRESS,
    ]


def test_one_refused_by_the_write_itself_writes_nothing_either(plan, work, editor):
    # A locked period is refused where every update is judged: nothing of the step.
    q1 = quarter(plan, 1)
    lock_period(period=q1, by=editor, reason="Report version 1 published.")
    with pytest.raises(ValidationError) as refused:
        change_several(
            plan=plan,
            deliverables=work[:2],
            action=GroupAction.HOLD,
            reason=REASON,
            by=editor,
            period=q1,
        )
    assert "is locked" in refused.value.message_dict["period"][0]
    assert len(refused.value.message_dict["period"]) == 1  # said once, not per row
    assert not ProgressUpdate.objects.exists()


def test_a_reason_is_required(plan, work, editor):
    with pytest.raises(ValidationError) as refused:
        change_several(
            plan=plan,
            deliverables=work[:2],
            action=GroupAction.HOLD,
            reason="  ",
            by=editor,
            period=quarter(plan, 2),
        )
    assert refused.value.message_dict == {"reason": ["Say why they are changing."]}
    assert not ProgressUpdate.objects.exists()


def test_an_empty_choice_and_no_action_are_refused(plan, editor):
    with pytest.raises(ValidationError) as refused:
        change_several(plan=plan, deliverables=[], action="", reason=REASON, by=editor)
    assert refused.value.message_dict == {
        "action": ["Choose what to do with them."],
        "deliverables": ["Choose the deliverables to change."],
    }


def test_re_dating_needs_a_new_forecast_date_that_parses(plan, work, editor):
    def redate(forecast_date):
        return change_several(
            plan=plan,
            deliverables=work[:2],
            action=GroupAction.REDATE,
            reason="The supplier is late.",
            by=editor,
            period=quarter(plan, 2),
            forecast_date=forecast_date,
        )

    with pytest.raises(ValidationError) as refused:
        redate("")
    assert refused.value.message_dict == {
        "forecast_date": ["Give the new forecast date."]
    }
    with pytest.raises(ValidationError) as refused:
        redate("next spring")
    assert list(refused.value.message_dict) == ["forecast_date"]
    assert not ProgressUpdate.objects.exists()

    updates = redate("Q4")
    assert {(u.forecast_date, u.narrative) for u in updates} == {
        ("Q4", "Forecast date moved to Q4.")
    }
    for d in work[:2]:
        d.refresh_from_db()
        assert (d.forecast_date, d.forecast_date_end.isoformat()) == (
            "Q4",
            "2017-12-31",
        )
    with pytest.raises(ValidationError) as refused:
        redate("Q4")
    assert refused.value.message_dict["deliverables"][0] == (
        f"{work[0].reference} is already forecast for Q4."
    )


def test_putting_on_hold_what_is_on_hold_and_resuming_what_is_not_are_refused(
    plan, work, editor
):
    q2 = quarter(plan, 2)
    change_several(
        plan=plan,
        deliverables=[work[0]],
        action=GroupAction.HOLD,
        reason=REASON,
        by=editor,
        period=q2,
    )
    with pytest.raises(ValidationError) as refused:
        change_several(
            plan=plan,
            deliverables=work[:2],
            action=GroupAction.HOLD,
            reason=REASON,
            by=editor,
            period=q2,
        )
    assert refused.value.message_dict["deliverables"] == [
        f"{work[0].reference} is already on hold."
    ]
    with pytest.raises(ValidationError) as refused:
        change_several(
            plan=plan,
            deliverables=work[:2],
            action=GroupAction.RESUME,
            reason="Budget agreed.",
            by=editor,
            period=q2,
        )
    assert refused.value.message_dict["deliverables"] == [
        f"{work[1].reference} is not on hold."
    ]


def test_only_the_plans_editors_change_several(
    plan, work, contributor, reader, outsider
):
    for person in (contributor, reader, outsider):
        with pytest.raises(PermissionDenied):
            change_several(
                plan=plan,
                deliverables=work[:2],
                action=GroupAction.HOLD,
                reason=REASON,
                by=person,
                period=quarter(plan, 2),
            )
    assert not ProgressUpdate.objects.exists()


def test_deliverables_of_another_plan_are_refused(plan, work, editor, authority):
    elsewhere = DeliverableFactory(
        objective__priority__plan=PlanFactory(owner=authority), reference="9.9"
    )
    with pytest.raises(ValidationError) as refused:
        change_several(
            plan=plan,
            deliverables=[work[0], elsewhere],
            action=GroupAction.HOLD,
            reason=REASON,
            by=editor,
            period=quarter(plan, 2),
        )
    assert refused.value.message_dict["deliverables"] == [
        "9.9 is in another plan: choose deliverables of R.4/2017 only."
    ]
    assert not ProgressUpdate.objects.exists()


def test_without_a_period_the_step_belongs_to_todays(current_plan, editor, force):
    made = DeliverableFactory.create_batch(
        2, objective__priority__plan=current_plan, lead_organisation=force
    )
    updates = change_several(
        plan=current_plan,
        deliverables=made,
        action=GroupAction.STOP,
        reason="Replaced by the national programme.",
        by=editor,
    )
    from django.utils import timezone

    today = timezone.localdate()
    assert all(u.period.starts_on <= today <= u.period.ends_on for u in updates)
    assert statuses(made) == [Status.WILL_NOT_PROCEED] * 2


def test_a_merge_shares_one_group_and_uses_the_period_chosen(plan, work, editor):
    q3 = quarter(plan, 3)
    updates = merge_deliverables(
        umbrella=work[0],
        merged=work[1:3],
        reason="One programme board runs them.",
        by=editor,
        period=q3,
    )
    assert len({u.group for u in updates}) == 1
    assert {u.period_id for u in updates} == {q3.pk}
    assert statuses(work) == [
        Status.IN_PROGRESS,
        Status.MERGED,
        Status.MERGED,
        Status.IN_PROGRESS,
    ]


def test_a_closed_deliverable_is_not_merged(plan, work, editor):
    change_several(
        plan=plan,
        deliverables=[work[1]],
        action=GroupAction.STOP,
        reason=REASON,
        by=editor,
        period=quarter(plan, 1),
    )
    with pytest.raises(ValidationError) as refused:
        merge_deliverables(
            umbrella=work[0],
            merged=work[1:3],
            reason="One board.",
            by=editor,
            period=quarter(plan, 2),
        )
    assert refused.value.message_dict["merged"] == [
        f"{work[1].reference} was stopped (will not proceed): only open work can be "
        "merged."
    ]
    assert ProgressUpdate.objects.count() == 1


def test_merge_into_new_creates_the_umbrella_and_merges_in_one_step(
    plan, work, editor, force
):
    victims = StrandFactory(plan=plan, name="Victims")
    roads = StrandFactory(plan=plan, name="Roads")
    for d in work[:3]:
        d.strands.add(victims)
    work[0].strands.add(roads)
    q2 = quarter(plan, 2)

    umbrella = merge_into_new(
        plan=plan,
        merged=work[:3],
        title="Victims' hub",
        reason="One hub for every victim service.",
        by=editor,
        period=q2,
    )
    umbrella.refresh_from_db()
    assert umbrella.reference == "1"  # no plain-number reference in the plan yet
    assert umbrella.title == "Victims' hub"
    # What the merged ones share: their objective, lead and strand.
    assert umbrella.objective == work[0].objective
    assert umbrella.lead_organisation == force
    assert list(umbrella.strands.all()) == [victims]
    assert umbrella.status == Status.IN_PROGRESS
    assert q2.starts_on <= umbrella.identified_on <= q2.ends_on
    assert umbrella.history.latest().history_user == editor
    merged = ProgressUpdate.objects.filter(merged_into=umbrella)
    assert merged.count() == 3
    assert merged.values("group").distinct().count() == 1
    assert statuses(work) == [Status.MERGED] * 3 + [Status.IN_PROGRESS]


def test_merge_into_new_without_a_shared_lead_gives_it_to_the_plans_owner(
    plan, work, editor, partner
):
    work[1].lead_organisation = partner
    work[1].save()
    umbrella = merge_into_new(
        plan=plan,
        merged=work[:2],
        title="Joint work",
        reference="J1",
        reason="One lead.",
        by=editor,
        period=quarter(plan, 2),
    )
    assert (umbrella.reference, umbrella.lead_organisation) == ("J1", plan.owner)


def test_merge_into_new_rolls_back_the_umbrella_when_the_merge_is_refused(
    plan, work, editor
):
    q1 = quarter(plan, 1)
    lock_period(period=q1, by=editor, reason="Report version 1 published.")
    count = Deliverable.objects.count()
    with pytest.raises(ValidationError) as refused:
        merge_into_new(
            plan=plan,
            merged=work[:3],
            title="Victims' hub",
            reason="One hub.",
            by=editor,
            period=q1,
        )
    assert "is locked" in refused.value.message_dict["period"][0]
    assert Deliverable.objects.count() == count
    assert not Deliverable.objects.filter(title="Victims' hub").exists()
    assert not ProgressUpdate.objects.exists()


def test_merge_into_new_refuses_a_closed_one_and_a_taken_reference_up_front(
    plan, work, editor
):
    change_several(
        plan=plan,
        deliverables=[work[2]],
        action=GroupAction.STOP,
        reason=REASON,
        by=editor,
        period=quarter(plan, 1),
    )
    with pytest.raises(ValidationError) as refused:
        merge_into_new(
            plan=plan,
            merged=work[1:3],
            title="",
            reference=work[0].reference,
            reason="",
            by=editor,
            period=quarter(plan, 2),
        )
    assert refused.value.message_dict == {
        "merged": [
            f"{work[2].reference} was stopped (will not proceed): only open work can "
            "be merged."
        ],
        "title": ["Give the new deliverable a title."],
        "reference": [
            f"{work[0].reference} is already a deliverable of this plan: give another "
            "reference, or leave it blank for the next free number."
        ],
        "reason": ["Say why they are being merged."],
    }
    assert ProgressUpdate.objects.count() == 1


def test_the_next_free_reference_is_one_more_than_the_largest_plain_number(plan, work):
    assert next_free_reference(plan=plan) == "1"
    for reference in ("1", "2", "100", "7a", "12.1"):
        DeliverableFactory(objective=work[0].objective, reference=reference)
    assert next_free_reference(plan=plan) == "101"
    # An importer adding rows passes the references it holds.
    assert next_free_reference(plan=plan, taken=["3", " 41 ", "x"]) == "42"


# The pages -----------------------------------------------------------------------


def list_page(client, plan, **query):
    return client.get(reverse("deliverables:list"), {"plan": plan.pk, **query})


def test_the_list_offers_checkboxes_to_the_plans_editors_only(
    client, current_plan, led, editor, reader, contributor
):
    client.force_login(editor)
    page = list_page(client, current_plan).content.decode()
    assert "Change the chosen deliverables" in page
    assert f'name="deliverables" value="{led.pk}"' in page
    assert reverse("plans:change-deliverables", args=[current_plan.pk]) in page
    # The list's rows alone, as a filter changed in the browser asks for them.
    rows = client.get(
        reverse("deliverables:list"),
        {"plan": current_plan.pk, "status": "in_progress"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    ).content.decode()
    assert "<h1" not in rows and f'name="deliverables" value="{led.pk}"' in rows
    assert f'name="back" value="plan={current_plan.pk}&amp;status=in_progress"' in rows
    for person in (reader, contributor):
        client.force_login(person)
        page = list_page(client, current_plan).content.decode()
        assert "Change the chosen deliverables" not in page
        assert 'name="deliverables"' not in page


def test_without_one_plan_in_view_the_list_offers_no_checkboxes(
    client, current_plan, plan, led, editor
):
    client.force_login(editor)  # the authority's two plans, neither chosen
    page = client.get(reverse("deliverables:list")).content.decode()
    assert "Change the chosen deliverables" not in page


def test_the_lists_queries_do_not_grow_with_its_checkboxes(
    client, current_plan, led, editor, force
):
    client.force_login(editor)
    with CaptureQueriesContext(connection) as few:
        response = list_page(client, current_plan)
    assert response.context["change_plan"] == current_plan
    DeliverableFactory.create_batch(
        27, objective=led.objective, lead_organisation=force
    )
    with CaptureQueriesContext(connection) as many:
        response = list_page(client, current_plan)
    assert len(response.context["deliverables"]) == 28
    assert response.content.decode().count('name="deliverables"') == 28
    assert len(many) == len(few)


@pytest.fixture
def chosen(current_plan, force):
    """Three deliverables of this year's plan, in progress."""
    return [
        DeliverableFactory(
            objective__priority__plan=current_plan,
            lead_organisation=force,
            reference=f"4.{n}",
            title=f"Project {n}",
            status=Status.IN_PROGRESS,
            position=n,
        )
        for n in (1, 2, 3)
    ]


def group_page(plan):
    return reverse("plans:change-deliverables", args=[plan.pk])


def test_the_list_sends_the_chosen_ones_to_the_group_page(
    client, current_plan, chosen, editor
):
    client.force_login(editor)
    response = client.post(
        group_page(current_plan),
        {
            "deliverables": [chosen[0].pk, chosen[2].pk],
            "back": f"plan={current_plan.pk}&status=in_progress",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "4.1 Project 1 (in progress)" in page and "4.3 Project 3" in page
    assert "4.2 Project 2" not in page
    assert "There is a problem" not in page
    assert f'value="plan={current_plan.pk}&amp;status=in_progress"' in page


def test_nothing_chosen_goes_back_to_the_list_as_filtered(client, current_plan, editor):
    client.force_login(editor)
    response = client.post(
        group_page(current_plan), {"back": f"plan={current_plan.pk}&status=on_hold"}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('deliverables:list')}?plan={current_plan.pk}&status=on_hold"
    )


def submit(client, plan, chosen, **fields):
    data = {
        "step": "change",
        "back": f"plan={plan.pk}",
        "offered": [d.pk for d in chosen],
        "deliverables": [d.pk for d in chosen],
        "reason": REASON,
    } | fields
    return client.post(group_page(plan), data)


def test_the_group_page_shows_errors_beside_the_fields(
    client, current_plan, chosen, editor
):
    client.force_login(editor)
    response = submit(client, current_plan, chosen, reason="")
    page = response.content.decode()
    assert "<title>Error: " in page and "There is a problem" in page
    assert 'href="#id_action_0">Choose what to do with them.' in page
    assert 'id="id_reason-error"' in page and "Say why they are changing." in page

    page = submit(client, current_plan, chosen, action="redate").content.decode()
    assert 'href="#id_forecast_date">Give the new forecast date.' in page
    page = submit(client, current_plan, chosen, action="merge").content.decode()
    assert "Give the reference of the deliverable to merge them into." in page
    page = submit(
        client, current_plan, chosen, action="merge", umbrella="nope"
    ).content.decode()
    assert "No deliverable of this plan has the reference nope." in page
    page = submit(client, current_plan, chosen, action="new").content.decode()
    assert "Give the new deliverable a title." in page
    assert not ProgressUpdate.objects.exists()


def test_one_unticked_is_still_offered_when_the_page_shows_an_error(
    client, current_plan, chosen, editor
):
    client.force_login(editor)
    page = submit(
        client, current_plan, chosen, deliverables=[chosen[0].pk]
    ).content.decode()
    assert "Choose what to do with them." in page
    assert f'value="{chosen[0].pk}" id="id_deliverables_0" checked' in page
    assert f'value="{chosen[1].pk}" id="id_deliverables_1">' in page
    page = submit(client, current_plan, chosen, deliverables=[]).content.decode()
    assert "Choose at least one deliverable to change." in page


def test_the_services_refusal_shows_beside_the_chosen_ones(
    client, current_plan, chosen, editor
):
    chosen[1].status = Status.COMPLETED
    chosen[1].save()
    client.force_login(editor)
    response = submit(client, current_plan, chosen, action="hold")
    page = response.content.decode()
    assert 'href="#id_deliverables_0">4.2 is completed: only open work can be put' in (
        page
    )
    assert 'id="id_deliverables-error"' in page
    assert not ProgressUpdate.objects.exists()


def test_an_editor_puts_the_chosen_on_hold_and_comes_back_to_the_list(
    client, current_plan, chosen, editor
):
    client.force_login(editor)
    response = submit(client, current_plan, chosen[:2], action="hold")
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('deliverables:list')}?plan={current_plan.pk}"
    )
    assert statuses(chosen) == [Status.ON_HOLD, Status.ON_HOLD, Status.IN_PROGRESS]
    banner = client.get(response["Location"]).content.decode()
    assert "Put 2 deliverables on hold." in banner


def test_an_editor_merges_the_chosen_into_a_new_umbrella(
    client, current_plan, chosen, editor
):
    client.force_login(editor)
    response = submit(client, current_plan, chosen, action="new", title="Victims' hub")
    assert response.status_code == 302
    umbrella = Deliverable.objects.get(title="Victims' hub")
    assert statuses(chosen) == [Status.MERGED] * 3
    banner = client.get(response["Location"]).content.decode()
    assert "Merged 3 deliverables into the new deliverable" in banner
    assert f'href="{reverse("deliverables:detail", args=[umbrella.pk])}"' in banner
    # Each one's own timeline says it changed with the others.
    page = client.get(reverse("deliverables:detail", args=[chosen[0].pk]))
    assert "Changed with 2 others in one step" in page.content.decode()


def test_an_editor_merges_the_chosen_into_one_of_the_plan(
    client, current_plan, chosen, editor
):
    client.force_login(editor)
    response = submit(client, current_plan, chosen[1:], action="merge", umbrella="4.1")
    assert response.status_code == 302
    assert statuses(chosen) == [Status.IN_PROGRESS, Status.MERGED, Status.MERGED]
    assert {
        d.merged_into_id
        for d in Deliverable.objects.filter(pk__in=[chosen[1].pk, chosen[2].pk])
    } == {chosen[0].pk}


def test_the_group_page_is_the_plans_editors_alone(
    client, current_plan, chosen, reader, outsider
):
    client.force_login(reader)
    assert submit(client, current_plan, chosen, action="hold").status_code == 403
    client.force_login(outsider)
    assert submit(client, current_plan, chosen, action="hold").status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_the_merge_page_asks_for_the_period_and_uses_it(client, plan, work, editor):
    client.force_login(editor)
    url = reverse("deliverables:merge", args=[work[0].pk])
    page = client.get(url).content.decode()
    assert "Which reporting period does the merge belong to?" in page
    q3 = quarter(plan, 3)
    response = client.post(
        url,
        {"merged": [work[1].pk], "reason": "One board.", "period": q3.pk},
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.get().period == q3


# The summary of changes -------------------------------------------------------------


def test_the_summary_of_changes_shows_a_group_as_one(plan, work, editor, force):
    q2 = quarter(plan, 2)
    alone = DeliverableFactory(
        objective=work[0].objective,
        lead_organisation=force,
        reference="5.1",
        position=10,
    )
    change_several(
        plan=plan,
        deliverables=work[2:],
        action=GroupAction.HOLD,
        reason="Budget review.",
        by=editor,
        period=q2,
    )
    change_several(
        plan=plan,
        deliverables=[alone],
        action=GroupAction.HOLD,
        reason="Lead on leave.",
        by=editor,
        period=q2,
    )
    umbrella = merge_into_new(
        plan=plan,
        merged=work[:2],
        title="Victims' hub",
        reason="One hub.",
        by=editor,
        period=q2,
    )
    data = build_dashboard(plan, q2)
    (merged,) = data["changes"]["merged"]
    assert (merged["into_reference"], merged["into_new"]) == ("1", True)
    assert [m["reference"] for m in merged["members"]] == [
        work[0].reference,
        work[1].reference,
    ]
    on_hold = data["changes"]["on_hold"]
    assert [m["reference"] for m in on_hold[0]["members"]] == ["3.1.3", "3.1.4"]
    assert on_hold[0]["reason"] == "Budget review."
    # A step of one reads as any other change.
    assert (on_hold[1]["reference"], on_hold[1]["reason"]) == ("5.1", "Lead on leave.")
    assert "members" not in on_hold[1]
    assert data["counts"]["on_hold"] == 3 and data["changes_shown"]["on_hold"] == 3

    report = publish_report(plan=plan, period=q2, by=editor)
    # Frozen: the figures, the page and every row keep the step.
    assert report.data["changes"]["merged"] == data["changes"]["merged"]
    assert (
        f'Merged into <a class="govuk-link" href="deliverables/{umbrella.pk}/">1</a> '
        "Victims&#x27; hub (new), 2 together:"
    ) in report.html
    assert "Put on hold, 2 together:" in report.html
    groups = {
        r["reference"]: r["changes"]["on_hold"].get("group")
        for r in report.every_row
        if "on_hold" in r["changes"]
    }
    assert groups["3.1.3"] == groups["3.1.4"] != groups["5.1"]
    assert groups == {
        r["reference"]: r["changes"]["on_hold"].get("group")
        for r in dashboard_rows(plan, q2)
        if "on_hold" in r["changes"]
    }


def test_entries_without_a_group_show_as_before(plan, work, editor):
    q2 = quarter(plan, 2)
    record_update(
        deliverable=work[1],
        by=editor,
        narrative="Paused.",
        status=Status.ON_HOLD,
        reason="Budget review.",
        period=q2,
    )
    (entry,) = build_dashboard(plan, q2)["changes"]["on_hold"]
    assert entry == {
        "id": work[1].pk,
        "reference": work[1].reference,
        "title": work[1].title,
        "reason": "Budget review.",
    }


def test_the_dashboard_reads_as_many_queries_with_groups_as_without(
    client, plan, work, editor, force
):
    q2 = quarter(plan, 2)
    url = reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk])
    client.force_login(editor)
    record_update(
        deliverable=work[3],
        by=editor,
        narrative="Paused.",
        status=Status.ON_HOLD,
        reason="Budget review.",
        period=q2,
    )
    client.get(url)  # warm any per-process caches
    record_update(
        deliverable=work[0],
        by=editor,
        narrative="Later.",
        forecast_date="Q4",
        reason="Supplier late.",
        period=q2,
    )
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    more = DeliverableFactory.create_batch(
        8, objective=work[0].objective, lead_organisation=force
    )
    change_several(
        plan=plan,
        deliverables=more[:4],
        action=GroupAction.REDATE,
        forecast_date="Q4",
        reason="Supplier late.",
        by=editor,
        period=q2,
    )
    merge_into_new(
        plan=plan,
        merged=more[4:],
        title="Victims' hub",
        reason="One hub.",
        by=editor,
        period=q2,
    )
    with CaptureQueriesContext(connection) as grouped:
        response = client.get(url)
    page = response.content.decode()
    assert "Re-dated" in page and "4 together:" in page
    assert len(grouped) == len(without)
