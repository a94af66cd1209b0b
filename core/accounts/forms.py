"""The one field every two-factor page asks for: a code."""

from django import forms

from core.forms import GovukFormMixin


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        error_messages={"required": "Enter the code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["code"].label = label
        if help_text:
            self.fields["code"].help_text = help_text
