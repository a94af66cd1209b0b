"""The force API for deliverables, milestones and progress updates."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from oauth2_provider.models import AccessToken
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from core.api.base import ScopedReadOnlyViewSet
from core.api.bulk import listed, write_all_or_nothing
from core.api.errors import Conflict, PreconditionFailed, problem_response
from core.api.idempotency import idempotent
from core.api.parsers import JSONParser
from core.api.schema import IDEMPOTENCY_KEY
from core.conflicts import StaleVersion
from deliverables.api.editing import (
    ArchiveInput,
    DeliverableBulkInput,
    DeliverableBulkResult,
    DeliverableWrites,
    MilestoneWrites,
)
from deliverables.api.serializers import (
    AttachmentFileInput,
    AttachmentLinkInput,
    AttachmentSerializer,
    BulkInput,
    BulkResult,
    DeliverableSerializer,
    MilestoneSerializer,
    NamedUpdateInput,
    ProgressUpdateInput,
    ProgressUpdateSerializer,
)
from deliverables.evidence import (
    attach_file,
    attach_link,
    attachments_for,
    with_attachments,
)
from deliverables.filtersets import (
    DeliverableFilter,
    MilestoneFilter,
    ProgressUpdateFilter,
)
from deliverables.models import Deliverable, Milestone, ProgressUpdate
from deliverables.permissions import may_add_evidence, may_record_progress
from deliverables.services import (
    Change,
    ProgressRefused,
    record_progress,
)
from plans.api.editing import structure_schema
from plans.models import Plan, ReportingPeriod

PROBLEM = OpenApiResponse(description="Problem details naming each field at fault.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The deliverable's ETag as you read it; a stale one gets 412.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The deliverable's ETag as you read it; unchanged, it gets 304.",
)
ETAG = OpenApiParameter(
    "ETag",
    location=OpenApiParameter.HEADER,
    response=[200, 201, 304],
    required=True,
    description="The deliverable's version, for If-Match and If-None-Match.",
)


#: What ``?expand=`` may ask a deliverable to carry.
EXPANSIONS = ("updates",)
EXPAND = OpenApiParameter(
    "expand",
    str,
    OpenApiParameter.QUERY,
    required=False,
    enum=list(EXPANSIONS),
    description="updates: each deliverable carries its progress updates, newest "
    "first, as GET /api/v1/deliverables/{id}/updates/ lists them: one request "
    "instead of two.",
)


def _updates_queryset():
    return ProgressUpdate.objects.select_related(
        "deliverable", "period", "recorded_by", "api_client", "review"
    )


def _deliverables_queryset():
    # The objective for its priority; the plan is shown by id, so it is not joined.
    return Deliverable.objects.select_related("objective").prefetch_related(
        "owners",
        "strands",
        Prefetch(
            "milestones", Milestone.objects.order_by("position", "due_date_end", "id")
        ),
    )


def _api_client(request) -> Any:
    token = request.auth
    if isinstance(token, AccessToken):
        return getattr(token.application, "api_client", None)
    return None


def _period(plan_id: int, value: str | None) -> ReportingPeriod | None:
    if value in (None, ""):
        return None
    periods = ReportingPeriod.objects.filter(plan_id=plan_id)
    found = (
        periods.filter(pk=int(value)).first()
        if str(value).isdigit()
        else periods.filter(label__iexact=str(value).strip()).first()
    )
    if found is None:
        raise DjangoValidationError(
            {"period": f'The plan has no reporting period "{value}".'}
        )
    return found


def _change(
    request,
    deliverable: Deliverable,
    data: dict,
    merge_targets: dict[int, Deliverable] | None = None,
    periods: dict[tuple[int, str], ReportingPeriod] | None = None,
) -> Change:
    """Turn validated API input into a Change for the services."""
    values: dict[str, Any] = {
        name: data[name]
        for name in ("status", "rag", "percent_complete", "forecast_date", "reason")
        if name in data
    }
    target_id = data.get("merged_into")
    if target_id is not None:
        target = (merge_targets or {}).get(target_id) or Deliverable.objects.visible_to(
            request.user
        ).filter(pk=target_id).first()
        if target is None:
            raise DjangoValidationError(
                {"merged_into": f"No deliverable {target_id} that you can see."}
            )
        values["merged_into"] = target
    if data.get("period") not in (None, ""):
        key = (deliverable.plan_id, str(data["period"]))
        period = (periods or {}).get(key) or _period(*key)
        if periods is not None:
            periods[key] = period
        values["period"] = period
    return Change(deliverable=deliverable, narrative=data["narrative"], **values)


def _create_one(viewset, request, deliverable_id: Any) -> Response:
    """Record one update: what both single-update routes do (the deliverable's
    ``updates`` action and ``POST /progress-updates/``), once.

    ``deliverable_id`` is the id in the URL (looked up first: someone else's
    deliverable is a 404 whatever the body), or ``None`` when the body names it."""
    deliverable = None
    if deliverable_id is not None:
        deliverable = _writable_one(request, deliverable_id)
    form = ProgressUpdateInput(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    if deliverable is None:
        if "deliverable" not in data:
            raise DjangoValidationError({"deliverable": "Give the deliverable's id."})
        deliverable = _writable_one(request, data["deliverable"])
    elif "deliverable" in data and data["deliverable"] != deliverable.pk:
        raise DjangoValidationError(
            {"deliverable": "Leave this out, or give this deliverable's id."}
        )
    change = _change(request, deliverable, data)
    change.if_match = request.headers.get("If-Match")
    try:
        (update,) = record_progress(
            changes=[change],
            locked=True,
            by=request.user,
            source=ProgressUpdate.Source.API,
            api_client=_api_client(request),
        )
    except StaleVersion as stale:
        raise PreconditionFailed() from stale
    # The deliverable is the saved row, so its ETag is already the new one.
    update.shown_attachments = []  # just written: no evidence yet
    return Response(
        ProgressUpdateSerializer(update, context=viewset.get_serializer_context()).data,
        status=status.HTTP_201_CREATED,
        headers={"ETag": update.deliverable.etag},
    )


class _BulkItems:
    """A bulk request's items checked one by one, before anything is written: the
    changes to record, where each came from, and every item's problems."""

    def __init__(self, request, items: list[Any]):
        self.errors: list[dict[str, Any]] = []
        self.changes: list[Change] = []
        self.positions: list[int] = []
        # One serializer checks every item: building one per item would copy its
        # fields a thousand times, which costs more than the writes themselves.
        checker = ProgressUpdateInput()
        validated: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(items):
            try:
                data = checker.run_validation(item)
            except ValidationError as error:
                detail = (
                    error.detail
                    if isinstance(error.detail, dict)
                    else {"non_field_errors": error.detail}
                )
                self.refuse(index, {k: [str(m) for m in v] for k, v in detail.items()})
                continue
            if "deliverable" not in data:
                self.refuse(index, {"deliverable": "Give the deliverable's id."})
                continue
            validated.append((index, data))
        drafts: dict[int, Deliverable] = {}
        writable = _writable(
            request, {data["deliverable"] for _, data in validated}, drafts=drafts
        )
        periods: dict[tuple[int, str], ReportingPeriod] = {}
        for index, data in validated:
            deliverable = writable.get(data["deliverable"])
            if data["deliverable"] in drafts:
                self.errors.append(
                    {
                        "index": index,
                        "field": "deliverable",
                        "message": draft_message(drafts[data["deliverable"]].plan),
                        "code": "draft",
                    }
                )
                continue
            if deliverable is None:
                self.refuse(
                    index,
                    {
                        "deliverable": (
                            f"No deliverable {data['deliverable']} that you may update."
                        )
                    },
                )
                continue
            try:
                self.changes.append(
                    _change(request, deliverable, data, writable, periods)
                )
                self.positions.append(index)
            except DjangoValidationError as error:
                self.refuse(index, error)

    def refuse(self, index: int, detail: Any) -> None:
        if not isinstance(detail, DjangoValidationError):
            detail = DjangoValidationError(detail)
        for field, messages in as_serializer_error(detail).items():
            for message in messages:
                self.errors.append(
                    {
                        "index": index,
                        "field": field,
                        "message": str(message),
                        "code": "invalid",
                    }
                )


