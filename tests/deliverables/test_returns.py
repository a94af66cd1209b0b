"""Quarterly returns as spreadsheets: download, fill in, upload, check, confirm."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from deliverables import uploads
from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    ProgressUpdate,
    Rag,
    Status,
)
from deliverables.returns import layout as returns
from plans.models import Membership
from plans.services import lock_period
from tests.factories import (
    DeliverableFactory,
    ForceFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# Helpers ---------------------------------------------------------------------------


@pytest.fixture
def period(plan):
    return plan.reporting_periods.order_by("starts_on")[1]  # Q2 2017


@pytest.fixture
def work(plan, force, deliverable):
    """Three deliverables the force leads, and one of another force's."""
    deliverable.reference, deliverable.title = "1.1", "Open the custody suite"
    deliverable.status = Status.IN_PROGRESS
    deliverable.save()
    second = DeliverableFactory(
        objective=deliverable.objective,
        lead_organisation=force,
        reference="1.2",
        title="Recruit twenty officers",
        status=Status.IN_PROGRESS,
        position=1,
    )
    third = DeliverableFactory(
        objective=deliverable.objective,
        lead_organisation=force,
        reference="1.3",
        title="Roll out body-worn video",
        position=2,
    )
    other = DeliverableFactory(
        objective=deliverable.objective,
        lead_organisation=ForceFactory(name="Guernsey Police"),
        reference="2.1",
        title="Another force's work",
    )
    return [deliverable, second, third, other]


def page_url(plan, period):
    return reverse("plans:returns", kwargs={"plan": plan.pk, "period": period.pk})


def download_url(plan, period, organisation):
    return reverse(
        "plans:return-download",
        kwargs={"plan": plan.pk, "period": period.pk, "organisation": organisation.pk},
    )


def download(client, plan, period, organisation):
    response = client.get(download_url(plan, period, organisation))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def headings(sheet):
    return {cell.value: cell.column_letter for cell in sheet[1]}


def fill(workbook, reference, **values):
    """Type values into the row of ``reference``, by column heading."""
    sheet = workbook[returns.SHEET]
    letters = headings(sheet)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == reference:
            for heading, value in values.items():
                sheet[f"{letters[heading]}{row[0].row}"] = value
            return row[0].row
    raise AssertionError(f"No row for {reference}")


NEW = {
    "status": "New status",
    "rag": "New RAG",
    "percent": "New % complete",
    "forecast": "New forecast date",
    "reason": "Reason for change",
    "narrative": "Progress this quarter",
}


def fill_in(workbook, reference, **values):
    return fill(workbook, reference, **{NEW[k]: v for k, v in values.items()})


def as_upload(workbook, name="return.xlsx"):
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(client, plan, period, workbook, name="return.xlsx"):
    file = workbook if isinstance(workbook, SimpleUploadedFile) else None
    return client.post(
        page_url(plan, period),
        {"workbook": file or as_upload(workbook, name)},
    )


def confirm(client, plan, period, preview):
    assert preview.status_code == 200, preview.content.decode()[:2000]
    return client.post(page_url(plan, period), {"token": preview.context["token"]})


def problems(response):
    return [(p.row, p.column, p.message) for p in response.context["problems"]]


def file_errors(response):
    return response.context["form"].errors.get("workbook", [])


# The workbook ----------------------------------------------------------------------


def test_contributor_downloads_a_row_per_deliverable_of_their_force(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)

    sheet = workbook[returns.SHEET]
    assert [c.value for c in sheet[1]] == [c.heading for c in returns.COLUMNS]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("1.1", "Open the custody suite", "In progress"),
        ("1.2", "Recruit twenty officers", "In progress"),
        ("1.3", "Roll out body-worn video", "Future"),
    ]
    assert rows[0][2] == "Q2"  # the milestone date as the plan wrote it
    assert all(r[len(returns.CURRENT_COLUMNS) :] == (None,) * 6 for r in rows)


