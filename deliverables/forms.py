"""Forms of the OPCC workspace. They validate and shape; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from core.forms import GovukFormMixin
from deliverables import evidence
from deliverables.models import FUZZY_DATE_HELP, Rag, Status

UPDATE_STATUSES = [choice for choice in Status.choices if choice[0] != Status.MERGED]


def _period_label(period, day) -> str:
    """A period as the choice of period names it, with when it takes updates."""
    if period.state_on(day) == period.State.OPEN:
        return f"{period.label} (open for updates until {period.closes_on:%-d %B %Y})"
    return f"{period.label} (closed on {period.closes_on:%-d %B %Y}: editors only)"


class PeriodChoiceMixin:
    """Asks which reporting period a change is for, from the plan's ``periods``:
    those the person may record for (``choices``, from
    ``plans.selectors.periods_to_record_for``) are offered, starting on ``offer``
    (``plans.selectors.period_to_offer``); a period outside the plan, locked or
    not among the choices is refused beside the field. A form sent without the
    question (from an older page) is for ``offer``."""

    def ask_period(
        self,
        *,
        periods,
        choices,
        offer,
        today,
        label: str,
        help_text: str,
        first: bool = False,
    ) -> None:
        self.plan_periods = {str(p.pk): p for p in periods}
        self.period_choices = list(choices)
        self.today = today
        widget = forms.RadioSelect if len(self.period_choices) <= 6 else forms.Select
        period = forms.ChoiceField(
            label=label,
            # Any of the plan's periods gets past the field, so that a locked or
            # closed one is refused with its own reason (``clean_period``)...
            choices=[(key, p.label) for key, p in self.plan_periods.items()],
            initial=str(offer.pk) if offer else None,
            widget=widget,
            help_text=help_text,
            error_messages={
                "required": "Choose the reporting period.",
                "invalid_choice": "Choose a reporting period of this plan.",
            },
        )
        # ... but only those the person may choose are offered.
        period.widget.choices = [
            (str(p.pk), _period_label(p, today)) for p in self.period_choices
        ]
        if first:
            self.fields = {"period": period, **self.fields}
        else:
            self.fields["period"] = period
        if self.is_bound and "period" not in self.data and offer is not None:
            # Sent from a page older than the choice (or a script): the period the
            # page would have started on, as the form did before it asked.
            self.data = self.data.copy()
            self.data["period"] = str(offer.pk)

    def clean_period(self):
        chosen = self.plan_periods.get(self.cleaned_data["period"])
        if chosen is None:
            raise ValidationError("Choose a reporting period of this plan.")
        if chosen.is_locked:
            raise ValidationError(chosen.locked_message())
        if chosen not in self.period_choices:
            if chosen.state_on(self.today) == chosen.State.UPCOMING:
                raise ValidationError(
                    f"{chosen.label} does not open for updates until "
                    f"{chosen.opens_on:%-d %B %Y}."
                )
            raise ValidationError(
                f"{chosen.label} closed for updates on {chosen.closes_on:%-d %B %Y}. "
                "Ask an editor of the plan to record it, or to reopen the period."
            )
        return chosen


#: What the choice of period says on a page that changes several deliverables.
CHANGE_PERIOD_HELP = (
    "The quarter whose summary of changes lists the change. A quarter whose report "
    "has been published is locked and not listed: an editor can reopen it."
)


class ProgressForm(PeriodChoiceMixin, GovukFormMixin, forms.Form):
    """Record progress on one deliverable (merging is its own journey).

    Given the plan's ``periods``, those the person may record for (``choices``, from
    ``plans.selectors.periods_to_record_for``) and the one to start on (``offer``),
    it asks which period the update is for first (``PeriodChoiceMixin``).
    """

    def __init__(
        self,
        *args,
        periods=None,
        choices=(),
        offer=None,
        today=None,
        editor=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.editor = editor
        if periods is None:
            return
        # Asked first: everything else describes the deliverable at that period's end.
        self.ask_period(
            periods=periods,
            choices=choices,
            offer=offer,
            today=today,
            label="Which reporting period is this update for?",
            help_text="The quarter the progress belongs to. A quarter whose report "
            "has been published is locked and not listed: an editor can reopen it."
            + (
                " For an earlier quarter, give each answer as it stood at that "
                "quarter's end (the form starts from today's): it goes into that "
                "quarter's figures and leaves the deliverable as it is now."
                if editor
                else ""
            ),
            first=True,
        )

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


class MergeForm(PeriodChoiceMixin, GovukFormMixin, forms.Form):
    """Merge other deliverables of the plan into one (``candidates``), for the
    period chosen (``PeriodChoiceMixin``: given the plan's ``periods``)."""

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

    def __init__(
        self, *args, candidates, periods=None, choices=(), offer=None, today=None, **kw
    ):
        super().__init__(*args, **kw)
        self.fields["merged"].queryset = candidates
        self.fields["merged"].label_from_instance = lambda d: f"{d.reference} {d.title}"
        if periods is not None:
            self.ask_period(
                periods=periods,
                choices=choices,
                offer=offer,
                today=today,
                label="Which reporting period does the merge belong to?",
                help_text=CHANGE_PERIOD_HELP,
            )


class ChangeSeveralForm(PeriodChoiceMixin, GovukFormMixin, forms.Form):
    """Change several deliverables of a plan at once, for one reason: what to do
    (with what that needs: a new forecast date, the deliverable to merge into, or
    the new one's title and reference), and the period (``PeriodChoiceMixin``).

    ``chosen``: the deliverables the person ticked on the list; ``plan_work``: the
    plan's deliverables, where the one to merge into is found by its reference.
    The services decide what may change."""

    HOLD, REDATE, STOP, MERGE, MERGE_NEW = "hold", "redate", "stop", "merge", "new"

    deliverables = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Deliverables to change",
        help_text="Untick any you do not want to change.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one deliverable to change."},
    )
    action = forms.ChoiceField(
        label="What do you want to do with them?",
        choices=[
            (HOLD, "Put them on hold"),
            (REDATE, "Re-date them"),
            (STOP, "Stop them: they will not proceed"),
            (MERGE, "Merge them into a deliverable of the plan"),
            (MERGE_NEW, "Merge them into a new deliverable"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to do with them."},
    )
    forecast_date = forms.CharField(
        label="New forecast date (to re-date them)",
        max_length=100,
        required=False,
        help_text=FUZZY_DATE_HELP,
    )
    umbrella = forms.CharField(
        label="Reference of the deliverable to merge them into (to merge them into "
        "one of the plan)",
        max_length=50,
        required=False,
        help_text="An open deliverable of this plan, such as 3.1.2.",
    )
    title = forms.CharField(
        label="Title of the new deliverable (to merge them into a new one)",
        max_length=300,
        required=False,
    )
    reference = forms.CharField(
        label="Reference of the new deliverable (optional)",
        max_length=50,
        required=False,
        help_text="Leave it blank for the next free number, such as 101.",
    )
    reason = forms.CharField(
        label="Why are they changing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text="One reason for all of them: it shows in each one's updates and in "
        "the summary of changes.",
        error_messages={"required": "Say why they are changing."},
    )

    def __init__(
        self,
        *args,
        chosen,
        plan_work,
        periods=None,
        choices=(),
        offer=None,
        today=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.plan_work = plan_work
        self.fields["deliverables"].queryset = chosen
        self.fields["deliverables"].label_from_instance = lambda d: (
            f"{d.reference} {d.title} ({d.get_status_display().lower()})"
        )
        if periods is not None:
            self.ask_period(
                periods=periods,
                choices=choices,
                offer=offer,
                today=today,
                label="Which reporting period does the change belong to?",
                help_text=CHANGE_PERIOD_HELP,
            )

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == self.REDATE and not data.get("forecast_date"):
            self.add_error("forecast_date", "Give the new forecast date.")
        elif action == self.MERGE_NEW and not data.get("title"):
            self.add_error("title", "Give the new deliverable a title.")
        elif action == self.MERGE and "umbrella" not in self.errors:
            reference = (data.get("umbrella") or "").strip()
            found = reference and self.plan_work.filter(reference=reference).first()
            if not reference:
                self.add_error(
                    "umbrella",
                    "Give the reference of the deliverable to merge them into.",
                )
            elif found is None:
                self.add_error(
                    "umbrella",
                    f"No deliverable of this plan has the reference {reference}.",
                )
            else:
                data["umbrella"] = found
        return data


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


def _evidence_file_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        max_length=255,
        widget=forms.FileInput(attrs={"accept": evidence.ACCEPT}),
        # Lazy: the size limit is a setting, read when the form is shown.
        help_text=lazy(evidence.describe_limits, str)(),
    )


class EvidenceURLField(forms.URLField):
    """An address as typed (``https://`` added when it has no scheme), checked by the
    evidence service alone in the form's ``clean_*`` so that the page and the API
    give the same reason for a refusal."""

    default_validators: list = []


def _evidence_url_field(label: str) -> forms.URLField:
    return EvidenceURLField(
        label=label,
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="A web address starting https://, such as a page on your website. "
        "Links are not checked: open them with care.",
        error_messages={"invalid": "Enter a web address starting https:// or http://."},
    )


def _checked_file(upload):
    """The form's friendly copy of the service's file checks, beside the field."""
    if upload:
        try:
            evidence.check_file(upload)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["file"]) from error
    return upload


def _checked_url(url):
    if url:
        try:
            evidence.check_url(url)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["url"]) from error
    return url


