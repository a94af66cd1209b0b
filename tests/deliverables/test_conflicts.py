"""Two people saving the same deliverable or plan from the browser: the second to
save is told who changed what and when (409), nothing is overwritten, and saving
again once they have looked goes through."""

import html
import re

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deliverables.models import Attachment, Deliverable, ProgressUpdate, Status
from plans.models import Membership, Plan
from tests.factories import DeliverableFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def person(org, role, username, first, last):
    return MembershipFactory(
        user=UserFactory(username=username, first_name=first, last_name=last),
        organisation=org,
        role=role,
    ).user


@pytest.fixture
def fay(force):
    return person(force, Membership.Role.CONTRIBUTOR, "fay", "Fay", "Ferris")


@pytest.fixture
def cara(force):
    return person(force, Membership.Role.CONTRIBUTOR, "cara", "Cara", "Cole")


@pytest.fixture
def ed(authority):
    return person(authority, Membership.Role.EDITOR, "ed", "Ed", "Evans")


@pytest.fixture
def pat(authority):
    return person(authority, Membership.Role.EDITOR, "pat", "Pat", "Price")


def signed_in(user):
    browser = Client()
    browser.force_login(user)
    return browser


def version_in(response) -> str:
    """The version the page's form carries, as a browser would send it back."""
    found = re.search(r'name="version" value="([^"]*)"', response.content.decode())
    assert found, "the form carries no version"
    return html.unescape(found.group(1))


def as_sent(form) -> dict:
    """What a browser sends for this form if nobody changes anything."""
    data = {}
    for bound in form:
        widget, value = bound.field.widget, bound.value()
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list) else widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=False):
                data[bound.html_name + suffix] = "" if part is None else part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = value
    return data


def when(obj) -> str:
    local = timezone.localtime(obj.updated_at)
    clock = local.strftime("%I:%M%p").lstrip("0").lower()
    return f"at {clock} on {local.day} {local.strftime('%B %Y')}"


