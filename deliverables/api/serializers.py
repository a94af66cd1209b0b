from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.base import MAX_ID, FuzzyDateOut, StrictInput, fuzzy_out
from deliverables.evidence import attachments_for
from deliverables.models import (
    Attachment,
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
)
from deliverables.visibility import shows_internal

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
    priority = serializers.IntegerField(
        source="objective.priority_id",
        read_only=True,
        allow_null=True,
        help_text="The priority's id; null in a flat plan, under no priority.",
    )
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

    #: Fields shown only when asked for (``?expand=updates``): optional in the schema.
    expandable = ("updates",)

    def get_fields(self):
        """The fields, with ``updates`` when ``?expand=updates`` asked for them.

        The view puts what was asked for in the context as ``expand``; without it
        (the schema's generator reading the serializer), every field is there."""
        fields = super().get_fields()
        expand = self.context.get("expand")
        if expand is None or "updates" in expand:
            fields["updates"] = ProgressUpdateSerializer(
                many=True,
                read_only=True,
                required=False,
                help_text="With ?expand=updates only: every progress update on the "
                "deliverable, newest first, as GET .../updates/ lists them.",
            )
        return fields

    @extend_schema_field(FuzzyDateOut)
    def get_baseline_date(self, deliverable):
        return fuzzy_out(deliverable, "baseline_date")

    @extend_schema_field(FuzzyDateOut)
    def get_forecast_date(self, deliverable):
        return fuzzy_out(deliverable, "forecast_date")


class PeriodRef(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    """A file or link of evidence on a progress update."""

    kind = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="Where to download the file (signed in), or the link itself."
    )
    added_by = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "title",
            "kind",
            "url",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "is_public",
            "added_by",
            "added_at",
        ]

    @extend_schema_field(
        serializers.ChoiceField(choices=[("file", "File"), ("link", "Link")])
    )
    def get_kind(self, attachment) -> str:
        return "link" if attachment.is_link else "file"

    @extend_schema_field(serializers.URLField())
    def get_url(self, attachment) -> str:
        if attachment.is_link:
            return attachment.url
        path = reverse("deliverables:evidence", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_added_by(self, attachment) -> str:
        user = attachment.added_by
        return user.get_full_name() or user.username


class AttachmentFileInput(StrictInput):
    """A file of evidence, sent as multipart/form-data."""

    file = serializers.FileField(
        max_length=255,
        help_text="PDF, .docx, .xlsx, .pptx, .odt, .ods, PNG, JPEG, GIF or WebP, "
        "with contents that match the extension and no macros; up to the service's "
        "size limit (10 MB unless it sets another).",
    )
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Default: the file's name.",
    )


class AttachmentLinkInput(StrictInput):
    """A link to evidence, sent as JSON."""

    # Checked by the service (one rule for the page and the API), which names the
    # problem: an IP address, a user name, a name inside a network...
    url = serializers.CharField(
        max_length=1000,
        help_text="An http or https address of a named host on the public web: no "
        "user name or password, no IP address, no name that works only inside a "
        "network. Links are not checked: readers open them with care.",
    )
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Default: the address.",
    )


class ProgressUpdateSerializer(serializers.ModelSerializer):
    deliverable_reference = serializers.CharField(source="deliverable.reference")
    period = PeriodRef(read_only=True)
    forecast_date = serializers.SerializerMethodField()
    previous_forecast_date = serializers.CharField(read_only=True)
    recorded_by = serializers.SerializerMethodField()
    api_client = serializers.SerializerMethodField()
    review_state = serializers.ChoiceField(choices=ReviewState.choices, read_only=True)
    review_comment = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField(
        help_text="The evidence you may see on this update."
    )

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
            "attachments",
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
        """Only for the plan's bodies (``deliverables.visibility``): read from
        ``shows_internal`` where the queryset annotated it, else asked of the
        update."""
        if update.review_state == ReviewState.SUBMITTED or not update.requires_review:
            return None
        shown = getattr(update, "shows_internal", None)
        if shown is None:
            request = self.context.get("request")
            shown = shows_internal(getattr(request, "user", None), update)
        return update.review.comment if shown and update.review.comment else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, update):
        """From ``with_attachments``; a single update read without it costs a query."""
        shown = getattr(update, "shown_attachments", None)
        if shown is None:
            request = self.context.get("request")
            shown = attachments_for(request.user if request else None).filter(
                update=update
            )
        return AttachmentSerializer(shown, many=True, context=self.context).data


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


class BoundedList(serializers.ListField):
    """A list refused as too long before any of its items is checked: 100,000 items
    cost nothing to refuse."""

    def to_internal_value(self, data):
        if (
            isinstance(data, list)
            and self.max_length is not None
            and len(data) > self.max_length
        ):
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BulkInput(StrictInput):
    updates = BoundedList(
        child=BulkUpdateItem(),
        min_length=1,
        max_length=1000,
        help_text="Up to 1,000 updates, each as for a single update with its "
        "deliverable.",
    )


class BulkResult(serializers.Serializer):
    created = serializers.IntegerField()
    updates = ProgressUpdateSerializer(many=True)