def _writable(
    request,
    ids,
    lock: bool = False,
    drafts: dict[int, Deliverable] | None = None,
) -> dict[int, Deliverable]:
    """The deliverables among ``ids`` that the caller may record progress on.

    Whoever may write a deliverable may also see it, so this needs no separate scope.
    With ``lock``, the rows stay locked until the request's transaction ends, and the
    write need not read them again. Given ``drafts``, it collects those the caller
    may not write because their plan is a draft (``may_record_progress``) but may
    read.
    """
    found = Deliverable.objects.filter(pk__in=ids).select_related("plan").order_by("pk")
    if len(ids) > 1:
        found = found.prefetch_related("owners")
    if lock:
        found = found.select_for_update(of=("self",))
    writable, refused = {}, {}
    for deliverable in found:
        if may_record_progress(request.user, deliverable):
            writable[deliverable.pk] = deliverable
        elif deliverable.plan.state == Plan.State.DRAFT:
            refused[deliverable.pk] = deliverable
    if drafts is not None and refused:
        # Whoever may read a draft plan's work (its owners' people and clients) is
        # told why a write is refused (409); anyone else learns nothing (404).
        readable = Deliverable.objects.visible_to(request.user).filter(pk__in=refused)
        for pk in readable.values_list("pk", flat=True):
            drafts[pk] = refused[pk]
    return writable


