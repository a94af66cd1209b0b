"""The API for what is published about a plan, and the oversight body's own words."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import KnownQueryParameters, ScopedReadOnlyViewSet
from core.api.errors import PreconditionFailed
from core.api.idempotency import idempotent
from core.api.schema import IDEMPOTENCY_KEY
from plans.models import Plan, Priority, ReportingPeriod
from plans.permissions import writes_commentary
from scrutiny.api.serializers import (
    CommentaryInput,
    CommentarySerializer,
    DecisionNoticeSerializer,
    PublishedReportDetailSerializer,
    PublishedReportSerializer,
    ScrutinyActionSerializer,
)
from scrutiny.commentary.selectors import commentary_for
from scrutiny.commentary.services import field_name, save_commentary
from scrutiny.filtersets import (
    DecisionNoticeFilter,
    PublishedReportFilter,
    ScrutinyActionFilter,
)
from scrutiny.models import Commentary, DecisionNotice, PublishedReport, ScrutinyAction

#: An id in a URL: a whole number of at most 18 digits, as the router's routes take.
ID = ScopedReadOnlyViewSet.lookup_value_regex
SUMMARY = Commentary.Kind.SUMMARY.value
FORWARD_LOOK = Commentary.Kind.FORWARD_LOOK.value
PRIORITY = Commentary.Kind.PRIORITY.value


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


PROBLEM = OpenApiResponse(description="Problem details naming each field at fault.")
PLAN = OpenApiParameter(
    "plan",
    {"type": "string", "pattern": f"^{ID}$"},
    OpenApiParameter.PATH,
    description="The plan's id.",
)
PERIOD = OpenApiParameter(
    "period",
    {"type": "string", "pattern": f"^{ID}$"},
    OpenApiParameter.PATH,
    description="The id of one of the plan's reporting periods (see the plan's "
    "`reporting_periods`).",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The commentary's ETag as you read it; if any text changed since, "
    "the answer is 412 and nothing is written.",
)
ETAG = OpenApiParameter(
    "ETag",
    location=OpenApiParameter.HEADER,
    response=[200],
    required=True,
    description="The commentary's version, for If-Match.",
)
EXAMPLE_STATE = {
    "plan": 4,
    "period": 15,
    "locked": False,
    "summary": "Delivery held up this quarter: 42 of 57 deliverables on track.",
    "forward_look": "Q4 brings the custody suite decision and the new patrol plan.",
    "priorities": [
        {
            "priority": 31,
            "reference": "1",
            "title": "Keeping communities safe",
            "success_statement": "So that people feel safe where they live.",
            "narrative": "Neighbourhood teams are back to full strength.",
        },
        {
            "priority": 32,
            "reference": "2",
            "title": "Supporting victims",
            "success_statement": "So that victims are kept informed.",
            "narrative": "",
        },
    ],
    "updated_at": "2017-10-09T14:03:11.120000Z",
}


def _top_priorities(plan: Plan) -> list[Priority]:
    return list(
        Priority.objects.filter(plan=plan, parent__isnull=True).order_by(
            "position", "reference"
        )
    )


def _etag(words: dict[str, Any]) -> str:
    """A validator that changes whenever any text of the period's commentary does
    (a removed text too, which leaves no time behind)."""
    texts = [
        words["summary"],
        words["forward_look"],
        sorted(words["priorities"].items()),
    ]
    digest = hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:20]
    return f'W/"{digest}"'


class CommentaryView(KnownQueryParameters, APIView):
    """A plan's commentary for one reporting period: the executive summary, the look
    ahead and a narrative per top-level priority, for bodies that write it in their
    own systems. Drafts until the period's report is published, so the plan's
    editors' (and the owning body's API clients') alone: anyone else is told there is
    no such thing (404)."""

    def _find(
        self, request, plan: str, period: str, lock: bool = False
    ) -> tuple[Plan, ReportingPeriod]:
        found = Plan.objects.visible_to(request.user).filter(pk=plan).first()
        if found is None or not writes_commentary(request.user, found):
            raise NotFound()
        periods = found.reporting_periods.all()
        if lock:
            # Held to the end of the request's transaction, so that If-Match is
            # checked against the texts the write replaces.
            periods = periods.select_for_update()
        return found, get_object_or_404(periods, pk=period)

    def _answer(self, plan: Plan, period: ReportingPeriod) -> Response:
        words = commentary_for(period)
        state = {
            "plan": plan.pk,
            "period": period.pk,
            "locked": period.is_locked,
            "summary": words["summary"],
            "forward_look": words["forward_look"],
            "priorities": [
                {
                    "priority": priority.pk,
                    "reference": priority.reference,
                    "title": priority.title,
                    "success_statement": priority.success_statement,
                    "narrative": words["priorities"].get(priority.pk, ""),
                }
                for priority in _top_priorities(plan)
            ],
            "updated_at": (
                datetime.datetime.fromisoformat(words["updated_at"])
                if words["updated_at"]
                else None
            ),
        }
        return Response(
            CommentarySerializer(state).data, headers={"ETag": _etag(words)}
        )

    @extend_schema(
        parameters=[PLAN, PERIOD, ETAG],
        responses={200: CommentarySerializer, 404: PROBLEM},
        summary="Read a plan's draft commentary for a reporting period",
        description="The executive summary, the look ahead and a narrative for "
        "every top-level priority, in order (an empty text where none is written). "
        "The plan's editors and its owning body's own API clients only: until the "
        "period's report is published these are drafts, and anyone else gets 404. "
        "Published words are in the report's `data` (`GET /api/v1/reports/{id}/`).",
        examples=[OpenApiExample("A quarter's commentary", value=EXAMPLE_STATE)],
    )
    def get(self, request, plan, period, format=None):
        return self._answer(*self._find(request, plan, period))

    @extend_schema(
        request=CommentaryInput,
        parameters=[PLAN, PERIOD, IF_MATCH, IDEMPOTENCY_KEY, ETAG],
        responses={
            200: CommentarySerializer,
            400: PROBLEM,
            404: PROBLEM,
            412: PROBLEM,
            422: PROBLEM,
        },
        summary="Change a plan's commentary for a reporting period",
        description="Send any of `summary`, `forward_look` and `priorities` (each "
        '`{"priority": id, "narrative": text}`); what is left out is unchanged, '
        "and an empty text removes one. Answers with the commentary as it now "
        "stands. Too long a text, or a priority that is not a top-level priority of "
        "the plan, is refused with 400 naming it (a narrative by its `index` in "
        "`priorities`); a period whose report is published is locked, and refused "
        "with 400 naming no field. A refusal writes nothing.",
        examples=[
            OpenApiExample(
                "Change the summary and one narrative",
                value={
                    "summary": "Delivery held up this quarter: 42 of 57 "
                    "deliverables on track.",
                    "priorities": [
                        {
                            "priority": 31,
                            "narrative": "Neighbourhood teams are back to full "
                            "strength.",
                        }
                    ],
                },
                request_only=True,
            ),
            OpenApiExample(
                "The commentary as it now stands",
                value=EXAMPLE_STATE,
                response_only=True,
            ),
        ],
    )
    @idempotent
    def put(self, request, plan, period, format=None):
        plan, period = self._find(request, plan, period, lock=True)
        form = CommentaryInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if_match = request.headers.get("If-Match")
        if if_match is not None and if_match != _etag(commentary_for(period)):
            raise PreconditionFailed()
        texts: dict[tuple[str, int | None], str] = {
            (kind, None): data[kind] for kind in (SUMMARY, FORWARD_LOOK) if kind in data
        }
        items = data.get("priorities", [])
        for item in items:
            texts[(PRIORITY, item["priority"])] = item["narrative"]
        try:
            save_commentary(plan=plan, period=period, by=request.user, texts=texts)
        except PermissionDenied as refused:
            raise NotFound() from refused
        except DjangoValidationError as refused:
            raise _named(refused, plan=plan, period=period, items=items) from refused
        return self._answer(plan, period)


def _named(
    refused: DjangoValidationError,
    *,
    plan: Plan,
    period: ReportingPeriod,
    items: list[dict[str, Any]],
) -> ValidationError:
    """The service's refusal with each problem named as the API names its input:
    ``summary``, ``forward_look``, or ``priorities[i].narrative`` (or ``.priority``
    when it is no top-level priority of the plan); a locked period names no field."""
    period.refresh_from_db(fields=["locked_at"])
    if period.is_locked:
        # The service refuses a locked period before it reads any text.
        return ValidationError({"non_field_errors": refused.messages}, code="locked")
    tops = {priority.pk for priority in _top_priorities(plan)}
    names = {
        field_name(PRIORITY, item["priority"]): (
            f"priorities[{index}]."
            + ("narrative" if item["priority"] in tops else "priority")
        )
        for index, item in enumerate(items)
    }
    return ValidationError(
        {
            names.get(key, key): messages
            for key, messages in refused.message_dict.items()
        }
    )
