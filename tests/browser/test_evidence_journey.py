"""Evidence in a real browser: a contributor attaches a file and a link with an update
(after a refused file), adds more later, and an editor shows one with the published
report. Every page is checked with axe and for CSP violations."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from deliverables.models import Attachment
from scrutiny.reports.services import publish_report
from tests.browser.conftest import axe_check, sign_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def macro_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_contributor_attaches_evidence_and_an_editor_shows_it_in_public(
    new_page, workspace
):
    deliverable = workspace["on_time"][0]
    page = new_page()
    sign_in(page, "farah")
    page.goto(f"/deliverables/{deliverable.pk}/progress/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record progress")
    expect(page.get_by_role("group", name="Evidence (optional)")).to_be_visible()
    axe_check(page)

    page.get_by_label("What progress has been made?").fill("Twelve officers sworn in.")
    page.get_by_label("File (optional)").set_input_files(
        {
            "name": "minutes.docx",
            "mimeType": "application/msword",
            "buffer": macro_docx(),
        }
    )
    page.get_by_role("button", name="Save update").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    problem = summary.get_by_role("link", name=re.compile("macros or ActiveX"))
    expect(problem).to_have_attribute("href", "#id_evidence_file")
    expect(page.locator("#id_evidence_file-error")).to_contain_text("macros")
    axe_check(page)
    assert not Attachment.objects.exists()

    page.get_by_label("File (optional)").set_input_files(
        {"name": "swearing-in.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("Link (optional)", exact=True).fill(
        "https://example.org/news/officers"
    )
    page.get_by_label("Title of the link (optional)").fill("Press release")
    page.get_by_role("button", name="Save update").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(deliverable.title)
    update = page.locator(".app-timeline__item").first
    expect(update.get_by_role("link", name="swearing-in.pdf")).to_be_visible()
    expect(update.get_by_role("link", name="Press release")).to_have_attribute(
        "href", "https://example.org/news/officers"
    )
    expect(update).to_contain_text("PDF, 48")
    axe_check(page)

    update.get_by_role("link", name=re.compile("^Add evidence")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    axe_check(page)
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose a file, or give a link."
    )
    axe_check(page)
    page.get_by_label("Or a link").fill("https://example.org/rota")
    page.get_by_label("Title (optional)").fill("Patrol rota")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_role("alert")).to_contain_text("Added “Patrol rota”")
    assert Attachment.objects.count() == 3

    editor = new_page()
    sign_in(editor, "erin")
    editor.goto(f"/deliverables/{deliverable.pk}/")
    editor.get_by_role(
        "button", name=re.compile(r"^Show with the published report\W+Patrol rota$")
    ).click()
    expect(editor.get_by_role("alert")).to_contain_text(
        "“Patrol rota” will show with the plan's published reports."
    )
    expect(editor.locator(".app-timeline__item").first).to_contain_text(
        "Public with the report"
    )
    axe_check(editor)
    assert Attachment.objects.get(title="Patrol rota").is_public

    # Published with the plan made public: anyone can open that one item.
    plan = workspace["plan"]
    plan.is_public = True
    plan.save()
    shown = Attachment.objects.get(title="Patrol rota")
    report = publish_report(
        plan=plan, period=shown.update.period, by=workspace["editor"]
    )
    reader = new_page()
    reader.goto(f"/reports/{report.pk}/deliverables/{deliverable.pk}/")
    expect(reader.get_by_role("heading", level=1)).to_have_text(deliverable.title)
    evidence = reader.locator(".app-evidence")
    expect(evidence.get_by_role("link", name="Patrol rota")).to_be_visible()
    expect(evidence).not_to_contain_text("swearing-in.pdf")
    expect(evidence).not_to_contain_text("Press release")
    axe_check(reader)
