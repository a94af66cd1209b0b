"""Uploads waiting between preview and confirmation live in the database, so the
confirmation may reach any app server; those never confirmed go after a day."""

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone

from deliverables.models import Deliverable, PendingUpload, ProgressUpdate, Status
from deliverables.tasks import clear_expired_uploads
from deliverables.uploads import (
    KEPT_FOR,
    claim_upload,
    discard_expired_uploads,
    hold_upload,
    readable_file,
)
from tests.deliverables.test_returns import confirm, download, fill_in, upload
from tests.deliverables.test_views import JERSEY
from tests.deliverables.test_views import upload as upload_plan
from tests.factories import UserFactory

RETURN = PendingUpload.Purpose.RETURN


@pytest.fixture
def period(plan):
    return plan.reporting_periods.order_by("starts_on")[1]  # Q2 2017


@pytest.fixture
def work(deliverable):
    deliverable.reference, deliverable.title = "1.1", "Open the custody suite"
    deliverable.status = Status.IN_PROGRESS
    deliverable.save()
    return deliverable


def filled_return(client, plan, period, force):
    workbook = download(client, plan, period, force)
    fill_in(workbook, "1.1", narrative="The custody suite opened.")
    return workbook


@pytest.mark.django_db
def test_a_checked_return_waits_in_the_database_until_it_is_confirmed(
    client, contributor, plan, period, force, work, settings
):
    client.force_login(contributor)
    preview = upload(client, plan, period, filled_return(client, plan, period, force))

    pending = PendingUpload.objects.get()
    assert pending.token == preview.context["token"]
    assert (pending.purpose, pending.name) == (RETURN, "return.xlsx")
    assert (pending.uploaded_by, pending.plan, pending.period) == (
        contributor,
        plan,
        period,
    )
    assert bytes(pending.content).startswith(b"PK")  # the workbook itself
    # Nothing on this server's disk, where another server could not find it.
    uploads = Path(settings.BASE_DIR) / "var" / "uploads"
    assert not list(uploads.glob(f"*{pending.token}*"))

    response = confirm(client, plan, period, preview)

    assert response.status_code == 302
    assert not PendingUpload.objects.exists()
    assert ProgressUpdate.objects.get().narrative == "The custody suite opened."


@pytest.mark.django_db
def test_a_return_checked_more_than_a_day_ago_must_be_uploaded_again(
    client, contributor, plan, period, force, work
):
    client.force_login(contributor)
    preview = upload(client, plan, period, filled_return(client, plan, period, force))

    with time_machine.travel(timezone.now() + KEPT_FOR + datetime.timedelta(hours=1)):
        # No session lasts that long (SESSION_MAX_AGE): they have signed in again.
        client.force_login(contributor)
        response = client.post(
            reverse("plans:returns", kwargs={"plan": plan.pk, "period": period.pk}),
            {"token": preview.context["token"]},
            follow=True,
        )

    assert "That upload has expired: upload the return again." in (
        response.content.decode()
    )
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
def test_an_upload_is_claimed_only_by_its_uploader_for_its_purpose_and_period(
    contributor, editor, plan, period
):
    pending = hold_upload(
        purpose=RETURN,
        upload=SimpleUploadedFile("return.xlsx", b"PK\x03\x04"),
        by=contributor,
        plan=plan,
        period=period,
    )
    other_period = plan.reporting_periods.exclude(pk=period.pk).first()
    mine = {"token": pending.token, "purpose": RETURN, "plan": plan}

    assert claim_upload(**mine, by=editor, period=period) is None
    assert claim_upload(**mine, by=contributor, period=other_period) is None
    assert (
        claim_upload(
            token=pending.token,
            purpose=PendingUpload.Purpose.PLAN_IMPORT,
            by=contributor,
            plan=plan,
            period=period,
        )
        is None
    )
    for made_up in ("../../etc/passwd", "0" * 32, ""):
        assert claim_upload(**mine | {"token": made_up}, by=contributor) is None
    assert claim_upload(**mine, by=contributor, period=period) == pending


@pytest.mark.django_db
def test_a_plans_action_table_waits_in_the_database_between_preview_and_import(
    client, editor, authority, force
):
    client.force_login(editor)
    preview = upload_plan(client, JERSEY, org=authority.pk)

    pending = PendingUpload.objects.get()
    assert (pending.purpose, pending.name, pending.uploaded_by) == (
        PendingUpload.Purpose.PLAN_IMPORT,
        "jersey-policing-plan-2017.csv",
        editor,
    )
    assert bytes(pending.content) == Path(JERSEY).read_bytes()

    client.post(
        reverse("deliverables:import-check", args=[preview.context["token"]]),
        {"confirm": "1"},
    )

    assert not PendingUpload.objects.exists()
    assert Deliverable.objects.count() == 90


@pytest.mark.django_db
def test_an_upload_is_read_from_a_file_of_its_own_name_that_does_not_outlive_the_read(
    contributor,
):
    pending = hold_upload(
        purpose=PendingUpload.Purpose.PLAN_IMPORT,
        upload=SimpleUploadedFile("../../Jersey plan.csv", b"a,b\n1,2\n"),
        by=contributor,
    )

    with readable_file(pending) as path:
        assert path.name == "Jersey_plan.csv"
        assert path.read_bytes() == b"a,b\n1,2\n"
    assert not path.exists()
    assert not path.parent.exists()


@pytest.mark.django_db
def test_holding_an_upload_clears_out_those_past_their_day(contributor):
    def held(name):
        return hold_upload(
            purpose=RETURN,
            upload=SimpleUploadedFile(name, io.BytesIO(b"PK").getvalue()),
            by=contributor,
        )

    with time_machine.travel(timezone.now() - KEPT_FOR - datetime.timedelta(hours=1)):
        held("forgotten.xlsx")
    held("today.xlsx")

    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["today.xlsx"]
    assert discard_expired_uploads() == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_discards_uploads_nobody_confirmed_within_a_day(settings):
    """Queued in the database by one process and run by the worker: what the
    scheduler and the worker services do in docker-compose."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    by = UserFactory()
    for name, age in (("forgotten.xlsx", KEPT_FOR * 2), ("today.xlsx", KEPT_FOR / 2)):
        PendingUpload.objects.create(
            token=name.split(".")[0],
            purpose=RETURN,
            name=name,
            content=b"PK",
            uploaded_by=by,
            created_at=timezone.now() - age,
        )

    result = clear_expired_uploads.enqueue()

    assert result.status == TaskResultStatus.READY
    assert PendingUpload.objects.count() == 2  # queued, not yet run

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    result.refresh()

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["today.xlsx"]


def test_the_scheduler_clears_expired_uploads_every_night():
    from crontask import scheduler

    (job,) = [j for j in scheduler.get_jobs() if j.name == clear_expired_uploads.name]
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("3", "15", "*")
