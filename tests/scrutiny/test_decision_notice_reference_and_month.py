"""Decision notices whose register gives no reference, or only a month (issue 17): the
tracker gives a reference of its own, marked wherever it shows, and a month is shown
as a month on every page, report, spreadsheet and API answer."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import Membership
from scrutiny.dashboards.figures import build_dashboard
from scrutiny.dashboards.tables import tables
from scrutiny.models import DecisionNotice
from scrutiny.notices.services import save_decision_notice
from tests.api.conftest import session_client
from tests.factories import (
    DecisionNoticeFactory,
    OrganisationFactory,
    UserFactory,
    member,
    plan_for_year,
)

pytestmark = pytest.mark.django_db

MONTH = DecisionNotice.Precision.MONTH
DAY = DecisionNotice.Precision.DAY


def record(plan, by, *, reference="", day=None, month=3, year=2017, **fields):
    """A notice saved through the service, as the form hands it over."""
    return save_decision_notice(
        plan=plan,
        by=by,
        reference=reference,
        title=fields.pop("title", "Fund ANPR cameras"),
        approved_on=datetime.date(year, month, day or 1),
        approved_on_precision=DAY if day else MONTH,
        **fields,
    )


def form_data(**extra):
    return {
        "reference": "",
        "title": "Fund ANPR cameras",
        "summary": "",
        "approved_on_0": "",
        "approved_on_1": "3",
        "approved_on_2": "2017",
        "url": "",
    } | extra


def page(response) -> str:
    return response.content.decode()


def error_beside(response, field="approved_on") -> str:
    """The message shown beside a field (GOV.UK's error message above its input)."""
    html = page(response)
    start = html.index(f'id="id_{field}-error"')
    return html[
        html.index("</span>", start) + len("</span>") : html.index("</p>", start)
    ]


# The tracker's reference --------------------------------------------------------------


def test_a_blank_reference_gets_the_bodys_next_number_for_the_year(plan, editor):
    DecisionNoticeFactory(plan=plan, reference="DN-2017-003")  # the body's own
    DecisionNoticeFactory(plan=plan, reference="DN-2016-009")  # another year

    first = record(plan, editor, day=14)
    second = record(plan, editor, title="Extend the custody contract")
    next_year = record(plan, editor, year=2018, month=1, day=5)

    assert (first.reference, first.reference_generated) == ("DN-2017-004", True)
    assert (second.reference, second.reference_generated) == ("DN-2017-005", True)
    assert (next_year.reference, next_year.reference_generated) == ("DN-2018-001", True)
    assert first.reference_text == "DN-2017-004 (given by the tracker)"
    assert str(first) == "DN-2017-004 (given by the tracker) Fund ANPR cameras"


def test_two_bodies_can_each_have_dn_2017_001(plan, editor):
    other_body = OrganisationFactory(name="Guernsey Police Authority")
    other_plan = plan_for_year(other_body, 2017, reference="GPA/2017")
    their_editor = member(other_body, Membership.Role.EDITOR, "gail", "Gail Guernsey")

    ours = record(plan, editor)
    theirs = record(other_plan, their_editor)

    assert ours.reference == theirs.reference == "DN-2017-001"
    assert ours.decided_by != theirs.decided_by


def test_giving_the_real_reference_clears_the_mark_and_history_says_who(plan, editor):
    notice = record(plan, editor, day=14)
    assert notice.reference_generated

    # Saved as it is (the form leaves the tracker's reference out of the box).
    notice = record(plan, editor, notice=notice, day=14, title="Fund 12 cameras")
    assert (notice.reference, notice.reference_generated) == ("DN-2017-001", True)
    # The caller may also send the tracker's reference back as it read it.
    notice = record(plan, editor, notice=notice, day=14, reference="DN-2017-001")
    assert notice.reference_generated

    notice = record(plan, editor, notice=notice, day=14, reference="ODN 2017/12")
    notice.refresh_from_db()
    assert (notice.reference, notice.reference_generated) == ("ODN 2017/12", False)
    assert notice.reference_text == "ODN 2017/12"
    history = list(notice.history.order_by("history_date"))
    assert [(h.reference, h.reference_generated) for h in history] == [
        ("DN-2017-001", True),
        ("DN-2017-001", True),
        ("DN-2017-001", True),
        ("ODN 2017/12", False),
    ]
    assert {h.history_user for h in history} == {editor}


def test_a_tracker_reference_follows_the_decisions_year(plan, editor):
    notice = record(plan, editor, day=14)
    moved = record(plan, editor, notice=notice, year=2018, day=14)
    assert (moved.reference, moved.reference_generated) == ("DN-2018-001", True)


def test_a_reference_the_body_already_used_is_refused_beside_the_field(plan, editor):
    record(plan, editor, reference="ODN 2017/12", day=2)
    with pytest.raises(ValidationError) as refused:
        record(plan, editor, reference="ODN 2017/12", day=3)
    assert refused.value.message_dict == {
        "reference": ["A decision notice already has this reference."]
    }
    assert DecisionNotice.objects.count() == 1


def test_only_the_plans_editors_record_notices(plan, reader):
    with pytest.raises(PermissionDenied):
        record(plan, reader)
    assert not DecisionNotice.objects.exists()


# A month is enough --------------------------------------------------------------------


def test_a_month_only_date_is_kept_as_its_first_day_and_shown_as_the_month(
    plan, editor
):
    notice = save_decision_notice(
        plan=plan,
        by=editor,
        reference="ODN 2018/3",
        title="Fund ANPR cameras",
        approved_on=datetime.date(2018, 3, 14),
        approved_on_precision=MONTH,
    )
    notice.refresh_from_db()
    assert notice.approved_on == datetime.date(2018, 3, 1)
    assert notice.approved_on_precision == MONTH
    assert notice.approved_text == "March 2018"
    assert notice.history.get().approved_on_precision == MONTH

    notice = record(plan, editor, notice=notice, reference="ODN 2018/3", day=14)
    assert notice.approved_text == "14 March 2017"


def test_notices_known_to_a_month_open_their_month(client, plan, editor):
    # References chosen so that ordering by date and reference alone would be wrong
    # both ways: a tie on the 1st is settled by what is known of the date.
    made = {
        "20 March": record(plan, editor, reference="R-5", day=20),
        "1 March": record(plan, editor, reference="R-4", day=1),
        "March": record(plan, editor, reference="R-1"),
        "1 February": record(plan, editor, reference="R-2", month=2, day=1),
        "February": record(plan, editor, reference="R-3", month=2),
    }
    name = {n.pk: label for label, n in made.items()}

    newest_first = DecisionNotice.objects.filter(plan=plan)
    assert [name[n.pk] for n in newest_first] == [
        "20 March",
        "1 March",
        "March",
        "1 February",
        "February",
    ]
    q1 = plan.reporting_periods.order_by("starts_on").first()
    in_the_quarter = build_dashboard(plan, q1)["decisions"]
    assert [name[n["id"]] for n in in_the_quarter] == [
        "February",
        "1 February",
        "March",
        "1 March",
        "20 March",
    ]
    client.force_login(editor)
    listing = page(client.get(reverse("scrutiny:decisions", args=[plan.pk])))
    shown = [
        listing.index(f'<td class="govuk-table__cell">{text} 2017</td>')
        for text in ("20 March", "1 March", "March", "1 February", "February")
    ]
    assert shown == sorted(shown)
    # The period filter keeps a month-only notice in its quarter.
    q2 = plan.reporting_periods.order_by("starts_on")[1]
    listed = page(
        client.get(reverse("scrutiny:decisions", args=[plan.pk]), {"period": q1.pk})
    )
    assert ">March 2017</td>" in listed
    listed = page(
        client.get(reverse("scrutiny:decisions", args=[plan.pk]), {"period": q2.pk})
    )
    assert "March 2017" not in listed


# The form -----------------------------------------------------------------------------


def test_an_editor_records_a_notice_with_no_reference_and_a_month(client, plan, editor):
    client.force_login(editor)
    saved = client.post(
        reverse("scrutiny:add-decision", args=[plan.pk]), form_data(), follow=True
    )
    notice = DecisionNotice.objects.get()
    assert (notice.reference, notice.reference_generated) == ("DN-2017-001", True)
    assert (notice.approved_on, notice.approved_on_precision) == (
        datetime.date(2017, 3, 1),
        MONTH,
    )
    assert notice.history.get().history_user == editor
    html = page(saved)
    assert "Saved decision notice DN-2017-001 (given by the tracker)." in html
    assert "DN-2017-001 (given by the tracker)</a>" in html
    assert '<td class="govuk-table__cell">March 2017</td>' in html


def test_the_edit_form_leaves_the_day_and_the_trackers_reference_blank(
    client, plan, editor
):
    notice = record(plan, editor)
    client.force_login(editor)
    url = reverse("scrutiny:edit-decision", args=[plan.pk, notice.pk])
    html = page(client.get(url))
    assert 'name="reference" value=' not in html
    assert "the tracker gave this notice DN-2017-001." in html
    assert 'name="approved_on_0" type="text" inputmode="numeric">' in html
    assert 'name="approved_on_1" type="text" inputmode="numeric" value="3"' in html

    # Saved with the boxes as they came: nothing changes but what was typed.
    assert client.post(url, form_data(title="Fund 12 cameras")).status_code == 302
    notice.refresh_from_db()
    assert (notice.reference, notice.reference_generated) == ("DN-2017-001", True)
    assert notice.title == "Fund 12 cameras"

    # The body's own reference, and now the day.
    client.post(url, form_data(reference="ODN 2017/12", approved_on_0="14"))
    notice.refresh_from_db()
    assert (notice.reference, notice.reference_generated) == ("ODN 2017/12", False)
    assert (notice.approved_on, notice.approved_on_precision) == (
        datetime.date(2017, 3, 14),
        DAY,
    )


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2017", "Enter a real date."),
        ("", "13", "2017", "Enter a real date."),
        ("", "March", "2017", "Enter a real date."),
        ("", "3", "17", "Enter a real date."),
        ("14", "", "2017", "Enter the month and year (and the day, if known)."),
        ("", "3", "", "Enter the month and year (and the day, if known)."),
        ("", "", "", "Enter the date approved, or at least its month and year."),
    ],
)
def test_a_date_that_is_not_real_is_refused_beside_the_field(
    client, plan, editor, day, month, year, message
):
    client.force_login(editor)
    refused = client.post(
        reverse("scrutiny:add-decision", args=[plan.pk]),
        form_data(approved_on_0=day, approved_on_1=month, approved_on_2=year),
    )
    assert refused.status_code == 400
    assert error_beside(refused).strip() == message
    assert f'href="#id_approved_on_0">{message}</a>' in page(refused)
    assert not DecisionNotice.objects.exists()


