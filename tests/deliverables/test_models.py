"""Invariants the database itself enforces, whatever path the data comes by."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from core.models import IdempotencyRecord
from deliverables import guards
from deliverables.models import (
    Attachment,
    Deliverable,
    ImportMapping,
    PendingUpload,
    PeriodState,
    ProgressUpdate,
    Redaction,
    SentNotification,
    SentReminder,
    Status,
    UpdateReview,
)
from plans.models import (
    ApiClient,
    IndicatorChange,
    IndicatorDefinition,
    Membership,
    PeriodEvent,
    Plan,
    PlanVariation,
    ReportingPeriod,
)
from plans.sign_in.models import ExternalAccount, IdentityProvider
from plans.succession.models import BodyTransfer
from plans.webhooks.models import (
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from scrutiny.annual.models import (
    AnnualReport,
    AnnualReportPdf,
    PublishedAnnualReport,
)
from scrutiny.models import (
    Commentary,
    PublishedReport,
    Recommendation,
    RecommendationReminder,
    ReportPdf,
    ScrutinyAction,
)
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableFactory,
    DeliverableOwnerFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MembershipFactory,
    MilestoneFactory,
    ObjectiveFactory,
    OrganisationFactory,
    PlanFactory,
    PriorityFactory,
    StrandFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refusal(make):
    """The database's error when it refuses the write, or None if it stored it.

    Runs inside a savepoint so the test can go on after the refusal.
    """
    try:
        with transaction.atomic():
            make()
    except IntegrityError as error:
        return str(error)
    return None


def _transfer(d, **fields):
    """A prepared transfer of the deliverable's lead to a new body."""
    values = {
        "from_body": d.lead_organisation,
        "to_body": OrganisationFactory(),
        "takes_effect_on": datetime.date(2028, 5, 8),
    }
    return BodyTransfer.objects.create(**(values | fields))


def set_columns(obj, **values):
    """Write columns straight to the row, past model code, as a bulk update would."""
    type(obj).objects.filter(pk=obj.pk).update(**values)


def store_update(d, **overrides):
    """Insert a progress update row with valid values except ``overrides``.

    bulk_create skips the model's save(), so the row reaches the database as given.
    """
    values = {
        "deliverable": d,
        "period": d.plan.reporting_periods.first(),
        "recorded_by": UserFactory(),
        "status": Status.FUTURE,
        "previous_status": Status.FUTURE,
        "narrative": "No change.",
    }
    ProgressUpdate.objects.bulk_create([ProgressUpdate(**(values | overrides))])


def make_update(d):
    store_update(d)
    return ProgressUpdate.objects.get(deliverable=d)


def issue_api_client(**kwargs):
    # The service refuses a duplicate name politely; go past it to the database.
    from plans.services import issue_api_client as issue

    client, _ = issue(**(kwargs | {"name": kwargs["name"] + "-tmp"}))
    ApiClient.objects.filter(pk=client.pk).update(name=kwargs["name"])
    return client


# Each case: the constraint (or trigger) by name, and a function that tries to store
# data it must refuse, given a valid deliverable ``d``.
def _report(d, **fields):
    return PublishedReport.objects.create(
        plan=d.plan,
        period=d.plan.reporting_periods.first(),
        published_by=UserFactory(),
        data={},
        html="",
        **fields,
    )


def _commentary(d, **fields):
    values = {"text": "Words.", "updated_by": UserFactory()} | fields
    return Commentary.objects.create(plan=d.plan, period=_period(d), **values)


def _period(d):
    return d.plan.reporting_periods.first()


def _annual(d, **fields):
    user = UserFactory()
    values = {"year": "2017", "created_by": user, "updated_by": user} | fields
    return AnnualReport.objects.create(plan=d.plan, **values)


def _annual_version(d, annual=None, **fields):
    return PublishedAnnualReport.objects.create(
        annual_report=annual or _annual(d),
        plan=d.plan,
        published_by=UserFactory(),
        data={},
        html="",
        **fields,
    )


def _definition(**fields):
    values = {"slug": "test-measure", "title": "A measure", "unit": "crimes"}
    values["direction"] = "lower"
    return IndicatorDefinition.objects.create(**(values | fields))


