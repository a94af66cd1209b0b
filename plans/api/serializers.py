from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.base import StrictInput
from plans.models import (
    ApiClient,
    Indicator,
    IndicatorChange,
    IndicatorValue,
    Membership,
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
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="The figure; null when it is withheld.",
    )
    withheld_reason = serializers.CharField(
        read_only=True,
        help_text='Why the figure is withheld; "" when there is a figure.',
    )
    quality_note = serializers.CharField(
        source="note",
        read_only=True,
        help_text='A data-quality note on the figure, such as "Provisional: '
        'excludes March"; "" when there is none.',
    )
    note = serializers.CharField(
        read_only=True, help_text="The same as quality_note, by its earlier name."
    )

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "period",
            "value",
            "withheld_reason",
            "quality_note",
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
    """A figure for one reporting period, named by id or by label ("Q1 2017"): a
    ``value``, or no value and a ``withheld_reason`` saying why the figure is withheld.
    Either may carry a ``quality_note``."""

    period = serializers.CharField(max_length=50)
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="The figure. Leave it out (or null) when the figure is withheld.",
    )
    withheld_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text='Why the figure is withheld, such as "Too few incidents to '
        'publish". Required when there is no value; refused with one.',
    )
    quality_note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text='A data-quality note on the figure, such as "Provisional: '
        'excludes March".',
    )
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="The earlier name of quality_note, still taken. Send one or the "
        "other.",
    )

    def validate(self, attrs: dict) -> dict:
        """Shapes the input for ``record_indicator_value``: without a value, the
        figure is withheld (the service asks for the reason); the note under either
        of its names."""
        quality_note = attrs.pop("quality_note", None)
        note = attrs.pop("note", None)
        if quality_note is not None and note is not None and quality_note != note:
            twice = "Send the note once, as quality_note (note is its earlier name)."
            raise serializers.ValidationError({"quality_note": twice})
        attrs["note"] = quality_note if quality_note is not None else (note or "")
        attrs["withheld"] = attrs.get("value") is None
        return attrs

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


class MembershipOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="The organisation's id.")
    name = serializers.CharField()
    short_name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=Membership.Role.choices,
        help_text="The caller's role there (an API client acts as a contributor).",
    )


class RateLimitOut(serializers.Serializer):
    rate = serializers.CharField(
        allow_null=True,
        help_text='As the service sets it: "1200/minute"; null when unlimited.',
    )
    requests = serializers.IntegerField(
        allow_null=True, help_text="Requests allowed in each period."
    )
    period_seconds = serializers.IntegerField(allow_null=True)


class MeSerializer(serializers.Serializer):
    """Who the caller is to the API: an API client of one organisation, or a person
    signed in to the service."""

    kind = serializers.ChoiceField(
        choices=[("client", "API client"), ("person", "Person")]
    )
    name = serializers.CharField(
        help_text="The API client's name, or the person's full name."
    )
    organisation = MembershipOut(
        allow_null=True,
        help_text="The API client's organisation; null for a person, who may belong "
        "to several (see organisations).",
    )
    organisations = MembershipOut(
        many=True, help_text="Every organisation the caller acts for, with its role."
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiClient.Scope.choices),
        allow_null=True,
        help_text="The access token's scopes; null for a person signed in, whom "
        "scopes do not limit (their roles do).",
    )
    rate_limit = RateLimitOut(help_text="How many requests the caller may make.")
