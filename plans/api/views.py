from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.models import AccessToken
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import roles_of
from core.api.base import KnownQueryParameters, ScopedReadOnlyViewSet
from core.api.idempotency import idempotent
from core.api.schema import IDEMPOTENCY_KEY
from core.api.throttling import PerClientThrottle
from plans.api.editing import (
    ETAG,
    IF_MATCH,
    ObjectiveWrites,
    PlanWrites,
    PriorityWrites,
    StrandSerializer,
    StrandWrites,
    structure_schema,
)
from plans.api.serializers import (
    IndicatorSerializer,
    IndicatorValueInput,
    IndicatorValueSerializer,
    MeSerializer,
    ObjectiveSerializer,
    OrganisationSerializer,
    PlanSerializer,
    PrioritySerializer,
)
from plans.filtersets import (
    IndicatorFilter,
    ObjectiveFilter,
    OrganisationFilter,
    PlanFilter,
    PriorityFilter,
    StrandFilter,
)
from plans.models import (
    Indicator,
    IndicatorValue,
    Membership,
    Objective,
    Organisation,
    Plan,
    Priority,
    Strand,
)
from plans.permissions import may_record_indicators
from plans.services import record_indicator_value

PROBLEM = OpenApiResponse(description="Problem details naming each field at fault.")


class OrganisationViewSet(ScopedReadOnlyViewSet):
    """Organisations: policing bodies, forces, partners and scrutiny bodies."""

    queryset = Organisation.objects.select_related("kind")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["id", "name"]


@structure_schema("plan", PlanSerializer, removable=False)
class PlanViewSet(PlanWrites, ScopedReadOnlyViewSet):
    """Plans the caller's organisation owns or takes part in. Editors add and change
    them, and archive them (never remove them)."""

    queryset = Plan.objects.prefetch_related("reporting_periods")
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["id", "updated_at", "starts_on"]

    @extend_schema(
        request=None,
        parameters=[IF_MATCH, ETAG],
        responses={200: PlanSerializer, 403: PROBLEM, 404: PROBLEM, 412: PROBLEM},
        summary="Archive a plan: it becomes superseded (editors; plans:write)",
        description="The plan is kept, with its history and reports, in the state "
        "superseded; its structure no longer changes (writes to it answer 409). "
        "Archiving an archived plan changes nothing.",
    )
    @action(detail=True, methods=["post"], url_path="archive")
    def archive(self, request, pk=None, format=None):
        return super().archive(request, pk, format)


@structure_schema("priority", PrioritySerializer)
class PriorityViewSet(PriorityWrites, ScopedReadOnlyViewSet):
    """Priorities (sections, themes) of visible plans; ``parent`` nests them."""

    queryset = Priority.objects.all()
    serializer_class = PrioritySerializer
    filterset_class = PriorityFilter
    ordering_fields = ["id", "position", "reference"]


@structure_schema("objective", ObjectiveSerializer)
class ObjectiveViewSet(ObjectiveWrites, ScopedReadOnlyViewSet):
    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter
    ordering_fields = ["id", "position", "reference"]


@structure_schema("strand", StrandSerializer)
class StrandViewSet(StrandWrites, ScopedReadOnlyViewSet):
    """A plan's own cross-cutting groupings of its deliverables (an OPCC's strands)."""

    queryset = Strand.objects.all()
    serializer_class = StrandSerializer
    filterset_class = StrandFilter
    ordering_fields = ["id", "name"]


class IndicatorViewSet(ScopedReadOnlyViewSet):
    """Performance measures with their values per reporting period."""

    queryset = Indicator.objects.prefetch_related(
        "values__period", "values__recorded_by", "changes__from_period"
    )
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    ordering_fields = ["id", "position", "title"]

    @extend_schema(
        request=IndicatorValueInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: IndicatorValueSerializer,
            400: PROBLEM,
            404: PROBLEM,
            422: PROBLEM,
        },
        summary="Record an indicator's value for a reporting period, or withhold it",
        description="Send a `value`, or leave it out and give a `withheld_reason` "
        "saying why the figure is withheld (unreliable, or too small to publish); "
        "either may carry a `quality_note`. A value with a reason, or neither, is "
        "refused with 400 naming the field.",
    )
    @action(detail=True, methods=["post"], url_path="values")
    @idempotent
    def record_value(self, request, pk=None, format=None):
        indicator = get_object_or_404(self.get_queryset(), pk=pk)
        if not may_record_indicators(request.user, indicator.plan):
            raise NotFound()
        form = IndicatorValueInput(data=request.data, context={"indicator": indicator})
        form.is_valid(raise_exception=True)
        value = record_indicator_value(
            indicator=indicator, by=request.user, **form.validated_data
        )
        value = IndicatorValue.objects.select_related("period", "recorded_by").get(
            pk=value.pk
        )
        return Response(
            IndicatorValueSerializer(value).data, status=status.HTTP_201_CREATED
        )


class MeView(KnownQueryParameters, APIView):
    """Who the caller is: for an API client, its organisation, its token's scopes and
    its rate limit, so that a system can check its credentials in one request."""

    @extend_schema(
        responses={200: MeSerializer},
        summary="Who you are: your organisation, scopes and rate limit",
        description="For an API client: its name, its organisation, the scopes of the "
        "access token sent and the rate limit that applies. For a person signed in "
        "to the service: their name, every organisation they belong to with their "
        "role there, and no scopes (their roles decide what they may do).",
    )
    def get(self, request, format=None):
        user = request.user
        token = request.auth
        client = (
            getattr(token.application, "api_client", None)
            if isinstance(token, AccessToken)
            else None
        )
        roles = roles_of(user)
        organisations = [
            {
                "id": organisation.pk,
                "name": organisation.name,
                "short_name": organisation.short_name,
                "role": roles[organisation.pk],
            }
            for organisation in Organisation.objects.filter(pk__in=roles).order_by(
                "name", "pk"
            )
        ]
        if client is not None:
            organisation = next(
                (o for o in organisations if o["id"] == client.organisation_id),
                {
                    "id": client.organisation_id,
                    "name": client.organisation.name,
                    "short_name": client.organisation.short_name,
                    "role": Membership.Role.CONTRIBUTOR,
                },
            )
            me = {
                "kind": "client",
                "name": client.name,
                "organisation": organisation,
                "organisations": [organisation],
                "scopes": sorted(token.scope.split()),
            }
        else:
            me = {
                "kind": "person",
                "name": user.get_full_name() or user.get_username(),
                "organisation": None,
                "organisations": organisations,
                "scopes": None,
            }
        throttle = PerClientThrottle()
        requests, seconds = throttle.parse_rate(throttle.rate)
        me["rate_limit"] = {
            "rate": throttle.rate,
            "requests": requests,
            "period_seconds": seconds,
        }
        return Response(MeSerializer(me).data)
