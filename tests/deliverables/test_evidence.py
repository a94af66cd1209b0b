"""Evidence on progress updates: what files are taken, who may add, see and open them,
the pages that show them and the API that takes and lists them."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from deliverables.evidence import attach_file, attach_link, set_attachment_public
from deliverables.models import Attachment, ProgressUpdate, Status
from deliverables.services import return_update
from plans.models import Membership, Plan
from plans.services import issue_api_client
from scrutiny.reports.services import publish_report
from tests.api.conftest import bearer, fetch_token, session_client
from tests.factories import (
    ForceFactory,
    MembershipFactory,
    UserFactory,
    record_update,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"


# Files --------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OOXML_TYPES = {
    "word": "application/vnd.openxmlformats-officedocument.wordprocessingml"
    ".document.main+xml",
    "ppt": "application/vnd.openxmlformats-officedocument.presentationml"
    ".presentation.main+xml",
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "strategy.pdf", padding: int = 0):
    return upload(name, PDF_BYTES + b"%" * padding, "application/pdf")


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, fmt)
    return out.getvalue()


def content_types(main: str, macro: bool = False) -> bytes:
    override = (
        "application/vnd.ms-word.document.macroEnabled.main+xml" if macro else main
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{override}"/>'
        "</Types>"
    ).encode()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            # A fixed date: the same entries always give the same bytes.
            entry = zipfile.ZipInfo(name, date_time=(2017, 1, 1, 0, 0, 0))
            archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx_bytes(extra: dict[str, bytes] | None = None, macro: bool = False) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": content_types(OOXML_TYPES["word"], macro=macro),
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
            **(extra or {}),
        }
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Officers recruited"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pptx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": content_types(OOXML_TYPES["ppt"]),
            "ppt/presentation.xml": b"<p:presentation/>",
        }
    )


def opendocument_bytes(mimetype: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

GOOD_FILES = {
    "report.pdf": (lambda: PDF_BYTES, "application/pdf"),
    "photo.png": (lambda: image_bytes("PNG"), "image/png"),
    "photo.jpg": (lambda: image_bytes("JPEG"), "image/jpeg"),
    "photo.jpeg": (lambda: image_bytes("JPEG"), "image/jpeg"),
    "chart.gif": (lambda: image_bytes("GIF"), "image/gif"),
    "chart.webp": (lambda: image_bytes("WEBP"), "image/webp"),
    "minutes.docx": (docx_bytes, DOCX),
    "figures.xlsx": (
        xlsx_bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "briefing.pptx": (
        pptx_bytes,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "minutes.odt": (lambda: opendocument_bytes(ODT), ODT),
    "figures.ods": (lambda: opendocument_bytes(ODS), ODS),
}


# Fixtures -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Evidence goes to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def update(led, contributor):
    return record_update(deliverable=led, by=contributor, narrative="Half done.")


@pytest.fixture
def other_force_contributor(db):
    """Ola reports for a force that has no part in this work."""
    return MembershipFactory(
        user=UserFactory(username="ola"),
        organisation=ForceFactory(name="Guernsey Police"),
        role=Membership.Role.CONTRIBUTOR,
    ).user


def person(org, role, name):
    return MembershipFactory(
        user=UserFactory(username=name), organisation=org, role=role
    ).user


def file_url(attachment) -> str:
    return reverse("deliverables:evidence", args=[attachment.pk])


def refused_on(error: ValidationError) -> dict[str, list[str]]:
    return error.value.message_dict


# What files are taken -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(GOOD_FILES))
def test_each_accepted_type_is_stored_with_its_checksum_size_and_type(
    update, contributor, media, name
):
    build, content_type = GOOD_FILES[name]
    content = build()
    added = attach_file(
        update=update, by=contributor, file=upload(name, content), title=""
    )
    added.refresh_from_db()
    assert added.title == name
    assert added.original_name == name
    assert added.content_type == content_type
    assert added.added_by == contributor
    # Stored under a random name in the plan's folder, never the name it came with.
    (stored,) = stored_files(media)
    assert stored.parent.name == str(update.deliverable.plan_id)
    assert stored.name != name and stored.suffix == f".{name.rsplit('.', 1)[1]}"
    kept = stored.read_bytes()
    if content_type.startswith("image/"):
        # A picture is kept re-encoded (see test_evidence_safety): the same picture.
        with Image.open(io.BytesIO(kept)) as again:
            with Image.open(io.BytesIO(content)) as sent:
                assert (again.format, again.size) == (sent.format, sent.size)
    else:
        assert kept == content
    assert added.size == len(kept)
    assert added.sha256 == hashlib.sha256(kept).hexdigest()
    assert added.history.get().history_user == contributor


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(
    update, contributor, media, settings
):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=pdf(padding=2000))
    assert refused_on(refused) == {"file": ["The file must be smaller than 1 KB."]}
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    # Just under the limit is fine.
    attach_file(update=update, by=contributor, file=pdf(padding=900))
    assert Attachment.objects.count() == 1


def test_a_file_exactly_at_the_limit_is_refused_as_the_message_says(
    update, contributor, settings
):
    settings.EVIDENCE_MAX_BYTES = len(PDF_BYTES)
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=pdf())
    assert "smaller than 48 bytes" in refused_on(refused)["file"][0]


def test_the_name_kept_has_no_folders_or_control_characters(update, contributor):
    added = attach_file(
        update=update,
        by=contributor,
        file=upload("..\\secret\\minutes\r\n\x07.pdf", PDF_BYTES),
    )
    assert added.original_name == "minutes.pdf"
    assert Attachment._meta.get_field("title").max_length == 200
    assert Attachment._meta.get_field("url").max_length == 1000


@pytest.mark.parametrize(
    "name", ["run.exe", "drawing.svg", "page.html", "bundle.zip", "notes.txt", "README"]
)
def test_a_file_of_a_type_we_do_not_take_is_refused(update, contributor, name):
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=upload(name, b"<b>hi</b>"))
    (message,) = refused_on(refused)["file"]
    assert message.startswith("The file must be a PDF, Word (.docx), Excel (.xlsx)")
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "says"),
    [("minutes.doc", "Word 97-2003 (.doc)"), ("figures.xls", "Excel 97-2003 (.xls)")],
)
def test_legacy_office_files_are_refused_with_a_way_forward(
    update, contributor, name, says
):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=upload(name, ole))
    (message,) = refused_on(refused)["file"]
    assert message.startswith(f"{says} files cannot be checked for macros")
    assert "save it as .docx, .xlsx, .pptx or PDF" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", image_bytes("PNG")),  # an image calling itself a PDF
        ("photo.png", PDF_BYTES),
        ("photo.jpg", b"<script>alert(1)</script>"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"not really an image"),
        ("photo.gif", image_bytes("PNG")),
        ("photo.webp", image_bytes("JPEG")),
        ("run.pdf", b"MZ\x90\x00 an executable"),
        ("minutes.docx", zip_bytes({"word/document.xml": b"<w:document/>"})),
        ("minutes.docx", xlsx_bytes()),  # a workbook dressed as a document
        ("minutes.docx", PDF_BYTES),
        ("minutes.odt", docx_bytes()),
        ("minutes.odt", opendocument_bytes(ODS)),  # a spreadsheet dressed as text
        ("figures.xlsx", b"PK\x03\x04 truncated"),
    ],
)
def test_a_file_whose_contents_do_not_match_its_name_is_refused(
    update, contributor, media, name, content
):
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=upload(name, content))
    (message,) = refused_on(refused)["file"]
    assert message.startswith(f"{name} is not accepted. It is not a valid ")
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("minutes.docx", docx_bytes({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})),
        ("minutes.docx", docx_bytes(macro=True)),  # a .docm renamed
        ("minutes.docx", docx_bytes({"word/activeX/activeX1.bin": b"\0"})),
        ("minutes.odt", opendocument_bytes(ODT, {"Basic/Standard/Module1.xml": b""})),
    ],
)
def test_office_files_with_macros_are_refused(update, contributor, name, content):
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=upload(name, content))
    (message,) = refused_on(refused)["file"]
    assert "macro" in message
    assert not Attachment.objects.exists()


def test_a_zip_bomb_dressed_as_a_document_is_refused(update, contributor, settings):
    settings.EVIDENCE_MAX_BYTES = 100_000
    bomb = docx_bytes({"word/media/padding.xml": b"\0" * 12_000_000})
    assert len(bomb) < settings.EVIDENCE_MAX_BYTES
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=upload("big.docx", bomb))
    assert "It is not a valid Word document." in refused_on(refused)["file"][0]


def test_an_update_takes_at_most_the_limit_of_files_and_links(
    update, contributor, settings, media
):
    settings.EVIDENCE_MAX_PER_UPDATE = 2
    attach_link(update=update, by=contributor, url="https://example.org/a")
    attach_file(update=update, by=contributor, file=pdf())
    with pytest.raises(ValidationError) as too_many_files:
        attach_file(update=update, by=contributor, file=pdf("more.pdf"))
    assert refused_on(too_many_files) == {
        "file": ["An update can have at most 2 files and links."]
    }
    with pytest.raises(ValidationError) as too_many_links:
        attach_link(update=update, by=contributor, url="https://example.org/b")
    assert "url" in refused_on(too_many_links)
    assert update.attachments.count() == 2
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/report.pdf",
        "data:text/html,<b>hi</b>",
        "file:///etc/passwd",
        "example.org/report",
        "https://",
    ],
)
def test_links_must_be_web_addresses(update, contributor, url):
    with pytest.raises(ValidationError) as refused:
        attach_link(update=update, by=contributor, url=url, title="Report")
    assert refused_on(refused) == {
        "url": ["Enter a web address starting https:// or http://."]
    }
    assert not Attachment.objects.exists()


def test_a_link_is_kept_with_its_title_or_its_address(update, contributor):
    titled = attach_link(
        update=update,
        by=contributor,
        url="https://www.jersey.police.uk/news/patrols",
        title="Force website: new patrol times",
    )
    plain = attach_link(update=update, by=contributor, url="http://example.org/x")
    assert (titled.title, titled.url, titled.file.name) == (
        "Force website: new patrol times",
        "https://www.jersey.police.uk/news/patrols",
        "",
    )
    assert plain.title == "http://example.org/x"
    assert plain.added_by == contributor


def test_nobody_adds_evidence_to_an_update_of_a_locked_period(
    update, contributor, editor
):
    from plans.services import lock_period

    lock_period(period=update.period, by=editor, reason="Report published.")
    for by in (contributor, editor):
        with pytest.raises(ValidationError) as refused:
            attach_link(update=update, by=by, url="https://example.org/a")
        assert refused_on(refused) == {"__all__": [update.period.locked_message()]}
    assert not Attachment.objects.exists()


def test_who_may_add_evidence(
    update, contributor, editor, authority, outsider, other_force_contributor
):
    """The author, the lead's writers and the plan's editors; nobody else."""
    reader = person(authority, Membership.Role.READER, "rory")
    colleague = person(update.deliverable.lead_organisation, "contributor", "cal")
    for allowed in (contributor, colleague, editor):
        attach_link(update=update, by=allowed, url="https://example.org/ok")
    for refused in (reader, outsider, other_force_contributor):
        with pytest.raises(PermissionDenied):
            attach_link(update=update, by=refused, url="https://example.org/no")
    assert set(update.attachments.values_list("added_by__username", flat=True)) == {
        "farah",
        "cal",
        "erin",
    }


def test_the_author_may_still_add_evidence_after_becoming_a_reader(update, contributor):
    Membership.objects.filter(user=contributor).update(role=Membership.Role.READER)
    contributor._roles = None
    attach_link(update=update, by=contributor, url="https://example.org/late")
    assert update.attachments.get().added_by == contributor


def test_only_plan_editors_mark_evidence_public_and_history_names_them(
    update, contributor, editor
):
    link = attach_link(update=update, by=contributor, url="https://example.org/a")
    with pytest.raises(PermissionDenied):
        set_attachment_public(attachment=link, by=contributor, is_public=True)
    set_attachment_public(attachment=link, by=editor, is_public=True)
    link.refresh_from_db()
    assert link.is_public is True
    latest = link.history.order_by("-history_date", "-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (
        editor,
        "Made public",
    )


# Opening a file -----------------------------------------------------------------------


def test_people_party_to_the_work_open_evidence_with_safe_headers(
    client, update, contributor, editor
):
    document = attach_file(
        update=update,
        by=contributor,
        file=upload("Minutes – June.docx", docx_bytes()),
        title="Board minutes",
    )
    report = attach_file(update=update, by=contributor, file=pdf())
    for person_ in (contributor, editor):
        client.force_login(person_)
        response = client.get(file_url(document))
        assert response.status_code == 200
        assert response["Content-Type"] == DOCX
        assert response["Content-Disposition"].startswith("attachment;")
        assert (
            "filename*=utf-8''Minutes%20%E2%80%93%20June.docx"
            in (response["Content-Disposition"])
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == docx_bytes()
        # A PDF too is a download, never shown from the service's own address.
        shown = client.get(file_url(report))
        assert shown["Content-Disposition"] == 'attachment; filename="strategy.pdf"'
        assert shown["Content-Type"] == "application/pdf"
        assert "sandbox" in shown["Content-Security-Policy"]
        assert "default-src 'none'" in shown["Content-Security-Policy"]


def test_evidence_is_not_served_from_a_public_folder(client, update, contributor):
    attached = attach_file(update=update, by=contributor, file=pdf())
    assert client.get(f"/media/{attached.file.name}").status_code == 404
    assert client.get(f"/{attached.file.name}").status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_force_contributor", "anonymous"])
def test_people_with_no_part_in_the_work_get_404_everywhere(
    client, update, contributor, who, request
):
    attached = attach_file(update=update, by=contributor, file=pdf())
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(file_url(attached)).status_code == 404
    public = reverse("deliverables:evidence-public", args=[attached.pk])
    add = reverse("deliverables:add-evidence", args=[update.pk])
    if who == "anonymous":
        assert client.get(add).status_code == 302  # to sign in
        assert client.post(public, {"is_public": "true"}).status_code == 302
    else:
        assert client.get(add).status_code == 404
        assert client.post(add, {"url": "https://example.org"}).status_code == 404
        assert client.post(public, {"is_public": "true"}).status_code == 404
    attached.refresh_from_db()
    assert attached.is_public is False
    assert Attachment.objects.count() == 1


def test_a_reader_of_the_plan_opens_evidence_but_cannot_add_or_publish_it(
    client, update, contributor, authority
):
    attached = attach_file(update=update, by=contributor, file=pdf())
    client.force_login(person(authority, Membership.Role.READER, "rory"))
    assert client.get(file_url(attached)).status_code == 200
    # The reader sees the update, so is refused with 403, not told it is not there.
    add = reverse("deliverables:add-evidence", args=[update.pk])
    assert client.get(add).status_code == 403
    public = reverse("deliverables:evidence-public", args=[attached.pk])
    assert client.post(public, {"is_public": "true"}).status_code == 403


# Public reports -----------------------------------------------------------------------


@pytest.fixture
def public_scene(led, editor, contributor):
    """A public plan whose first-quarter update by the force carries a file and a
    link, before anything is published."""
    plan = led.plan
    plan.is_public = True
    plan.save()
    first, second = plan.reporting_periods.order_by("starts_on")[:2]
    made = record_update(
        deliverable=led, by=contributor, narrative="Patrols began.", period=first
    )
    return {
        "plan": plan,
        "first": first,
        "second": second,
        "update": made,
        "file": attach_file(update=made, by=contributor, file=pdf(), title="Plan"),
        "link": attach_link(update=made, by=contributor, url="https://example.org/n"),
    }


def publish(scene, editor, period="first"):
    return publish_report(plan=scene["plan"], period=scene[period], by=editor)


@pytest.mark.parametrize(
    ("change", "anonymous_may_open"),
    [
        ("nothing", True),
        ("not marked public", False),
        ("plan not public", False),
        ("plan back to draft", False),
        ("no report published", False),
        ("a later period's report", True),
        ("update waiting for review", False),
        ("update returned", False),
    ],
)
def test_anonymous_readers_open_only_public_evidence_of_a_published_report(
    client, public_scene, editor, contributor, change, anonymous_may_open
):
    scene = public_scene
    attached = scene["file"]
    if change == "update waiting for review" or change == "update returned":
        scene["plan"].review_contributor_updates = True
        scene["plan"].save()
        waiting = record_update(
            deliverable=scene["update"].deliverable,
            by=contributor,
            narrative="More patrols.",
            period=scene["first"],
        )
        attached = attach_file(update=waiting, by=contributor, file=pdf("more.pdf"))
        if change == "update returned":
            return_update(update=waiting, by=editor, comment="Which patrols?")
    if change != "not marked public":
        set_attachment_public(attachment=attached, by=editor, is_public=True)
    if change == "a later period's report":
        publish(scene, editor, "second")
    elif change != "no report published":
        publish(scene, editor)
    if change == "plan not public":
        Plan.objects.filter(pk=scene["plan"].pk).update(is_public=False)
    if change == "plan back to draft":
        Plan.objects.filter(pk=scene["plan"].pk).update(state=Plan.State.DRAFT)
    response = client.get(file_url(attached))
    assert response.status_code == (200 if anonymous_may_open else 404)
    if anonymous_may_open:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_later_updates_evidence_is_not_public_before_its_report(
    client, public_scene, editor, contributor
):
    later = record_update(
        deliverable=public_scene["update"].deliverable,
        by=contributor,
        narrative="Next quarter.",
        period=public_scene["second"],
    )
    attached = attach_file(update=later, by=contributor, file=pdf())
    set_attachment_public(attachment=attached, by=editor, is_public=True)
    publish(public_scene, editor)  # the first quarter only
    assert client.get(file_url(attached)).status_code == 404


def test_signed_in_people_outside_a_public_plan_see_only_its_public_evidence(
    client, public_scene, editor, outsider
):
    set_attachment_public(attachment=public_scene["file"], by=editor, is_public=True)
    publish(public_scene, editor)
    client.force_login(outsider)
    assert client.get(file_url(public_scene["file"])).status_code == 200
    page = client.get(
        reverse("deliverables:detail", args=[public_scene["update"].deliverable_id])
    ).content.decode()
    assert "Plan" in page and file_url(public_scene["file"]) in page
    assert "https://example.org/n" not in page  # the link was not marked public


def test_the_public_timeline_lists_only_evidence_marked_public(
    client, public_scene, editor
):
    set_attachment_public(attachment=public_scene["file"], by=editor, is_public=True)
    report = publish(public_scene, editor)
    url = reverse(
        "scrutiny:report-timeline",
        args=[report.pk, public_scene["update"].deliverable_id],
    )
    page = client.get(url).content.decode()
    assert "Patrols began." in page
    assert f'href="{file_url(public_scene["file"])}"' in page
    assert f"PDF, {len(PDF_BYTES)}\xa0bytes" in page
    assert "https://example.org/n" not in page
    assert "Show with the published report" not in page
    assert client.get(file_url(public_scene["file"])).status_code == 200
    set_attachment_public(attachment=public_scene["file"], by=editor, is_public=False)
    page = client.get(url).content.decode()
    assert file_url(public_scene["file"]) not in page
    assert client.get(file_url(public_scene["file"])).status_code == 404


# The record-progress form -------------------------------------------------------------


def record(client, led, **data):
    form = {
        "status": "in_progress",
        "forecast_date": "Q4",
        "narrative": "Patrols began.",
        **data,
    }
    return client.post(reverse("deliverables:record", args=[led.pk]), form)


def test_progress_is_recorded_with_a_file_and_a_link_as_its_evidence(
    client, contributor, led, media
):
    client.force_login(contributor)
    form = client.get(reverse("deliverables:record", args=[led.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert "Evidence (optional)" in form
    response = record(
        client,
        led,
        evidence_file=pdf("patrol-plan.pdf"),
        evidence_url="https://example.org/patrols",
        evidence_url_title="Patrol times",
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert [(a.title, a.added_by) for a in update.attachments.order_by("pk")] == [
        ("patrol-plan.pdf", contributor),
        ("Patrol times", contributor),
    ]
    assert len(stored_files(media)) == 1


def test_a_bad_file_on_the_record_progress_form_is_shown_and_nothing_is_written(
    client, contributor, led, media
):
    client.force_login(contributor)
    response = record(
        client,
        led,
        evidence_file=upload("minutes.docx", docx_bytes(macro=True)),
        evidence_url="https://example.org/patrols",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_evidence_file"' in page  # the summary links to the field
    assert 'id="id_evidence_file-error"' in page
    assert "It is a macro-enabled file" in page
    assert not ProgressUpdate.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    led.refresh_from_db()
    assert led.status == Status.IN_PROGRESS


def test_a_bad_link_on_the_record_progress_form_is_shown_beside_it(
    client, contributor, led
):
    client.force_login(contributor)
    page = record(client, led, evidence_url="javascript:alert(1)").content.decode()
    assert 'id="id_evidence_url-error"' in page
    assert "Enter a web address starting https:// or http://." in page
    assert not ProgressUpdate.objects.exists()


def test_when_evidence_is_refused_after_the_update_was_written_nothing_is_kept(
    client, contributor, led, media, settings
):
    """The service refuses the link only once the file is stored: the update, the
    file's row and the stored file all go."""
    settings.EVIDENCE_MAX_PER_UPDATE = 1
    client.force_login(contributor)
    response = record(
        client, led, evidence_file=pdf(), evidence_url="https://example.org/a"
    )
    page = response.content.decode()
    assert 'id="id_evidence_url-error"' in page
    assert "An update can have at most 1 files and links." in page
    assert not ProgressUpdate.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# Adding evidence later ----------------------------------------------------------------


