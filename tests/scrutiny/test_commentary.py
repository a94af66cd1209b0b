"""The body's own words for a quarter: drafts for the plan's editors, frozen into the
published report, refused when too long, from a reader or for a locked period."""

from django.urls import reverse

from plans.services import reopen_period
from scrutiny.commentary.services import save_commentary
from scrutiny.models import Commentary, PublishedReport
from scrutiny.reports.services import publish_report


def url(plan, period, name="commentary"):
    return reverse(f"scrutiny:{name}", args=[plan.pk, period.pk])


def write(client, plan, period, safe, **texts):
    return client.post(
        url(plan, period),
        {
            "summary": texts.get("summary", ""),
            "forward_look": texts.get("forward_look", ""),
            f"priority_{safe.pk}": texts.get("narrative", ""),
        },
    )


def test_an_editor_writes_the_commentary_and_sees_it_as_a_draft(
    client, editor, plan, q2, safe
):
    client.force_login(editor)
    form = client.get(url(plan, q2)).content.decode()
    assert "1 Keep people safe" in form
    assert "Success looks like: Fewer people are hurt on the roads." in form

    response = write(
        client,
        plan,
        q2,
        safe,
        summary="A steady quarter.",
        forward_look="Custody suite opens.",
        narrative="Road deaths fell.",
    )
    assert response.status_code == 302
    page = client.get(url(plan, q2, "dashboard-period")).content.decode()
    assert "A steady quarter." in page and "Custody suite opens." in page
    assert "Road deaths fell." in page and ">Draft<" in page
    assert "Fewer people are hurt on the roads." in page
    assert Commentary.objects.filter(updated_by=editor).count() == 3


def test_readers_see_no_draft(client, editor, reader, plan, q2, safe):
    save_commentary(
        plan=plan,
        period=q2,
        by=editor,
        texts={("summary", None): "Not yet for the panel."},
    )
    client.force_login(reader)
    page = client.get(url(plan, q2, "dashboard-period")).content.decode()
    assert "Not yet for the panel." not in page
    # The success statement is the plan's own, published text: readers see it.
    assert "Fewer people are hurt on the roads." in page
    # The reader sees the plan, so the editors' page refuses them (403).
    assert client.get(url(plan, q2)).status_code == 403
    assert write(client, plan, q2, safe, summary="Mine").status_code == 403
    assert not Commentary.objects.filter(text="Mine").exists()


def test_publishing_freezes_the_words_and_a_correction_says_they_changed(
    client, editor, plan, q2, safe
):
    texts = {("summary", None): "First words.", ("priority", safe.pk): "Going well."}
    save_commentary(plan=plan, period=q2, by=editor, texts=texts)
    first = publish_report(plan=plan, period=q2, by=editor)

    # The period is locked now: the draft cannot change until it is reopened.
    client.force_login(editor)
    refused = write(client, plan, q2, safe, summary="Second words.")
    assert refused.status_code == 400
    assert "is locked: its report is published" in refused.content.decode()
    assert Commentary.objects.get(kind="summary").text == "First words."

    reopen_period(period=q2, by=editor, reason="The panel asked for more")
    save_commentary(
        plan=plan, period=q2, by=editor, texts={("summary", None): "Second words."}
    )
    first_page = client.get(reverse("scrutiny:report", args=[first.pk]))
    assert "First words." in first_page.content.decode()
    assert "Second words." not in first_page.content.decode()

    second = publish_report(
        plan=plan, period=q2, by=editor, change_note="Rewrote the summary."
    )
    assert second.data["commentary"]["summary"] == "Second words."
    assert "Executive summary: rewritten" in second.data["differences"]
    assert PublishedReport.objects.get(pk=first.pk).data["commentary"]["summary"] == (
        "First words."
    )


def test_signed_out_readers_of_a_public_plan_see_the_published_words(
    client, editor, plan, q2, safe
):
    plan.is_public = True
    plan.save()
    save_commentary(
        plan=plan, period=q2, by=editor, texts={("summary", None): "For everyone."}
    )
    report = publish_report(plan=plan, period=q2, by=editor)
    page = client.get(reverse("scrutiny:report", args=[report.pk])).content.decode()
    assert "For everyone." in page and ">Draft<" not in page


def test_too_long_is_refused_beside_the_field_and_nothing_is_written(
    client, editor, plan, q2, safe
):
    client.force_login(editor)
    response = write(
        client,
        plan,
        q2,
        safe,
        summary="Fine.",
        narrative="x" * (Commentary.LIMITS["priority"] + 1),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Keep it to 2,000 characters or fewer: it has 2,001." in page
    assert not Commentary.objects.exists()


def test_an_empty_box_removes_its_words(editor, plan, q2, safe):
    save_commentary(
        plan=plan, period=q2, by=editor, texts={("forward_look", None): "Soon."}
    )
    changed = save_commentary(
        plan=plan, period=q2, by=editor, texts={("forward_look", None): "  "}
    )
    assert changed == ["Looking ahead"]
    assert not Commentary.objects.exists()
