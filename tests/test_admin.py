"""The admin is usable for every model: lists, search, add and change pages load."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, IdempotencyRecord
from deliverables.models import Attachment, ProgressUpdate, SentReminder, Status
from deliverables.services import return_update
from plans.models import ApiClient, PeriodEvent
from plans.services import change_indicator, issue_api_client
from plans.sign_in.models import ExternalAccount
from plans.succession.models import BodyTransfer
from plans.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from tests.factories import (
    DecisionNoticeFactory,
    DeliverableOwnerFactory,
    IndicatorDefinitionFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MembershipFactory,
    MilestoneFactory,
    StrandFactory,
    UserFactory,
    record_update,
)
from tests.oidc_provider import provider_for

pytestmark = pytest.mark.django_db

OUR_APPS = {"plans", "deliverables", "scrutiny"}
OUR_MODELS = [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def one_of_everything(deliverable, editor, superuser):
    plan = deliverable.plan
    DeliverableOwnerFactory(deliverable=deliverable)
    MilestoneFactory(deliverable=deliverable)
    StrandFactory(plan=plan)
    IndicatorValueFactory(
        indicator__plan=plan, period=plan.reporting_periods.first(), recorded_by=editor
    )
    DecisionNoticeFactory(plan=plan)
    MembershipFactory(organisation=plan.owner)
    client, _ = issue_api_client(
        organisation=deliverable.lead_organisation,
        name="Feed",
        scopes=["read"],
        by=superuser,
    )
    IdempotencyRecord.objects.create(
        user=client.service_user, key="k", request_hash="h", status_code=201
    )
    plan.review_contributor_updates = True
    plan.save()
    returned = record_update(
        deliverable=deliverable,
        by=client.service_user,
        narrative="From the feed.",
        rag="amber",
        period=plan.reporting_periods.first(),
    )
    return_update(update=returned, by=editor, comment="Which posts?")
    Attachment.objects.create(
        update=returned,
        title="Patrol rota",
        url="https://example.org/rota",
        added_by=editor,
    )
    # Not the migration's national measures: a live-server test may have emptied them.
    IndicatorDefinitionFactory(owner=plan.owner)
    last = plan.reporting_periods.last()
    PeriodEvent.objects.create(
        period=last, kind="redated", reason="Holidays.", by=editor, at=timezone.now()
    )
    SentReminder.objects.create(period=last, recipient=editor, kind="due")
    change_indicator(
        indicator=IndicatorFactory(plan=plan),
        by=editor,
        reason="Counted per 1,000 people.",
        unit="per 1,000",
    )
    record_update(
        deliverable=deliverable,
        by=editor,
        status=Status.IN_PROGRESS,
        narrative="Started.",
        reason="Go-ahead given.",
        period=plan.reporting_periods.first(),
    )
    # Sign-in with the organisation's identity provider (issue 18).
    provider = provider_for(plan.owner, "https://login.microsoftonline.com/t/v2.0")
    ExternalAccount.objects.create(
        user=editor, identity_provider=provider, issuer=provider.issuer, subject="s"
    )
    # Webhooks (issue 18): an endpoint and one delivery to it.
    endpoint = WebhookEndpoint.objects.create(
        organisation=plan.owner, url="https://hooks.example.org/", events=["x"]
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        message=WebhookMessage.objects.create(
            event_type="period.locked", payload={"data": {}}
        ),
        next_attempt_at=timezone.now(),
    )
    # A body's transfer to its successor (plans/succession), prepared then given up.
    BodyTransfer.objects.create(
        from_body=plan.owner,
        to_body=deliverable.lead_organisation,
        takes_effect_on=timezone.localdate(),
        state=BodyTransfer.State.CANCELLED,
    )
    assert AuditEvent.objects.exists()  # every write above was recorded
    return deliverable


def test_every_model_of_ours_is_in_the_admin():
    names = {m.__name__ for m in OUR_MODELS}
    assert names >= {
        "OrganisationKind",
        "Organisation",
        "Membership",
        "Plan",
        "Priority",
        "Objective",
        "Strand",
        "ReportingPeriod",
        "Indicator",
        "IndicatorValue",
        "Deliverable",
        "DeliverableOwner",
        "Milestone",
        "ProgressUpdate",
        "DecisionNotice",
    } - {"DeliverableOwner"}


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_admin_pages_load(model, one_of_everything, client, superuser):
    client.force_login(superuser)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "3.1"}).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    model_admin = admin.site._registry[model]
    request = RequestFactory().get(add)
    request.user = superuser
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert client.get(add).status_code == expected
    obj = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert client.get(change).status_code == 200
    if hasattr(model, "history"):
        history = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]
        )
        assert client.get(history).status_code == 200


def test_progress_recorded_in_the_admin_goes_through_the_rules(
    deliverable, client, superuser
):
    client.force_login(superuser)
    url = reverse("admin:deliverables_progressupdate_add")
    period = deliverable.plan.reporting_periods.first()
    form = {
        "deliverable": deliverable.pk,
        "period": period.pk,
        "status": Status.IN_PROGRESS,
        "rag": "green",
        "percent_complete": "10",
        "forecast_date": "Q2",
        "narrative": "Started.",
        "reason": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "Give a reason when the status or forecast date changes." in (
        refused.content.decode()
    )
    assert not ProgressUpdate.objects.exists()

    accepted = client.post(url, form | {"reason": "Go-ahead given."})
    assert accepted.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.recorded_by, update.source) == (superuser, "admin")
    deliverable.refresh_from_db()
    assert deliverable.status == Status.IN_PROGRESS


def test_progress_updates_cannot_be_changed_or_deleted_in_the_admin(
    one_of_everything, client, superuser
):
    client.force_login(superuser)
    update = ProgressUpdate.objects.get(narrative="Started.")
    change = reverse("admin:deliverables_progressupdate_change", args=[update.pk])
    page = client.get(change).content.decode()
    assert 'name="_save"' not in page
    delete = reverse("admin:deliverables_progressupdate_delete", args=[update.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_staff_from_another_organisation_see_nothing_of_the_plan(
    one_of_everything, client, outsider
):
    from django.contrib.auth.models import Permission

    outsider.is_staff = True
    outsider.save()
    outsider.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
    )
    client.force_login(outsider)
    for model in ("plan", "milestone", "indicatorvalue", "progressupdate"):
        app = "deliverables" if model in ("milestone", "progressupdate") else "plans"
        page = client.get(reverse(f"admin:{app}_{model}_changelist"))
        assert page.status_code == 200
        assert page.context["cl"].result_count == 0, model


def test_staff_of_the_owning_authority_see_its_plan(one_of_everything, client, editor):
    from django.contrib.auth.models import Permission

    editor.is_staff = True
    editor.save()
    editor.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(editor)
    for app, model in (
        ("plans", "plan"),
        ("deliverables", "milestone"),
        ("plans", "indicatorvalue"),
    ):
        page = client.get(reverse(f"admin:{app}_{model}_changelist"))
        assert page.context["cl"].result_count == 1, model


def test_an_administrator_issues_a_client_and_sees_its_secret_once(
    client, superuser, force
):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:plans_apiclient_add"),
        {"organisation": force.pk, "name": "SOJP feed", "scopes": ["read"]},
        follow=True,
    )
    assert response.status_code == 200
    issued = ApiClient.objects.get(name="SOJP feed")
    shown = [str(m) for m in response.context["messages"]]
    assert any(issued.application.client_id in m and "Secret:" in m for m in shown)
    secret = next(m for m in shown if "Secret:" in m).split("Secret: ")[1].split(" ")[0]
    assert secret not in issued.application.client_secret
    page = client.get(
        reverse("admin:plans_apiclient_change", args=[issued.pk])
    ).content.decode()
    assert secret not in page


def test_an_administrator_revokes_a_client(client, superuser, force):
    issued, _ = issue_api_client(
        organisation=force, name="Old feed", scopes=["read"], by=superuser
    )
    client.force_login(superuser)
    client.post(
        reverse("admin:plans_apiclient_changelist"),
        {"action": "revoke", "_selected_action": [issued.pk]},
    )
    issued.refresh_from_db()
    assert issued.revoked_at is not None
    assert issued.revoked_by == superuser
    assert issued.application is None
