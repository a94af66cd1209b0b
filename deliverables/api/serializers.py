from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
)
from plans.api.base import MAX_ID, FuzzyDateOut, StrictInput, fuzzy_out

TEXT_LIMIT = 10_000


class OwnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliverableOwner
        fields = ["role", "organisation"]


class MilestoneSerializer(serializers.ModelSerializer):
    due_date = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "deliverable", "title", "due_date", "completed_on"]

    @extend_schema_field(FuzzyDateOut)
    def get_due_date(self, milestone):
        return fuzzy_out(milestone, "due_date")


class DeliverableSerializer(serializers.ModelSerializer):
    priority = serializers.IntegerField(source="objective.priority_id", read_only=True)
    owners = OwnerSerializer(many=True, read_only=True)
    strands = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    baseline_date = serializers.SerializerMethodField()
    forecast_date = serializers.SerializerMethodField()
    etag = serializers.CharField(read_only=True)

    class Meta:
        model = Deliverable
        fields = [
            "id",
            "plan",
            "priority",
            "objective",
            "reference",
            "title",
            "description",
            "lead_organisation",
            "owners",
            "delivering_unit",
            "strands",
            "expected_benefits",
            "status",
            "rag",
            "percent_complete",
            "baseline_date",
            "forecast_date",
            "completed_on",
            "merged_into",
            "milestones",
            "etag",
            "updated_at",
        ]

    @extend_schema_field(FuzzyDateOut)
    def get_baseline_date(self, deliverable):
        return fuzzy_out(deliverable, "baseline_date")

    @extend_schema_field(FuzzyDateOut)
    def get_forecast_date(self, deliverable):
        return fuzzy_out(deliverable, "forecast_date")


class PeriodRef(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class ProgressUpdateSerializer(serializers.ModelSerializer):
    deliverable_reference = serializers.CharField(source="deliverable.reference")
    period = PeriodRef(read_only=True)
    forecast_date = serializers.SerializerMethodField()
    previous_forecast_date = serializers.CharField(read_only=True)
    recorded_by = serializers.SerializerMethodField()
    api_client = serializers.SerializerMethodField()
    review_state = serializers.ChoiceField(choices=ReviewState.choices, read_only=True)
    review_comment = serializers.SerializerMethodField()

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "deliverable",
            "deliverable_reference",
            "period",
            "status",
            "rag",
            "percent_complete",
            "forecast_date",
            "merged_into",
            "narrative",
            "reason",
            "previous_status",
            "previous_forecast_date",
            "recorded_at",
            "recorded_by",
            "api_client",
            "source",
            "review_state",
            "review_comment",
        ]

    @extend_schema_field(FuzzyDateOut)
    def get_forecast_date(self, update):
        return fuzzy_out(update, "forecast_date")

    def get_recorded_by(self, update) -> str:
        user = update.recorded_by
        return user.get_full_name() or user.username

    def get_api_client(self, update) -> str | None:
        return update.api_client.name if update.api_client_id else None

    def get_review_comment(self, update) -> str | None:
        if update.review_state == ReviewState.SUBMITTED or not update.requires_review:
            return None
        return update.review.comment or None


class ProgressUpdateInput(StrictInput):
    """One progress update. Anything left out keeps the deliverable's current value."""

    deliverable = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The deliverable's id (not needed under its own URL).",
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    rag = serializers.ChoiceField(
        choices=[("", "Not assessed"), *Rag.choices], required=False
    )
    percent_complete = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    forecast_date = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='As the plan would write it: "Q3 2017", "end of March 2018", "TBA".',
    )
    merged_into = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="For status merged: the target's id.",
    )
    narrative = serializers.CharField(max_length=TEXT_LIMIT)
    reason = serializers.CharField(
        max_length=TEXT_LIMIT,
        required=False,
        allow_blank=True,
        help_text="Required when the status or forecast date changes.",
    )
    period = serializers.CharField(
        max_length=50,
        required=False,
        help_text='Reporting period id or label ("Q2 2017"); default: the current one.',
    )


class NamedUpdateInput(ProgressUpdateInput):
    """One progress update naming its deliverable, as POST /progress-updates/ and
    each item of a bulk request need."""

    deliverable = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The deliverable's id."
    )


@extend_schema_field(NamedUpdateInput)
class BulkUpdateItem(serializers.DictField):
    """Read as a plain object, so that the view can check each update itself and name
    the index of every one it refuses; documented as the update it must be."""


class BulkInput(StrictInput):
    updates = serializers.ListField(
        child=BulkUpdateItem(),
        min_length=1,
        max_length=1000,
        help_text="Up to 1,000 updates, each as for a single update with its "
        "deliverable.",
    )


class BulkResult(serializers.Serializer):
    created = serializers.IntegerField()
    updates = ProgressUpdateSerializer(many=True)
