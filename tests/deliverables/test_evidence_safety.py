"""Evidence that cannot be turned against its readers: every file is a download in a
sandbox, pictures are kept re-encoded (nothing but the picture survives), a PDF must be
one, and a link must be an http or https address of a named host on the public web,
shown with its host. The same rules hold through the service, the pages and the API."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image, ImageSequence

from deliverables.evidence import attach_file, attach_link
from deliverables.models import Attachment
from tests.api.conftest import session_client
from tests.factories import record_update

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\nxref\n0 1\n"
    b"trailer <</Root 1 0 R>>\nstartxref\n9\n%%EOF\n"
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APPENDED_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
WEB_ADDRESS = "Enter a web address starting https:// or http://."
CHARACTERS = (
    "The address has spaces or characters that web addresses cannot hold, such as "
    "< > or \". Copy it again from the browser's address bar."
)
IP_ADDRESS = "Give the site's name, such as https://www.example.org, not an IP address."
USER_INFO = "The address must not hold a user name or password (the part before “@”)."


def inside(host: str) -> str:
    return (
        f"Give an address on the public web: “{host}” is a name that works only "
        "inside a network."
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def picture(fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (16, 8), "teal")
    image.putpixel((0, 0), (255, 0, 0))
    image.save(out, fmt, **options)
    return out.getvalue()


def pixels(content: bytes) -> list:
    with Image.open(io.BytesIO(content)) as image:
        return list(image.convert("RGB").get_flattened_data())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def update(led, contributor):
    return record_update(deliverable=led, by=contributor, narrative="Half done.")


def stored_bytes(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as stored:
        return stored.read()


def downloaded(client, attachment: Attachment):
    response = client.get(reverse("deliverables:evidence", args=[attachment.pk]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def attachments_url(update) -> str:
    return f"/api/v1/progress-updates/{update.pk}/attachments/"


# Downloads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("strategy.pdf", PDF, "application/pdf"),
        ("photo.png", picture("PNG"), "image/png"),
        ("photo.jpg", picture("JPEG"), "image/jpeg"),
        ("chart.gif", picture("GIF"), "image/gif"),
        ("chart.webp", picture("WEBP"), "image/webp"),
        (
            "minutes.docx",
            None,  # built below: a valid package
            DOCX,
        ),
    ],
)
def test_every_evidence_file_is_a_sandboxed_download_never_shown_inline(
    client, update, contributor, name, content, content_type
):
    if content is None:
        from tests.deliverables.test_evidence import docx_bytes

        content = docx_bytes()
    attachment = attach_file(update=update, by=contributor, file=upload(name, content))
    client.force_login(contributor)
    response, body = downloaded(client, attachment)
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = [d.strip() for d in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert "private" in response["Cache-Control"]
    assert body == stored_bytes(attachment)


def test_a_download_name_cannot_break_out_of_its_header(client, update, contributor):
    attachment = attach_file(
        update=update,
        by=contributor,
        file=upload('plan"; filename=evil.html; x=".pdf', PDF),
    )
    client.force_login(contributor)
    response, _ = downloaded(client, attachment)
    header = response["Content-Disposition"]
    # One quoted name, its quotes escaped: a browser reads the whole of it.
    assert header == 'attachment; filename="plan\\"; filename=evil.html; x=\\".pdf"'


# Pictures are re-encoded --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("photo.png", "PNG"), ("photo.jpg", "JPEG"), ("chart.gif", "GIF")],
)
def test_a_picture_with_html_appended_is_kept_as_the_picture_alone(
    client, update, contributor, name, fmt
):
    sent = picture(fmt) + APPENDED_HTML
    attachment = attach_file(update=update, by=contributor, file=upload(name, sent))
    kept = stored_bytes(attachment)
    assert b"<script" not in kept and b"<html" not in kept
    assert pixels(kept) == pixels(picture(fmt)) or fmt == "JPEG"
    with Image.open(io.BytesIO(kept)) as again:
        assert (again.format, again.size) == (fmt, (16, 8))
    if fmt == "PNG":
        assert kept.endswith(b"IEND\xaeB`\x82")  # nothing after the image's end
    # The row describes what is kept, and that is what is downloaded.
    assert attachment.size == len(kept)
    assert attachment.sha256 == hashlib.sha256(kept).hexdigest()
    client.force_login(contributor)
    _, body = downloaded(client, attachment)
    assert body == kept


def test_a_photo_loses_where_it_was_taken_but_keeps_its_way_up(update, contributor):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0112] = 6  # orientation: turned a quarter
    exif[0x8825] = {2: (51.0, 30.0, 0.0), 1: "N"}  # GPS: where it was taken
    sent = picture("JPEG", exif=exif.tobytes())
    attachment = attach_file(
        update=update, by=contributor, file=upload("photo.jpg", sent)
    )
    kept = stored_bytes(attachment)
    with Image.open(io.BytesIO(kept)) as again:
        assert not again.getexif()
        assert "exif" not in again.info
        # Turned as the camera said, since the note that said so is gone.
        assert again.size == (8, 16)
    assert b"Camera maker" not in kept


def test_a_png_loses_its_text_and_colour_profile(update, contributor):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Officer's home address")
    sent = picture("PNG", pnginfo=info, icc_profile=b"not-a-real-profile")
    attachment = attach_file(
        update=update, by=contributor, file=upload("photo.png", sent)
    )
    kept = stored_bytes(attachment)
    assert b"home address" not in kept
    assert b"not-a-real-profile" not in kept
    assert pixels(kept) == pixels(sent)


def test_an_animated_gif_keeps_its_frames_and_timing(update, contributor):
    frames = [Image.new("RGB", (4, 4), colour) for colour in ("red", "teal", "navy")]
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=200,
        loop=0,
        comment=b"made by a tool",
    )
    attachment = attach_file(
        update=update, by=contributor, file=upload("chart.gif", out.getvalue())
    )
    kept = stored_bytes(attachment)
    assert b"made by a tool" not in kept
    with Image.open(io.BytesIO(kept)) as again:
        assert again.n_frames == 3
        assert [f.info["duration"] for f in ImageSequence.Iterator(again)] == [200] * 3


def test_an_animated_png_keeps_its_frames(update, contributor):
    frames = [Image.new("RGBA", (4, 4), colour) for colour in ("red", "teal")]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:], duration=150)
    attachment = attach_file(
        update=update, by=contributor, file=upload("moving.png", out.getvalue())
    )
    with Image.open(io.BytesIO(stored_bytes(attachment))) as again:
        assert again.n_frames == 2
        again.seek(1)
        assert again.convert("RGB").getpixel((0, 0)) == (0, 128, 128)


def test_an_animation_too_large_to_re_encode_is_refused(
    update, contributor, monkeypatch, media
):
    from deliverables import evidence

    monkeypatch.setattr(evidence, "ANIMATION_MAX_PIXELS", 40)
    frames = [Image.new("RGB", (4, 4), colour) for colour in ("red", "teal", "navy")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ValidationError) as refused:
        attach_file(
            update=update, by=contributor, file=upload("big.gif", out.getvalue())
        )
    assert refused.value.message_dict == {
        "file": [
            "big.gif is not accepted. It is an animation too large to check: at "
            "most 0 million pixels in all its frames."
        ]
    }
    assert not Attachment.objects.exists()


# PDFs must be PDFs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-\n" + PDF[9:], "It is not a valid PDF."),  # no version
        (b"<html>%PDF-1.7</html>", "It is not a valid PDF."),
        (PDF.replace(b"%%EOF", b""), "its end is missing"),
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "its end is missing"),
        (b"%PDF-1.7\n%%EOF\n", "its end is missing"),  # no cross-reference
    ],
)
def test_a_file_that_is_not_a_whole_pdf_is_refused_everywhere(
    client, update, contributor, media, content, reason
):
    with pytest.raises(ValidationError) as refused:
        attach_file(update=update, by=contributor, file=upload("r.pdf", content))
    assert reason in refused.value.message_dict["file"][0]
    client.force_login(contributor)
    page = client.post(
        reverse("deliverables:add-evidence", args=[update.pk]),
        {"file": upload("r.pdf", content)},
    )
    assert page.status_code == 400
    assert 'id="id_file-error"' in page.content.decode()
    assert escape(reason) in page.content.decode()
    api = session_client(contributor).post(
        attachments_url(update), {"file": upload("r.pdf", content)}, format="multipart"
    )
    assert api.status_code == 400
    assert [e["field"] for e in api.json()["errors"]] == ["file"]
    assert not Attachment.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_pdf_written_by_a_real_tool_is_accepted(update, contributor):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    attachment = attach_file(
        update=update, by=contributor, file=upload("blank.pdf", out.getvalue())
    )
    assert stored_bytes(attachment) == out.getvalue()


# Links --------------------------------------------------------------------------------

ACCEPTED = [
    ("https://www.jersey.police.uk/news/patrols", "www.jersey.police.uk"),
    ("http://example.org/x", "example.org"),
    ("HTTPS://Example.ORG/Report", "example.org"),
    ("https://example.org:8443/a?b=c#d", "example.org"),
    ("https://example.org/search?q=%3Cscript%3E", "example.org"),
    ("https://bücher.example/katalog", "bücher.example (xn--bcher-kva.example)"),
    ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
    ("https://example.org./trailing-dot", "example.org"),
]

REFUSED = [
    # (address, the service's and API's reason, the page's when it differs)
    ("javascript:alert(1)", WEB_ADDRESS, None),
    ("JavaScript:alert(1)//https://example.org", WEB_ADDRESS, None),
    ("data:text/html,<script>alert(1)</script>", WEB_ADDRESS, None),
    ("file:///etc/passwd", WEB_ADDRESS, None),
    ("ftp://example.org/report.pdf", WEB_ADDRESS, None),
    ('"><script>alert(1)</script>', WEB_ADDRESS, CHARACTERS),  # page adds https://
    ('https://example.org/"><script>alert(1)</script>', CHARACTERS, None),
    ('https://example.org"onmouseover="alert(1)', CHARACTERS, None),
    ("https://exa mple.org/", CHARACTERS, None),
    ("https://example.org/a\tb", CHARACTERS, None),
    ("http://169.254.169.254/latest/meta-data/", IP_ADDRESS, None),
    ("http://10.0.0.1/", IP_ADDRESS, None),
    ("http://[::1]/", IP_ADDRESS, None),
    ("http://2130706433/", IP_ADDRESS, None),
    ("http://0x7f.1/", IP_ADDRESS, None),
    ("https://user:secret@example.org/", USER_INFO, None),
    ("https://example.org@evil.example/", USER_INFO, None),
    ("https://localhost/admin", inside("localhost"), None),
    ("https://intranet/", inside("intranet"), None),
    ("https://printer.local/", inside("printer.local"), None),
    ("https://metadata.google.internal/", inside("metadata.google.internal"), None),
    ("https://", WEB_ADDRESS, None),
    ("https://example.org:99999/", WEB_ADDRESS, None),
    ("https://-bad-.example.org/", WEB_ADDRESS, None),
    ("https://under_score.example.org/", WEB_ADDRESS, None),
    ("https://example.123/", WEB_ADDRESS, None),
    ("https://" + "a" * 64 + ".org/", WEB_ADDRESS, None),
]


@pytest.mark.parametrize(("url", "host"), ACCEPTED)
def test_an_accepted_link_is_kept_as_given_through_the_service(
    update, contributor, url, host
):
    link = attach_link(update=update, by=contributor, url=url, title="Report")
    assert link.url == url


@pytest.mark.parametrize(("url", "reason", "_page"), REFUSED)
def test_a_refused_link_is_refused_by_the_service_with_its_reason(
    update, contributor, url, reason, _page
):
    with pytest.raises(ValidationError) as refused:
        attach_link(update=update, by=contributor, url=url, title="Report")
    assert refused.value.message_dict == {"url": [reason]}
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(("url", "host"), ACCEPTED)
def test_an_accepted_link_is_shown_with_its_host_on_the_page(
    client, update, contributor, url, host
):
    client.force_login(contributor)
    response = client.post(
        reverse("deliverables:add-evidence", args=[update.pk]),
        {"url": url, "title": "Patrol times"},
    )
    assert response.status_code == 302
    link = Attachment.objects.get()
    assert link.url == url
    page = client.get(reverse("deliverables:detail", args=[update.deliverable_id]))
    html = page.content.decode()
    assert f"(link to {escape(host)})" in html
    assert f'href="{escape(url)}"' in html


@pytest.mark.parametrize(("url", "reason", "page_reason"), REFUSED)
def test_a_refused_link_is_explained_beside_the_field_on_the_page(
    client, update, contributor, url, reason, page_reason
):
    client.force_login(contributor)
    response = client.post(
        reverse("deliverables:add-evidence", args=[update.pk]),
        {"url": url, "title": "Report"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_url-error"' in html and 'href="#id_url"' in html
    assert escape(page_reason or reason) in html
    assert "<script>alert" not in html
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(("url", "host"), ACCEPTED)
def test_an_accepted_link_is_taken_by_the_api(update, contributor, url, host):
    response = session_client(contributor).post(
        attachments_url(update), {"url": url, "title": "Report"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"] == url
    assert Attachment.objects.get().url == url


@pytest.mark.parametrize(("url", "reason", "_page"), REFUSED)
def test_a_refused_link_is_a_problem_naming_the_field_in_the_api(
    update, contributor, url, reason, _page
):
    response = session_client(contributor).post(
        attachments_url(update), {"url": url, "title": "Report"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("url", reason)
    ]
    assert not Attachment.objects.exists()


def test_the_forms_say_links_are_not_checked(client, update, contributor, led):
    client.force_login(contributor)
    for url in (
        reverse("deliverables:add-evidence", args=[update.pk]),
        reverse("deliverables:record", args=[led.pk]),
    ):
        html = client.get(url).content.decode()
        assert "Links are not checked: open them with care." in html, url
