from django import forms

from core.forms import GovukDateField, GovukFormMixin
from plans.models import Organisation
from scrutiny.models import DecisionNotice, PublishedReport, ScrutinyAction


class DecisionNoticeForm(GovukFormMixin, forms.ModelForm):
    approved_on = GovukDateField(label="Date approved")

    class Meta:
        model = DecisionNotice
        fields = ["reference", "title", "approved_on", "summary", "url", "deliverables"]
        labels = {
            "url": "Where it is published (optional)",
            "deliverables": "Deliverables it funds or changes",
        }
        widgets = {"deliverables": forms.CheckboxSelectMultiple}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["deliverables"]
        field.queryset = plan.deliverables.order_by("position", "reference")
        field.label_from_instance = lambda d: f"{d.reference} {d.title}"
        field.required = False
        # For the model's own checks; the service decides what is stored.
        self.instance.plan = plan
        self.instance.decided_by = plan.owner

    def validate_constraints(self):
        """The reference's uniqueness is the service's to judge (with a message
        beside the field); the database's constraint stands behind it."""

    def fields_for_service(self) -> dict:
        """The cleaned values, as ``save_decision_notice`` takes them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PublishForm(GovukFormMixin, forms.Form):
    change_note = forms.CharField(
        label="What changed, and why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Needed for a correction: readers see it at the top of the new version."
        ),
    )


class ScrutinyActionForm(GovukFormMixin, forms.ModelForm):
    """Plan editors record a panel's question or recommendation and track it."""

    raised_on = GovukDateField(label="Raised on")
    due_on = GovukDateField(label="Response due (optional)", required=False)
    answered_on = GovukDateField(label="Answered on", required=False)
    closed_on = GovukDateField(label="Closed on", required=False)

    class Meta:
        model = ScrutinyAction
        fields = [
            "kind",
            "text",
            "raised_by",
            "raised_on",
            "report",
            "owner",
            "due_on",
            "state",
            "response",
            "answered_on",
            "closed_on",
        ]
        labels = {"report": "Report it arose from (optional)"}
        widgets = {"kind": forms.RadioSelect, "state": forms.RadioSelect}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        reports = self.fields["report"]
        reports.queryset = PublishedReport.objects.filter(plan=plan).select_related(
            "period"
        )
        reports.label_from_instance = lambda r: f"{r.period.label}, version {r.version}"
        self.fields["owner"].queryset = Organisation.objects.order_by("name")
        self.fields["owner"].empty_label = "Choose an organisation"

    def validate_constraints(self):
        """The rules across fields (a response to answer, dates in order) are the
        service's to judge, with a message beside the field; the database's
        constraints stand behind it."""

    def fields_for_service(self) -> dict:
        """The cleaned values, as ``save_scrutiny_action`` takes them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ResponseForm(GovukFormMixin, forms.ModelForm):
    """The owning organisation answers an action."""

    class Meta:
        model = ScrutinyAction
        fields = ["response"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].required = True
        self.fields["response"].error_messages["required"] = "Enter your response."
