"""The annual report's forms: they shape what was typed; every rule about states and
dates is the services'."""

from __future__ import annotations

from django import forms

from core.forms import GovukDateField, GovukFormMixin
from scrutiny.annual.services import SECTION_LIMITS


class NewAnnualReportForm(GovukFormMixin, forms.Form):
    year = forms.ChoiceField(
        label="Year", error_messages={"required": "Choose a year."}
    )

    def __init__(self, *args, years: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = (
            "Choose one of the years."
        )


class SectionsForm(GovukFormMixin, forms.Form):
    """The foreword, a narrative for each top-level priority, the look ahead, and
    why quarters are missing (when any are)."""

    foreword = forms.CharField(
        label="Foreword",
        required=False,
        max_length=SECTION_LIMITS["foreword"],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The commissioner's own introduction to the year.",
    )
    looking_ahead = forms.CharField(
        label="Looking ahead",
        required=False,
        max_length=SECTION_LIMITS["looking_ahead"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    missing_quarters_reason = forms.CharField(
        label="Why quarters are missing",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Needed to publish while a quarter of the year has no published report."
        ),
    )

    def __init__(self, *args, priorities: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.priorities = priorities
        for group in priorities:
            self.fields[f"narrative_{group['id']}"] = forms.CharField(
                label=f"Narrative for {group['label']} {group['title']}",
                required=False,
                max_length=SECTION_LIMITS["narrative"],
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        # The priorities' narratives between the foreword and the look ahead.
        order = ["foreword", *(f"narrative_{g['id']}" for g in priorities)]
        order += ["looking_ahead", "missing_quarters_reason"]
        self.order_fields(order)

    def narratives(self) -> dict[str, str]:
        return {
            str(g["id"]): self.cleaned_data.get(f"narrative_{g['id']}", "")
            for g in self.priorities
        }


class SendForm(GovukFormMixin, forms.Form):
    sent_on = GovukDateField(label="Date sent to the panel")


class PanelForm(GovukFormMixin, forms.Form):
    reviewed_on = GovukDateField(
        label="Date of the panel's public meeting",
    )
    recommendations = forms.CharField(
        label="The panel's recommendations (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One recommendation a paragraph, with a blank line between them. "
        "Leave empty if the panel made none.",
    )

    def texts(self) -> list[str]:
        text = self.cleaned_data.get("recommendations", "").replace("\r\n", "\n")
        return [p.strip() for p in text.split("\n\n") if p.strip()]


class ResponseForm(GovukFormMixin, forms.Form):
    responded_on = GovukDateField(label="Date of the response")
    overall = forms.CharField(
        label="Overall response (optional when each recommendation has one)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, recommendations: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.recommendations = recommendations
        for recommendation in recommendations:
            self.fields[f"response_{recommendation.pk}"] = forms.CharField(
                label=f"Response to {recommendation.reference}",
                help_text=recommendation.text,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def responses(self) -> dict[int, str]:
        return {
            r.pk: self.cleaned_data.get(f"response_{r.pk}", "")
            for r in self.recommendations
        }


class PublishAnnualForm(GovukFormMixin, forms.Form):
    change_note = forms.CharField(
        label="What changed, and why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed for a correction: readers see it at the top of the new "
        "version.",
    )
