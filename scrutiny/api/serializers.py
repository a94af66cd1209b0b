from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.base import MAX_ID, StrictInput
from scrutiny.models import (
    Commentary,
    DecisionNotice,
    PublishedReport,
    ScrutinyAction,
)


class DecisionNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionNotice
        fields = [
            "id",
            "plan",
            "decided_by",
            "reference",
            "reference_generated",
            "title",
            "approved_on",
            "approved_on_precision",
            "summary",
            "url",
            "deliverables",
        ]


class PublishedReportSerializer(serializers.ModelSerializer):
    """A published report's facts; ``data`` (every figure, as published) is given
    when one report is read."""

    period_label = serializers.CharField(source="period.label", read_only=True)
    html_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = PublishedReport
        fields = [
            "id",
            "plan",
            "period",
            "period_label",
            "version",
            "published_at",
            "change_note",
            "html_url",
            "pdf_url",
        ]

    def _url(self, name: str, report: PublishedReport) -> str:
        url = reverse(name, args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_html_url(self, report: PublishedReport) -> str:
        return self._url("scrutiny:report", report)

    def get_pdf_url(self, report: PublishedReport) -> str:
        return self._url("scrutiny:report-pdf", report)


class PublishedReportDetailSerializer(PublishedReportSerializer):
    class Meta(PublishedReportSerializer.Meta):
        fields = [*PublishedReportSerializer.Meta.fields, "data"]


class ScrutinyActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScrutinyAction
        fields = [
            "id",
            "plan",
            "report",
            "kind",
            "text",
            "raised_by",
            "raised_on",
            "owner",
            "due_on",
            "state",
            "response",
            "answered_on",
            "closed_on",
        ]


# A quarter's commentary ---------------------------------------------------------------


LIMITS = {kind.value: limit for kind, limit in Commentary.LIMITS.items()}
SUMMARY_HELP = (
    "The executive summary: how delivery went this quarter, in the body's own words "
    f"(up to {LIMITS['summary']:,} characters)."
)
FORWARD_LOOK_HELP = (
    "Looking ahead: what the panel should expect next quarter (up to "
    f"{LIMITS['forward_look']:,} characters)."
)
NARRATIVE_HELP = (
    "How this priority's work went this quarter (up to "
    f"{LIMITS['priority']:,} characters)."
)
EMPTY_REMOVES = " An empty text removes it; left out, it is unchanged."


# Each text's limit is stated in the schema, and enforced by ``save_commentary``, which
# says how long the text is (a serializer's own message would not).
@extend_schema_field({"type": "string", "maxLength": LIMITS["summary"]})
class SummaryText(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "maxLength": LIMITS["forward_look"]})
class ForwardLookText(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "maxLength": LIMITS["priority"]})
class NarrativeText(serializers.CharField):
    pass


class CommentaryPriority(serializers.Serializer):
    """One top-level priority of the plan, with its narrative for the quarter."""

    priority = serializers.IntegerField(help_text="The priority's id.")
    reference = serializers.CharField()
    title = serializers.CharField()
    success_statement = serializers.CharField(
        help_text="What success looks like for the priority, to write beside."
    )
    narrative = NarrativeText(help_text=NARRATIVE_HELP)


class CommentarySerializer(serializers.Serializer):
    """A plan's commentary for one reporting period, as it now stands: a draft, seen
    by the plan's editors only, until the period's report is published."""

    plan = serializers.IntegerField()
    period = serializers.IntegerField()
    locked = serializers.BooleanField(
        help_text="The period's report is published, so the period is locked and its "
        "commentary takes no change until an editor reopens it."
    )
    summary = SummaryText(help_text=SUMMARY_HELP)
    forward_look = ForwardLookText(help_text=FORWARD_LOOK_HELP)
    priorities = CommentaryPriority(
        many=True, help_text="Every top-level priority of the plan, in order."
    )
    updated_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When any of the texts last changed; null when none is written.",
    )


class CommentaryNarrativeInput(StrictInput):
    """One priority's narrative to change."""

    priority = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of a top-level priority of this plan.",
    )
    narrative = NarrativeText(
        allow_blank=True, help_text=NARRATIVE_HELP + " An empty text removes it."
    )


class CommentaryInput(StrictInput):
    """The texts to change; any left out keep their current words."""

    summary = SummaryText(
        required=False, allow_blank=True, help_text=SUMMARY_HELP + EMPTY_REMOVES
    )
    forward_look = ForwardLookText(
        required=False, allow_blank=True, help_text=FORWARD_LOOK_HELP + EMPTY_REMOVES
    )
    priorities = CommentaryNarrativeInput(
        many=True,
        required=False,
        help_text="Narratives to change, one per priority; priorities left out keep "
        "theirs.",
    )

    def validate_priorities(self, items: list[dict]) -> list[dict]:
        seen: set[int] = set()
        errors: list[dict] = []
        for item in items:
            twice = item["priority"] in seen
            seen.add(item["priority"])
            errors.append(
                {"priority": ["This priority is given twice: send it once."]}
                if twice
                else {}
            )
        if any(errors):
            raise serializers.ValidationError(errors)
        return items
