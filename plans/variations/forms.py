from django import forms

from core.forms import GovukDateField, GovukFormMixin


class VariationForm(GovukFormMixin, forms.Form):
    """What a variation is: the day it takes effect, why, and the panel's
    consultation. The rules (the day after the locked quarters, within the plan)
    are the service's."""

    takes_effect_on = GovukDateField(
        label="Takes effect on",
        help_text=(
            "Quarters that end before this day keep showing the plan as it stood. "
            "For example, 1 10 2017."
        ),
        error_messages={"required": "Enter the day the variation takes effect."},
    )
    reason = forms.CharField(
        label="Why the plan is varied",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the plan is varied."},
    )
    consultation = forms.CharField(
        label="Consultation with the panel (optional)",
        help_text="When and how the panel was consulted, and what it said.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
