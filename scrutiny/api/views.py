from core.api.base import ScopedReadOnlyViewSet
from scrutiny.api.serializers import (
    DecisionNoticeSerializer,
    PublishedReportDetailSerializer,
    PublishedReportSerializer,
    ScrutinyActionSerializer,
)
from scrutiny.filtersets import (
    DecisionNoticeFilter,
    PublishedReportFilter,
    ScrutinyActionFilter,
)
from scrutiny.models import DecisionNotice, PublishedReport, ScrutinyAction


class DecisionNoticeViewSet(ScopedReadOnlyViewSet):
    """The commissioner's decision notices and the deliverables they concern."""

    queryset = DecisionNotice.objects.prefetch_related("deliverables")
    serializer_class = DecisionNoticeSerializer
    filterset_class = DecisionNoticeFilter
    ordering_fields = ["id", "approved_on"]


class PublishedReportViewSet(ScopedReadOnlyViewSet):
    """Published quarterly reports, every version; one report carries its figures."""

    queryset = PublishedReport.objects.select_related("period").defer("html")
    serializer_class = PublishedReportSerializer
    filterset_class = PublishedReportFilter
    ordering_fields = ["id", "published_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.defer("data")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return PublishedReportDetailSerializer
        return PublishedReportSerializer


class ScrutinyActionViewSet(ScopedReadOnlyViewSet):
    """Questions and recommendations raised by panels and boards, and their answers."""

    queryset = ScrutinyAction.objects.all()
    serializer_class = ScrutinyActionSerializer
    filterset_class = ScrutinyActionFilter
    ordering_fields = ["id", "raised_on", "due_on"]