def _action(d):
    return ScrutinyAction.objects.create(
        plan=d.plan, text="Why?", raised_by="Panel", owner=d.lead_organisation
    )


def _recommendation(d, **fields):
    return Recommendation.objects.create(
        plan=d.plan,
        text="Improve crime recording.",
        source="hmicfrs",
        source_title="PEEL 2017",
        published_on=datetime.date(2017, 3, 14),
        owner=d.lead_organisation,
        **fields,
    )


def _raw_on_audit_event(sql):
    """Change or delete the latest audit event past the model, as a shell could."""
    from core.models import AuditEvent

    with connection.cursor() as cursor:
        cursor.execute(sql, [AuditEvent.objects.latest("id").pk])


_HOOK_URL = "https://hooks.example.org/tracker"
_NOW = datetime.datetime(2017, 10, 2, 9, 0, tzinfo=datetime.UTC)


def _endpoint(d):
    return WebhookEndpoint.objects.create(
        organisation=d.plan.owner, url=_HOOK_URL, events=[]
    )


def _message(**fields):
    return WebhookMessage.objects.create(
        **{"event_type": Event.UPDATE_RECORDED, "payload": {}} | fields
    )


def _delivery(d, message):
    return WebhookDelivery.objects.create(
        endpoint=_endpoint(d), message=message, next_attempt_at=_NOW
    )


def _twice_delivered(d):
    endpoint, message = _endpoint(d), _message()
    for _ in range(2):
        WebhookDelivery.objects.create(
            endpoint=endpoint, message=message, next_attempt_at=_NOW
        )


def _provider(d):
    return IdentityProvider.objects.create(
        organisation=d.plan.owner,
        name="Microsoft",
        issuer="https://login.example.org/tenant/v2.0",
        client_id="tracker",
        client_secret="secret",
        email_domains="example.org",
    )


def _variation(d, **fields):
    return PlanVariation.objects.create(
        plan=d.plan,
        takes_effect_on=datetime.date(2017, 10, 1),
        reason="Refreshed.",
        started_by=UserFactory(),
        **fields,
    )


