"""How a decision notice's reference and date are shown, for a notice or for one as
a dashboard or published report keeps it (a dict with ISO dates)."""

from django import template

from scrutiny.models import DecisionNotice
from scrutiny.templatetags.dashboard import isodate

register = template.Library()


def _get(notice, key):
    if isinstance(notice, dict):
        return notice.get(key)
    return getattr(notice, key, None)


@register.filter
def notice_reference(notice) -> str:
    """ "DN-2017-004 (given by the tracker)", or the body's own reference."""
    return DecisionNotice.reference_label(
        _get(notice, "reference") or "", _get(notice, "reference_generated")
    )


@register.filter
def notice_approved(notice) -> str:
    """ "14 March 2018", or "March 2018" when only the month is known. (A report
    published before dates could be a month gives days only.)"""
    return DecisionNotice.date_text(
        isodate(_get(notice, "approved_on")), _get(notice, "approved_on_precision")
    )
