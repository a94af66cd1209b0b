"""The rule for what is internal (deliverables/visibility.py) is about who recorded an
update, not who takes part in the work: on a plan that is not public, a partner that
co-owns a deliverable reads the force's accepted updates but not the one waiting for
review, nor a returned one with its comment, nor evidence not marked public; the
plan's owner and the force that recorded them do."""

import pytest
from django.urls import reverse

from deliverables.evidence import attach_link
from deliverables.returns.selectors import return_rows
from deliverables.services import accept_update, return_update
from tests.api.conftest import session_client
from tests.factories import DeliverableOwnerFactory, record_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(plan, deliverable, partner, contributor, editor, q2):
    """The force's three updates on a deliverable the partner co-owns: one accepted
    (with evidence not marked public), one returned, one waiting."""
    plan.review_contributor_updates = True
    plan.save()
    DeliverableOwnerFactory(
        deliverable=deliverable, role="Parish liaison", organisation=partner
    )

    def update(narrative):
        return record_update(
            deliverable=deliverable, by=contributor, narrative=narrative, period=q2
        )

    accepted = update("Accepted: patrols doubled.")
    attach_link(
        update=accepted,
        by=contributor,
        url="https://example.org/rota",
        title="Internal rota",
    )
    accept_update(update=accepted, by=editor, comment="Internal: well done.")
    waiting = update("Waiting: figures to check.")
    returned = update("Returned: figures wrong.")
    return_update(update=returned, by=editor, comment="Internal: which posts?")
    return {"accepted": accepted, "waiting": waiting, "returned": returned}


def updates_read_by(user, deliverable) -> dict[str, dict]:
    address = reverse("deliverable-updates", args=[deliverable.pk])
    answer = session_client(user).get(address)
    assert answer.status_code == 200
    return {u["narrative"].split(":")[0]: u for u in answer.json()}


def test_a_co_owner_reads_only_the_accepted_update_without_its_comment(
    work, deliverable, partner_contributor
):
    read = updates_read_by(partner_contributor, deliverable)

    assert list(read) == ["Accepted"]
    assert read["Accepted"]["review_comment"] is None
    assert read["Accepted"]["attachments"] == []
    for name in ("waiting", "returned"):
        url = reverse("progressupdate-detail", args=[work[name].pk])
        assert session_client(partner_contributor).get(url).status_code == 404


@pytest.mark.parametrize("who", ["contributor", "reader", "editor"])
def test_the_recorder_and_the_owner_read_everything(work, deliverable, who, request):
    read = updates_read_by(request.getfixturevalue(who), deliverable)

    assert sorted(read) == ["Accepted", "Returned", "Waiting"]
    assert read["Accepted"]["review_comment"] == "Internal: well done."
    assert read["Returned"]["review_comment"] == "Internal: which posts?"
    assert [a["title"] for a in read["Accepted"]["attachments"]] == ["Internal rota"]


def test_the_deliverable_page_shows_a_co_owner_the_accepted_update_alone(
    client, work, deliverable, partner_contributor, contributor
):
    client.force_login(partner_contributor)
    page = client.get(reverse("deliverables:detail", args=[deliverable.pk]))
    text = page.content.decode()

    assert "Accepted: patrols doubled." in text
    assert "Waiting: figures to check." not in text
    assert "Returned: figures wrong." not in text
    assert "Internal" not in text

    client.force_login(contributor)
    text = client.get(reverse("deliverables:detail", args=[deliverable.pk])).content
    assert b"Waiting: figures to check." in text
    assert b"Internal: which posts?" in text


def test_a_co_owners_return_does_not_say_an_update_waits(
    work, plan, q2, deliverable, partner, partner_contributor, force, contributor
):
    """The partner's quarterly return shows the last update it may read (the
    accepted one); the force's shows the one waiting for review."""
    (row,) = return_rows(
        plan=plan, period=q2, organisation=partner, by=partner_contributor
    )
    assert row.last_update.pk == work["accepted"].pk
    (row,) = return_rows(plan=plan, period=q2, organisation=force, by=contributor)
    assert row.last_update.pk == work["waiting"].pk
    assert row.last_update.review_state == "submitted"