CONSTRAINT_CASES = {
    "variation_one_open_per_plan": lambda d: [_variation(d), _variation(d)],
    "variation_state_valid": lambda d: set_columns(
        _variation(d, recorded_at=_NOW, recorded_by=UserFactory()), state="varied"
    ),
    "variation_has_reason": lambda d: set_columns(_variation(d), reason=""),
    "variation_recorded_says_when": lambda d: set_columns(
        _variation(d), state="recorded"
    ),
    "organisation_not_own_parent": lambda d: set_columns(
        d.lead_organisation, parent=d.lead_organisation
    ),
    "organisation_not_own_successor": lambda d: set_columns(
        d.lead_organisation, successor=d.lead_organisation
    ),
    "membership_unique_per_user": lambda d: [
        MembershipFactory(user=m.user, organisation=m.organisation)
        for m in [MembershipFactory()]
    ],
    "membership_role_valid": lambda d: set_columns(MembershipFactory(), role="hero"),
    "plan_reference_unique_per_owner": lambda d: PlanFactory(
        owner=d.plan.owner, reference=d.plan.reference
    ),
    "plan_ends_after_start": lambda d: set_columns(
        d.plan, ends_on=datetime.date(2016, 12, 31)
    ),
    "plan_state_valid": lambda d: set_columns(d.plan, state="archived"),
    "priority_reference_unique_in_plan": lambda d: PriorityFactory(
        plan=d.plan, reference=d.objective.priority.reference
    ),
    "priority_not_own_parent": lambda d: set_columns(
        d.objective.priority, parent=d.objective.priority
    ),
    "objective_reference_unique_in_plan": lambda d: ObjectiveFactory(
        priority=d.objective.priority, reference=d.objective.reference
    ),
    "strand_name_unique_in_plan": lambda d: [
        StrandFactory(plan=d.plan, name="Victims"),
        StrandFactory(plan=d.plan, name="Victims"),
    ],
    "period_start_unique_in_plan": lambda d: ReportingPeriod(
        plan=d.plan,
        label="Another Q1",
        starts_on=datetime.date(2017, 1, 1),
        ends_on=datetime.date(2017, 3, 31),
    ).save(),
    "period_label_unique_in_plan": lambda d: ReportingPeriod(
        plan=d.plan,
        label="Q1 2017",
        starts_on=datetime.date(2018, 1, 1),
        ends_on=datetime.date(2018, 3, 31),
    ).save(),
    "period_ends_after_start": lambda d: set_columns(
        d.plan.reporting_periods.first(), ends_on=datetime.date(2016, 1, 1)
    ),
    "period_due_after_opening": lambda d: set_columns(
        _period(d), due_on=F("opens_on") - datetime.timedelta(days=1)
    ),
    "period_closes_after_due": lambda d: set_columns(
        _period(d), closes_on=F("due_on") - datetime.timedelta(days=1)
    ),
    "period_lock_names_who": lambda d: set_columns(
        _period(d), locked_at=datetime.datetime(2017, 5, 1, tzinfo=datetime.UTC)
    ),
    "period_event_kind_valid": lambda d: PeriodEvent.objects.create(
        period=_period(d),
        kind="paused",
        reason="Because.",
        by=UserFactory(),
        at=datetime.datetime(2017, 5, 1, tzinfo=datetime.UTC),
    ),
    "period_event_has_reason": lambda d: PeriodEvent.objects.create(
        period=_period(d),
        kind="locked",
        reason="",
        by=UserFactory(),
        at=datetime.datetime(2017, 5, 1, tzinfo=datetime.UTC),
    ),
    "national_definition_slug_unique": lambda d: [_definition() for _ in range(2)],
    "definition_slug_unique_per_owner": lambda d: [
        _definition(owner=d.plan.owner) for _ in range(2)
    ],
    "definition_direction_valid": lambda d: _definition(direction="sideways"),
    "indicator_change_has_reason": lambda d: IndicatorChange.objects.create(
        indicator=IndicatorFactory(plan=d.plan),
        changes={"unit": ["crimes", "%"]},
        reason="",
        changed_by=UserFactory(),
        changed_at=datetime.datetime(2017, 5, 1, tzinfo=datetime.UTC),
    ),
    "attachment_is_a_file_or_a_link": lambda d: Attachment.objects.create(
        update=make_update(d), title="Nothing at all", added_by=UserFactory()
    ),
    "reminder_sent_once": lambda d: [
        SentReminder.objects.create(period=_period(d), recipient=user, kind="due")
        for user in [UserFactory()] * 2
    ],
    "pending_upload_purpose_valid": lambda d: PendingUpload.objects.create(
        token="t" * 32,
        purpose="anything",
        name="return.xlsx",
        content=b"",
        uploaded_by=UserFactory(),
    ),
    "reminder_kind_valid": lambda d: SentReminder.objects.create(
        period=_period(d), recipient=UserFactory(), kind="nag"
    ),
    "indicator_title_unique_in_plan": lambda d: [
        IndicatorFactory(plan=d.plan, title="Victim satisfaction"),
        IndicatorFactory(plan=d.plan, title="Victim satisfaction"),
    ],
    "indicator_direction_valid": lambda d: set_columns(
        IndicatorFactory(plan=d.plan), direction="sideways"
    ),
    "indicator_source_valid": lambda d: set_columns(
        IndicatorFactory(plan=d.plan), source="rumour"
    ),
    "indicator_value_once_per_period": lambda d: [
        IndicatorValueFactory(indicator=v.indicator, period=v.period)
        for v in [IndicatorValueFactory()]
    ],
    "deliverable_reference_unique_in_plan": lambda d: DeliverableFactory(
        objective=d.objective, reference=d.reference
    ),
    "deliverable_status_valid": lambda d: set_columns(d, status="started"),
    "deliverable_rag_valid": lambda d: set_columns(d, rag="purple"),
    "deliverable_percent_0_to_100": lambda d: set_columns(d, percent_complete=101),
    "deliverable_merged_has_target": lambda d: set_columns(d, status="merged"),
    "deliverable_not_merged_into_self": lambda d: set_columns(
        d, status="merged", merged_into=d
    ),
    "deliverable_merged_same_plan": lambda d: set_columns(
        d, status="merged", merged_into=DeliverableFactory()
    ),
    "deliverable_objective_same_plan": lambda d: set_columns(
        d, objective=ObjectiveFactory()
    ),
    "deliverable_baseline_date_window_valid": lambda d: set_columns(
        d, baseline_date_end=None
    ),
    "deliverable_forecast_date_window_valid": lambda d: set_columns(
        d,
        forecast_date_start=datetime.date(2017, 6, 30),
        forecast_date_end=datetime.date(2017, 4, 1),
    ),
    "owner_role_unique_per_deliverable": lambda d: [
        DeliverableOwnerFactory(deliverable=d, role="Supt Ops"),
        DeliverableOwnerFactory(deliverable=d, role="Supt Ops"),
    ],
    "milestone_due_date_window_valid": lambda d: set_columns(
        MilestoneFactory(deliverable=d), due_date_start=None
    ),
    "update_status_valid": lambda d: store_update(
        d, status="started", reason="Because."
    ),
    "update_previous_status_valid": lambda d: store_update(
        d, previous_status="started", reason="Because."
    ),
    "update_rag_valid": lambda d: store_update(d, rag="purple"),
    "update_percent_0_to_100": lambda d: store_update(d, percent_complete=101),
    "update_merged_has_target": lambda d: store_update(
        d, status="merged", reason="Because."
    ),
    "update_narrative_required": lambda d: store_update(d, narrative=""),
    "update_reason_when_status_or_forecast_changes": lambda d: store_update(
        d, status=Status.COMPLETED, reason=""
    ),
    "update_forecast_date_window_valid": lambda d: store_update(
        d,
        forecast_date="Q2",
        forecast_date_start=datetime.date(2017, 4, 1),
        reason="Because.",
    ),
    "api_client_name_unique_per_org": lambda d: [
        issue_api_client(
            organisation=d.lead_organisation,
            name="Feed",
            scopes=["read"],
            by=UserFactory(),
        )
        for _ in range(2)
    ],
    "idempotency_key_unique_per_user": lambda d: [
        IdempotencyRecord.objects.create(
            user=user, key="k", request_hash="h", status_code=201
        )
        for user in [UserFactory()] * 2
    ],
    "review_decision_valid": lambda d: UpdateReview.objects.create(
        update=make_update(d),
        decision="maybe",
        comment="Hmm",
        reviewed_by=UserFactory(),
    ),
    "review_return_has_comment": lambda d: UpdateReview.objects.create(
        update=make_update(d),
        decision="returned",
        comment="",
        reviewed_by=UserFactory(),
    ),
    "redaction_says_why": lambda d: Redaction.objects.create(
        update=make_update(d),
        fields="narrative",
        replacements=1,
        reason="",
        redacted_by=UserFactory(),
    ),
    "decision_reference_unique_per_body": lambda d: [
        DecisionNoticeFactory(plan=d.plan, reference="DN-2017-01"),
        DecisionNoticeFactory(plan=d.plan, reference="DN-2017-01"),
    ],
    "decision_precision_valid": lambda d: set_columns(
        DecisionNoticeFactory(plan=d.plan), approved_on_precision="week"
    ),
    "notification_sent_once": lambda d: [
        SentNotification.objects.create(
            kind="returned",
            recipient=UserFactory(),
            update=update,
            day=datetime.date(2017, 5, 1),
        )
        for update in [make_update(d)] * 2
    ],
    "review_digest_once_a_day": lambda d: [
        SentNotification.objects.create(
            kind="review", recipient=user, day=datetime.date(2017, 5, 1)
        )
        for user in [UserFactory()] * 2
    ],
    "notification_kind_valid": lambda d: SentNotification.objects.create(
        kind="shout", recipient=UserFactory(), day=datetime.date(2017, 5, 1)
    ),
    "import_mapping_unique_per_layout": lambda d: [
        ImportMapping.objects.create(organisation=d.lead_organisation, signature="s")
        for _ in range(2)
    ],
    "report_version_unique": lambda d: [_report(d, version=1) for _ in range(2)],
    "report_version_positive": lambda d: _report(d, version=0, change_note="Why"),
    "report_correction_says_what_changed": lambda d: _report(d, version=2),
    "action_state_valid": lambda d: set_columns(
        _action(d),
        state="pending",
        response="Done.",
        answered_on=datetime.date(2017, 5, 1),
    ),
    "action_kind_valid": lambda d: set_columns(_action(d), kind="complaint"),
    "action_answered_has_response": lambda d: set_columns(_action(d), state="answered"),
    "action_closed_has_date": lambda d: set_columns(
        _action(d),
        state="closed",
        response="Done.",
        answered_on=datetime.date(2017, 5, 1),
    ),
    "recommendation_reference_unique_in_plan": lambda d: [
        _recommendation(d, reference="AFI 1") for _ in range(2)
    ],
    "recommendation_source_valid": lambda d: set_columns(
        _recommendation(d), source="rumour"
    ),
    "recommendation_state_valid": lambda d: set_columns(
        _recommendation(d),
        state="ignored",
        response="Done.",
        responded_on=datetime.date(2017, 5, 1),
    ),
    "recommendation_due_not_before_published": lambda d: set_columns(
        _recommendation(d), due_on=datetime.date(2017, 3, 13)
    ),
    "recommendation_responded_has_response": lambda d: set_columns(
        _recommendation(d), state="responded"
    ),
    "recommendation_closed_has_date": lambda d: set_columns(
        _recommendation(d),
        state="closed",
        response="Done.",
        responded_on=datetime.date(2017, 5, 1),
    ),
    "recommendation_reminder_sent_once": lambda d: [
        RecommendationReminder.objects.create(recommendation=r, kind="overdue")
        for r in [_recommendation(d)] * 2
    ],
    "recommendation_reminder_kind_valid": lambda d: (
        RecommendationReminder.objects.create(
            recommendation=_recommendation(d), kind="weekly"
        )
    ),
    "annual_report_year_unique_in_plan": lambda d: [_annual(d) for _ in range(2)],
    "annual_report_state_valid": lambda d: set_columns(_annual(d), state="lost"),
    "annual_report_version_unique": lambda d: [
        _annual_version(d, annual=a, version=1) for a in [_annual(d)] * 2
    ],
    "annual_report_version_positive": lambda d: _annual_version(
        d, version=0, change_note="Why"
    ),
    "annual_report_correction_says_what_changed": lambda d: _annual_version(
        d, version=2
    ),
    "annual_report_pdf_not_empty": lambda d: AnnualReportPdf.objects.bulk_create(
        [AnnualReportPdf(report=_annual_version(d), file="reports/a.pdf", size=0)]
    ),
    "report_pdf_not_empty": lambda d: ReportPdf.objects.bulk_create(
        [ReportPdf(report=_report(d), file="reports/empty.pdf", size=0)]
    ),
    "indicator_value_figure_or_withheld": lambda d: set_columns(
        IndicatorValueFactory(), value=None, withheld_reason=""
    ),
    "commentary_one_per_kind": lambda d: [
        _commentary(d, kind="summary") for _ in range(2)
    ],
    "commentary_one_per_priority": lambda d: [
        _commentary(d, kind="priority", priority=d.objective.priority) for _ in range(2)
    ],
    "commentary_priority_only_for_its_kind": lambda d: _commentary(
        d, kind="summary", priority=d.objective.priority
    ),
    "commentary_not_empty": lambda d: _commentary(d, kind="summary", text=""),
    # The deliverable already has a state for each of its plan's periods.
    "period_state_unique": lambda d: PeriodState.objects.create(
        deliverable=d,
        period=d.plan.reporting_periods.first(),
        priority=d.objective.priority,
        reference=d.reference,
        status="future",
    ),
    "audit_event_never_changed": lambda d: _raw_on_audit_event(
        "UPDATE plans_auditevent SET object_text = 'Forged' WHERE id = %s"
    ),
    "audit_event_never_deleted": lambda d: _raw_on_audit_event(
        "DELETE FROM plans_auditevent WHERE id = %s"
    ),
    # Webhooks (plans/webhooks; tests/plans/test_webhooks_models.py covers each too).
    "webhook_endpoint_url_unique": lambda d: [_endpoint(d), _endpoint(d)],
    "webhook_endpoint_https": lambda d: set_columns(
        _endpoint(d), url="http://hooks.example.org/"
    ),
    "webhook_endpoint_secret_form": lambda d: set_columns(_endpoint(d), secret="x"),
    "webhook_endpoint_disabled_when": lambda d: set_columns(
        _endpoint(d), enabled=False
    ),
    "webhook_message_id_form": lambda d: _message(id="nope"),
    "webhook_message_event_valid": lambda d: _message(event_type="made.up"),
    "webhook_message_sent_once": lambda d: [
        _message(once_key="period-7"),
        _message(once_key="period-7"),
    ],
    "webhook_delivery_once": lambda d: _twice_delivered(d),
    "webhook_delivery_delivered_or_failed": lambda d: set_columns(
        _delivery(d, _message()),
        delivered_at=_NOW,
        failed_at=_NOW,
        next_attempt_at=None,
    ),
    "webhook_delivery_next_attempt_when_pending": lambda d: set_columns(
        _delivery(d, _message()), next_attempt_at=None
    ),
    # Sign-in with an organisation's identity provider (plans/sign_in).
    "identity_provider_name_unique_per_org": lambda d: [_provider(d), _provider(d)],
    "external_account_unique": lambda d: [
        ExternalAccount.objects.create(
            user=UserFactory(), issuer="https://id.example.org", subject="s-1"
        )
        for _ in range(2)
    ],
    # A body's transfer to its successor (plans/succession; tests/plans/
    # test_succession.py covers the refusals).
    "body_transfer_not_to_itself": lambda d: _transfer(d, to_body=d.lead_organisation),
    "body_transfer_one_prepared_per_body": lambda d: [_transfer(d), _transfer(d)],
    "body_transfer_state_valid": lambda d: set_columns(_transfer(d), state="done"),
}