def text(response) -> str:
    """The page's words, without its tags."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


# Recording progress -------------------------------------------------------------


def test_the_second_contributor_to_save_is_told_and_the_first_update_stands(
    led, fay, cara
):
    fays, caras = signed_in(fay), signed_in(cara)
    url = reverse("deliverables:record", args=[led.pk])
    fay_read, cara_read = version_in(fays.get(url)), version_in(caras.get(url))
    assert fay_read == cara_read == led.etag

    first = fays.post(
        url,
        {
            "status": "on_hold",
            "rag": "red",
            "percent_complete": "40",
            "forecast_date": "Q4",
            "narrative": "Paused: the contractor went into administration.",
            "reason": "Contractor failed.",
            "version": fay_read,
        },
    )
    assert first.status_code == 302

    caras_answers = {
        "status": "in_progress",
        "rag": "green",
        "percent_complete": "55",
        "forecast_date": "Q4",
        "narrative": "Patrol routes mapped for every parish.",
        "reason": "",
        "version": cara_read,
    }
    second = caras.post(url, caras_answers)
    page = text(second)
    led.refresh_from_db()
    assert second.status_code == 409
    assert "<title>Error: " in second.content.decode()
    assert "There is a problem" in page
    assert (
        f"Fay Ferris saved a change to {led} {when(led)}, after you opened this "
        "page. Nothing you entered has been saved yet." in page
    )
    assert "Now: On hold Was: In progress" in page
    assert "Now: Red: off track Was: Not given" in page
    assert "Now: 40 Was: Not given" in page
    assert "Paused: the contractor went into administration." in page
    assert "Reason: Contractor failed." in page
    assert "save again" in page
    # Cara's answers are kept, and the form now carries the version Fay left.
    assert "Patrol routes mapped for every parish." in page
    assert second.context["form"]["rag"].value() == "green"
    assert version_in(second) == led.etag != cara_read

    # The database holds exactly Fay's update.
    assert list(ProgressUpdate.objects.values_list("narrative", flat=True)) == [
        "Paused: the contractor went into administration."
    ]
    assert (led.status, led.rag, led.percent_complete) == ("on_hold", "red", 40)

    # Having looked, Cara saves again (with the reason her status change now needs).
    again = caras.post(
        url,
        caras_answers
        | {"version": version_in(second), "reason": "New contractor appointed."},
    )
    assert again.status_code == 302
    led.refresh_from_db()
    assert (led.status, led.rag, led.percent_complete) == (
        "in_progress",
        "green",
        55,
    )
    latest = ProgressUpdate.objects.latest()
    assert (latest.recorded_by, latest.previous_status) == (cara, "on_hold")
    assert ProgressUpdate.objects.count() == 2


def test_what_the_person_left_alone_shows_the_other_change(led, fay, cara):
    fays, caras = signed_in(fay), signed_in(cara)
    url = reverse("deliverables:record", args=[led.pk])
    fay_read, cara_read = version_in(fays.get(url)), version_in(caras.get(url))
    fays.post(
        url,
        {
            "status": "on_hold",
            "rag": "amber",
            "forecast_date": "Q4",
            "narrative": "Paused.",
            "reason": "Waiting for funding.",
            "version": fay_read,
        },
    )
    # Cara left the status as she read it; she only set the RAG.
    second = caras.post(
        url,
        {
            "status": "in_progress",
            "rag": "green",
            "forecast_date": "Q4",
            "narrative": "Routes mapped.",
            "version": cara_read,
        },
    )
    assert second.status_code == 409
    form = second.context["form"]
    assert form["status"].value() == "on_hold"  # Fay's, which Cara had not touched
    assert form["rag"].value() == "green"  # Cara's own answer
    assert "the form below now shows their answer: Status." in text(second)
    # Saving again does not quietly undo Fay's status.
    again = caras.post(
        url,
        {
            "status": form["status"].value(),
            "rag": "green",
            "forecast_date": "Q4",
            "narrative": "Routes mapped.",
            "version": version_in(second),
        },
    )
    assert again.status_code == 302
    led.refresh_from_db()
    assert (led.status, led.rag) == ("on_hold", "green")


def test_the_same_person_in_two_tabs_is_told_it_was_them(led, fay):
    tab = signed_in(fay)
    url = reverse("deliverables:record", args=[led.pk])
    read = version_in(tab.get(url))
    answers = {"status": "in_progress", "forecast_date": "Q4", "version": read}
    assert tab.post(url, answers | {"narrative": "First tab."}).status_code == 302
    second = tab.post(url, answers | {"narrative": "Second tab."})
    assert second.status_code == 409
    assert "You saved a change to" in text(second)
    assert "in another tab or window" in text(second)
    assert ProgressUpdate.objects.get().narrative == "First tab."


def test_evidence_sent_with_a_refused_save_is_not_kept(
    led, fay, cara, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    fays, caras = signed_in(fay), signed_in(cara)
    url = reverse("deliverables:record", args=[led.pk])
    fay_read, cara_read = version_in(fays.get(url)), version_in(caras.get(url))
    answers = {"status": "in_progress", "forecast_date": "Q4", "narrative": "x"}
    assert fays.post(url, answers | {"version": fay_read}).status_code == 302
    refused = caras.post(
        url,
        answers
        | {
            "version": cara_read,
            "evidence_file": SimpleUploadedFile(
                "strategy.pdf", PDF, content_type="application/pdf"
            ),
            "evidence_url": "https://example.org/patrols",
        },
    )
    assert refused.status_code == 409
    assert "Your file was not saved: choose it again" in text(refused)
    assert not Attachment.objects.exists()
    stored = tmp_path / "media"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))
    assert ProgressUpdate.objects.count() == 1


def test_a_form_sent_without_a_version_is_not_checked(led, fay):
    # An older page or a script: as an API call without If-Match.
    response = signed_in(fay).post(
        reverse("deliverables:record", args=[led.pk]),
        {"status": "in_progress", "forecast_date": "Q4", "narrative": "No version."},
    )
    assert response.status_code == 302


# Editing a deliverable -----------------------------------------------------------


def test_the_second_editor_to_save_a_deliverable_is_told_and_nothing_is_lost(
    led, ed, pat
):
    eds, pats = signed_in(ed), signed_in(pat)
    url = reverse("deliverables:edit", args=[led.pk])
    ed_form, pat_form = eds.get(url), pats.get(url)
    ed_data = as_sent(ed_form.context["form"])
    pat_data = as_sent(pat_form.context["form"])
    assert ed_data["version"] == pat_data["version"] == led.etag

    assert (
        eds.post(url, ed_data | {"title": "Daytime and evening patrols"}).status_code
        == 302
    )
    second = pats.post(url, pat_data | {"delivering_unit": "Local Policing"})
    page = text(second)
    led.refresh_from_db()
    assert second.status_code == 409
    assert f"Ed Evans saved a change to {led} {when(led)}" in page
    assert "Now: Daytime and evening patrols Was: Daytime patrol strategy" in page
    assert (led.title, led.delivering_unit) == ("Daytime and evening patrols", "")
    # Pat's answer is kept; the title he left alone now shows Ed's.
    form = second.context["form"]
    assert form["delivering_unit"].value() == "Local Policing"
    assert form["title"].value() == "Daytime and evening patrols"

    again = pats.post(url, as_sent(form))
    assert again.status_code == 302
    led.refresh_from_db()
    assert (led.title, led.delivering_unit) == (
        "Daytime and evening patrols",
        "Local Policing",
    )


# Merging and splitting -----------------------------------------------------------


def test_a_merge_of_a_deliverable_updated_meanwhile_is_refused_until_reviewed(
    led, force, ed, fay
):
    part, other = DeliverableFactory.create_batch(
        2,
        objective=led.objective,
        lead_organisation=force,
        status=Status.IN_PROGRESS,
        forecast_date="Q4",
    )
    eds = signed_in(ed)
    url = reverse("deliverables:merge", args=[led.pk])
    read = version_in(eds.get(url))
    # Fay records progress on the part after Ed opened the merge page.
    assert (
        signed_in(fay)
        .post(
            reverse("deliverables:record", args=[part.pk]),
            {
                "status": "completed",
                "forecast_date": "Q4",
                "narrative": "Finished on its own.",
                "reason": "Delivered early.",
            },
        )
        .status_code
        == 302
    )
    answers = {"merged": [part.pk], "reason": "One programme board.", "version": read}
    refused = eds.post(url, answers)
    page = text(refused)
    part.refresh_from_db()
    assert refused.status_code == 409
    assert f"Fay Ferris saved a change to {part} {when(part)}" in page
    assert "Now: Completed Was: In progress" in page
    assert "Finished on its own." in page
    assert f"saved a change to {other}" not in page  # unchanged: not named
    assert part.status == Status.COMPLETED and part.merged_into is None
    assert part.updates.count() == 1

    # Once it has been reviewed, a merge of what is still open goes through.
    merged = eds.post(
        url, answers | {"merged": [other.pk], "version": version_in(refused)}
    )
    assert merged.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.merged_into) == (Status.MERGED, led)


def test_a_change_to_a_deliverable_not_chosen_does_not_stop_a_merge(
    led, force, ed, fay
):
    part, bystander = DeliverableFactory.create_batch(
        2, objective=led.objective, lead_organisation=force, forecast_date="Q4"
    )
    eds = signed_in(ed)
    url = reverse("deliverables:merge", args=[led.pk])
    read = version_in(eds.get(url))
    signed_in(fay).post(
        reverse("deliverables:record", args=[bystander.pk]),
        {"status": bystander.status, "forecast_date": "Q4", "narrative": "Moving."},
    )
    response = eds.post(
        url, {"merged": [part.pk], "reason": "One board.", "version": read}
    )
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.status == Status.MERGED


def test_a_split_of_a_deliverable_updated_meanwhile_is_refused_until_reviewed(
    led, ed, fay
):
    eds = signed_in(ed)
    url = reverse("deliverables:split", args=[led.pk])
    read = version_in(eds.get(url))
    signed_in(fay).post(
        reverse("deliverables:record", args=[led.pk]),
        {
            "status": "in_progress",
            "rag": "amber",
            "forecast_date": "Q4",
            "narrative": "Funding cut by a third.",
        },
    )
    answers = {
        "titles": "Day patrols\nEvening patrols",
        "reason": "Two teams.",
        "version": read,
    }
    refused = eds.post(url, answers)
    led.refresh_from_db()
    assert refused.status_code == 409
    assert f"Fay Ferris saved a change to {led} {when(led)}" in text(refused)
    assert "Funding cut by a third." in text(refused)
    assert "Day patrols" in text(refused)  # Ed's answer kept
    assert led.status == Status.IN_PROGRESS
    assert Deliverable.objects.filter(split_from=led).count() == 0

    done = eds.post(url, answers | {"version": version_in(refused)})
    assert done.status_code == 302
    led.refresh_from_db()
    assert led.status == Status.SPLIT
    assert Deliverable.objects.filter(split_from=led).count() == 2


# Editing a plan ------------------------------------------------------------------


def test_the_second_editor_to_save_a_plan_is_told_and_nothing_is_lost(
    current_plan, ed, pat
):
    eds, pats = signed_in(ed), signed_in(pat)
    url = reverse("plans:edit", args=[current_plan.pk])
    ed_data = as_sent(eds.get(url).context["form"])
    pat_data = as_sent(pats.get(url).context["form"])
    assert ed_data["version"] == pat_data["version"]

    assert eds.post(
        url, ed_data | {"title": "Policing Plan (revised)"}
    ).status_code == (302)
    second = pats.post(url, pat_data | {"summary": "Safer streets."})
    plan = Plan.objects.get(pk=current_plan.pk)
    assert second.status_code == 409
    page = text(second)
    assert f"Ed Evans saved a change to {plan} {when(plan)}" in page
    assert f"Now: Policing Plan (revised) Was: {current_plan.title}" in page
    assert (plan.title, plan.summary) == ("Policing Plan (revised)", "")

    again = pats.post(url, as_sent(second.context["form"]))
    assert again.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.summary) == ("Policing Plan (revised)", "Safer streets.")
