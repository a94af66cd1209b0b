"""GOV.UK form markup for every Django form: labels, hints, errors, error summary.

The platform's: every app's forms mix in ``GovukFormMixin``; ``settings.FORM_RENDERER``
names ``GovukFormRenderer``."""

import datetime

from django import forms
from django.forms.renderers import TemplatesSetting

WIDGET_CLASSES = {
    "textinput": "govuk-input",
    "numberinput": "govuk-input govuk-input--width-3",
    "emailinput": "govuk-input",
    "passwordinput": "govuk-input",
    "urlinput": "govuk-input",
    "dateinput": "govuk-input govuk-input--width-10",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "csvselect": "govuk-select",  # django-filter's sort order
    "clearablefileinput": "govuk-file-upload",
    "fileinput": "govuk-file-upload",
}


class GovukFormRenderer(TemplatesSetting):
    """Renders every form with GOV.UK Frontend's form-group, label, hint and error."""

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


class GovukBoundField(forms.BoundField):
    """Adds GOV.UK classes, and points the field at its error message if any."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = WIDGET_CLASSES.get(widget.__class__.__name__.lower())
        if css:
            if self.errors:
                css += f" {css.split()[0]}--error"
            attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        if self.errors:
            described = attrs.get("aria-describedby", "")
            attrs["aria-describedby"] = f"{described} {self.auto_id}-error".strip()
        return attrs


class GovukFormMixin:
    bound_field_class: type[forms.BoundField] | None = GovukBoundField


class GovukDateWidget(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes."""

    template_name = "forms/govuk_date.html"

    def __init__(self, attrs=None):
        super().__init__(
            [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(3)], attrs
        )

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovukDateField(forms.MultiValueField):
    """An exact date typed as day, month and year, with GOV.UK's error wording."""

    widget = GovukDateWidget

    def __init__(self, **kwargs):
        real = {
            key: "Enter a real date." for key in ("invalid", "min_value", "max_value")
        }
        parts = (
            forms.IntegerField(min_value=1, max_value=31, error_messages=real),
            forms.IntegerField(min_value=1, max_value=12, error_messages=real),
            forms.IntegerField(min_value=1900, max_value=2199, error_messages=real),
        )
        kwargs.setdefault(
            "error_messages",
            {
                "incomplete": "Enter a day, month and year.",
                "invalid": "Enter a real date.",
            },
        )
        super().__init__(parts, require_all_fields=False, **kwargs)

    def compress(self, values):
        if not values or all(v in (None, "") for v in values):
            return None
        if any(v in (None, "") for v in values):
            raise forms.ValidationError("Enter a day, month and year.")
        try:
            return datetime.date(values[2], values[1], values[0])
        except ValueError as exc:
            raise forms.ValidationError("Enter a real date.") from exc


def add_service_errors(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form: beside each field it names, and
    in the summary for anything else."""
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