def test_every_database_constraint_has_a_case():
    names = {
        constraint.name
        for model in apps.get_models()
        if model._meta.app_label in {"plans", "deliverables", "scrutiny"}
        for constraint in model._meta.constraints
    }
    assert names <= set(CONSTRAINT_CASES)


@pytest.mark.parametrize("name", CONSTRAINT_CASES)
def test_database_rejects_bad_data(name, deliverable):
    error = refusal(lambda: CONSTRAINT_CASES[name](deliverable))
    assert error is not None, f"{name} let bad data through"
    # SQLite names only the columns of a unique constraint; everything else, and
    # everything on PostgreSQL, names the constraint or trigger that refused.
    if not (connection.vendor == "sqlite" and "UNIQUE" in error):
        assert name in error


def test_a_valid_merge_is_accepted(deliverable):
    target = DeliverableFactory(objective=deliverable.objective)
    set_columns(deliverable, status=Status.MERGED, merged_into=target)
    deliverable.refresh_from_db()
    assert deliverable.merged_into == target


def test_fuzzy_dates_are_stored_with_their_window(deliverable):
    deliverable.forecast_date = "Q2/Q3"
    deliverable.save()
    deliverable.refresh_from_db()
    assert deliverable.forecast_date == "Q2/Q3"
    assert deliverable.forecast_date_start == datetime.date(2017, 4, 1)
    assert deliverable.forecast_date_end == datetime.date(2017, 9, 30)


