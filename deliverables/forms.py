"""Forms of the OPCC workspace. They validate and shape; the services decide."""

from django import forms

from deliverables.models import FUZZY_DATE_HELP, Rag, Status
from plans.forms import GovukFormMixin

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