def _writable_one(request, deliverable_id: int) -> Deliverable:
    """The deliverable to record progress on, locked; 409 when its plan is a draft
    that the caller may read, and 404 when the caller may not write it at all."""
    drafts: dict[int, Deliverable] = {}
    deliverable = _writable(request, [deliverable_id], lock=True, drafts=drafts).get(
        deliverable_id
    )
    if deliverable_id in drafts:
        raise Conflict(draft_message(drafts[deliverable_id].plan), code="draft")
    if deliverable is None:
        raise NotFound()
    return deliverable


def draft_message(plan: Plan) -> str:
    return (
        f"The plan {plan.reference or plan.title} is a draft: progress can be "
        "recorded once its owners publish it."
    )


@extend_schema_view(list=extend_schema(parameters=[EXPAND]))
@structure_schema("deliverable", DeliverableSerializer, removable=False, retrieve=False)
class DeliverableViewSet(DeliverableWrites, ScopedReadOnlyViewSet):
    """Deliverables with their current state, owners, dates and milestones.

    Each carries an ``ETag``; send it back as ``If-Match`` when you post an update to
    be sure nobody changed the deliverable since you read it. ``?expand=updates``
    adds each one's progress updates. Editors add, change and archive them
    (``plans.api.editing``).
    """

    queryset = _deliverables_queryset()
    serializer_class = DeliverableSerializer
    filterset_class = DeliverableFilter
    ordering_fields = ["id", "updated_at", "reference", "forecast_date_end"]
    query_parameters = {"list": [EXPAND.name], "retrieve": [EXPAND.name]}

    def expanded(self) -> set[str]:
        """What ``?expand=`` asks for (repeated, or comma-separated); anything else
        is refused with a 400 naming ``expand``."""
        if self.action not in self.query_parameters:
            return set()
        asked = {
            name.strip()
            for value in self.request.query_params.getlist(EXPAND.name)
            for name in value.split(",")
            if name.strip()
        }
        unknown = sorted(asked - set(EXPANSIONS))
        if unknown:
            raise ValidationError(
                {
                    EXPAND.name: [
                        f'Cannot expand "{name}": give one of {", ".join(EXPANSIONS)}.'
                        for name in unknown
                    ]
                }
            )
        return asked

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.expand = self.expanded()

    def get_queryset(self):
        queryset = super().get_queryset()
        if "updates" in getattr(self, "expand", ()):
            updates = with_attachments(
                _updates_queryset()
                .seen_by(self.request.user)
                .order_by("-recorded_at", "-id"),
                self.request.user,
            )
            queryset = queryset.prefetch_related(Prefetch("updates", updates))
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["expand"] = getattr(self, "expand", set())
        return context

    @extend_schema(
        parameters=[EXPAND, IF_NONE_MATCH, ETAG],
        responses={
            200: DeliverableSerializer,
            304: OpenApiResponse(description="Not modified since the ETag you sent."),
        },
    )
    def retrieve(self, request, *args, **kwargs):
        deliverable = self.get_object()
        # The ETag is the deliverable's own: an update waiting for review leaves it
        # as it was, so with its updates expanded the answer is always sent in full.
        if not self.expand and request.headers.get("If-None-Match") == deliverable.etag:
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": deliverable.etag}
            )
        return Response(
            self.get_serializer(deliverable).data, headers={"ETag": deliverable.etag}
        )

    @extend_schema(
        methods=["GET"],
        responses={200: ProgressUpdateSerializer(many=True)},
        summary="List a deliverable's progress updates, newest first",
    )
    @extend_schema(
        methods=["POST"],
        request=ProgressUpdateInput,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY, ETAG],
        responses={
            201: ProgressUpdateSerializer,
            400: PROBLEM,
            404: PROBLEM,
            412: PROBLEM,
            422: PROBLEM,
        },
        summary="Record a progress update on this deliverable",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="updates",
        # The whole history, newest first: no filters, ordering or pages.
        filter_backends=[],
        filterset_class=None,
        ordering_fields=None,
        pagination_class=None,
    )
    def updates(self, request, pk=None, format=None):
        if request.method == "GET":
            deliverable = self.get_object()
            updates = with_attachments(
                _updates_queryset()
                .filter(deliverable=deliverable)
                .seen_by(request.user)
                .order_by("-recorded_at", "-id"),
                request.user,
            )
            return Response(
                ProgressUpdateSerializer(
                    updates, many=True, context=self.get_serializer_context()
                ).data
            )
        return self._create_update(request, pk)

    @idempotent
    def _create_update(self, request, pk):
        if not str(pk).isdigit():
            raise NotFound()
        return _create_one(self, request, int(pk))

    @extend_schema(
        request=ArchiveInput,
        parameters=[IF_MATCH, ETAG],
        responses={
            200: DeliverableSerializer,
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: PROBLEM,
            412: PROBLEM,
        },
        summary="Archive a deliverable: stopped, will not proceed (editors; "
        "plans:write)",
        description="Records a progress update that stops it (will not proceed) "
        "with the reason, as the plan's page does for a group of deliverables, so "
        "that its history, the summary of changes and the dashboards show it. A "
        "deliverable already closed (completed, stopped, merged, split) answers "
        "409.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="archive",
        filter_backends=[],
        filterset_class=None,
        ordering_fields=None,
        pagination_class=None,
    )
    def archive(self, request, pk=None, format=None):
        return self.archive_one(request, pk)

    @extend_schema(
        request=DeliverableBulkInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: DeliverableBulkResult,
            400: PROBLEM,
            403: PROBLEM,
            409: PROBLEM,
            422: PROBLEM,
        },
        summary="Add up to 1,000 deliverables to a plan at once, all or nothing "
        "(editors; plans:write)",
        description="Every deliverable is checked before any is added. If any is "
        "refused, none is added, and the answer lists every refused one's index, "
        "field and message. More than 1,000 is refused with a 400 naming "
        "deliverables.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        filter_backends=[],
        filterset_class=None,
        ordering_fields=None,
        pagination_class=None,
    )
    @idempotent
    def bulk(self, request, format=None):
        return self.bulk_add(request)


