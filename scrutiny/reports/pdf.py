"""A published report as a tagged, accessible PDF (PDF/UA-1), drawn by WeasyPrint from
the report's stored HTML, so the PDF always says what the report said."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


def report_pdf(report, url: str) -> bytes:
    """The PDF of ``report``; ``url`` is the report's page, which relative links in the
    stored HTML resolve against."""
    import weasyprint  # imported here: it loads system libraries (Pango)

    html = render_to_string(
        "scrutiny/report_pdf.html",
        {"report": report, "body": mark_safe(report.html)},  # noqa: S308 stored by us
    )
    document = weasyprint.HTML(string=html, base_url=url)
    return document.write_pdf(pdf_variant="pdf/ua-1")
