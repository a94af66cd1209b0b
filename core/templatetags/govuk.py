"""Small helpers for GOV.UK markup in templates."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def error_anchor(field) -> str:
    """Where the error summary links: the field itself, or a group's first option."""
    if field.widget_type in {"radioselect", "checkboxselectmultiple", "govukdate"}:
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.filter
def govuk_date_parts(subwidgets):
    """Day, month and year boxes with their labels and widths."""
    return zip(subwidgets, ("Day", "Month", "Year"), (2, 2, 4), strict=False)


@register.filter
def model_name(model) -> str:
    return model._meta.verbose_name


@register.filter
def with_article(noun) -> str:
    """ "an objective", "a deliverable": the indefinite article a noun takes."""
    noun = str(noun)
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


@register.filter
def page_numbers(page):
    """The page numbers to link, GOV.UK style: the first and last, the current one
    and its neighbours, and an ellipsis (``Paginator.ELLIPSIS``) for each gap, so
    that the links do not grow with the number of pages."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)


@register.simple_tag
def select_options(items, value: str, label: str, selected=None):
    """The ``<option>`` elements of a long select (every plan in the service, every
    lead organisation) in one pass: a template loop over a thousand of them takes
    tens of milliseconds. ``items`` are dicts or objects; ``value`` and ``label``
    name their keys. Both are escaped."""

    def get(item, key):
        return item[key] if isinstance(item, dict) else getattr(item, key)

    chosen = "" if selected is None else str(selected)
    options = []
    for item in items:
        key = str(get(item, value))
        mark = " selected" if key == chosen else ""
        options.append(
            f'<option value="{escape(key)}"{mark}>{escape(get(item, label))}</option>'
        )
    return mark_safe("".join(options))  # every value is escaped above


@register.filter
def thousands(value) -> str:
    """A whole number with its thousands separated: 5000 as 5,000."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