def test_the_list_costs_the_same_queries_for_2_or_20_notices(
    client, plan, editor, deliverable, django_assert_num_queries
):
    client.force_login(editor)
    url = reverse("scrutiny:decisions", args=[plan.pk])

    def add(n):
        for i in range(n):
            day = (i % 28) + 1 if i % 2 else None
            record(plan, editor, day=day, deliverables=[deliverable])

    add(2)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    add(18)
    with django_assert_num_queries(len(first.captured_queries)):
        html = page(client.get(url))
    assert html.count("(given by the tracker)") == 20


# Everywhere else the notice shows -----------------------------------------------------


def test_the_dashboard_and_its_spreadsheet_show_the_mark_and_the_month(
    client, plan, editor
):
    record(plan, editor)
    record(plan, editor, reference="ODN 2017/7", day=7, month=2)
    q1 = plan.reporting_periods.order_by("starts_on").first()

    data = build_dashboard(plan, q1)
    assert [
        (
            n["reference"],
            n["reference_generated"],
            n["approved_on"],
            n["approved_on_precision"],
        )
        for n in data["decisions"]
    ] == [
        ("ODN 2017/7", False, "2017-02-07", "day"),
        ("DN-2017-001", True, "2017-03-01", "month"),
    ]
    sheet = dict((slug, rows) for slug, _title, rows in tables(data, []))["decisions"]
    assert sheet == [
        ["Reference", "Title", "Approved on", "Decided by"],
        ["ODN 2017/7", "Fund ANPR cameras", "2017-02-07", plan.owner.name],
        [
            "DN-2017-001 (given by the tracker)",
            "Fund ANPR cameras",
            "2017-03",
            plan.owner.name,
        ],
    ]

    client.force_login(editor)
    html = page(client.get(reverse("scrutiny:dashboard-period", args=[plan.pk, q1.pk])))
    assert (
        "<strong>DN-2017-001 (given by the tracker)</strong> Fund ANPR cameras, "
        "approved March 2017 by"
    ) in html
    assert (
        "<strong>ODN 2017/7</strong> Fund ANPR cameras, approved 7 February 2017"
        in html
    )


