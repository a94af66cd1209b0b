from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.base import StrictInput
from plans.models import (
    Indicator,
    IndicatorChange,
    IndicatorValue,
    Objective,
    Organisation,
    Plan,
    Priority,
    ReportingPeriod,
)


class OrganisationSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "parent", "successor"]


class ReportingPeriodSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(
        help_text="Today: upcoming, open, closed (grace period over) or locked "
        "(its report is published; no updates are taken)."
    )

    class Meta:
        model = ReportingPeriod
        fields = [
            "id",
            "label",
            "starts_on",
            "ends_on",
            "opens_on",
            "due_on",
            "closes_on",
            "state",
            "locked_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=ReportingPeriod.State.choices))
    def get_state(self, period: ReportingPeriod) -> str:
        return period.state_on(timezone.localdate())


class PlanSerializer(serializers.ModelSerializer):
    reporting_periods = ReportingPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "reference",
            "title",
            "owner",
            "state",
            "starts_on",
            "ends_on",
            "summary",
            "is_public",
            "review_contributor_updates",
            "reporting_periods",
            "updated_at",
        ]


class PrioritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Priority
        fields = [
            "id",
            "plan",
            "parent",
            "reference",
            "title",
            "overview",
            "success_statement",
            "position",
        ]


class ObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = [
            "id",
            "plan",
            "priority",
            "reference",
            "title",
            "description",
            "position",
        ]


class IndicatorValueSerializer(serializers.ModelSerializer):
    period = ReportingPeriodSerializer(read_only=True)
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "period",
            "value",
            "note",
            "recorded_by",
            "recorded_at",
        ]

    def get_recorded_by(self, value) -> str:
        return value.recorded_by.get_full_name() or value.recorded_by.username


class IndicatorChangeSerializer(serializers.ModelSerializer):
    """A recorded change to the indicator's definition: compare values across it
    with care."""

    from_period = serializers.SlugRelatedField(slug_field="label", read_only=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_null=True)),
        help_text='What changed: {"field": [old, new]}.',
    )

    class Meta:
        model = IndicatorChange
        fields = ["changes", "reason", "from_period", "changed_at"]


class IndicatorSerializer(serializers.ModelSerializer):
    values = IndicatorValueSerializer(many=True, read_only=True)
    changes = IndicatorChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "plan",
            "priority",
            "reference",
            "title",
            "unit",
            "direction",
            "source",
            "baseline_value",
            "baseline_label",
            "target_value",
            "definition",
            "changes",
            "values",
        ]


class IndicatorValueInput(StrictInput):
    """A value for one reporting period, named by id or by label ("Q1 2017")."""

    period = serializers.CharField(max_length=50)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )

    def validate_period(self, value: str) -> ReportingPeriod:
        indicator = self.context["indicator"]
        periods = ReportingPeriod.objects.filter(plan_id=indicator.plan_id)
        found = (
            periods.filter(pk=int(value)).first()
            if value.isdigit()
            else periods.filter(label__iexact=value.strip()).first()
        )
        if found is None:
            labels = ", ".join(periods.values_list("label", flat=True))
            raise serializers.ValidationError(
                f'The plan has no reporting period "{value}". Use one of: {labels}.'
            )
        return found