def test_a_quarter_without_a_year_takes_the_plans_year():
    plan = PlanFactory(
        starts_on=datetime.date(2022, 1, 1), ends_on=datetime.date(2024, 12, 31)
    )
    deliverable = DeliverableFactory(objective__priority__plan=plan, forecast_date="Q1")
    assert deliverable.forecast_date_end == datetime.date(2022, 3, 31)


def test_an_unknown_date_is_stored_as_unknown(deliverable):
    deliverable.forecast_date = "TBA"
    deliverable.save()
    assert deliverable.forecast_date_start is None
    assert deliverable.forecast_date_end is None
    assert not deliverable.fuzzy("forecast_date").is_known


def test_full_clean_names_the_bad_fuzzy_date(deliverable):
    deliverable.forecast_date = "next spring"
    with pytest.raises(Exception) as caught:
        deliverable.full_clean()
    assert "forecast_date" in caught.value.message_dict
    assert "is not a date we recognise" in caught.value.message_dict["forecast_date"][0]


LATE_CASES = [
    # status, forecast, baseline, as of, late?
    ("in_progress", "Q2", "Q2", datetime.date(2017, 6, 30), False),
    ("in_progress", "Q2", "Q2", datetime.date(2017, 7, 1), True),
    ("in_progress", "Q2/Q3", "Q2", datetime.date(2017, 7, 1), False),
    ("in_progress", "TBA", "Q1", datetime.date(2017, 4, 1), True),
    ("in_progress", "TBA", "TBD", datetime.date(2030, 1, 1), False),
    ("future", "2017", "2017", datetime.date(2018, 1, 1), True),
    ("not_yet_commenced", "31/03/2017", "", datetime.date(2017, 4, 1), True),
    ("on_hold", "Q1", "Q1", datetime.date(2017, 4, 1), True),
    ("completed", "Q1", "Q1", datetime.date(2018, 1, 1), False),
    ("will_not_proceed", "Q1", "Q1", datetime.date(2018, 1, 1), False),
]


