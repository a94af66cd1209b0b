"""A published report as a tagged, accessible PDF (PDF/UA-1), drawn by WeasyPrint from
the report's stored HTML, so the PDF always says what the report said.

Drawing takes seconds (many more under load), so each report's PDF is drawn once,
in the background when it is published (``scrutiny.reports.tasks``), and kept in the
default storage (``ReportPdf``); downloads send the stored file. A report published
before PDFs were kept, or one whose PDF is still being drawn, gets it on its first
download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from scrutiny.models import PublishedReport, ReportPdf


def report_pdf(
    report: Any, url: str, template: str = "scrutiny/report_pdf.html"
) -> bytes:
    """The PDF of ``report`` (a quarterly report, or any frozen report with ``html``
    that ``template`` shows); ``url`` is the report's page, which relative links in
    the stored HTML resolve against."""
    import weasyprint  # imported here: it loads system libraries (Pango)

    html = render_to_string(
        template,
        {"report": report, "body": mark_safe(report.html)},  # noqa: S308 stored by us
    )
    document = weasyprint.HTML(string=html, base_url=url)
    return document.write_pdf(pdf_variant="pdf/ua-1")


def report_url(report: PublishedReport) -> str:
    """The report's page at the site's public address (``SITE_URL``): a stored PDF
    is the same for everyone, whichever address its first reader used."""
    return settings.SITE_URL.rstrip("/") + reverse("scrutiny:report", args=[report.pk])


def drawn_report_pdf(report: PublishedReport) -> bytes:
    """The PDF of ``report`` drawn now, its links resolving against its public page."""
    return report_pdf(report, report_url(report))


def stored_report_pdf(*, report: PublishedReport) -> ReportPdf:
    """The stored PDF of ``report``, drawn and stored first if it has none yet."""
    return stored_pdf(
        report=report,
        pdf_model=ReportPdf,
        draw=drawn_report_pdf,
        related=("plan__owner", "period"),
    )


def stored_pdf[P: Model](
    *,
    report: Any,
    pdf_model: type[P],
    draw: Callable[[Any], bytes],
    related: tuple[str, ...] = ("plan__owner",),
) -> P:
    """The stored PDF (a ``pdf_model`` row, whose ``report`` is one-to-one with the
    report's model) of ``report``, drawn by ``draw`` and stored first if it has none.

    The report's row is locked while the PDF is drawn, so that two first downloads,
    or a download and the background task, draw it once and store one file; the
    second waits and is given the first's. (SQLite has no row locks but writes one
    at a time; there the one-to-one's uniqueness keeps the first file stored.)
    """
    with transaction.atomic():
        # Only the report's row, and FOR NO KEY UPDATE: neither its plan nor a
        # scrutiny action raised about it meanwhile (a foreign key to it) waits.
        locked = (
            type(report)
            .objects.select_for_update(no_key=True, of=("self",))
            .select_related(*related)
            .get(pk=report.pk)
        )
        existing = pdf_model._default_manager.filter(report=locked).first()
        if existing is not None:
            return existing
        content = draw(locked)
        pdf: Any = pdf_model(
            report=locked, size=len(content), rendered_at=timezone.now()
        )
        pdf.file.save("report.pdf", ContentFile(content), save=False)
        try:
            with transaction.atomic():
                pdf.save()
        except IntegrityError:
            # Stored by another process in the meantime: keep its file, not ours.
            pdf.file.delete(save=False)
            return pdf_model._default_manager.get(report=locked)
        return pdf
