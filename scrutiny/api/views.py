from plans.api.base import ScopedReadOnlyViewSet
from scrutiny.api.serializers import DecisionNoticeSerializer
from scrutiny.filtersets import DecisionNoticeFilter
from scrutiny.models import DecisionNotice


class DecisionNoticeViewSet(ScopedReadOnlyViewSet):
    """The commissioner's decision notices and the deliverables they concern."""

    queryset = DecisionNotice.objects.prefetch_related("deliverables")
    serializer_class = DecisionNoticeSerializer
    filterset_class = DecisionNoticeFilter
    ordering_fields = ["id", "approved_on"]