@pytest.mark.parametrize(
    ("status", "forecast", "baseline", "as_of", "late"), LATE_CASES
)
def test_late_as_of(status, forecast, baseline, as_of, late, plan):
    deliverable = DeliverableFactory(
        objective__priority__plan=plan,
        status=status,
        forecast_date=forecast,
        baseline_date=baseline,
    )
    assert deliverable.is_late(as_of) is late
    in_query = Deliverable.objects.late_as_of(as_of).filter(pk=deliverable.pk).exists()
    assert in_query is late


def test_merged_deliverable_is_never_late(deliverable):
    target = DeliverableFactory(objective=deliverable.objective)
    set_columns(deliverable, status=Status.MERGED, merged_into=target)
    assert (
        not Deliverable.objects.late_as_of(datetime.date(2030, 1, 1))
        .filter(pk=deliverable.pk)
        .exists()
    )


def test_sorting_by_due_date_puts_unknown_dates_last(plan):
    for reference, forecast in [("A", "TBA"), ("B", "Q3"), ("C", "Q1"), ("D", "2017")]:
        DeliverableFactory(
            objective__priority__plan=plan, reference=reference, forecast_date=forecast
        )
    refs = list(
        Deliverable.objects.filter(plan=plan)
        .order_by(F("forecast_date_end").asc(nulls_last=True), "reference")
        .values_list("reference", flat=True)
    )
    assert refs == ["C", "B", "D", "A"]


