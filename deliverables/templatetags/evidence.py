"""Labels for evidence in templates."""

from django import template

from deliverables import evidence as services

register = template.Library()


@register.filter
def evidence_kind(attachment) -> str:
    """The kind of evidence in words: PDF, Word document, PNG image... or Link."""
    if attachment.is_link:
        return "Link"
    kind = services.kind_of(attachment)
    return kind.label if kind else "File"


@register.filter
def link_host(attachment) -> str:
    """The host a link opens, to show beside its title."""
    return services.link_host(attachment.url) if attachment.is_link else ""
