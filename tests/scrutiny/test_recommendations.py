"""The recommendations register: plan editors record and import recommendations
whose due dates come from the source's rule, the owning organisation responds, and
anyone who sees the plan reads, filters and downloads the register."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deliverables.upload_errors import ImportFailed
from scrutiny.recommendations.models import Recommendation
from scrutiny.recommendations.services import (
    close_recommendation,
    import_recommendations,
    respond_to_recommendation,
    save_recommendation,
)
from tests.factories import (
    DeliverableFactory,
    MembershipFactory,
    UserFactory,
    plan_for_year,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.datetime(2024, 6, 1, 12)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def record(plan, by, owner, **fields):
    values = {
        "text": "Improve how the force records crime.",
        "source": "hmicfrs",
        "source_title": "PEEL 2023-25: States of Jersey Police",
        "published_on": D(2024, 3, 14),
        "owner": owner,
    } | fields
    return save_recommendation(plan=plan, by=by, **values)


def date_parts(name, value):
    if value is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {
        f"{name}_0": str(value.day),
        f"{name}_1": str(value.month),
        f"{name}_2": str(value.year),
    }


def form_data(owner, **changes):
    published = changes.pop("published_on", D(2024, 3, 14))
    due = changes.pop("due_on", None)
    return {
        "reference": "AFI 1",
        "text": "Improve how the force records crime.",
        "source": "hmicfrs",
        "source_title": "PEEL 2023-25: States of Jersey Police",
        "source_url": "",
        "owner": owner.pk,
        "deliverable_references": "",
        **date_parts("published_on", published),
        **date_parts("due_on", due),
    } | changes


@pytest.fixture
def force_reader(force):
    return MembershipFactory(
        user=UserFactory(username="rhys"), organisation=force, role="reader"
    ).user


# Recording ---------------------------------------------------------------------


def test_an_hmicfrs_recommendation_is_due_56_days_after_publication(
    plan, editor, force
):
    rec = record(plan, editor, force, due_on=D(2024, 12, 31))
    assert rec.due_on == D(2024, 5, 9)  # the rule's, not the date given
    assert rec.state == "open"
    assert rec.history.get().history_user == editor


def test_a_source_without_a_rule_takes_the_editors_date(plan, editor, force):
    rec = record(plan, editor, force, source="other", due_on=D(2024, 4, 30))
    assert rec.due_on == D(2024, 4, 30)
    undated = record(plan, editor, force, source="other", reference="X")
    assert undated.due_on is None
    assert not undated.is_overdue


def test_an_editor_records_a_recommendation_on_the_page(client, editor, plan, force):
    linked = DeliverableFactory(objective__priority__plan=plan, reference="2.1")
    client.force_login(editor)
    url = reverse("scrutiny:add-recommendation", args=[plan.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        # A date typed for an HMICFRS report is not the law's: the rule's is kept.
        form_data(force, deliverable_references="2.1", due_on=D(2024, 12, 31)),
        follow=True,
    )
    assert "Saved the recommendation: its response is due 9 May 2024." in (
        response.content.decode()
    )
    rec = Recommendation.objects.get()
    assert (rec.reference, rec.due_on, rec.owner) == ("AFI 1", D(2024, 5, 9), force)
    assert list(rec.deliverables.all()) == [linked]


REFUSALS = {
    "due before published": (
        {"source": "other", "due_on": D(2024, 3, 13)},
        "due_on",
        "The due date must be on or after the date it was published.",
    ),
    "unknown deliverable": (
        {"deliverable_references": "9.9.9"},
        "deliverable_references",
        "This plan has no deliverable 9.9.9.",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_the_page_refuses_bad_input_beside_the_field(client, editor, plan, force, case):
    changes, field, message = REFUSALS[case]
    client.force_login(editor)
    response = client.post(
        reverse("scrutiny:add-recommendation", args=[plan.pk]),
        form_data(force, **changes),
    )
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert "govuk-error-summary" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_service_refusals_write_nothing(plan, editor, force, reader, authority):
    other_plan = plan_for_year(authority, 2018, reference="R.5/2018", title="2018")
    elsewhere = DeliverableFactory(objective__priority__plan=other_plan)
    action_elsewhere = other_plan.scrutiny_actions.create(
        text="?", raised_by="Panel", owner=force
    )
    with pytest.raises(ValidationError) as refused:
        record(plan, editor, force, source="other", due_on=D(2024, 3, 1))
    assert refused.value.message_dict == {
        "due_on": ["The due date must be on or after the date it was published."]
    }
    with pytest.raises(ValidationError) as refused:
        record(plan, editor, force, deliverables=[elsewhere])
    assert "deliverables" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(plan, editor, force, actions=[action_elsewhere])
    assert "actions" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        record(plan, reader, force)
    assert not Recommendation.objects.exists()
    assert not Recommendation.history.exists()


def test_a_reference_is_once_in_a_plan(plan, editor, force, authority):
    record(plan, editor, force, reference="AFI 3")
    with pytest.raises(ValidationError) as refused:
        record(plan, editor, force, reference="AFI 3")
    assert "reference" in refused.value.message_dict
    # Another plan may use it, and recommendations without one are many.
    other_plan = plan_for_year(authority, 2018, reference="R.5/2018", title="2018")
    record(other_plan, editor, force, reference="AFI 3")
    record(plan, editor, force)
    record(plan, editor, force)
    assert Recommendation.objects.count() == 4


# Responding and closing ---------------------------------------------------------


def test_the_owners_contributor_responds_and_an_editor_closes(
    client, plan, editor, force, contributor
):
    rec = record(plan, editor, force)
    client.force_login(contributor)
    url = reverse("scrutiny:respond-recommendation", args=[rec.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"response": "A crime data lead was appointed."})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert (rec.state, rec.responded_on) == ("responded", D(2024, 6, 1))
    assert rec.history.latest().history_user == contributor
    # Answered: the page is closed to a second response.
    assert client.get(url).status_code in {403, 404}

    client.force_login(editor)
    close = reverse("scrutiny:close-recommendation", args=[plan.pk, rec.pk])
    assert client.get(close).status_code == 200
    assert client.post(close, date_parts("closed_on", None)).status_code == 302
    rec.refresh_from_db()
    assert (rec.state, rec.closed_on) == ("closed", D(2024, 6, 1))


def test_a_reader_of_the_owner_cannot_respond(plan, editor, force, force_reader):
    rec = record(plan, editor, force)
    with pytest.raises(PermissionDenied):
        respond_to_recommendation(recommendation=rec, by=force_reader, response="x")
    rec.refresh_from_db()
    assert rec.state == "open"


def test_an_empty_response_and_closing_unanswered_are_refused(plan, editor, force):
    rec = record(plan, editor, force)
    with pytest.raises(ValidationError):
        respond_to_recommendation(recommendation=rec, by=editor, response="  ")
    with pytest.raises(ValidationError):
        close_recommendation(recommendation=rec, by=editor)
    rec.refresh_from_db()
    assert (rec.state, rec.response, rec.closed_on) == ("open", "", None)


# The register ------------------------------------------------------------------


@pytest.fixture
def register(plan, editor, force, authority, partner):
    """Five recommendations as at 1 June 2024: two overdue, one due soon, one
    responded, one closed."""
    recs = {
        "overdue": record(plan, editor, force, reference="AFI 1"),  # due 9 May
        "panel": record(
            plan,
            editor,
            authority,
            reference="P 1",
            source="panel_report",
            source_title="Panel report on road safety",
            text="Publish the road casualty figures.",
            published_on=D(2024, 4, 1),
        ),  # due 29 April: overdue
        "soon": record(
            plan,
            editor,
            partner,
            reference="AFI 2",
            text="Train parish volunteers.",
            published_on=D(2024, 4, 10),
        ),  # due 5 June
        "responded": record(plan, editor, force, reference="AFI 3"),
        "closed": record(plan, editor, force, reference="AFI 4"),
    }
    respond_to_recommendation(
        recommendation=recs["responded"], by=editor, response="Yes"
    )
    respond_to_recommendation(recommendation=recs["closed"], by=editor, response="Done")
    close_recommendation(recommendation=recs["closed"], by=editor)
    return recs


def refs(response) -> list[str]:
    return sorted(r.reference for r in response.context["rows"])


def test_the_register_counts_and_shows_what_is_overdue(client, reader, plan, register):
    client.force_login(reader)
    response = client.get(reverse("scrutiny:recommendations", args=[plan.pk]))
    assert response.context["counts"] == {
        "open": 3,
        "overdue": 2,
        "responded": 1,
        "closed": 1,
    }
    body = response.content.decode()
    assert body.count("govuk-tag--red") == 2
    assert "Due in 4 days" in body
    assert refs(response) == ["AFI 1", "AFI 2", "AFI 3", "AFI 4", "P 1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"source": "panel_report"}, ["P 1"]),
        ({"state": "responded"}, ["AFI 3"]),
        ({"state": "open"}, ["AFI 1", "AFI 2", "P 1"]),
        ({"overdue": "true"}, ["AFI 1", "P 1"]),
        ({"q": "parish"}, ["AFI 2"]),
        ({"q": "road safety"}, ["P 1"]),
        ({"state": "open", "source": "hmicfrs"}, ["AFI 1", "AFI 2"]),
    ],
)
def test_each_filter_narrows_the_register(
    client, reader, plan, register, query, expected
):
    client.force_login(reader)
    response = client.get(reverse("scrutiny:recommendations", args=[plan.pk]), query)
    assert refs(response) == expected


def test_the_owner_filter(client, reader, plan, register, partner):
    client.force_login(reader)
    response = client.get(
        reverse("scrutiny:recommendations", args=[plan.pk]), {"owner": partner.pk}
    )
    assert refs(response) == ["AFI 2"]


def test_the_register_costs_the_same_queries_for_3_or_30(
    client, contributor, plan, editor, force
):
    deliverables = [
        DeliverableFactory(
            objective__priority__plan=plan, reference=f"1.{i}", lead_organisation=force
        )
        for i in range(3)
    ]
    for _ in range(3):
        record(plan, editor, force, deliverables=deliverables)
    client.force_login(contributor)
    url = reverse("scrutiny:recommendations", args=[plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(27):
        record(plan, editor, force, deliverables=deliverables[: i % 3])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 30
    assert all(r.may_respond for r in response.context["rows"])
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_csv_export_holds_the_filtered_rows(client, reader, plan, register):
    client.force_login(reader)
    response = client.get(
        reverse("scrutiny:recommendations-csv", args=[plan.pk]), {"overdue": "true"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["Reference"] for r in rows) == ["AFI 1", "P 1"]
    afi = next(r for r in rows if r["Reference"] == "AFI 1")
    assert afi["Due"] == "2024-05-09"
    assert afi["Overdue"] == "Yes"
    assert afi["Owner"] == "States of Jersey Police"


def test_the_xlsx_export_holds_the_filtered_rows_safely(
    client, reader, plan, editor, force, register
):
    from openpyxl import load_workbook

    record(plan, editor, force, reference="F 1", text='=HYPERLINK("x")')
    client.force_login(reader)
    response = client.get(
        reverse("scrutiny:recommendations-xlsx", args=[plan.pk]), {"state": "open"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Reference", "Recommendation", "Source")
    assert sorted(r[0] for r in rows[1:]) == ["AFI 1", "AFI 2", "F 1", "P 1"]
    formula = next(r for r in rows[1:] if r[0] == "F 1")
    assert formula[1] == '\'=HYPERLINK("x")'  # never a formula


def test_a_reader_of_another_body_does_not_see_the_register(client, outsider, plan):
    client.force_login(outsider)
    url = reverse("scrutiny:recommendations", args=[plan.pk])
    assert client.get(url).status_code == 404
    csv_url = reverse("scrutiny:recommendations-csv", args=[plan.pk])
    assert client.get(csv_url).status_code == 404


# Importing ---------------------------------------------------------------------

HEADER = "reference,recommendation,source,source title,published,due,owner,deliverables"
GOOD_CSV = f"""{HEADER}
AFI 1,Improve crime recording.,HMICFRS,PEEL,14/03/2024,,SOJP,"1.1, 1.2"
AFI 2,Train call handlers.,hmicfrs,PEEL,2024-03-14,2024-05-09,States of Jersey Police,
P 1,Publish casualty figures.,Panel report,Road safety,2024-04-01,,JPA,1.2
O 1,Review the custody suite.,Other,Letter,2024-04-02,2024-04-30,JPA,
"""

BAD_CSV = f"""{HEADER}
AFI 1,Improve crime recording.,HMICFRS,PEEL 2023-25,14/03/2024,,SOJP,9.9
AFI 1,,Inspectorate,PEEL 2023-25,2024-03-14,,Nobody,
O 1,Review the custody suite.,Other,Letter,2024-04-02,2024-04-01,JPA,
O 2,Review it again.,Other,Letter,31/02/2024,,JPA,
"""


@pytest.fixture
def plan_deliverables(plan):
    return [
        DeliverableFactory(objective__priority__plan=plan, reference=r)
        for r in ("1.1", "1.2")
    ]


def upload(text: str, name="recommendations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def test_a_good_file_imports_every_row(
    plan, editor, force, authority, plan_deliverables
):
    created = import_recommendations(plan=plan, file=upload(GOOD_CSV), by=editor)
    assert len(created) == 4
    got = {r.reference: r for r in Recommendation.objects.all()}
    assert got["AFI 1"].due_on == D(2024, 5, 9)
    assert got["AFI 1"].owner == force
    assert sorted(d.reference for d in got["AFI 1"].deliverables.all()) == [
        "1.1",
        "1.2",
    ]
    assert got["P 1"].due_on == D(2024, 4, 29)
    assert got["P 1"].owner == authority
    assert got["O 1"].due_on == D(2024, 4, 30)
    assert got["AFI 2"].history.get().history_user == editor


def test_a_workbook_imports_too(plan, editor, force, plan_deliverables):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Reference",
            "Recommendation",
            "Source",
            "Source title",
            "Published",
            "Owner",
            "Deliverables",
        ]
    )
    sheet.append(
        [
            "AFI 9",
            "Use the new system.",
            "HMICFRS",
            "PEEL",
            D(2024, 3, 16),
            "SOJP",
            "1.1",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    created = import_recommendations(
        plan=plan,
        file=SimpleUploadedFile("recs.xlsx", out.getvalue()),
        by=editor,
    )
    assert [(r.reference, r.due_on) for r in created] == [("AFI 9", D(2024, 5, 11))]


def test_a_bad_file_lists_every_problem_and_writes_nothing(
    plan, editor, force, authority, plan_deliverables
):
    with pytest.raises(ImportFailed) as failed:
        import_recommendations(plan=plan, file=upload(BAD_CSV), by=editor)
    problems = {(e.row, e.column) for e in failed.value.errors}
    assert problems == {
        (2, "deliverables"),
        (3, "reference"),
        (3, "recommendation"),
        (3, "source"),
        (3, "owner"),
        (4, "due"),
        (5, "published"),
    }
    assert not Recommendation.objects.exists()
    assert not Recommendation.history.exists()


def test_an_unknown_column_is_refused(plan, editor, force):
    text = "reference,recommendation,source,source title,published,owner,colour\n"
    with pytest.raises(ImportFailed) as failed:
        import_recommendations(
            plan=plan,
            file=upload(text + "A,b,other,t,2024-01-01,SOJP,red\n"),
            by=editor,
        )
    assert [(e.row, e.column) for e in failed.value.errors] == [(1, "colour")]


def test_the_import_page_lists_problems_then_imports(
    client, editor, plan, force, authority, plan_deliverables
):
    client.force_login(editor)
    url = reverse("scrutiny:import-recommendations", args=[plan.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload(BAD_CSV)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "nothing was imported" in body
    assert len(response.context["problems"]) == 7
    assert "The due date must be on or after the date it was published." in body
    assert not Recommendation.objects.exists()

    response = client.post(url, {"file": upload(GOOD_CSV)}, follow=True)
    assert "Imported 4 recommendations." in response.content.decode()
    assert Recommendation.objects.count() == 4


def test_only_editors_import(plan, reader):
    with pytest.raises(PermissionDenied):
        import_recommendations(plan=plan, file=upload(GOOD_CSV), by=reader)


@pytest.mark.parametrize(
    "day, refused",
    [
        (D(2024, 5, 20), False),  # a response given at a meeting, recorded later
        (D(2024, 6, 1), False),  # today
        (D(2024, 6, 2), True),  # tomorrow
        (D(2023, 1, 1), True),  # before it was published
    ],
)
def test_a_response_is_dated_when_it_was_given(plan, editor, force, day, refused):
    rec = record(plan, editor, force)
    if refused:
        with pytest.raises(ValidationError) as error:
            respond_to_recommendation(
                recommendation=rec, by=editor, response="Done.", responded_on=day
            )
        assert "responded_on" in error.value.message_dict
        rec.refresh_from_db()
        assert (rec.state, rec.responded_on) == ("open", None)
    else:
        respond_to_recommendation(
            recommendation=rec, by=editor, response="Done.", responded_on=day
        )
        rec.refresh_from_db()
        assert (rec.state, rec.responded_on) == ("responded", day)
