from django.urls import reverse
from rest_framework import serializers

from scrutiny.models import DecisionNotice, PublishedReport, ScrutinyAction


class DecisionNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionNotice
        fields = [
            "id",
            "plan",
            "decided_by",
            "reference",
            "title",
            "approved_on",
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