def test_plan_visible_to_its_owner_and_parties_but_not_outsiders(
    plan, deliverable, editor, contributor, outsider
):
    assert Plan.objects.visible_to(editor).filter(pk=plan.pk).exists()
    assert Plan.objects.visible_to(contributor).filter(pk=plan.pk).exists()
    assert not Plan.objects.visible_to(outsider).filter(pk=plan.pk).exists()
    assert Deliverable.objects.visible_to(outsider).count() == 0
    assert Deliverable.objects.visible_to(contributor).count() == 1


def test_a_draft_plan_is_hidden_from_the_force_until_published(
    plan, deliverable, contributor
):
    set_columns(plan, state=Plan.State.DRAFT)
    assert not Plan.objects.visible_to(contributor).exists()


def test_a_public_plan_is_visible_to_anyone(plan):
    from django.contrib.auth.models import AnonymousUser

    assert not Plan.objects.visible_to(AnonymousUser()).exists()
    set_columns(plan, is_public=True)
    assert Plan.objects.visible_to(AnonymousUser()).count() == 1


def test_memberships_only_shown_within_ones_own_organisations(editor, outsider):
    visible = set(Membership.objects.visible_to(editor))
    assert visible == set(Membership.objects.filter(user=editor))
    assert not visible & set(Membership.objects.filter(user=outsider))


def test_database_vendor_has_the_guards_installed():
    # The cross-row guards are triggers; every one must be on this database, even
    # after migrations that rebuild tables (which drops triggers on SQLite).
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert guards.TRIGGER_NAMES[connection.vendor] <= names
