"""Forms for indicators and their national definitions."""

from django import forms

from core.forms import GovukFormMixin
from plans.measures import DEFINITION_FIELDS, as_text
from plans.models import IndicatorDefinition
from plans.services import Figure, FiguresRefused


class IndicatorForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        from plans.models import Indicator

        model = Indicator
        fields = [
            "reference",
            "title",
            "unit",
            "direction",
            "source",
            "baseline_value",
            "baseline_label",
            "target_value",
            "priority",
            "position",
        ]
        widgets = {"direction": forms.RadioSelect, "source": forms.RadioSelect}
        labels = {
            "target_value": "Target (optional)",
            "baseline_value": "Baseline value (optional)",
            "priority": "Priority it measures (optional)",
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.plan = plan
        self.fields["priority"].queryset = plan.priorities.order_by("position")
        for name in ("direction", "source"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        if self.instance.pk:
            # A change of definition needs a reason, recorded beside the chart.
            self.before = {
                name: as_text(getattr(self.instance, name))
                for name in DEFINITION_FIELDS
            }
            self.fields["reason"] = forms.CharField(
                label="Reason for the change",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=(
                    "Needed if you change the unit, direction, baseline or target. "
                    "Readers see it beside the indicator, so that values measured "
                    "the old way are not compared as if nothing had changed."
                ),
            )
            self.fields["from_period"] = forms.ModelChoiceField(
                label="First period measured this way (optional)",
                queryset=plan.reporting_periods.order_by("starts_on"),
                required=False,
                empty_label="Not given: from the period the change is made in",
            )

    def clean_title(self):
        title = self.cleaned_data["title"]
        others = self.plan.indicators.exclude(pk=self.instance.pk)
        if others.filter(title=title).exists():
            raise forms.ValidationError(
                "The plan already has an indicator with this title."
            )
        return title

    def definition_changes(self) -> list[str]:
        """The definition fields this edit changes, in the form's order."""
        if not self.instance.pk:
            return []
        return [
            name
            for name in DEFINITION_FIELDS
            if name in self.cleaned_data
            and as_text(self.cleaned_data[name]) != self.before[name]
        ]

    def clean(self):
        cleaned = super().clean()
        changed = self.definition_changes()
        if changed and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason",
                "Enter the reason for the change to the "
                + " and ".join(DEFINITION_FIELDS[name] for name in changed),
            )
        return cleaned

    def fields_to_save(self) -> dict:
        """The indicator's own fields, for ``change_indicator``."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class IndicatorDefinitionForm(GovukFormMixin, forms.ModelForm):
    """One of an organisation's own definitions; the service saves it."""

    class Meta:
        from plans.models import IndicatorDefinition

        model = IndicatorDefinition
        fields = ["title", "description", "unit", "direction", "source", "source_note"]
        widgets = {
            "direction": forms.RadioSelect,
            "source": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "source_note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "description": "What it counts (optional)",
            "source_note": "Where the figures come from (optional)",
        }
        help_texts = {"unit": 'What a value counts, such as "offences" or "%".'}

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["direction"].choices = [
            c for c in self.fields["direction"].choices if c[0]
        ]
        self.fields["source"].choices = [
            c for c in self.fields["source"].choices if c[0]
        ]

    def clean_title(self):
        title = self.cleaned_data["title"]
        same = IndicatorDefinition.objects.filter(owner=self.owner, title=title)
        if same.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                "Your organisation already has a definition with this title."
            )
        return title


class IndicatorValuesForm(GovukFormMixin, forms.Form):
    """Each period's figure: a number, or withheld with the reason, and an optional
    data-quality note. A period left blank stays as it is; the service decides the
    rest and its refusals are shown beside the period's fields."""

    def __init__(self, *args, indicator, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = periods
        stored = {v.period_id: v for v in indicator.values.all()}
        for period in periods:
            value = stored.get(period.pk)
            label = period.label
            self.fields[f"period_{period.pk}"] = forms.DecimalField(
                label=f"{label} ({indicator.unit})",
                required=False,
                max_digits=14,
                decimal_places=2,
                initial=value.value if value else None,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                error_messages={"invalid": "Enter a number, such as 412 or 81.5."},
            )
            self.fields[f"withheld_{period.pk}"] = forms.BooleanField(
                label=f"Withhold the {label} figure",
                required=False,
                initial=bool(value and value.withheld_reason),
            )
            self.fields[f"withheld_reason_{period.pk}"] = forms.CharField(
                label=f"Why the {label} figure is withheld",
                help_text="For example, too few incidents to publish, or the "
                "figures are not yet reliable.",
                required=False,
                max_length=2000,
                initial=value.withheld_reason if value else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"note_{period.pk}"] = forms.CharField(
                label=f"Data-quality note for {label} (optional)",
                help_text='For example, "Provisional: excludes March".',
                required=False,
                max_length=2000,
                initial=value.note if value else "",
            )

    def by_period(self) -> list[dict]:
        """Each period with its fields, for the page to lay out."""
        return [
            {
                "period": period,
                "value": self[f"period_{period.pk}"],
                "withheld": self[f"withheld_{period.pk}"],
                "withheld_reason": self[f"withheld_reason_{period.pk}"],
                "note": self[f"note_{period.pk}"],
            }
            for period in self.periods
        ]

    def figures(self) -> list[Figure]:
        """The figures entered. A period with no figure, not withheld and with no note
        is left out, so it stays as it is; a reason counts only when the box to
        withhold is ticked (it stays in the page, hidden, when the box is cleared)."""
        figures = []
        for period in self.periods:
            value = self.cleaned_data.get(f"period_{period.pk}")
            withheld = bool(self.cleaned_data.get(f"withheld_{period.pk}"))
            note = self.cleaned_data.get(f"note_{period.pk}", "")
            if value is None and not withheld and not note:
                continue
            figures.append(
                Figure(
                    period=period,
                    value=value,
                    withheld=withheld,
                    withheld_reason=(
                        self.cleaned_data.get(f"withheld_reason_{period.pk}", "")
                        if withheld
                        else ""
                    ),
                    note=note,
                )
            )
        return figures

    def add_refusal(self, refused: FiguresRefused, figures: list[Figure]) -> None:
        """Show the service's refusal of ``figures`` beside each period's fields."""
        for index, problems in refused.errors.items():
            pk = figures[index].period.pk
            fields = {
                "value": f"period_{pk}",
                "period": f"period_{pk}",
                "withheld_reason": f"withheld_reason_{pk}",
                "note": f"note_{pk}",
            }
            for field, messages in problems.items():
                for message in messages:
                    self.add_error(fields.get(field), message)