def test_the_workbook_has_drop_downs_notes_and_a_light_lock(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    sheet = workbook[returns.SHEET]
    letters = headings(sheet)

    lists = {
        str(v.sqref): v.formula1
        for v in sheet.data_validations.dataValidation
        if v.type == "list"
    }
    status_range = f"{letters['New status']}2:{letters['New status']}4"
    assert "Completed" in lists[status_range]
    assert "Merged" not in lists[status_range]
    assert "Green: on track" in lists[f"{letters['New RAG']}2:{letters['New RAG']}4"]
    forecast_note = sheet[f"{letters['New forecast date']}1"].comment.text
    assert "Q2/Q3" in forecast_note and "TBA" in forecast_note
    assert "Q2/Q3" in str(
        [row for row in workbook[returns.HELP_SHEET].values]
    )  # the instructions explain fuzzy dates
    assert sheet.protection.sheet
    assert sheet[f"{letters['Current status']}2"].protection.locked
    assert not sheet[f"{letters['New status']}2"].protection.locked
    assert not sheet[f"{letters['Progress this quarter']}4"].protection.locked


def test_the_workbook_says_which_plan_period_and_organisation_it_is_for(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)

    about = workbook[returns.ABOUT_SHEET]
    assert about.sheet_state == "hidden"
    values = dict(about.iter_rows(values_only=True))
    assert (values["Plan"], values["Period"], values["Organisation"]) == (
        plan.pk,
        period.pk,
        force.pk,
    )
    assert values["Period label"] == "Q2 2017"
    assert workbook.properties.identifier == (
        f"return:plan={plan.pk};period={period.pk};organisation={force.pk}"
    )


def test_formula_looking_text_is_escaped_in_the_workbook(
    client, contributor, plan, period, force, work
):
    work[0].title = '=HYPERLINK("http://evil.example","click")'
    work[0].save()
    client.force_login(contributor)
    workbook = download(client, plan, period, force)

    cell = workbook[returns.SHEET]["B2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + work[0].title


def test_the_workbook_shows_the_last_update(
    client, contributor, plan, period, force, work
):
    from tests.factories import record_update

    record_update(
        deliverable=work[1],
        by=contributor,
        narrative="Six officers sworn in.",
        period=period,
    )
    client.force_login(contributor)
    sheet = download(client, plan, period, force)[returns.SHEET]
    letters = headings(sheet)

    assert sheet[f"{letters['Last update narrative']}3"].value == (
        "Six officers sworn in."
    )
    assert sheet[f"{letters['Last update']}3"].value  # "5 January 2026"
    assert sheet[f"{letters['Last update']}2"].value is None


# The round trip --------------------------------------------------------------------


def test_contributor_uploads_a_filled_return_and_records_exactly_its_rows(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(
        workbook,
        "1.1",
        status="Completed",
        rag="Green: on track",
        percent=100,
        reason="Handed over a week late.",
        narrative="The custody suite opened.",
    )
    fill_in(workbook, "1.2", forecast="Q2", narrative="Twelve officers sworn in.")
    # 1.3 left blank.

    preview = upload(client, plan, period, workbook)

    assert preview.status_code == 200
    filled = preview.context["filled"]
    assert [r.deliverable.reference for r in filled.to_record] == ["1.1", "1.2"]
    assert [r.deliverable.reference for r in filled.blank] == ["1.3"]
    assert ("Status", "In progress", "Completed") in filled.to_record[0].differences
    assert "Will be recorded" in preview.content.decode()
    assert not ProgressUpdate.objects.exists()  # nothing until confirmed

    response = confirm(client, plan, period, preview)

    assert response.status_code == 302
    assert response["Location"] == page_url(plan, period)
    updates = ProgressUpdate.objects.order_by("deliverable__reference")
    assert [
        (
            u.deliverable.reference,
            u.status,
            u.rag,
            u.percent_complete,
            u.forecast_date,
            u.narrative,
            u.reason,
            u.period_id,
            u.source,
            u.recorded_by,
        )
        for u in updates
    ] == [
        (
            "1.1",
            Status.COMPLETED,
            Rag.GREEN,
            100,
            "Q2",
            "The custody suite opened.",
            "Handed over a week late.",
            period.pk,
            ProgressUpdate.Source.IMPORT,
            contributor,
        ),
        (
            "1.2",
            Status.IN_PROGRESS,
            "",
            None,
            "Q2",
            "Twelve officers sworn in.",
            "",
            period.pk,
            ProgressUpdate.Source.IMPORT,
            contributor,
        ),
    ]
    work[0].refresh_from_db()
    assert (work[0].status, work[0].rag, work[0].percent_complete) == (
        Status.COMPLETED,
        Rag.GREEN,
        100,
    )
    page = client.get(response["Location"])
    assert "2 updates recorded from return.xlsx." in page.content.decode()


def test_uploading_the_same_workbook_again_records_nothing(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(
        workbook,
        "1.1",
        status="Completed",
        reason="Handed over a week late.",
        narrative="The custody suite opened.",
    )
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")
    confirm(client, plan, period, upload(client, plan, period, workbook))
    assert ProgressUpdate.objects.count() == 2

    again = upload(client, plan, period, workbook)

    assert again.status_code == 200
    filled = again.context["filled"]
    assert filled.to_record == []
    assert [r.deliverable.reference for r in filled.already_recorded] == [
        "1.1",
        "1.2",
    ]
    body = again.content.decode()
    assert "Already recorded" in body and "There is nothing new to record." in body
    assert not any(k.startswith("return-") for k in client.session.keys())
    assert ProgressUpdate.objects.count() == 2


def test_a_row_equal_to_the_current_state_with_its_latest_narrative_is_skipped(
    client, contributor, plan, period, force, work
):
    from tests.factories import record_update

    # Recorded last quarter through the form.
    record_update(
        deliverable=work[1],
        by=contributor,
        narrative="Recruiting continues.",
        period=plan.reporting_periods.order_by("starts_on")[0],
    )
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", status="In progress", narrative="Recruiting continues.")

    filled = upload(client, plan, period, workbook).context["filled"]

    assert [r.deliverable.reference for r in filled.already_recorded] == ["1.2"]
    assert ProgressUpdate.objects.count() == 1


def test_an_update_waiting_for_review_counts_as_recorded(
    client, contributor, plan, period, force, work
):
    plan.review_contributor_updates = True
    plan.save()
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", percent="40%", narrative="Twelve officers sworn in.")

    preview = upload(client, plan, period, workbook)
    assert "Will wait for review" in preview.content.decode()
    response = confirm(client, plan, period, preview)

    update = ProgressUpdate.objects.get()
    assert (update.requires_review, update.percent_complete) == (True, 40)
    work[1].refresh_from_db()
    assert work[1].percent_complete is None  # unchanged until an editor accepts
    page = client.get(response["Location"]).content.decode()
    assert "1 update sent for review" in page
    again = upload(client, plan, period, workbook)
    assert len(again.context["filled"].already_recorded) == 1
    assert ProgressUpdate.objects.count() == 1


def test_a_percentage_typed_into_a_percentage_cell_is_read_as_a_whole_number(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    number = fill_in(workbook, "1.2", percent=0.4, narrative="Going well.")
    sheet = workbook[returns.SHEET]
    sheet[f"{headings(sheet)['New % complete']}{number}"].number_format = "0%"

    confirm(client, plan, period, upload(client, plan, period, workbook))

    assert ProgressUpdate.objects.get().percent_complete == 40


def test_a_narrative_keeps_its_line_breaks(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="First cohort in.\nSecond cohort in May.")

    confirm(client, plan, period, upload(client, plan, period, workbook))

    assert ProgressUpdate.objects.get().narrative == (
        "First cohort in.\nSecond cohort in May."
    )


# Bad rows --------------------------------------------------------------------------


def test_one_bad_row_blocks_every_row_and_names_its_row_and_column(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.1", narrative="Fine.")
    fill_in(workbook, "1.2", forecast="Q5", reason="Slipped.", narrative="Delayed.")
    fill_in(workbook, "1.3", status="Completed", narrative="Done.")
    letters = headings(workbook[returns.SHEET])

    response = upload(client, plan, period, workbook)

    assert response.status_code == 400
    found = problems(response)
    assert [(row, column) for row, column, _ in found] == [
        (3, f"{letters['New forecast date']} (New forecast date)"),
        (4, f"{letters['Reason for change']} (Reason for change)"),
    ]
    assert "quarter" in found[0][2].lower()  # the fuzzy date parser's own words
    assert found[1][2] == "Give a reason when the status or forecast date changes."
    body = response.content.decode()
    assert "There is a problem" in body
    assert (
        f"Row 4, column {letters['Reason for change']} (Reason for change): "
        "Give a reason when the status or forecast date changes." in body
    )
    assert "nothing was recorded" in body
    assert not ProgressUpdate.objects.exists()


def test_a_change_without_a_narrative_is_refused_by_the_services_rule(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", rag="Red: off track")

    response = upload(client, plan, period, workbook)

    letters = headings(workbook[returns.SHEET])
    assert problems(response) == [
        (
            3,
            f"{letters['Progress this quarter']} (Progress this quarter)",
            "Say what progress has been made.",
        )
    ]


def test_words_not_in_the_lists_are_refused(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.1", status="Nearly there", narrative="x")
    fill_in(workbook, "1.2", rag="Purple", narrative="x")
    fill_in(workbook, "1.3", percent="most", narrative="x")

    response = upload(client, plan, period, workbook)

    assert [(row, message) for row, _, message in problems(response)] == [
        (2, "Choose a status from the list."),
        (3, "Choose green, amber, red or not assessed."),
        (4, "Enter a whole number from 0 to 100."),
    ]
    assert not ProgressUpdate.objects.exists()


def test_a_row_for_another_forces_deliverable_is_refused(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    sheet = workbook[returns.SHEET]
    sheet.append(["2.1"] + [None] * 14)
    sheet["O5"] = "Done by us."

    response = upload(client, plan, period, workbook)

    assert problems(response) == [
        (
            5,
            "A (Reference)",
            "States of Jersey Police does not lead or own a deliverable 2.1 in "
            "this plan.",
        )
    ]


def test_an_over_long_cell_is_refused(client, contributor, plan, period, force, work):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="x" * 10_001)

    response = upload(client, plan, period, workbook)

    assert [(r, m) for r, _, m in problems(response)] == [
        (3, "Keep this to 10,000 characters or fewer.")
    ]


def test_too_many_rows_are_refused(
    client, contributor, plan, period, force, work, monkeypatch
):
    monkeypatch.setattr(returns, "MAX_ROWS", 2)
    client.force_login(contributor)
    workbook = download(client, plan, period, force)

    response = upload(client, plan, period, workbook)

    assert response.status_code == 400
    assert file_errors(response) == [
        "The workbook has too many rows: a return has at most 2."
    ]


# Refused workbooks -----------------------------------------------------------------


def test_another_organisations_workbook_is_refused(
    client, editor, contributor, plan, period, force, work
):
    guernsey = work[3].lead_organisation
    client.force_login(editor)
    theirs = download(client, plan, period, guernsey)
    fill(theirs, "2.1", **{"Progress this quarter": "Done."})
    client.force_login(contributor)

    response = upload(client, plan, period, theirs)

    assert response.status_code == 400
    assert file_errors(response) == [
        "This workbook is the return of Guernsey Police, which you cannot send. "
        "You can upload returns for: States of Jersey Police."
    ]
    assert not ProgressUpdate.objects.exists()


def test_a_workbook_for_another_period_is_refused(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    first = plan.reporting_periods.order_by("starts_on")[0]
    workbook = download(client, plan, first, force)
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")

    response = upload(client, plan, period, workbook)

    assert response.status_code == 400
    assert file_errors(response) == [
        "This workbook is the return for Q1 2017, not Q2 2017. Upload it on that "
        "period's returns page, or download the Q2 2017 return."
    ]
    assert not ProgressUpdate.objects.exists()


def test_a_workbook_for_another_plan_is_refused(
    client, editor, authority, plan, period, force, work
):
    from plans.services import ensure_quarterly_periods
    from tests.factories import PlanFactory

    other_plan = PlanFactory(owner=authority, reference="R.5/2017")
    other_period = ensure_quarterly_periods(plan=other_plan)[1]
    DeliverableFactory(objective__priority__plan=other_plan, lead_organisation=force)
    client.force_login(editor)
    workbook = download(client, other_plan, other_period, force)

    response = upload(client, plan, period, workbook)

    assert file_errors(response) == [
        "This workbook is a return for another plan (R.5/2017), not R.4/2017. "
        "Upload it on that plan's returns page."
    ]


def test_workbooks_are_parsed_with_defusedxml():
    """openpyxl guards against XML bombs only when defusedxml is installed."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


def test_a_workbook_without_its_about_sheet_is_refused(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    del workbook[returns.ABOUT_SHEET]
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")

    response = upload(client, plan, period, workbook)

    assert response.status_code == 400
    assert "not a return downloaded from this service" in file_errors(response)[0]


def test_a_locked_period_refuses_the_upload(
    client, editor, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")
    lock_period(period=period, by=editor, reason="Report published.")

    response = upload(client, plan, period, workbook)

    assert response.status_code == 400
    period.refresh_from_db()
    assert file_errors(response) == [period.locked_message()]
    assert not ProgressUpdate.objects.exists()
    page = client.get(page_url(plan, period)).content.decode()
    assert "is locked because its report has been published" in page
    assert "Check the return" not in page  # no upload form


def test_a_period_locked_between_preview_and_confirm_records_nothing(
    client, editor, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")
    preview = upload(client, plan, period, workbook)
    lock_period(period=period, by=editor, reason="Report published.")

    response = confirm(client, plan, period, preview)

    assert response.status_code == 400
    period.refresh_from_db()
    assert period.locked_message() in file_errors(response)
    assert not ProgressUpdate.objects.exists()


def test_a_spent_or_made_up_token_records_nothing(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")
    preview = upload(client, plan, period, workbook)
    confirm(client, plan, period, preview)

    for token in (preview.context["token"], "../../etc/passwd", "0" * 32):
        response = client.post(page_url(plan, period), {"token": token}, follow=True)
        assert "That upload has expired" in response.content.decode()
    assert ProgressUpdate.objects.count() == 1


def test_only_the_latest_checked_upload_can_be_confirmed(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")
    first = upload(client, plan, period, workbook)
    fill_in(workbook, "1.2", narrative="Fourteen officers sworn in.")
    second = upload(client, plan, period, workbook)

    stale = client.post(
        page_url(plan, period), {"token": first.context["token"]}, follow=True
    )
    assert "That upload has expired" in stale.content.decode()
    confirm(client, plan, period, second)

    assert ProgressUpdate.objects.get().narrative == "Fourteen officers sworn in."


def _zip(parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("return.xlsm", b"PK\x03\x04", "save it without macros"),
        ("return.xls", b"\xd0\xcf\x11\xe0", "save it without macros"),
        ("return.csv", b"a,b\n", "The file must be an Excel workbook (.xlsx)."),
        ("return.xlsx", b"this is not a workbook", "is not an Excel workbook"),
        (
            "return.xlsx",
            _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
            "is not an Excel workbook",
        ),
        (
            "return.xlsx",
            _zip(
                {
                    "[Content_Types].xml": "<Types>application/vnd.ms-excel.sheet."
                    "macroEnabled.main+xml</Types>",
                    "xl/vbaProject.bin": b"\x00",
                }
            ),
            "contains macros",
        ),
        (
            "return.xlsx",
            _zip(
                {
                    "[Content_Types].xml": "spreadsheetml.sheet.main+xml",
                    "xl/workbook.xml": "<broken",
                }
            ),
            "could not be read",
        ),
    ],
)
def test_macro_and_garbage_files_are_refused(
    client, contributor, plan, period, force, work, name, content, message
):
    client.force_login(contributor)

    response = upload(client, plan, period, SimpleUploadedFile(name, content))

    assert response.status_code == 400
    assert message in " ".join(file_errors(response))
    assert not ProgressUpdate.objects.exists()


def test_a_workbook_whose_sheet_is_broken_is_refused(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    good = as_upload(download(client, plan, period, force)).read()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w") as broken,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            broken.writestr(info, content)

    response = upload(
        client, plan, period, SimpleUploadedFile("return.xlsx", out.getvalue())
    )

    assert response.status_code == 400
    assert "could not be read" in file_errors(response)[0]


def test_a_file_over_five_megabytes_is_refused(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    big = SimpleUploadedFile("return.xlsx", b"PK" + b"\x00" * (5 * 1024 * 1024))

    response = upload(client, plan, period, big)

    assert file_errors(response) == ["The file must be smaller than 5 MB."]


def test_a_zip_that_unpacks_too_large_is_refused(
    client, contributor, plan, period, force, work, monkeypatch
):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 1_000)
    client.force_login(contributor)
    workbook = download(client, plan, period, force)

    response = upload(client, plan, period, workbook)

    assert file_errors(response) == ["The workbook is too large to read."]


# Who may do what -------------------------------------------------------------------


@pytest.fixture
def force_reader(force):
    """Rhea may read the force's work but not report on it."""
    return MembershipFactory(
        user=UserFactory(username="rhea"),
        organisation=force,
        role=Membership.Role.READER,
    ).user


def test_signed_out_people_are_sent_to_sign_in(client, plan, period, force, work):
    for url in (page_url(plan, period), download_url(plan, period, force)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "page", "own", "other"),
    [
        ("outsider", 404, 404, 404),
        ("force_reader", 403, 403, 403),
        ("contributor", 200, 200, 403),
        ("editor", 200, 200, 200),
    ],
)
def test_who_may_see_the_page_and_download_returns(
    client, request, plan, period, force, work, persona, page, own, other
):
    client.force_login(request.getfixturevalue(persona))
    guernsey = work[3].lead_organisation

    assert client.get(page_url(plan, period)).status_code == page
    assert client.get(download_url(plan, period, force)).status_code == own
    assert client.get(download_url(plan, period, guernsey)).status_code == other


def test_an_owning_force_gets_the_deliverables_it_owns(client, plan, period, work):
    guernsey = work[3].lead_organisation
    DeliverableOwner.objects.create(
        deliverable=work[0], role="Ch. Insp Guernsey", organisation=guernsey
    )
    member = MembershipFactory(
        organisation=guernsey, role=Membership.Role.CONTRIBUTOR
    ).user
    client.force_login(member)

    sheet = download(client, plan, period, guernsey)[returns.SHEET]

    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        "1.1",
        "2.1",
    ]


def test_people_who_may_not_upload_write_nothing(
    client, request, editor, plan, period, force, work
):
    client.force_login(editor)
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.2", narrative="Twelve officers sworn in.")
    for persona, status in (("outsider", 404), ("force_reader", 403)):
        client.force_login(request.getfixturevalue(persona))
        assert upload(client, plan, period, workbook).status_code == status
    assert not ProgressUpdate.objects.exists()


def test_an_editor_uploads_any_organisations_return(client, editor, plan, period, work):
    guernsey = work[3].lead_organisation
    client.force_login(editor)
    workbook = download(client, plan, period, guernsey)
    fill(workbook, "2.1", **{"Progress this quarter": "Done."})

    confirm(client, plan, period, upload(client, plan, period, workbook))

    update = ProgressUpdate.objects.get()
    assert (update.deliverable, update.recorded_by) == (work[3], editor)


def test_a_draft_plans_returns_are_its_editors_alone(
    client, editor, contributor, plan, period, force, work
):
    plan.state = plan.State.DRAFT
    plan.save()
    client.force_login(contributor)
    assert client.get(page_url(plan, period)).status_code == 404
    client.force_login(editor)
    assert client.get(page_url(plan, period)).status_code == 200


# The page --------------------------------------------------------------------------


def test_the_page_lists_each_organisation_with_what_it_still_owes(
    client, editor, plan, period, force, work
):
    from tests.factories import record_update

    record_update(
        deliverable=work[0], by=editor, narrative="Going well.", period=period
    )
    client.force_login(editor)

    response = client.get(page_url(plan, period))

    rows = [
        (o.name, o.deliverable_count, o.needing_update)
        for o in response.context["organisations"]
    ]
    assert rows == [("Guernsey Police", 1, 1), ("States of Jersey Police", 3, 2)]
    assert download_url(plan, period, force) in response.content.decode()


def _more_work(plan, force, count, by):
    from tests.factories import record_update

    objective = Deliverable.objects.filter(plan=plan).first().objective
    for n in range(count):
        deliverable = DeliverableFactory(
            objective=objective, lead_organisation=ForceFactory()
        )
        DeliverableOwner.objects.create(
            deliverable=deliverable, role=f"Owner {n}", organisation=force
        )
        record_update(
            deliverable=deliverable,
            by=by,
            narrative=f"Update {n}.",
            period=plan.reporting_periods.order_by("starts_on")[0],
        )


def test_the_page_and_the_download_take_the_same_queries_for_more_rows(
    client, editor, plan, period, force, work, django_assert_num_queries
):
    client.force_login(editor)
    client.get(page_url(plan, period))  # warm the session

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = []
        for url in (page_url(plan, period), download_url(plan, period, force)):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    _more_work(plan, force, 1, editor)
    few = counts()
    _more_work(plan, force, 10, editor)
    assert counts() == few
