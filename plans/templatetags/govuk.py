"""Small helpers for GOV.UK markup in templates."""

from django import template

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
def page_numbers(page):
    """The page numbers to link, GOV.UK style: the first and last, the current one
    and its neighbours, and an ellipsis (``Paginator.ELLIPSIS``) for each gap, so
    that the links do not grow with the number of pages."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
