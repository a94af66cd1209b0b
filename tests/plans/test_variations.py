"""Plan variations: a dated, reasoned change to a plan in force. Past quarters keep
the plan as it stood (dashboards, drill-downs, spreadsheets and states), published
reports never change, and the variations page says what changed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from deliverables.models import Deliverable, PeriodState, Status
from plans.models import Plan, PlanVariation, Priority
from plans.services import (
    change_indicator,
    remove_plan_part,
    save_plan,
    save_plan_part,
)
from plans.variations.services import (
    change_variation,
    discard_variation,
    earliest_day,
    record_variation,
    start_variation,
)
from scrutiny.dashboards.figures import build_dashboard, dashboard_rows
from scrutiny.models import PublishedReport
from scrutiny.reports.services import publish_report
from tests.factories import (
    DeliverableFactory,
    IndicatorFactory,
    ObjectiveFactory,
    PriorityFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2017, 10, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def drawn(monkeypatch):
    monkeypatch.setattr(
        "scrutiny.reports.pdf.report_pdf", lambda report, url: b"%PDF-1.7\n%%EOF\n"
    )


def quarter(plan, n):
    return plan.reporting_periods.get(label=f"Q{n} 2017")


@pytest.fixture
def world(plan, force, editor):
    """Two top-level priorities (the first with a sub-priority), three objectives,
    work under each, progress in Q1 and Q2, and an indicator with a target."""
    safe = PriorityFactory(plan=plan, reference="1", title="Keep people safe")
    under = PriorityFactory(plan=plan, reference="1.1", title="Roads", parent=safe)
    abuse = PriorityFactory(plan=plan, reference="2", title="Domestic abuse")
    night = ObjectiveFactory(priority=safe, reference="1.A", title="Night time economy")
    roads = ObjectiveFactory(priority=under, reference="1.1.A", title="Road deaths")
    refuge = ObjectiveFactory(priority=abuse, reference="2.A", title="Refuges")
    work = {}
    for objective, n in ((night, 3), (roads, 2), (refuge, 1)):
        for i in range(n):
            d = DeliverableFactory(
                objective=objective,
                lead_organisation=force,
                reference=f"{objective.reference}.{i + 1}",
                baseline_date="Q3",
            )
            work.setdefault(objective.reference, []).append(d)
            record_update(
                deliverable=d,
                by=editor,
                narrative="Started.",
                status=Status.IN_PROGRESS,
                reason="Work began.",
                period=quarter(plan, 1),
            )
    record_update(
        deliverable=work["1.A"][0],
        by=editor,
        narrative="Done.",
        status=Status.COMPLETED,
        reason="Delivered.",
        period=quarter(plan, 2),
    )
    indicator = IndicatorFactory(plan=plan, title="Road deaths", target_value=10)
    return {
        "safe": safe,
        "under": under,
        "abuse": abuse,
        "night": night,
        "roads": roads,
        "refuge": refuge,
        "work": work,
        "indicator": indicator,
    }


def vary(plan, editor, world):
    """A variation from 1 October: the plan renamed, a priority renamed, an
    objective moved to another priority, a sub-priority moved under another, a new
    priority added and an indicator's target changed."""
    variation = start_variation(
        plan=plan,
        by=editor,
        takes_effect_on=OCTOBER,
        reason="Refreshed after the panel's review of the first half year.",
        consultation="Panel consulted on 12 September 2017; no objections.",
    )
    save_plan(plan=plan, by=editor, title="2017 Policing Plan (varied)")
    safe, under, night = world["safe"], world["under"], world["night"]
    safe.title = "Keeping people safe"
    save_plan_part(part=safe, by=editor)
    night.priority = world["abuse"]
    save_plan_part(part=night, by=editor)
    under.parent = world["abuse"]
    save_plan_part(part=under, by=editor)
    save_plan_part(
        part=Priority(plan=plan, reference="3", title="Cyber crime", position=9),
        by=editor,
    )
    change_indicator(
        indicator=world["indicator"], by=editor, reason="New target.", target_value=8
    )
    variation.refresh_from_db()
    return variation


