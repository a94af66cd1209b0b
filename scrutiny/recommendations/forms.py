"""The register's forms: recording a recommendation, the owner's response, closing
it, and a spreadsheet of many."""

from __future__ import annotations

from django import forms

from core.forms import GovukDateField, GovukFormMixin
from plans.models import Plan
from plans.selectors import NOT_WORKED_WITH, choosable_by
from scrutiny import rules
from scrutiny.models import ScrutinyAction
from scrutiny.recommendations.models import Recommendation


class RecommendationForm(GovukFormMixin, forms.ModelForm):
    """Plan editors record a recommendation; its due date comes from the source's
    rule unless the source has none."""

    published_on = GovukDateField(label="Published on")
    due_on = GovukDateField(
        label="Response due (only when the source has no rule)",
        required=False,
        help_text=(
            f"An HMICFRS report's comments are due {rules.HMICFRS_RESPONSE_DAYS} "
            "days after it was published (Police Act 1996, s.55), and the tracker "
            "sets the date; so it does for panel reports and reviews of the annual "
            "report. Give a date here only for another source."
        ),
    )
    deliverable_references = forms.CharField(
        label="Linked deliverables (optional)",
        required=False,
        help_text="Their references, separated by commas, such as 1.2.3, 2.1.1.",
    )

    class Meta:
        model = Recommendation
        fields = [
            "reference",
            "text",
            "source",
            "source_title",
            "source_url",
            "published_on",
            "due_on",
            "owner",
            "actions",
        ]
        labels = {
            "reference": "Reference (optional)",
            "source_url": "Address of the source (optional)",
            "actions": "Linked scrutiny actions (optional)",
        }
        widgets = {
            "source": forms.RadioSelect,
            "actions": forms.CheckboxSelectMultiple,
            "text": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.instance.plan = plan
        # Only organisations the plan's body works with: never the whole service.
        self.fields["owner"].queryset = choosable_by(
            plan.owner_id, keeping=self.instance.owner_id
        )
        self.fields["owner"].empty_label = "Choose an organisation"
        self.fields["owner"].error_messages["invalid_choice"] = NOT_WORKED_WITH
        self.fields["owner"].label = "Owner: who must respond"
        actions = self.fields["actions"]
        actions.queryset = ScrutinyAction.objects.filter(plan=plan).order_by(
            "-raised_on", "pk"
        )
        actions.label_from_instance = lambda a: (
            f"{a.get_kind_display()} from {a.raised_by}, "
            f"{a.raised_on:%d/%m/%Y}: {a.text[:80]}"
        )
        if self.instance.pk and not self.is_bound:
            self.initial["deliverable_references"] = ", ".join(
                d.reference
                for d in self.instance.deliverables.order_by("position", "reference")
            )
        self.order_fields([*self.Meta.fields[:-1], "deliverable_references"])

    def clean_deliverable_references(self):
        refs = [
            r.strip()
            for r in self.cleaned_data["deliverable_references"].split(",")
            if r.strip()
        ]
        found = {
            d.reference: d for d in self.plan.deliverables.filter(reference__in=refs)
        }
        missing = [r for r in refs if r not in found]
        if missing:
            raise forms.ValidationError(
                "This plan has no deliverable " + ", ".join(missing) + "."
            )
        return list(dict.fromkeys(found[r] for r in refs))

    def validate_constraints(self):
        """The rules across fields and rows (dates in order, a reference once in the
        plan) are the service's, with a message beside the field; the database's
        constraints stand behind it."""

    def validate_unique(self):
        """As ``validate_constraints``: the service says it beside the field."""

    def fields_for_service(self) -> dict:
        """The cleaned values, as ``save_recommendation`` takes them."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["deliverables"] = self.cleaned_data["deliverable_references"]
        return data


class ResponseForm(GovukFormMixin, forms.ModelForm):
    """The owning organisation responds to a recommendation."""

    class Meta:
        model = Recommendation
        fields = ["response"]
        labels = {"response": "Your response"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].required = True
        self.fields["response"].error_messages["required"] = "Enter your response."


class CloseForm(GovukFormMixin, forms.Form):
    """A plan editor closes a responded recommendation."""

    closed_on = GovukDateField(
        label="Closed on (optional)", required=False, help_text="Today if left empty."
    )


class ImportForm(GovukFormMixin, forms.Form):
    """Many recommendations from a spreadsheet, all or nothing."""

    file = forms.FileField(
        label="Spreadsheet of recommendations",
        help_text="A CSV or Excel (.xlsx) file with the columns reference, "
        "recommendation, source, source title, published, due, owner and "
        "deliverables.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                "The file must be a CSV or an Excel .xlsx file."
            )
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        return upload
