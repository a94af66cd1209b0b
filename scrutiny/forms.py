from django import forms
from django.utils import timezone

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
        self.instance.plan = plan
        self.instance.decided_by = plan.owner

    def clean_reference(self):
        reference = self.cleaned_data["reference"]
        taken = DecisionNotice.objects.filter(
            decided_by=self.instance.decided_by, reference=reference
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("A decision notice already has this reference.")
        return reference


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

    def clean(self):
        data = super().clean()
        state = data.get("state")
        today = timezone.localdate()
        if state in {"answered", "closed"} and data.get("response"):
            data["answered_on"] = data.get("answered_on") or today
        if state == "answered" and not data.get("response"):
            self.add_error("response", "Enter the response to mark it answered.")
        if state == "closed" and not data.get("response"):
            self.add_error("response", "Enter the response before closing it.")
        if state == "closed":
            data["closed_on"] = data.get("closed_on") or today
        if state == "open":
            data["answered_on"] = None
            data["closed_on"] = None
        raised, due = data.get("raised_on"), data.get("due_on")
        if raised and due and due < raised:
            self.add_error(
                "due_on", "The response due date must be on or after the date raised."
            )
        return data


class ResponseForm(GovukFormMixin, forms.ModelForm):
    """The owning organisation answers an action."""

    class Meta:
        model = ScrutinyAction
        fields = ["response"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].required = True
        self.fields["response"].error_messages["required"] = "Enter your response."

    def save(self, commit=True):
        action = super().save(commit=False)
        if action.state == ScrutinyAction.State.OPEN:
            action.state = ScrutinyAction.State.ANSWERED
        action.answered_on = action.answered_on or timezone.localdate()
        if commit:
            action.save()
        return action
