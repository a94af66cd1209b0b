"""Status and RAG as GOV.UK tags: always with their words, never colour alone."""

from django import template
from django.utils.html import format_html

from deliverables.models import Rag, ReviewState, Status

register = template.Library()

STATUS_COLOURS = {
    Status.FUTURE: "grey",
    Status.NOT_YET_COMMENCED: "orange",
    Status.IN_PROGRESS: "blue",
    Status.COMPLETED: "green",
    Status.ON_HOLD: "yellow",
    Status.WILL_NOT_PROCEED: "red",
    Status.MERGED: "purple",
    Status.SPLIT: "pink",
}
RAG_COLOURS = {Rag.GREEN: "green", Rag.AMBER: "yellow", Rag.RED: "red"}
REVIEW_COLOURS = {
    ReviewState.SUBMITTED: "yellow",
    ReviewState.ACCEPTED: "green",
    ReviewState.RETURNED: "red",
}


def _tag(colour: str, text: str):
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text
    )


@register.simple_tag
def status_tag(value: str):
    return _tag(STATUS_COLOURS.get(value, "grey"), Status(value).label)


@register.simple_tag
def rag_tag(value: str):
    if not value:
        return _tag("grey", "Not assessed")
    return _tag(RAG_COLOURS[value], Rag(value).label)


@register.simple_tag
def review_tag(value: str):
    return _tag(REVIEW_COLOURS[value], ReviewState(value).label)


def _field(rollup, name: str):
    """A roll-up's field, from a ``Rollup`` or its stored dictionary (published
    reports keep dictionaries; older ones lack the coverage fields)."""
    if isinstance(rollup, dict):
        return rollup.get(name)
    return getattr(rollup, name, None)


@register.filter
def percent_complete(rollup, form: str = "") -> str:
    """A group's percent complete in words, with how many of its open deliverables
    gave a percentage; without the mean when it would stand for too few of them
    (``deliverables.rollup.Rollup.percent_shown``)."""
    percent = _field(rollup, "percent")
    if percent is None:
        return "No percentages given"
    count = _field(rollup, "percent_count")
    open_count = _field(rollup, "open_count")
    if open_count is None:  # a report published before coverage was kept
        return f"{percent}% complete, mean of {count}"
    given = _field(rollup, "open_with_percent")
    coverage = f"{given} of {open_count} open give{'s' if given == 1 else ''} one"
    short = form == "short"  # for a table's cell
    if _field(rollup, "percent_shown") is None:
        return (
            f"Too few to say ({coverage})"
            if short
            else (f"Too few percentages to say: {coverage}")
        )
    if not open_count:
        return f"{percent}%" if short else f"{percent}% complete, mean of {count}"
    if short:
        return f"{percent}% ({coverage})"
    return f"{percent}% complete, mean of {count} ({coverage})"
