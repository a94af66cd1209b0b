"""A plan's quarterly commentary through the API: the plan's editors read the drafts
and change them; a refusal names the field and writes nothing; anyone else is told
there is nothing there."""

import pytest

from scrutiny.commentary.services import save_commentary
from scrutiny.models import Commentary
from scrutiny.reports.services import publish_report
from tests.api.conftest import bearer, session_client
from tests.factories import PriorityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def victims(plan, safe):
    """The plan's second top-level priority, with a priority nested under it."""
    top = PriorityFactory(plan=plan, reference="2", title="Support victims", position=2)
    PriorityFactory(plan=plan, parent=top, reference="2.1", title="Victims' code")
    return top


def url(plan, period):
    return f"/api/v1/plans/{plan.pk}/periods/{period.pk}/commentary/"


def put(client, plan, period, body, **headers):
    return client.put(url(plan, period), body, format="json", headers=headers)


def stored(period):
    """The period's commentary as the database holds it: {(kind, priority id): text}."""
    return {
        (c.kind, c.priority_id): c.text
        for c in Commentary.objects.filter(period=period)
    }


def problems(response):
    assert response["Content-Type"] == "application/problem+json"
    return [
        (e.get("index"), e["field"], e["message"]) for e in response.json()["errors"]
    ]


@pytest.fixture
def drafted(plan, q2, editor, safe, victims):
    """A summary and one narrative already written for Q2."""
    save_commentary(
        plan=plan,
        period=q2,
        by=editor,
        texts={
            ("summary", None): "A steady quarter.",
            ("priority", safe.pk): "Road deaths fell.",
        },
    )
    return stored(q2)


def test_an_editor_reads_the_draft_with_every_top_level_priority_in_order(
    editor, plan, q2, safe, victims, drafted
):
    response = session_client(editor).get(url(plan, q2))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["plan"], body["period"], body["locked"]) == (plan.pk, q2.pk, False)
    assert body["summary"] == "A steady quarter."
    assert body["forward_look"] == ""
    assert body["priorities"] == [
        {
            "priority": safe.pk,
            "reference": "1",
            "title": "Keep people safe",
            "success_statement": "Fewer people are hurt on the roads.",
            "narrative": "Road deaths fell.",
        },
        {
            "priority": victims.pk,
            "reference": "2",
            "title": "Support victims",
            "success_statement": "",
            "narrative": "",
        },
    ]
    assert body["updated_at"]
    assert response["ETag"].startswith('W/"')


def test_nothing_written_yet_reads_as_empty_texts(editor, plan, q2, safe):
    body = session_client(editor).get(url(plan, q2)).json()
    assert (body["summary"], body["forward_look"], body["updated_at"]) == ("", "", None)
    assert [p["narrative"] for p in body["priorities"]] == [""]


