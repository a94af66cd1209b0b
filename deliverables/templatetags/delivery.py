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
