"""Owner and lead choices list only the organisations the plan's body works with
(``plans.selectors.works_with``), never the whole service; a forged choice is refused
beside the field and nothing is written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from deliverables.models import Deliverable
from plans.selectors import NOT_WORKED_WITH, works_with
from scrutiny.actions.services import save_scrutiny_action
from scrutiny.models import ScrutinyAction
from scrutiny.recommendations.models import Recommendation
from scrutiny.recommendations.services import import_recommendations
from tests.factories import (
    DeliverableFactory,
    DeliverableOwnerFactory,
    ForceFactory,
    ObjectiveFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world(authority, plan):
    """Who the Jersey Police Authority works with, and one body it does not."""
    lead = ForceFactory(name="Lead Force")
    DeliverableFactory(objective__priority__plan=plan, lead_organisation=lead)
    owner = OrganisationFactory(name="Owning Charity")
    DeliverableOwnerFactory(
        deliverable__objective__priority__plan=plan,
        deliverable__lead_organisation=lead,
        organisation=owner,
    )
    child = OrganisationFactory(name="Parish Hall", parent=authority)
    successor = OrganisationFactory(name="New Commissioner")
    authority.successor = successor
    authority.save()
    partner = OrganisationFactory(name="Listed Partner")
    authority.partners.add(partner)
    stranger = OrganisationFactory(name="Faraway Commissioner")
    # A plan of the stranger's, led by a force the authority never works with.
    DeliverableFactory(
        objective__priority__plan__owner=stranger,
        lead_organisation=ForceFactory(name="Faraway Force"),
    )
    return {
        "works with": {authority, lead, owner, child, successor, partner},
        "stranger": stranger,
        "faraway force": Deliverable.objects.get(
            lead_organisation__name="Faraway Force"
        ).lead_organisation,
    }


def test_works_with_is_the_body_its_children_successor_partners_and_plans_parties(
    authority, world
):
    assert set(works_with([authority.pk])) == world["works with"]
    # Partnership runs one way: the partner's own choices do not gain the authority.
    partner = next(o for o in world["works with"] if o.name == "Listed Partner")
    assert authority not in works_with([partner.pk])


def action_data(owner) -> dict:
    return {
        "kind": "question",
        "text": "Why have response times risen?",
        "raised_by": "Police and Crime Panel",
        "report": "",
        "owner": owner.pk,
        "state": "open",
        "response": "",
        "raised_on_0": "10",
        "raised_on_1": "5",
        "raised_on_2": "2017",
        "due_on_0": "",
        "due_on_1": "",
        "due_on_2": "",
        "answered_on_0": "",
        "answered_on_1": "",
        "answered_on_2": "",
        "closed_on_0": "",
        "closed_on_1": "",
        "closed_on_2": "",
    }


def test_the_action_form_offers_only_organisations_the_body_works_with(
    client, editor, plan, world
):
    client.force_login(editor)
    response = client.get(reverse("scrutiny:add-action", args=[plan.pk]))
    offered = set(response.context["form"].fields["owner"].queryset)
    assert offered == world["works with"]
    page = response.content.decode()
    assert "Listed Partner" in page
    assert "Faraway Commissioner" not in page
    assert "Faraway Force" not in page


def test_a_forged_action_owner_is_refused_beside_the_field(client, editor, plan, world):
    client.force_login(editor)
    response = client.post(
        reverse("scrutiny:add-action", args=[plan.pk]),
        action_data(world["stranger"]),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["owner"] == [NOT_WORKED_WITH]
    assert "govuk-error-summary" in response.content.decode()
    assert not ScrutinyAction.objects.exists()


def test_the_action_service_refuses_an_owner_the_body_does_not_work_with(
    editor, plan, world
):
    with pytest.raises(ValidationError) as refused:
        save_scrutiny_action(
            plan=plan,
            by=editor,
            kind="question",
            text="?",
            raised_by="Panel",
            raised_on=D(2017, 5, 10),
            owner=world["faraway force"],
        )
    assert refused.value.message_dict == {"owner": [NOT_WORKED_WITH]}
    assert not ScrutinyAction.objects.exists()


def test_an_older_action_keeps_its_owner_when_saved_unchanged(
    client, editor, plan, world
):
    """An owner stored before the rule (or since dropped as a partner) stays
    choosable on that action, so editing it is never blocked."""
    stranger = world["stranger"]
    action = ScrutinyAction.objects.create(
        plan=plan, text="?", raised_by="Panel", owner=stranger
    )
    client.force_login(editor)
    url = reverse("scrutiny:edit-action", args=[plan.pk, action.pk])
    offered = client.get(url).context["form"].fields["owner"].queryset
    assert stranger in offered
    response = client.post(url, action_data(stranger) | {"text": "Reworded?"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.text, action.owner) == ("Reworded?", stranger)


def recommendation_data(owner) -> dict:
    return {
        "reference": "AFI 1",
        "text": "Improve how the force records crime.",
        "source": "hmicfrs",
        "source_title": "PEEL 2023-25",
        "source_url": "",
        "owner": owner.pk,
        "deliverable_references": "",
        "published_on_0": "14",
        "published_on_1": "3",
        "published_on_2": "2024",
        "due_on_0": "",
        "due_on_1": "",
        "due_on_2": "",
    }


def test_the_recommendation_form_offers_only_organisations_the_body_works_with(
    client, editor, plan, world
):
    client.force_login(editor)
    url = reverse("scrutiny:add-recommendation", args=[plan.pk])
    response = client.get(url)
    assert (
        set(response.context["form"].fields["owner"].queryset) == (world["works with"])
    )
    assert "Faraway Commissioner" not in response.content.decode()

    forged = client.post(url, recommendation_data(world["stranger"]))
    assert forged.status_code == 400
    assert forged.context["form"].errors["owner"] == [NOT_WORKED_WITH]
    assert not Recommendation.objects.exists()


def test_an_import_cannot_name_an_organisation_the_body_does_not_work_with(
    editor, plan, world
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from deliverables.upload_errors import ImportFailed

    rows = (
        "reference,recommendation,source,source title,published,owner\n"
        "R1,Improve it,hmicfrs,PEEL,14/03/2024,Listed Partner\n"
        "R2,Improve it,hmicfrs,PEEL,14/03/2024,Faraway Commissioner\n"
    )
    upload = SimpleUploadedFile("r.csv", rows.encode(), content_type="text/csv")
    with pytest.raises(ImportFailed) as failed:
        import_recommendations(plan=plan, file=upload, by=editor)
    assert [(e.row, e.column) for e in failed.value.errors] == [(3, "owner")]
    assert "your body works with" in failed.value.errors[0].message
    assert not Recommendation.objects.exists()


def deliverable_data(objective, lead) -> dict:
    return {
        "objective": objective.pk,
        "reference": "9.9.9",
        "title": "New work",
        "lead_organisation": lead.pk,
        "baseline_date": "Q3",
        "position": "1",
        "owners": "",
    }


def test_the_deliverable_form_offers_only_leads_the_body_works_with(
    client, editor, plan, world
):
    objective = ObjectiveFactory(priority__plan=plan)
    client.force_login(editor)
    url = reverse("plans:add-deliverable", args=[plan.pk])
    response = client.get(url)
    offered = set(response.context["form"].fields["lead_organisation"].queryset)
    assert offered == world["works with"]

    forged = client.post(url, deliverable_data(objective, world["faraway force"]))
    assert forged.context["form"].errors["lead_organisation"] == [NOT_WORKED_WITH]
    assert not Deliverable.objects.filter(reference="9.9.9").exists()

    partner = next(o for o in world["works with"] if o.name == "Listed Partner")
    added = client.post(url, deliverable_data(objective, partner))
    assert added.status_code == 302
    assert Deliverable.objects.get(reference="9.9.9").lead_organisation == partner


def staff(user, *codenames):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_only_the_bodys_administrators_change_its_partners_in_the_admin(
    client, admin, authority, force
):
    """An administrator of the authority sees its partners as a field; staff of
    another organisation may not change them."""
    from tests.factories import MembershipFactory

    staff(admin, "view_organisation", "change_organisation")
    client.force_login(admin)
    url = reverse("admin:plans_organisation_change", args=[authority.pk])
    assert "partners" in client.get(url).context["adminform"].form.fields

    other_admin = MembershipFactory(organisation=force, role="admin").user
    staff(other_admin, "view_organisation", "change_organisation")
    client.force_login(other_admin)
    assert "partners" not in client.get(url).context["adminform"].form.fields