def test_a_report_published_before_the_mark_and_month_still_reads(plan):
    """Its stored notices have neither key: the body's reference, a whole day."""
    q1 = plan.reporting_periods.order_by("starts_on").first()
    data = build_dashboard(plan, q1) | {
        "decisions": [
            {
                "id": 1,
                "reference": "DN-001",
                "title": "Fund ANPR cameras",
                "approved_on": "2017-03-01",
                "decided_by": "Jersey Police Authority",
                "url": "",
                "deliverables": [],
            }
        ]
    }
    sheet = dict((slug, rows) for slug, _title, rows in tables(data, []))["decisions"]
    assert sheet[1][:3] == ["DN-001", "Fund ANPR cameras", "2017-03-01"]
    shown = Template(
        "{% load notices %}{{ n|notice_reference }}, {{ n|notice_approved }}"
    ).render(Context({"n": data["decisions"][0]}))
    assert shown == "DN-001, 1 March 2017"


def test_the_api_gives_the_mark_and_the_precision(plan, editor):
    notice = record(plan, editor)
    answer = session_client(editor).get(f"/api/v1/decision-notices/{notice.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["reference"] == "DN-2017-001"
    assert body["reference_generated"] is True
    assert body["approved_on"] == "2017-03-01"
    assert body["approved_on_precision"] == "month"


def test_the_admin_shows_both_and_a_reference_typed_there_clears_the_mark(
    client, plan, editor
):
    notice = record(plan, editor)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = page(client.get(reverse("admin:scrutiny_decisionnotice_changelist")))
    assert "DN-2017-001 (given by the tracker)" in listing
    assert "March 2017" in listing
    change = reverse("admin:scrutiny_decisionnotice_change", args=[notice.pk])
    saved = client.post(
        change,
        {
            "plan": plan.pk,
            "decided_by": plan.owner.pk,
            "reference": "ODN 2017/12",
            "title": notice.title,
            "approved_on": "2017-03-14",
            "approved_on_precision": "month",
            "summary": "",
            "url": "",
        },
    )
    assert saved.status_code == 302, page(saved)
    notice.refresh_from_db()
    assert (notice.reference, notice.reference_generated) == ("ODN 2017/12", False)
    assert notice.approved_on == datetime.date(2017, 3, 1)
    assert notice.history.latest().history_user == root
