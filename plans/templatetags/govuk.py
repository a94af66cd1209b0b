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