def test_evidence_is_added_to_an_update_later(client, contributor, update, media):
    client.force_login(contributor)
    url = reverse("deliverables:add-evidence", args=[update.pk])
    page = client.get(url).content.decode()
    assert "Add evidence" in page and "Half done." in page
    response = client.post(
        url, {"file": pdf("signed.pdf"), "title": "Signed-off strategy"}
    )
    added = Attachment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#evidence-{added.pk}")
    assert (added.update, added.title, added.original_name) == (
        update,
        "Signed-off strategy",
        "signed.pdf",
    )
    client.post(url, {"url": "https://example.org/x", "title": "News story"})
    assert update.attachments.count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "file", "Choose a file, or give a link."),
        (
            {"file": "pdf", "url": "https://example.org"},
            "url",
            "Add the file and the link one at a time",
        ),
        ({"file": "exe"}, "file", "The file must be a PDF"),
        ({"url": "ftp://example.org"}, "url", "Enter a web address starting"),
    ],
)
def test_the_add_evidence_form_explains_each_problem_beside_its_field(
    client, contributor, update, data, field, message
):
    client.force_login(contributor)
    files = {"pdf": pdf(), "exe": upload("run.exe", b"MZ")}
    data = {k: files.get(v, v) if k == "file" else v for k, v in data.items()}
    response = client.post(reverse("deliverables:add-evidence", args=[update.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in page
    assert f'href="#id_{field}"' in page
    assert message in page
    assert not Attachment.objects.exists()


# Returned updates, the timeline -------------------------------------------------------


def test_a_returned_update_keeps_its_evidence(
    client, current_plan, led, contributor, editor
):
    current_plan.review_contributor_updates = True
    current_plan.save()
    waiting = record_update(deliverable=led, by=contributor, narrative="Half done.")
    attached = attach_file(update=waiting, by=contributor, file=pdf())
    return_update(update=waiting, by=editor, comment="Which posts are filled?")
    attached.refresh_from_db()
    assert attached.update == waiting
    client.force_login(contributor)
    page = client.get(reverse("deliverables:detail", args=[led.pk])).content.decode()
    assert "Which posts are filled?" in page
    assert file_url(attached) in page
    assert client.get(file_url(attached)).status_code == 200


def test_the_timeline_shows_evidence_with_type_size_who_when_and_a_download_link(
    client, update, contributor, editor
):
    contributor.first_name, contributor.last_name = "Farah", "Force"
    contributor.save()
    attached = attach_file(
        update=update, by=contributor, file=pdf(padding=2000), title="Strategy"
    )
    link = attach_link(update=update, by=contributor, url="https://example.org/n")
    url = reverse("deliverables:detail", args=[update.deliverable_id])
    client.force_login(contributor)
    page = client.get(url).content.decode()
    assert f'<a class="govuk-link" href="{file_url(attached)}">Strategy</a>' in page
    assert "(PDF, 2.0\xa0KB, strategy.pdf)" in page
    assert f"Added {timezone.localdate():%-d %B %Y} by Farah Force" in page
    assert 'href="https://example.org/n" rel="noopener noreferrer nofollow"' in page
    assert reverse("deliverables:add-evidence", args=[update.pk]) in page
    assert "Show with the published report" not in page  # contributors cannot
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert page.count("Show with the published report") == 2
    public = reverse("deliverables:evidence-public", args=[link.pk])
    response = client.post(public, {"is_public": "true"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.is_public is True
    page = client.get(url).content.decode()
    assert "Public with the report" in page
    assert "Stop showing with the published report" in page


def test_the_deliverable_page_costs_the_same_queries_whatever_the_evidence(
    client, led, contributor, editor
):
    client.force_login(editor)
    url = reverse("deliverables:detail", args=[led.pk])
    first = record_update(deliverable=led, by=contributor, narrative="One.")
    attach_link(update=first, by=contributor, url="https://example.org/1")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        more = record_update(deliverable=led, by=contributor, narrative=f"{n}.")
        for m in range(3):
            attach_link(update=more, by=contributor, url=f"https://example.org/{m}")
        attach_file(update=more, by=contributor, file=pdf())
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# The API ------------------------------------------------------------------------------


def attachments_url(update) -> str:
    return f"{API}/progress-updates/{update.pk}/attachments/"


@pytest.fixture
def force_token(force, editor):
    client, secret = issue_api_client(
        organisation=force,
        name="Performance system",
        scopes=["read", "updates:write"],
        by=UserFactory(username="root", is_superuser=True, is_staff=True),
    )
    token = fetch_token(client.application.client_id, secret).json()["access_token"]
    return client, token


def test_a_force_system_uploads_a_file_and_lists_the_evidence(
    force_token, update, media
):
    client, token = force_token
    api = bearer(token)
    response = api.post(
        attachments_url(update),
        {"file": pdf("returns.pdf"), "title": "Quarterly return"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Attachment.objects.get()
    assert body == {
        "id": stored.pk,
        "title": "Quarterly return",
        "kind": "file",
        "url": f"http://testserver{file_url(stored)}",
        "original_name": "returns.pdf",
        "content_type": "application/pdf",
        "size": len(PDF_BYTES),
        "sha256": hashlib.sha256(PDF_BYTES).hexdigest(),
        "is_public": False,
        "added_by": client.service_user.get_full_name(),
        "added_at": body["added_at"],
    }
    assert stored.added_by == client.service_user
    link = api.post(
        attachments_url(update),
        {"url": "https://example.org/n", "title": "Press release"},
    )
    assert link.status_code == 201, link.content
    assert link.json()["kind"] == "link" and link.json()["size"] is None
    listed = api.get(attachments_url(update))
    assert [a["title"] for a in listed.json()] == ["Quarterly return", "Press release"]
    # The update itself carries them too.
    shown = api.get(f"{API}/progress-updates/{update.pk}/").json()["attachments"]
    assert [a["id"] for a in shown] == [a["id"] for a in listed.json()]
    # The download URL works for the force's staff.
    assert bearer(token).get(body["url"]).status_code == 200


@pytest.mark.parametrize(
    ("data", "multipart", "field", "message"),
    [
        (
            {"file": "macro", "title": "Minutes"},
            True,
            "file",
            "It is a macro-enabled file",
        ),
        ({"file": "big"}, True, "file", "The file must be smaller than 1 KB."),
        ({"file": "not a file"}, True, "file", "The submitted data was not a file."),
        (
            {"url": "javascript:alert(1)"},
            False,
            "url",
            "Enter a web address starting https://",
        ),
        ({"url": "ftp://example.org/a"}, False, "url", "Enter a web address"),
        ({"title": "No link"}, False, "url", "This field is required."),
        ({"url": "https://example.org", "colour": "red"}, False, "colour", ""),
        ({"file": "two"}, True, "file", "Send one file at a time."),
        ({"file": "a.pdf"}, False, "file", "Send a file as multipart/form-data"),
    ],
)
def test_refused_evidence_gets_a_problem_naming_the_field(
    settings, contributor, update, data, multipart, field, message
):
    settings.EVIDENCE_MAX_BYTES = 1024
    files = {
        "macro": upload("minutes.docx", docx_bytes(macro=True)),
        "big": pdf(padding=2000),
        "two": [pdf(), pdf("other.pdf")],
    }
    data = {k: files.get(v, v) for k, v in data.items()}
    response = session_client(contributor).post(
        attachments_url(update), data, format="multipart" if multipart else "json"
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert message in errors[0]["message"]
    assert not Attachment.objects.exists()


def test_api_evidence_is_refused_on_a_locked_period_for_the_whole_request(
    contributor, editor, update
):
    from plans.services import lock_period

    lock_period(period=update.period, by=editor, reason="Published.")
    response = session_client(contributor).post(
        attachments_url(update), {"url": "https://example.org"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None
    assert "is locked" in response.json()["detail"]


def test_api_outsiders_get_404_and_readers_may_list_but_not_add(
    update, contributor, authority, outsider, other_force_contributor
):
    attach_link(update=update, by=contributor, url="https://example.org/n")
    for stranger in (outsider, other_force_contributor):
        api = session_client(stranger)
        assert api.get(attachments_url(update)).status_code == 404
        refused = api.post(attachments_url(update), {"url": "https://example.org"})
        assert refused.status_code == 404
        assert refused["Content-Type"] == PROBLEM_JSON
    reader = session_client(person(authority, Membership.Role.READER, "rory"))
    assert len(reader.get(attachments_url(update)).json()) == 1
    refused = reader.post(attachments_url(update), {"url": "https://example.org"})
    assert refused.status_code == 404
    assert Attachment.objects.count() == 1


def test_a_read_only_token_may_list_evidence_but_not_add_it(force, update):
    client, secret = issue_api_client(
        organisation=force,
        name="Read-only feed",
        scopes=["read"],
        by=UserFactory(username="root", is_superuser=True, is_staff=True),
    )
    token = fetch_token(client.application.client_id, secret, "read")
    api = bearer(token.json()["access_token"])
    assert api.get(attachments_url(update)).status_code == 200
    refused = api.post(attachments_url(update), {"url": "https://example.org"})
    assert refused.status_code == 403
    assert "updates:write" in refused.json()["detail"]
    assert not Attachment.objects.exists()


def test_the_update_list_costs_the_same_queries_with_more_updates_and_evidence(
    editor, led, contributor
):
    api = session_client(editor)
    url = f"{API}/progress-updates/?page_size=100"

    def add(n: int) -> None:
        for i in range(n):
            made = record_update(deliverable=led, by=contributor, narrative=f"{i}")
            attach_link(update=made, by=contributor, url=f"https://example.org/{i}")
            attach_file(update=made, by=contributor, file=pdf())

    add(2)
    with CaptureQueriesContext(connection) as few:
        first = api.get(url)
    add(18)
    with CaptureQueriesContext(connection) as many:
        second = api.get(url)
    assert len(first.json()["results"]) == 2
    assert len(second.json()["results"]) == 20
    assert all(len(row["attachments"]) == 2 for row in second.json()["results"])
    assert len(many) == len(few)


def test_an_upload_retried_with_its_idempotency_key_is_stored_once(
    contributor, update, media
):
    api = session_client(contributor)
    url = attachments_url(update)
    key = {"HTTP_IDEMPOTENCY_KEY": "sojp-evidence-1"}
    first = api.post(url, {"file": pdf()}, format="multipart", **key)
    again = api.post(url, {"file": pdf()}, format="multipart", **key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    other = api.post(url, {"file": pdf(padding=10)}, format="multipart", **key)
    assert other.status_code == 422
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_a_bad_or_revoked_token_opens_no_evidence(force_token, update, contributor):
    attached = attach_file(update=update, by=contributor, file=pdf())
    client, token = force_token
    assert bearer("not-a-token").get(file_url(attached)).status_code == 404
    assert bearer(token).get(file_url(attached)).status_code == 200
    client.revoked_at = timezone.now()
    client.save()
    assert bearer(token).get(file_url(attached)).status_code == 404