def test_an_editor_writes_the_commentary_recorded_against_them(
    editor, plan, q2, safe, victims
):
    response = put(
        session_client(editor),
        plan,
        q2,
        {
            "summary": "A steady quarter.",
            "forward_look": "Custody suite opens.",
            "priorities": [{"priority": victims.pk, "narrative": "Code refreshed."}],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == "A steady quarter."
    assert body["forward_look"] == "Custody suite opens."
    assert [p["narrative"] for p in body["priorities"]] == ["", "Code refreshed."]
    assert stored(q2) == {
        ("summary", None): "A steady quarter.",
        ("forward_look", None): "Custody suite opens.",
        ("priority", victims.pk): "Code refreshed.",
    }
    assert {c.updated_by for c in Commentary.objects.all()} == {editor}
    assert response["ETag"] == session_client(editor).get(url(plan, q2))["ETag"]


def test_a_field_left_out_is_unchanged_and_an_empty_text_removes_it(
    editor, plan, q2, safe, victims, drafted
):
    response = put(
        session_client(editor),
        plan,
        q2,
        {"summary": "", "forward_look": "Custody suite opens."},
    )
    assert response.status_code == 200, response.content
    assert stored(q2) == {
        ("forward_look", None): "Custody suite opens.",
        ("priority", safe.pk): "Road deaths fell.",
    }
    body = response.json()
    assert body["summary"] == ""
    assert body["priorities"][0]["narrative"] == "Road deaths fell."

    response = put(
        session_client(editor),
        plan,
        q2,
        {"priorities": [{"priority": safe.pk, "narrative": ""}]},
    )
    assert response.status_code == 200, response.content
    assert stored(q2) == {("forward_look", None): "Custody suite opens."}


def test_too_long_a_summary_is_refused_naming_it_and_nothing_is_written(
    editor, plan, q2, safe, victims, drafted
):
    response = put(
        session_client(editor),
        plan,
        q2,
        {
            "summary": "x" * 4001,
            "forward_look": "Fine on its own.",
            "priorities": [{"priority": victims.pk, "narrative": "Fine too."}],
        },
    )
    assert response.status_code == 400, response.content
    assert problems(response) == [
        (
            None,
            "summary",
            "Keep it to 4,000 characters or fewer: it has 4,001.",
        )
    ]
    assert stored(q2) == drafted


def test_too_long_a_narrative_is_refused_naming_it_by_its_index(
    editor, plan, q2, safe, victims, drafted
):
    response = put(
        session_client(editor),
        plan,
        q2,
        {
            "summary": "x" * 4000,  # at the limit: fine
            "priorities": [
                {"priority": safe.pk, "narrative": "Fine."},
                {"priority": victims.pk, "narrative": "y" * 2001},
            ],
        },
    )
    assert response.status_code == 400, response.content
    assert problems(response) == [
        (1, "narrative", "Keep it to 2,000 characters or fewer: it has 2,001.")
    ]
    assert stored(q2) == drafted


def test_a_locked_period_is_refused_saying_so_and_nothing_is_written(
    editor, plan, q2, safe, drafted
):
    publish_report(plan=plan, period=q2, by=editor)
    response = put(session_client(editor), plan, q2, {"forward_look": "Too late."})
    assert response.status_code == 400, response.content
    [(index, field, message)] = problems(response)
    assert (index, field) == (None, None)
    assert "Q2 2017 is locked: its report is published" in message
    assert response.json()["errors"][0]["code"] == "locked"
    assert stored(q2) == drafted
    # Still readable by its editors, and saying why it takes no change.
    assert session_client(editor).get(url(plan, q2)).json()["locked"] is True


def test_a_priority_of_another_plan_or_a_nested_one_is_refused_naming_it(
    editor, plan, q2, safe, victims, drafted, current_plan
):
    elsewhere = PriorityFactory(plan=current_plan, reference="1")
    nested = victims.children.get()
    response = put(
        session_client(editor),
        plan,
        q2,
        {
            "forward_look": "Not written: the request is refused.",
            "priorities": [
                {"priority": safe.pk, "narrative": "Fine."},
                {"priority": elsewhere.pk, "narrative": "Not this plan's."},
                {"priority": nested.pk, "narrative": "Not top level."},
            ],
        },
    )
    assert response.status_code == 400, response.content
    assert problems(response) == [
        (1, "priority", "Choose a top-level priority of this plan."),
        (2, "priority", "Choose a top-level priority of this plan."),
    ]
    assert stored(q2) == drafted


def test_a_priority_given_twice_or_an_unknown_field_is_refused(
    editor, plan, q2, safe, drafted
):
    twice = [
        {"priority": safe.pk, "narrative": "One."},
        {"priority": safe.pk, "narrative": "Two."},
    ]
    response = put(session_client(editor), plan, q2, {"priorities": twice})
    assert response.status_code == 400, response.content
    assert [(i, f) for i, f, _ in problems(response)] == [(1, "priority")]

    response = put(session_client(editor), plan, q2, {"summry": "Typo."})
    assert response.status_code == 400, response.content
    assert [(i, f) for i, f, _ in problems(response)] == [(None, "summry")]
    assert stored(q2) == drafted


@pytest.mark.parametrize("who", ["reader", "contributor"])
def test_a_reader_or_a_force_contributor_neither_reads_nor_writes_drafts(
    request, who, plan, q2, safe, deliverable, drafted
):
    client = session_client(request.getfixturevalue(who))
    # They see the plan (the reader's body owns it; the force leads its work)...
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 200
    # ...but not its drafts, which are no business of theirs.
    response = client.get(url(plan, q2))
    assert response.status_code == 404
    assert "A steady quarter." not in response.content.decode()
    response = put(client, plan, q2, {"summary": "Rewritten."})
    assert response.status_code == 404
    assert stored(q2) == drafted


def test_the_owning_bodys_api_client_writes_and_a_forces_does_not(
    force_api, issue_client, authority, plan, q2, safe, deliverable, drafted
):
    # A force's client acts as a contributor of the force: no commentary.
    assert force_api.get(url(plan, q2)).status_code == 404
    assert put(force_api, plan, q2, {"summary": "Rewritten."}).status_code == 404
    assert stored(q2) == drafted
    # The body that owns the plan writes its words in its own system and sends them.
    client, _, token = issue_client(authority)
    system = bearer(token)
    assert system.get(url(plan, q2)).status_code == 200
    response = put(system, plan, q2, {"summary": "From our own system."})
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "From our own system."
    assert Commentary.objects.get(kind="summary").updated_by == client.service_user


def test_an_outsider_gets_404(outsider, plan, q2, safe, drafted):
    client = session_client(outsider)
    assert client.get(url(plan, q2)).status_code == 404
    assert put(client, plan, q2, {"summary": "Rewritten."}).status_code == 404
    assert stored(q2) == drafted


def test_signed_out_gets_401(plan, q2):
    response = session_client(None).get(url(plan, q2))
    assert response.status_code == 401


def test_a_period_of_another_plan_is_404(editor, plan, current_plan):
    other = current_plan.reporting_periods.first()
    assert session_client(editor).get(url(plan, other)).status_code == 404


def test_a_stale_if_match_is_refused_and_nothing_is_written(
    editor, plan, q2, safe, drafted
):
    client = session_client(editor)
    etag = client.get(url(plan, q2))["ETag"]
    save_commentary(
        plan=plan, period=q2, by=editor, texts={("summary", None): "Changed since."}
    )
    response = put(client, plan, q2, {"forward_look": "Mine."}, **{"If-Match": etag})
    assert response.status_code == 412, response.content
    assert stored(q2)[("summary", None)] == "Changed since."
    assert ("forward_look", None) not in stored(q2)

    etag = client.get(url(plan, q2))["ETag"]
    response = put(client, plan, q2, {"forward_look": "Mine."}, **{"If-Match": etag})
    assert response.status_code == 200, response.content
    assert stored(q2)[("forward_look", None)] == "Mine."


def test_a_retry_with_the_same_idempotency_key_is_answered_from_the_first(
    editor, plan, q2, safe, drafted
):
    client = session_client(editor)
    key = {"Idempotency-Key": "commentary-q2-1"}
    first = put(client, plan, q2, {"forward_look": "Custody suite opens."}, **key)
    assert first.status_code == 200, first.content
    # Someone changes it in between; the retry does not write again.
    save_commentary(
        plan=plan, period=q2, by=editor, texts={("forward_look", None): "Later."}
    )
    again = put(client, plan, q2, {"forward_look": "Custody suite opens."}, **key)
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert stored(q2)[("forward_look", None)] == "Later."
