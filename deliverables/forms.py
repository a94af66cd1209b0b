"""Forms of the OPCC workspace. They validate and shape; the services decide."""

from django import forms

from deliverables.models import FUZZY_DATE_HELP, Rag, Status
from plans.forms import GovukDateField, GovukFormMixin

UPDATE_STATUSES = [choice for choice in Status.choices if choice[0] != Status.MERGED]


class ProgressForm(GovukFormMixin, forms.Form):
    """Record progress on one deliverable (merging is its own journey)."""

    status = forms.ChoiceField(choices=UPDATE_STATUSES, widget=forms.RadioSelect)
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=[("", "Not assessed"), *Rag.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    percent_complete = forms.IntegerField(
        label="Percentage complete (optional)",
        min_value=0,
        max_value=100,
        required=False,
        help_text="A whole number from 0 to 100.",
    )
    forecast_date = forms.CharField(
        label="Forecast date",
        max_length=100,
        required=False,
        help_text=FUZZY_DATE_HELP,
    )
    narrative = forms.CharField(
        label="What progress has been made?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
        error_messages={"required": "Say what progress has been made."},
    )
    reason = forms.CharField(
        label="Reason for the change (if the status or forecast date changes)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        required=False,
        help_text="For example \"End date extended to align with the last centre's "
        'completion."',
    )


class ReturnForm(GovukFormMixin, forms.Form):
    comment = forms.CharField(
        label="Why is it being returned?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        error_messages={"required": "Say why the update is being returned."},
    )


MISSING = {
    "reference": "Enter the new plan's reference, or choose a plan.",
    "title": "Enter the new plan's title, or choose a plan.",
    "starts_on": "Enter the date the new plan starts.",
    "ends_on": "Enter the date the new plan ends.",
}


class ImportForm(GovukFormMixin, forms.Form):
    """Upload a plan's action table; a preview comes before anything is written."""

    file = forms.FileField(
        label="Action table",
        help_text="A CSV or Excel (.xlsx) file, one row per deliverable, with the "
        "columns of the import guide.",
    )
    organisation = forms.ModelChoiceField(
        queryset=None, label="Policing body that owns the plan", empty_label=None
    )
    plan = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Plan",
        empty_label="A new plan",
        help_text="Choose a plan to update it, or describe a new one below.",
    )
    reference = forms.CharField(
        label="New plan's reference",
        required=False,
        max_length=100,
        help_text="For example R.4/2017.",
    )
    title = forms.CharField(label="New plan's title", required=False, max_length=300)
    starts_on = GovukDateField(
        label="New plan starts on", required=False, help_text="For example, 1 1 2017."
    )
    ends_on = GovukDateField(
        label="New plan ends on", required=False, help_text="For example, 31 12 2017."
    )

    def __init__(self, *args, organisations, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["plan"].queryset = plans

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                "The file must be a CSV or an Excel .xlsx file."
            )
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("plan"):
            for name in ("reference", "title", "starts_on", "ends_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, MISSING[name])
        return data


class MergeForm(GovukFormMixin, forms.Form):
    merged = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Deliverables to merge into this one",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the deliverables to merge into this one."},
    )
    reason = forms.CharField(
        label="Why are they being merged?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        error_messages={"required": "Say why they are being merged."},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merged"].queryset = candidates
        self.fields["merged"].label_from_instance = lambda d: f"{d.reference} {d.title}"


class SplitForm(GovukFormMixin, forms.Form):
    titles = forms.CharField(
        label="The new deliverables",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One title per line. Each keeps this deliverable's objective, lead, "
        "owners and dates.",
        error_messages={
            "required": "Give at least two new deliverables, one title per line."
        },
    )
    reason = forms.CharField(
        label="Why is it being split?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        error_messages={"required": "Say why it is being split."},
    )
