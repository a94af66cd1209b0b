"""The demonstration data: the Jersey plan, people per role, and a year of updates."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse

from deliverables.management.commands.load_demo import DEMO_PASSWORD, ILLUSTRATIVE
from deliverables.models import Deliverable, ProgressUpdate, Status
from plans.models import Membership, Organisation, Plan
from plans.selectors import works_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_loads_the_jersey_plan_with_its_organisations(demo):
    plan = Plan.objects.get(reference="R.4/2017")
    assert plan.owner.name == "Jersey Police Authority"
    assert plan.deliverables.count() == 90
    assert set(Organisation.objects.values_list("name", flat=True)) == {
        "Jersey Police Authority",
        "States of Jersey Police",
        "Honorary Police",
    }
    assert set(
        plan.deliverables.values_list("lead_organisation__short_name", flat=True)
    ) == {"SOJP"}


def test_the_demo_authority_may_name_its_partner_and_its_force_as_owners(demo):
    """The Honorary Police lead no deliverable, but the authority lists them as a
    partner: its editors' owner choices hold them, and no other organisation."""
    authority = Organisation.objects.get(short_name="JPA")
    Organisation.objects.create(
        name="Ashcombe Police and Crime Commissioner",
        short_name="AOPCC",
        kind=authority.kind,
    )
    assert list(works_with([authority.pk]).values_list("name", flat=True)) == [
        "Honorary Police",
        "Jersey Police Authority",
        "States of Jersey Police",
    ]


def test_demo_has_a_user_per_role_and_prints_the_sign_ins(demo):
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"admin", "editor", "contributor", "reader"}
    for username in ("admin", "editor", "reader", "force", "honorary"):
        assert f"  {username} " in demo
        request = RequestFactory().post("/sign-in/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD)
    assert DEMO_PASSWORD in demo


def test_demo_updates_cover_all_four_quarters_and_are_labelled(demo):
    updates = ProgressUpdate.objects.filter(deliverable__plan__reference="R.4/2017")
    labels = set(updates.values_list("period__label", flat=True))
    assert labels == {"Q1 2017", "Q2 2017", "Q3 2017", "Q4 2017"}
    assert updates.exclude(source=ProgressUpdate.Source.DEMO).count() == 0
    assert all(
        n.startswith(ILLUSTRATIVE) for n in updates.values_list("narrative", flat=True)
    )


def test_demo_has_every_kind_of_change_for_the_dashboards(demo):
    statuses = set(Deliverable.objects.values_list("status", flat=True))
    assert {
        Status.COMPLETED,
        Status.IN_PROGRESS,
        Status.ON_HOLD,
        Status.WILL_NOT_PROCEED,
        Status.MERGED,
    } <= statuses
    merged = Deliverable.objects.get(status=Status.MERGED)
    assert merged.merged_into.plan_id == merged.plan_id
    re_dated = ProgressUpdate.objects.exclude(forecast_date=F("previous_forecast_date"))
    assert re_dated.exists()


def test_each_deliverable_matches_its_latest_update(demo):
    for deliverable in Deliverable.objects.prefetch_related("updates"):
        updates = list(deliverable.updates.all())
        if updates:
            latest = max(updates, key=lambda u: (u.recorded_at, u.pk))
            assert deliverable.status == latest.status, deliverable.reference


def test_loading_the_demo_again_changes_nothing(demo):
    before = (ProgressUpdate.objects.count(), Deliverable.history.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert (ProgressUpdate.objects.count(), Deliverable.history.count()) == before
    assert "Illustrative progress updates added: 0." in out.getvalue()


def test_demo_refuses_to_load_on_a_production_configuration(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("load_demo", stdout=io.StringIO())
    assert not Plan.objects.exists()


def test_the_demo_review_queue_has_updates_waiting_returned_and_accepted(demo, client):
    plan = Plan.objects.get(reference="R.4/2017")
    assert plan.review_contributor_updates
    sent = ProgressUpdate.objects.filter(requires_review=True)
    assert sent.filter(review__isnull=True).count() == 3
    assert sent.filter(review__decision="returned").count() == 2
    assert sent.filter(review__decision="accepted").count() == 2
    assert all(u.narrative.startswith(ILLUSTRATIVE) for u in sent)
    assert "3 in the queue" in demo
    client.force_login(Membership.objects.get(user__username="editor").user)
    page = client.get(reverse("deliverables:review-queue")).content.decode()
    for update in sent.filter(review__isnull=True):
        assert update.deliverable.reference in page


def test_every_demo_user_who_writes_can_record_progress_in_the_browser(demo, client):
    """Q4 2017 is open for updates on the demo, so the record-progress form works
    for the force and the authority's editor alike (it offers Q4, chosen to start)."""
    plan = Plan.objects.get(reference="R.4/2017")
    q4 = plan.reporting_periods.order_by("starts_on").last()
    deliverable = (
        Deliverable.objects.filter(plan=plan, status=Status.IN_PROGRESS)
        .order_by("position")
        .first()
    )
    url = reverse("deliverables:record", args=[deliverable.pk])
    for username in ("force", "editor"):
        client.force_login(Membership.objects.get(user__username=username).user)
        page = client.get(url).content.decode()
        assert "Q4 2017 (open for updates until" in page, username
        response = client.post(
            url,
            {
                "period": str(q4.pk),
                "status": Status.IN_PROGRESS,
                "rag": "green",
                "forecast_date": deliverable.forecast_date,
                "narrative": f"Recorded by {username} on the demo.",
            },
        )
        assert response.status_code == 302, username
    assert (
        ProgressUpdate.objects.filter(narrative__startswith="Recorded by").count() == 2
    )