@structure_schema("milestone", MilestoneSerializer)
class MilestoneViewSet(MilestoneWrites, ScopedReadOnlyViewSet):
    queryset = Milestone.objects.select_related("deliverable")
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["id", "due_date_end"]


class ProgressUpdateViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """The append-only log of progress updates, and where forces push new ones."""

    queryset = _updates_queryset()
    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilter
    ordering_fields = ["id", "recorded_at"]

    def get_queryset(self):
        # visible_to (the base) leaves out what is internal to others; the flag says
        # whose review comments the caller reads.
        return with_attachments(
            super().get_queryset().with_internal_flag(self.request.user),
            self.request.user,
        )

    def get_serializer_class(self):
        if self.action == "create":
            return ProgressUpdateInput
        return ProgressUpdateSerializer

    @extend_schema(
        request=NamedUpdateInput,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={
            201: ProgressUpdateSerializer,
            400: PROBLEM,
            404: PROBLEM,
            412: PROBLEM,
            422: PROBLEM,
        },
        summary="Record a progress update (give the deliverable's id)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        return _create_one(self, request, None)

    @extend_schema(
        request=BulkInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: BulkResult, 400: PROBLEM, 422: PROBLEM},
        summary="Record up to 1,000 updates at once, all or nothing",
        description="If any update is refused, none is written, and the answer lists "
        "every refused update's index, field and message.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        filterset_class=None,
        ordering_fields=None,
    )
    @idempotent
    def bulk(self, request, format=None):
        envelope = BulkInput(data=request.data)
        envelope.is_valid(raise_exception=True)
        items = envelope.validated_data["updates"]
        checked = _BulkItems(request, items)
        created = write_all_or_nothing(
            checked,
            lambda: record_progress(
                changes=checked.changes,
                by=request.user,
                source=ProgressUpdate.Source.API,
                api_client=_api_client(request),
            ),
            ProgressRefused,
        )
        if checked.errors:
            errors = listed(checked.errors)
            drafts_only = all(e["code"] == "draft" for e in errors)
            return problem_response(
                status.HTTP_409_CONFLICT
                if drafts_only
                else status.HTTP_400_BAD_REQUEST,
                errors,
                f"{len({e['index'] for e in errors})} of {len(items)} updates were "
                "refused, so none was recorded.",
            )
        for update in created:
            update.shown_attachments = []  # just written: no evidence yet
        return Response(
            {
                "created": len(created),
                "updates": ProgressUpdateSerializer(
                    created, many=True, context=self.get_serializer_context()
                ).data,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["GET"],
        responses={200: AttachmentSerializer(many=True), 404: PROBLEM},
        summary="List the evidence on a progress update",
    )
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": AttachmentFileInput,
            "application/json": AttachmentLinkInput,
        },
        parameters=[IDEMPOTENCY_KEY],
        responses={201: AttachmentSerializer, 400: PROBLEM, 404: PROBLEM},
        summary="Attach a file (multipart) or a link (JSON) to a progress update",
        description="Send a file as multipart/form-data with a `file` part and an "
        "optional `title`, or a link as JSON with `url` and an optional `title`. "
        "The update's author, the lead's and owners' contributors and the plan's "
        "editors may add evidence, up to the service's number per update. A file "
        "whose contents do not match its extension, a macro-enabled Office file or "
        "one over the size limit is refused with a 400 naming `file`.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="attachments",
        parser_classes=[JSONParser, MultiPartParser],  # JSON: core.api.parsers
        filter_backends=[],
        filterset_class=None,
        ordering_fields=None,
        pagination_class=None,
    )
    def attachments(self, request, pk=None, format=None):
        update = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            shown = attachments_for(request.user).filter(update=update)
            return Response(
                AttachmentSerializer(shown, many=True, context=context).data
            )
        return self._attach(request, update, context)

    @idempotent
    def _attach(self, request, update, context):
        if not may_add_evidence(request.user, update):
            raise NotFound()
        try:
            if request.content_type.startswith("multipart/"):
                if len(request.FILES.getlist("file")) > 1:
                    raise DjangoValidationError({"file": "Send one file at a time."})
                form = AttachmentFileInput(data=request.data)
                form.is_valid(raise_exception=True)
                added = attach_file(
                    update=update,
                    by=request.user,
                    file=form.validated_data["file"],
                    title=form.validated_data.get("title", ""),
                )
            else:
                if isinstance(request.data, dict) and "file" in request.data:
                    raise DjangoValidationError(
                        {"file": "Send a file as multipart/form-data, not JSON."}
                    )
                form = AttachmentLinkInput(data=request.data)
                form.is_valid(raise_exception=True)
                added = attach_link(
                    update=update,
                    by=request.user,
                    url=form.validated_data["url"],
                    title=form.validated_data.get("title", ""),
                )
        except PermissionDenied as refused:
            raise NotFound() from refused
        return Response(
            AttachmentSerializer(added, context=context).data,
            status=status.HTTP_201_CREATED,
        )