def rebuilt(plan, period):
    return build_dashboard(
        plan,
        period,
        Deliverable.objects.all(),
        show_names=plan.owner.names_in_public,
        commentary=True,
    )


def test_a_variation_after_q2_leaves_the_rebuilt_q2_dashboard_equal_to_its_report(
    plan, editor, world
):
    q2 = quarter(plan, 2)
    report = publish_report(plan=plan, period=q2, by=editor)
    frozen = PublishedReport.objects.get(pk=report.pk)

    vary(plan, editor, world)

    plan.refresh_from_db()
    assert plan.title == "2017 Policing Plan (varied)"
    data = rebuilt(plan, q2)
    # A report also keeps what its version changed (none, for the first).
    assert set(frozen.data) - set(data) == {"differences"}
    for key in data:
        assert data[key] == frozen.data[key], key
    assert dashboard_rows(plan, q2, show_names=plan.owner.names_in_public) == (
        frozen.rows
    )
    # The figures the panel read: the plan's old name and the old tree.
    assert data["plan"]["title"] == "2017 Policing Plan"
    groups = {g["label"]: g for g in data["by_priority"]}
    assert groups["1"]["title"] == "Keep people safe"
    assert groups["1"]["total"] == 5 and groups["2"]["total"] == 1
    assert "3" not in groups
    target = {i["title"]: i for i in data["indicators"]}["Road deaths"]["target"]
    assert target == 10


def test_the_quarter_the_variation_takes_effect_in_shows_the_varied_plan(
    plan, editor, world
):
    vary(plan, editor, world)
    data = rebuilt(plan, quarter(plan, 4))
    assert data["plan"]["title"] == "2017 Policing Plan (varied)"
    groups = {g["label"]: g for g in data["by_priority"]}
    assert groups["1"]["title"] == "Keeping people safe"
    # The night time economy moved to 2, and the roads' sub-priority under it too.
    assert groups["1"]["total"] == 0
    assert groups["2"]["total"] == 6
    assert groups["3"]["total"] == 0
    # Q3 ends on 30 September, the day before: still the plan as it stood.
    q3 = rebuilt(plan, quarter(plan, 3))
    assert {g["label"]: g["total"] for g in q3["by_priority"]} == {"1": 5, "2": 1}


def test_period_states_keep_the_priority_the_work_stood_under(plan, editor, world):
    vary(plan, editor, world)
    moved = world["work"]["1.A"][1]
    road = world["work"]["1.1.A"][0]
    by_period = {
        s.period.label: s.priority_id
        for s in PeriodState.objects.filter(deliverable=moved).select_related("period")
    }
    assert by_period["Q2 2017"] == world["safe"].pk
    assert by_period["Q3 2017"] == world["safe"].pk
    assert by_period["Q4 2017"] == world["abuse"].pk
    road_q2 = PeriodState.objects.get(deliverable=road, period=quarter(plan, 2))
    assert road_q2.priority_id == world["safe"].pk


def test_drill_down_and_timeline_of_a_past_quarter_show_the_plan_as_it_stood(
    client, plan, editor, world
):
    vary(plan, editor, world)
    client.force_login(editor)
    q2 = quarter(plan, 2)
    moved = world["work"]["1.A"][1]
    page = client.get(
        reverse("scrutiny:timeline", args=[plan.pk, q2.pk, moved.pk])
    ).content.decode()
    assert "Keep people safe" in page and "2017 Policing Plan (varied)" not in page
    page = client.get(
        reverse("scrutiny:drill-down", args=[plan.pk, q2.pk])
        + "?priority="
        + str(world["safe"].pk)
    ).content.decode()
    assert moved.reference in page
    dashboard = client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q2.pk]))
    body = dashboard.content.decode()
    assert "The plan was varied after Q2 2017" in body
    assert "from 1 October 2017" in body


