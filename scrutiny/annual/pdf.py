"""A published annual report as a tagged PDF (PDF/UA-1): the quarterly reports'
machinery (``scrutiny.reports.pdf``), given the annual report's template and model."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from scrutiny.annual.models import AnnualReportPdf, PublishedAnnualReport
from scrutiny.reports.pdf import report_pdf, stored_pdf


def drawn_annual_pdf(report: PublishedAnnualReport) -> bytes:
    """The PDF of ``report`` drawn now, its links resolving against its public page."""
    url = settings.SITE_URL.rstrip("/") + reverse(
        "scrutiny:annual-report", args=[report.pk]
    )
    return report_pdf(report, url, template="scrutiny/annual/report_pdf.html")


def stored_annual_pdf(*, report: PublishedAnnualReport) -> AnnualReportPdf:
    """The stored PDF of ``report``, drawn and stored first if it has none yet."""
    return stored_pdf(report=report, pdf_model=AnnualReportPdf, draw=drawn_annual_pdf)
