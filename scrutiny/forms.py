import datetime
from typing import NamedTuple

from django import forms

from core.forms import GovukDateField, GovukFormMixin
from plans.selectors import NOT_WORKED_WITH, choosable_by
from scrutiny.commentary.services import Kind, field_name
from scrutiny.models import Commentary, DecisionNotice, PublishedReport, ScrutinyAction


class DayOrMonth(NamedTuple):
    """A date and how much of it is known: the day, or only its month."""

    date: datetime.date
    precision: str


class DayOrMonthField(GovukDateField):
    """GOV.UK's date input where the day may be left blank, for a register that
    gives only a month ("March 2018"). Cleans to a ``DayOrMonth``."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter the date approved, or at least its month and year.",
                "incomplete": "Enter the month and year (and the day, if known).",
                "invalid": "Enter a real date.",
            },
        )
        super().__init__(**kwargs)
        self.fields[0].required = False  # the day

    def compress(self, values):
        if not values or all(v in (None, "") for v in values):
            return None
        day, month, year = values
        if day in (None, ""):
            return DayOrMonth(
                datetime.date(year, month, 1), DecisionNotice.Precision.MONTH
            )
        try:
            return DayOrMonth(
                datetime.date(year, month, day), DecisionNotice.Precision.DAY
            )
        except ValueError as exc:
            raise forms.ValidationError("Enter a real date.") from exc


class DecisionNoticeForm(GovukFormMixin, forms.ModelForm):
    approved_on = DayOrMonthField(
        label="Date approved",
        help_text=(
            "For example, 14 3 2018. If the register gives only the month, leave "
            "the day blank."
        ),
    )

    class Meta:
        model = DecisionNotice
        fields = ["reference", "title", "approved_on", "summary", "url", "deliverables"]
        labels = {
            "reference": "Reference (optional)",
            "url": "Where it is published (optional)",
            "deliverables": "Deliverables it funds or changes",
        }
        help_texts = {
            "reference": (
                "The body's own reference, as the register gives it. Leave it blank "
                "if there is none: the tracker gives one in its own scheme, shown as "
                f'"DN-2018-004 ({DecisionNotice.GENERATED_MARK})".'
            ),
        }
        widgets = {"deliverables": forms.CheckboxSelectMultiple}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["deliverables"]
        field.queryset = plan.deliverables.order_by("position", "reference")
        field.label_from_instance = lambda d: f"{d.reference} {d.title}"
        field.required = False
        self.fields["reference"].required = False
        notice = self.instance
        if notice.pk and notice.reference_generated:
            # Blank, so that saving as it is keeps the tracker's reference, and any
            # reference typed is the body's own.
            self.initial["reference"] = ""
            self.fields["reference"].help_text = (
                f"The body gave none, so the tracker gave this notice "
                f"{notice.reference}. Enter the body's own reference when you know "
                f"it; left blank, {notice.reference} stays."
            )
        if notice.pk and notice.approved_on_precision == notice.Precision.MONTH:
            when = notice.approved_on
            self.initial["approved_on"] = [None, when.month, when.year]
        # For the model's own checks; the service decides what is stored.
        self.instance.plan = plan
        self.instance.decided_by = plan.owner

    def clean(self):
        cleaned = super().clean()
        given = cleaned.get("approved_on")
        if given:
            cleaned["approved_on"], cleaned["approved_on_precision"] = given
            # So that the model's own checks judge the date as it is now given.
            self.instance.approved_on_precision = given.precision
        return cleaned

    def validate_constraints(self):
        """The reference's uniqueness is the service's to judge (with a message
        beside the field); the database's constraint stands behind it."""

    def fields_for_service(self) -> dict:
        """The cleaned values, as ``save_decision_notice`` takes them."""
        names = [*self.Meta.fields, "approved_on_precision"]
        return {name: self.cleaned_data[name] for name in names}


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
        # Only organisations the plan's body works with: never the whole service.
        self.fields["owner"].queryset = choosable_by(
            plan.owner_id, keeping=self.instance.owner_id
        )
        self.fields["owner"].empty_label = "Choose an organisation"
        self.fields["owner"].error_messages["invalid_choice"] = NOT_WORKED_WITH

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


class CommentaryForm(GovukFormMixin, forms.Form):
    """A quarter's commentary: the executive summary, the look ahead, and a narrative
    for each top-level priority (shown with its success statement)."""

    summary = forms.CharField(
        label="Executive summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="How delivery went this quarter, in the body's own words.",
    )
    forward_look = forms.CharField(
        label="Looking ahead",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the panel should expect next quarter.",
    )

    def __init__(self, *args, priorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.priorities = list(priorities)
        for priority in self.priorities:
            hint = "How this priority's work went this quarter."
            if priority.success_statement:
                hint += f" Success looks like: {priority.success_statement}"
            self.fields[field_name(Kind.PRIORITY, priority)] = forms.CharField(
                label=f"{priority.reference} {priority.title}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=hint,
            )
        for kind, name in (
            (Kind.SUMMARY, "summary"),
            (Kind.FORWARD_LOOK, "forward_look"),
        ):
            self.fields[name].max_length = None  # the service says how long, beside it
            self.fields[name].widget.attrs["data-limit"] = Commentary.LIMITS[kind]

    def texts(self) -> dict[tuple[str, int | None], str]:
        """The cleaned texts, as ``save_commentary`` takes them."""
        texts: dict[tuple[str, int | None], str] = {
            (Kind.SUMMARY, None): self.cleaned_data["summary"],
            (Kind.FORWARD_LOOK, None): self.cleaned_data["forward_look"],
        }
        for priority in self.priorities:
            name = field_name(Kind.PRIORITY, priority)
            texts[(Kind.PRIORITY, priority.pk)] = self.cleaned_data[name]
        return texts
