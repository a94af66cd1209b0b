"""The workspace pages: who sees what, what each form refuses, and exports."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from deliverables.models import Deliverable, ProgressUpdate, Status
from plans.models import Membership
from tests.factories import (
    DATES_2017,
    DeliverableFactory,
    DeliverableOwnerFactory,
    MembershipFactory,
    PlanFactory,
    UserFactory,
    record_update,
)

pytestmark = pytest.mark.django_db


def person(org, role, name):
    return MembershipFactory(
        user=UserFactory(username=name), organisation=org, role=role
    ).user


PAGES = ["plans:list", "deliverables:list"]


@pytest.mark.parametrize("name", [*PAGES, "deliverables:review-queue"])
def test_pages_ask_anonymous_people_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_sign_in_shows_errors_the_gov_uk_way(client, editor):
    response = client.post(reverse("sign-in"), {"username": "erin", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in" in page
    assert "There is a problem" in page


def test_an_editor_sees_the_plan_tree_with_counts(client, editor, led, current_plan):
    client.force_login(editor)
    page = client.get(reverse("plans:detail", args=[current_plan.pk])).content.decode()
    assert led.objective.priority.title in page
    assert "In progress" in page
    assert "1 deliverable you can see" in page


def test_an_outsider_cannot_see_the_plan_or_its_work(
    client, outsider, led, current_plan
):
    client.force_login(outsider)
    assert (
        client.get(reverse("plans:detail", args=[current_plan.pk])).status_code == 404
    )
    assert client.get(reverse("deliverables:detail", args=[led.pk])).status_code == 404
    listed = client.get(reverse("deliverables:list")).content.decode()
    assert "Daytime patrol strategy" not in listed


def test_the_list_filters_and_sorts(client, editor, led, current_plan, force):
    DeliverableFactory(
        objective=led.objective,
        title="Night time economy",
        status=Status.COMPLETED,
        lead_organisation=force,
    )
    client.force_login(editor)
    url = reverse("deliverables:list")
    page = client.get(url, {"status": "completed"}).content.decode()
    assert "Night time economy" in page and "Daytime patrol strategy" not in page
    page = client.get(url, {"q": "patrol"}).content.decode()
    assert "Daytime patrol strategy" in page and "Night time economy" not in page


def test_an_htmx_filter_request_gets_only_the_results(client, editor, led):
    client.force_login(editor)
    response = client.get(
        reverse("deliverables:list"),
        {"status": "in_progress"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    page = response.content.decode()
    assert "Daytime patrol strategy" in page
    assert "<html" not in page


def test_a_bad_filter_is_explained(client, editor, led):
    client.force_login(editor)
    page = client.get(
        reverse("deliverables:list"), {"status": "started"}
    ).content.decode()
    assert "There is a problem" in page
    assert "No deliverables match" in page


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_holds_exactly_what_is_filtered_and_escapes_formulas(
    client, editor, led, force, kind
):
    DeliverableFactory(
        objective=led.objective,
        title='=HYPERLINK("x")',
        status=Status.COMPLETED,
        lead_organisation=force,
    )
    client.force_login(editor)
    response = client.get(
        reverse("deliverables:list"), {"status": "completed", "export": kind}
    )
    assert response.status_code == 200
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode())))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [
            [c if c is not None else "" for c in r]
            for r in sheet.iter_rows(values_only=True)
        ]
    assert rows[0][6:8] == ["Deliverable reference", "Deliverable title"]
    assert len(rows) == 2
    assert rows[1][7] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "plan and status"])
def test_list_queries_do_not_grow_with_rows(
    client, editor, led, force, current_plan, authority, filtered
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PriorityFactory, StrandFactory

    def another_plan(n):
        other = PlanFactory(owner=authority, title=f"Another plan {n}")
        PriorityFactory.create_batch(5, plan=other)
        StrandFactory(plan=other)

    another_plan(0)
    client.force_login(editor)
    url = reverse("deliverables:list")
    query = {"plan": current_plan.pk, "status": "in_progress"} if filtered else {}

    with CaptureQueriesContext(connection) as few:
        client.get(url, query)
    # More rows in the plan, and more plans with their own priorities and strands.
    for _ in range(60):
        DeliverableOwnerFactory(
            deliverable=DeliverableFactory(
                objective=led.objective,
                lead_organisation=force,
                status=Status.IN_PROGRESS,
            )
        )
    for n in range(1, 4):
        another_plan(n)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, query)
    assert len(many) == len(few)
    assert len(response.context["deliverables"]) == 50  # a page, of 61


def test_the_plans_list_pages_plans_in_the_same_queries_for_3_or_30(
    client, editor, authority, force
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_plans(count, start):
        for n in range(start, start + count):
            plan = PlanFactory(
                owner=authority,
                title=f"Plan {n:02d}",
                starts_on=datetime.date(2017, 1, 1) - datetime.timedelta(days=n),
            )
            DeliverableFactory(objective__priority__plan=plan, lead_organisation=force)

    client.force_login(editor)
    url = reverse("plans:list")
    add_plans(3, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_plans(27, 3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(many) == len(few)
    plans = response.context["plans"]
    assert [p.title for p in plans] == [f"Plan {n:02d}" for n in range(25)]
    assert all(p.total == 1 for p in plans)
    page = response.content.decode()
    assert "Plans 1 to 25 of 30." in page and "?page=2" in page
    second = client.get(url, {"page": 2}).context["plans"]
    assert [p.title for p in second] == [f"Plan {n:02d}" for n in range(25, 30)]


def test_the_filters_offer_the_priorities_and_strands_of_the_plan_in_view(
    client, editor, led, current_plan, authority
):
    from tests.factories import PriorityFactory, StrandFactory

    other = PlanFactory(owner=authority, title="Another plan")
    elsewhere = PriorityFactory(plan=other, title="Priority elsewhere")
    StrandFactory(plan=other, name="Strand elsewhere")
    StrandFactory(plan=current_plan, name="Victims")
    client.force_login(editor)
    url = reverse("deliverables:list")
    mine = led.objective.priority

    page = client.get(url, {"plan": current_plan.pk}).content.decode()
    assert mine.title in page and "Victims" in page
    assert elsewhere.title not in page and "Strand elsewhere" not in page

    page = client.get(url, {"priority": elsewhere.pk}).content.decode()
    assert elsewhere.title in page and mine.title not in page

    page = client.get(url).content.decode()
    assert "Choose a plan to list its priorities and strands." in page
    assert mine.title not in page and elsewhere.title not in page
    assert current_plan.title in page and "Another plan" in page


def test_a_deliverable_with_two_owners_from_one_force_is_listed_once(
    client, led, force
):
    from tests.factories import ForceFactory

    partner = ForceFactory()
    led.lead_organisation = partner
    led.save()
    DeliverableOwnerFactory(deliverable=led, organisation=force, role="Ch Insp")
    DeliverableOwnerFactory(deliverable=led, organisation=force, role="Supt")
    reader = person(force, Membership.Role.READER, "rhea")
    client.force_login(reader)

    response = client.get(reverse("deliverables:list"), {"owner": "Ch Insp"})

    assert list(response.context["deliverables"]) == [led]
    assert response.context["page"].paginator.count == 1
    api = client.get("/api/v1/deliverables/")
    assert [row["id"] for row in api.json()["results"]] == [led.pk]


def test_plan_page_queries_do_not_grow_with_rows(
    client, editor, led, force, current_plan
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    url = reverse("plans:detail", args=[current_plan.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    DeliverableFactory.create_batch(
        15, objective__priority__plan=current_plan, lead_organisation=force
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# Recording progress ------------------------------------------------------------


def test_a_reason_is_needed_when_the_status_changes(client, contributor, led):
    client.force_login(contributor)
    url = reverse("deliverables:record", args=[led.pk])
    response = client.post(url, {"status": "completed", "narrative": "Done."})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give a reason when the status or forecast date changes." in page
    assert 'href="#id_reason"' in page
    assert not ProgressUpdate.objects.exists()
    response = client.post(
        url,
        {"status": "completed", "narrative": "Done.", "reason": "Strategy signed off."},
    )
    assert response.status_code == 302
    led.refresh_from_db()
    assert led.status == Status.COMPLETED
    assert ProgressUpdate.objects.get().recorded_by == contributor


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "in_progress"}, "narrative", "Say what progress has been made."),
        (
            {"status": "in_progress", "narrative": "x", "percent_complete": "150"},
            "percent_complete",
            "less than or equal to 100",
        ),
        (
            {
                "status": "in_progress",
                "narrative": "x",
                "forecast_date": "soonish",
                "reason": "x",
            },
            "forecast_date",
            "is not a date we recognise",
        ),
        ({"narrative": "x"}, "status", "This field is required."),
    ],
)
def test_record_progress_validation(client, contributor, led, data, field, message):
    client.force_login(contributor)
    page = client.post(
        reverse("deliverables:record", args=[led.pk]), data
    ).content.decode()
    assert message in page
    assert f'id="id_{field}-error"' in page or f"id_{field}" in page
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("role", ["reader", "outsider"])
def test_readers_and_outsiders_cannot_record_progress(
    client, led, authority, outsider, role
):
    user = (
        outsider
        if role == "outsider"
        else person(authority, Membership.Role.READER, "rory")
    )
    client.force_login(user)
    # The reader sees the deliverable (403); the outsider may not know it exists.
    refused = 404 if role == "outsider" else 403
    url = reverse("deliverables:record", args=[led.pk])
    assert client.get(url).status_code == refused
    assert (
        client.post(
            url, {"status": "completed", "narrative": "x", "reason": "x"}
        ).status_code
        == refused
    )
    assert not ProgressUpdate.objects.exists()


# Review --------------------------------------------------------------------------


@pytest.fixture
def waiting(current_plan, led, contributor):
    current_plan.review_contributor_updates = True
    current_plan.save()
    return record_update(
        deliverable=led, by=contributor, narrative="Half done.", percent_complete=50
    )


def test_a_contributors_update_waits_and_the_editor_accepts_it(
    client, editor, waiting, led
):
    client.force_login(editor)
    queue = client.get(reverse("deliverables:review-queue")).content.decode()
    assert "Half done." in queue
    client.post(
        reverse("deliverables:review-queue"),
        {"update": waiting.pk, "decision": "accept"},
    )
    led.refresh_from_db()
    assert led.percent_complete == 50
    assert (
        "Nothing is waiting"
        in client.get(reverse("deliverables:review-queue")).content.decode()
    )


def test_returning_needs_a_comment_which_the_contributor_sees(
    client, editor, waiting, led, contributor
):
    client.force_login(editor)
    url = reverse("deliverables:review-queue")
    refused = client.post(
        url, {"update": waiting.pk, "decision": "return", "comment": ""}
    )
    assert refused.status_code == 400
    assert "Say why the update is being returned." in refused.content.decode()
    client.post(
        url,
        {
            "update": waiting.pk,
            "decision": "return",
            "comment": "Which posts are filled?",
        },
    )
    client.force_login(contributor)
    page = client.get(reverse("deliverables:detail", args=[led.pk])).content.decode()
    assert "Which posts are filled?" in page
    led.refresh_from_db()
    assert led.percent_complete is None


def test_contributors_have_no_review_queue(client, contributor, waiting):
    client.force_login(contributor)
    assert client.get(reverse("deliverables:review-queue")).status_code == 404
    assert (
        client.post(
            reverse("deliverables:review-queue"),
            {"update": waiting.pk, "decision": "accept"},
        ).status_code
        == 404
    )
    assert waiting.review_state == "submitted"


def test_the_deliverable_page_shows_history_of_edits(client, editor, led):
    led.title = "Daytime patrol strategy (revised)"
    led._history_user = editor
    led.save()
    client.force_login(editor)
    page = client.get(reverse("deliverables:detail", args=[led.pk])).content.decode()
    assert "Daytime patrol strategy (revised)" in page
    assert "Title:" in page


def test_brand_colour_comes_from_settings(client, settings):
    settings.BRAND_COLOUR = "#00703c"
    assert b"--govuk-brand-colour: #00703c" in client.get(reverse("brand-css")).content


def test_every_page_carries_a_strict_content_security_policy(client, editor, led):
    client.force_login(editor)
    policy = client.get(reverse("deliverables:list"))["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self' 'nonce-" in policy


# Importing in the browser ----------------------------------------------------------

JERSEY = "plans/demo/jersey-policing-plan-2017.csv"


def upload(client, path_or_text, name="plan.csv", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if name == "plan.csv" and "\n" in path_or_text:
        content = path_or_text.encode()
    else:
        with open(path_or_text, "rb") as handle:
            content = handle.read()
        name = path_or_text.rsplit("/", 1)[-1]
    data = {
        "file": SimpleUploadedFile(name, content),
        "organisation": fields.pop("org"),
        "reference": "R.4/2017",
        "title": "2017 Policing Plan",
        **DATES_2017,
    } | fields
    return client.post(reverse("deliverables:import"), data, follow=True)


def test_import_shows_a_preview_and_writes_only_when_confirmed(
    client, editor, authority, force
):
    client.force_login(editor)
    preview = upload(client, JERSEY, org=authority.pk)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Check the import" in page
    assert ">90<" in page  # deliverables to create
    assert not Deliverable.objects.exists()
    token = preview.context["token"]
    done = client.post(
        reverse("deliverables:import-check", args=[token]), {"confirm": "1"}
    )
    assert done.status_code == 302
    assert Deliverable.objects.count() == 90
    assert Deliverable.objects.first().history.first().history_user == editor


def test_import_of_a_bad_file_lists_every_row_error_and_writes_nothing(
    client, editor, authority
):
    client.force_login(editor)
    bad = (
        "priority_ref,priority_title,objective_ref,objective_title,deliverable_ref,"
        "deliverable_title,milestone_date\n"
        "1,Victims,1.1,Support,1.1.1,Hub,soon\n"
        "1,Victims,1.1,Support,1.1.1,Again,Q1\n"
    )
    response = upload(client, bad, org=authority.pk)
    page = response.content.decode()
    assert response.status_code == 400
    assert "2 problems" in page
    assert "is not a date we recognise" in page
    assert "1.1.1 is already used on row 2." in page
    assert not Deliverable.objects.exists()


def test_import_form_names_missing_plan_details(client, editor, authority):
    client.force_login(editor)
    response = upload(
        client,
        JERSEY,
        org=authority.pk,
        reference="",
        starts_on_0="",
        starts_on_1="",
        starts_on_2="",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter the new plan&#x27;s reference, or choose a plan." in page
    assert "Enter the date the new plan starts." in page
    assert 'href="#id_starts_on_0"' in page


def test_contributors_cannot_import(client, contributor):
    client.force_login(contributor)
    assert client.get(reverse("deliverables:import")).status_code == 404


# Merging -------------------------------------------------------------------------


def test_an_editor_merges_deliverables_into_an_umbrella(client, editor, led, force):
    parts = DeliverableFactory.create_batch(
        2, objective=led.objective, lead_organisation=force
    )
    client.force_login(editor)
    url = reverse("deliverables:merge", args=[led.pk])
    refused = client.post(url, {"merged": [p.pk for p in parts], "reason": ""})
    assert "Say why they are being merged." in refused.content.decode()
    assert not ProgressUpdate.objects.exists()
    done = client.post(
        url,
        {
            "merged": [p.pk for p in parts],
            "reason": "One programme board runs them all.",
        },
    )
    assert done.status_code == 302
    for part in parts:
        part.refresh_from_db()
        assert (part.status, part.merged_into) == (Status.MERGED, led)
        update = part.updates.get()
        assert update.reason == "One programme board runs them all."
        assert update.recorded_by == editor


def test_contributors_cannot_merge(client, contributor, led):
    client.force_login(contributor)
    assert client.get(reverse("deliverables:merge", args=[led.pk])).status_code == 403


# Editing the plan's structure ---------------------------------------------------------


def test_an_editor_adds_and_edits_a_deliverable_with_its_owners(
    client, editor, led, current_plan, force
):
    client.force_login(editor)
    url = reverse("plans:add-deliverable", args=[current_plan.pk])
    base = {
        "objective": led.objective_id,
        "reference": "3.1.9",
        "title": "New work",
        "lead_organisation": force.pk,
        "baseline_date": "Q3",
        "position": "5",
        "owners": "Ch. Insp Operations\nSupt Ops\n",
    }
    refused = client.post(url, base | {"baseline_date": "whenever"})
    assert "is not a date we recognise" in refused.content.decode()
    created = client.post(url, base)
    assert created.status_code == 302, created.context["form"].errors
    new = Deliverable.objects.get(reference="3.1.9")
    assert [o.role for o in new.owners.all()] == ["Ch. Insp Operations", "Supt Ops"]
    assert new.history.latest().history_user == editor
    client.post(
        reverse("deliverables:edit", args=[new.pk]),
        base | {"title": "Renamed work", "owners": "Supt Ops"},
    )
    new.refresh_from_db()
    assert new.title == "Renamed work"
    assert [o.role for o in new.owners.all()] == ["Supt Ops"]


def test_a_duplicate_reference_is_refused_beside_the_field(
    client, editor, led, current_plan, force
):
    client.force_login(editor)
    response = client.post(
        reverse("plans:add-deliverable", args=[current_plan.pk]),
        {
            "objective": led.objective_id,
            "reference": led.reference,
            "title": "Copy",
            "lead_organisation": force.pk,
            "position": "1",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Deliverable.objects.filter(reference=led.reference).count() == 1


def test_an_editor_adds_a_priority_and_a_milestone(client, editor, led, current_plan):
    client.force_login(editor)
    client.post(
        reverse("plans:add-priority", args=[current_plan.pk]),
        {"reference": "9", "title": "New priority", "position": "9"},
    )
    assert current_plan.priorities.filter(reference="9", title="New priority").exists()
    response = client.post(
        reverse("deliverables:add-milestone", args=[led.pk]),
        {
            "title": "Pilot",
            "due_date": "Q3",
            "position": "1",
            "completed_on_0": "",
            "completed_on_1": "",
            "completed_on_2": "",
        },
    )
    assert response.status_code == 302
    assert led.milestones.get(title="Pilot").due_date_end.month == 9


@pytest.mark.parametrize(
    "name", ["plans:add-priority", "plans:add-objective", "plans:add-deliverable"]
)
def test_contributors_cannot_edit_the_plan(client, contributor, current_plan, name):
    client.force_login(contributor)
    assert client.get(reverse(name, args=[current_plan.pk])).status_code == 404


def test_the_list_filters_by_lead_organisation_and_strand(
    client, editor, led, current_plan, authority
):
    from tests.factories import StrandFactory

    victims = StrandFactory(plan=current_plan, name="Victims")
    other = DeliverableFactory(
        objective=led.objective,
        lead_organisation=authority,
        title="Authority's own work",
    )
    other.strands.add(victims)
    client.force_login(editor)
    url = reverse("deliverables:list")
    page = client.get(url, {"lead_organisation": authority.pk}).content.decode()
    assert "Authority&#x27;s own work" in page and "Daytime patrol strategy" not in page
    page = client.get(url, {"strand": victims.pk}).content.decode()
    assert "Authority&#x27;s own work" in page and "Daytime patrol strategy" not in page


def test_repeated_failed_sign_ins_pause_signing_in(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("sign-in"), {"username": "erin", "password": "wrong"})
    response = client.post(
        reverse("sign-in"), {"username": "erin", "password": "correct-horse-battery"}
    )
    assert "Too many attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deliverable_page_queries_do_not_grow_with_updates(
    client, editor, led, contributor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    url = reverse("deliverables:detail", args=[led.pk])
    record_update(deliverable=led, by=contributor, narrative="One.", rag="green")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        record_update(
            deliverable=led,
            by=contributor,
            narrative=f"More {n}.",
            rag="amber" if n % 2 else "red",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# Splitting ---------------------------------------------------------------------------


def test_an_editor_splits_a_deliverable_into_parts(client, editor, led):
    DeliverableOwnerFactory(deliverable=led, role="Supt Ops")
    client.force_login(editor)
    url = reverse("deliverables:split", args=[led.pk])
    refused = client.post(url, {"titles": "Only one part", "reason": "Too big."})
    assert "Give at least two new deliverables" in refused.content.decode()
    assert Deliverable.objects.count() == 1
    done = client.post(
        url,
        {"titles": "Day patrols\nNight patrols\n", "reason": "Two teams now run them."},
    )
    assert done.status_code == 302
    led.refresh_from_db()
    assert led.status == Status.SPLIT
    parts = list(led.split_into.order_by("reference"))
    assert [p.title for p in parts] == ["Day patrols", "Night patrols"]
    assert [p.reference for p in parts] == [
        f"{led.reference}.1",
        f"{led.reference}.2",
    ]
    assert all([o.role for o in p.owners.all()] == ["Supt Ops"] for p in parts)
    update = led.updates.get()
    assert update.reason == "Two teams now run them."
    assert "Night patrols" in update.narrative
    page = client.get(reverse("deliverables:detail", args=[led.pk])).content.decode()
    assert "Split into" in page
    assert (
        not Deliverable.objects.late_as_of(datetime.date(2099, 1, 1))
        .filter(pk=led.pk)
        .exists()
    )


def test_contributors_cannot_split(client, contributor, led):
    client.force_login(contributor)
    url = reverse("deliverables:split", args=[led.pk])
    assert client.post(url, {"titles": "a\nb", "reason": "x"}).status_code == 403
    assert Deliverable.objects.count() == 1


# Setting up a plan --------------------------------------------------------------


def plan_form(authority, **extra):
    return {
        "owner": authority.pk,
        "reference": "PCP/2025",
        "title": "Police and Crime Plan",
        "summary": "",
        "starts_on_0": "1",
        "starts_on_1": "4",
        "starts_on_2": "2025",
        "ends_on_0": "31",
        "ends_on_1": "3",
        "ends_on_2": "2029",
        "state": "draft",
    } | extra


def test_an_editor_sets_up_a_plan_with_its_quarters(client, editor, authority):
    from plans.models import Plan

    client.force_login(editor)
    refused = client.post(reverse("plans:add"), plan_form(authority, ends_on_0="32"))
    assert "Enter a real date." in refused.content.decode()
    assert not Plan.objects.exists()
    assert client.post(reverse("plans:add"), plan_form(authority)).status_code == 302
    plan = Plan.objects.get()
    assert plan.reporting_periods.count() == 16
    assert plan.history.latest().history_user == editor
    client.post(
        reverse("plans:edit", args=[plan.pk]),
        plan_form(authority, title="Refreshed plan", state="refreshed"),
    )
    plan.refresh_from_db()
    assert (plan.title, plan.state) == ("Refreshed plan", "refreshed")


def test_a_plan_cannot_end_before_it_starts(client, editor, authority):
    from plans.models import Plan

    client.force_login(editor)
    response = client.post(reverse("plans:add"), plan_form(authority, ends_on_2="2024"))
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Plan.objects.exists()


def test_contributors_cannot_set_up_plans(client, contributor):
    client.force_login(contributor)
    assert client.get(reverse("plans:add")).status_code == 404


def test_the_list_filters_by_priority_including_nested_ones(
    client, editor, led, current_plan, force
):
    from tests.factories import ObjectiveFactory

    other = DeliverableFactory(
        objective=ObjectiveFactory(
            priority__plan=current_plan, priority__reference="9"
        ),
        lead_organisation=force,
        title="Elsewhere",
    )
    client.force_login(editor)
    page = client.get(
        reverse("deliverables:list"), {"priority": led.objective.priority_id}
    ).content.decode()
    assert "Daytime patrol strategy" in page and other.title not in page
    assert f'<option value="{led.objective.priority_id}" selected>' in page


@pytest.mark.parametrize("name", ["accessibility", "cookies", "sign-in"])
def test_public_pages_need_no_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "govuk-footer" in response.content.decode()