def test_the_variations_page_lists_what_changed(client, plan, editor, world, reader):
    variation = vary(plan, editor, world)
    record_variation(variation=variation, by=editor)
    client.force_login(reader)
    response = client.get(reverse("plans:variations", args=[plan.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "From 1 October 2017" in page
    assert "Refreshed after the panel" in page
    assert "Panel consulted on 12 September 2017" in page
    for words in (
        "2017 Policing Plan",
        "Keeping people safe",
        "Night time economy",
        "Cyber crime",
        "Road deaths",
    ):
        assert words in page
    assert "Record the variation" not in page  # a reader changes nothing
    entries = [(e["part"], e["action"]) for e in variation.changes]
    assert entries == [
        ("plan", "changed"),
        ("priority", "changed"),
        ("objective", "changed"),
        ("priority", "changed"),
        ("priority", "added"),
        ("indicator", "changed"),
    ]
    moved = variation.changes[2]["words"]
    # In the words of the moment it moved (its priority was renamed just before).
    assert moved == [
        {
            "field": "Priority",
            "before": "1 Keeping people safe",
            "after": "2 Domestic abuse",
        }
    ]


def test_an_indicator_varied_applies_from_the_quarter_of_the_variation(
    plan, editor, world
):
    vary(plan, editor, world)
    change = world["indicator"].changes.get()
    assert change.from_period == quarter(plan, 4)


def test_changes_made_with_no_variation_under_way_are_corrections(plan, editor, world):
    safe = world["safe"]
    safe.title = "Keep people safe (typo fixed)"
    save_plan_part(part=safe, by=editor)
    assert not PlanVariation.objects.exists()
    data = rebuilt(plan, quarter(plan, 1))
    groups = {g["label"]: g["title"] for g in data["by_priority"]}
    assert groups["1"] == "Keep people safe (typo fixed)"


def test_a_priority_removed_in_a_variation_is_back_in_earlier_quarters(
    plan, editor, world
):
    empty = PriorityFactory(plan=plan, reference="4", title="Partnerships")
    start_variation(plan=plan, by=editor, takes_effect_on=OCTOBER, reason="Merged.")
    remove_plan_part(part=empty, by=editor)
    q2 = {g["label"] for g in rebuilt(plan, quarter(plan, 2))["by_priority"]}
    q4 = {g["label"] for g in rebuilt(plan, quarter(plan, 4))["by_priority"]}
    assert "4" in q2 and "4" not in q4


# Refusals ----------------------------------------------------------------------


def test_a_variation_never_reaches_into_locked_quarters(plan, editor, world):
    publish_report(plan=plan, period=quarter(plan, 2), by=editor)
    assert earliest_day(plan) == datetime.date(2017, 7, 1)
    with pytest.raises(ValidationError) as refused:
        start_variation(
            plan=plan, by=editor, takes_effect_on=datetime.date(2017, 6, 30), reason="x"
        )
    assert "on or after 1 July 2017" in refused.value.message_dict["takes_effect_on"][0]
    assert not PlanVariation.objects.exists()


@pytest.mark.parametrize(
    "day, reason, field",
    [
        (None, "Why", "takes_effect_on"),
        (datetime.date(2018, 1, 1), "Why", "takes_effect_on"),
        (datetime.date(2016, 12, 31), "Why", "takes_effect_on"),
        (OCTOBER, "  ", "reason"),
    ],
)
def test_a_variation_needs_a_day_in_the_plan_and_a_reason(
    plan, editor, day, reason, field
):
    with pytest.raises(ValidationError) as refused:
        start_variation(plan=plan, by=editor, takes_effect_on=day, reason=reason)
    assert field in refused.value.message_dict
    assert not PlanVariation.objects.exists()


def test_only_one_variation_at_a_time_and_only_of_a_plan_in_force(plan, editor, reader):
    start_variation(plan=plan, by=editor, takes_effect_on=OCTOBER, reason="One.")
    with pytest.raises(ValidationError, match="being made"):
        start_variation(plan=plan, by=editor, takes_effect_on=OCTOBER, reason="Two.")
    with pytest.raises(PermissionDenied):
        start_variation(plan=plan, by=reader, takes_effect_on=OCTOBER, reason="Mine.")
    draft = Plan.objects.create(
        owner=plan.owner,
        reference="D",
        title="Draft",
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
    )
    with pytest.raises(ValidationError, match="in force"):
        start_variation(plan=draft, by=editor, takes_effect_on=OCTOBER, reason="x")
    assert PlanVariation.objects.count() == 1


def test_recording_needs_a_change_and_discarding_needs_none(plan, editor, world):
    variation = start_variation(
        plan=plan, by=editor, takes_effect_on=OCTOBER, reason="Why."
    )
    with pytest.raises(ValidationError, match="Nothing has been changed"):
        record_variation(variation=variation, by=editor)
    change_variation(
        variation=variation,
        by=editor,
        takes_effect_on=datetime.date(2017, 11, 1),
        reason="Why, better said.",
    )
    safe = world["safe"]
    safe.title = "Safer"
    save_plan_part(part=safe, by=editor)
    with pytest.raises(ValidationError, match="changed nothing"):
        discard_variation(variation=variation, by=editor)
    recorded = record_variation(variation=variation, by=editor)
    assert recorded.state == "recorded" and recorded.recorded_by == editor
    assert recorded.takes_effect_on == datetime.date(2017, 11, 1)
    with pytest.raises(ValidationError, match="already recorded"):
        record_variation(variation=variation, by=editor)
    # Changes after it are corrections: the recorded variation holds one change.
    safe.title = "Safest"
    save_plan_part(part=safe, by=editor)
    variation.refresh_from_db()
    assert len(variation.changes) == 1


def test_moving_the_day_works_the_states_out_again(plan, editor, world):
    variation = start_variation(
        plan=plan, by=editor, takes_effect_on=OCTOBER, reason="Why."
    )
    night = world["night"]
    night.priority = world["abuse"]
    save_plan_part(part=night, by=editor)
    moved = world["work"]["1.A"][1]
    q3 = quarter(plan, 3)
    assert PeriodState.objects.get(deliverable=moved, period=q3).priority_id == (
        world["safe"].pk
    )
    change_variation(
        variation=variation,
        by=editor,
        takes_effect_on=datetime.date(2017, 8, 1),
        reason="Why.",
    )
    assert PeriodState.objects.get(deliverable=moved, period=q3).priority_id == (
        world["abuse"].pk
    )


# Pages -------------------------------------------------------------------------


def test_an_editor_varies_the_plan_in_the_browser(client, plan, editor, world):
    client.force_login(editor)
    url = reverse("plans:start-variation", args=[plan.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"reason": ""})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "govuk-error-summary" in page and "Enter why the plan is varied" in page
    response = client.post(
        url,
        {
            "takes_effect_on_0": "1",
            "takes_effect_on_1": "10",
            "takes_effect_on_2": "2017",
            "reason": "Refreshed.",
            "consultation": "Panel, 12 September.",
        },
    )
    assert response.status_code == 302
    variation = PlanVariation.objects.get()
    detail = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "You are varying this plan, from 1 October 2017" in detail
    edit = reverse("plans:edit-variation", args=[plan.pk, variation.pk])
    assert client.get(edit).status_code == 200
    record = reverse("plans:record-variation", args=[plan.pk, variation.pk])
    refused = client.post(record, follow=True).content.decode()
    assert "Nothing has been changed in this variation yet" in refused
    discard = reverse("plans:discard-variation", args=[plan.pk, variation.pk])
    assert client.post(discard).status_code == 302
    assert not PlanVariation.objects.exists()


def test_the_variations_page_for_readers_and_the_public(client, plan, world, editor):
    url = reverse("plans:variations", args=[plan.pk])
    client.force_login(editor)
    assert "Vary the plan" in client.get(url).content.decode()
    client.logout()
    assert client.get(url).status_code in (302, 404)
    plan.is_public = True
    plan.save()
    page = client.get(url)
    assert page.status_code == 200
    assert "Vary the plan" not in page.content.decode()
