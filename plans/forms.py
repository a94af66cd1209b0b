"""Forms for indicators and their national definitions."""

from django import forms

from core.forms import GovukFormMixin
from plans.measures import DEFINITION_FIELDS, as_text
from plans.models import IndicatorDefinition


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
    """One box per reporting period; a blank box leaves that period as it is."""

    def __init__(self, *args, indicator, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = periods
        existing = {v.period_id: v.value for v in indicator.values.all()}
        for period in periods:
            self.fields[f"period_{period.pk}"] = forms.DecimalField(
                label=f"{period.label} ({indicator.unit})",
                required=False,
                max_digits=14,
                decimal_places=2,
                initial=existing.get(period.pk),
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                error_messages={"invalid": "Enter a number, such as 412 or 81.5."},
            )

    def values(self):
        return [
            (period, self.cleaned_data[f"period_{period.pk}"])
            for period in self.periods
            if self.cleaned_data.get(f"period_{period.pk}") is not None
        ]