class ProgressWithEvidenceForm(ProgressForm):
    """Record progress, optionally with a file and a link as its evidence."""

    #: Fields shown under "Evidence", and the service's name for each.
    EVIDENCE_FIELDS = {
        "evidence_file": "file",
        "evidence_url": "url",
        "evidence_url_title": "title",
    }

    evidence_file = _evidence_file_field("File (optional)")
    evidence_url = _evidence_url_field("Link (optional)")
    evidence_url_title = forms.CharField(
        label="Title of the link (optional)",
        required=False,
        max_length=200,
        help_text="For example “Force website: new patrol times”. Leave blank to show "
        "the address.",
    )

    def progress_fields(self):
        return [f for f in self.visible_fields() if f.name not in self.EVIDENCE_FIELDS]

    def evidence_fields(self):
        return [self[name] for name in self.EVIDENCE_FIELDS]

    def clean_evidence_file(self):
        return _checked_file(self.cleaned_data.get("evidence_file"))

    def clean_evidence_url(self):
        return _checked_url(self.cleaned_data.get("evidence_url"))


class EvidenceForm(GovukFormMixin, forms.Form):
    """Add a file or a link to a progress update."""

    file = _evidence_file_field("File")
    url = _evidence_url_field("Or a link")
    title = forms.CharField(
        label="Title (optional)",
        required=False,
        max_length=200,
        help_text="For example “Signed-off patrol strategy”. Leave blank to show the "
        "file's name or the link's address.",
    )

    def clean_file(self):
        return _checked_file(self.cleaned_data.get("file"))

    def clean_url(self):
        return _checked_url(self.cleaned_data.get("url"))

    def clean(self):
        data = super().clean()
        if "file" in self.errors or "url" in self.errors:
            return data
        if not data.get("file") and not data.get("url"):
            self.add_error("file", "Choose a file, or give a link.")
        elif data.get("file") and data.get("url"):
            self.add_error(
                "url", "Add the file and the link one at a time: leave the link out."
            )
        return data
