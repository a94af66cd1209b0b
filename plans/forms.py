"""GOV.UK form markup for every Django form: labels, hints, errors, error summary."""

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
    bound_field_class = GovukBoundField
