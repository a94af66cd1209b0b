"""The editor API: plans' editors (and their body's API clients with ``plans:write``)
keep a plan's structure in step from their own systems, through the same services
and rules as the browser's forms.

Each structure viewset takes ``StructureWrites``: POST to its list adds one, PATCH
changes one (``If-Match`` checked under the row lock) and DELETE removes one that
nothing hangs from. Plans and deliverables are archived, never removed (their own
``archive`` actions). Who may: ``plans.permissions.edits_structure``; the token's
scope: ``plans:write`` (``core.api.permissions``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from core.api.base import MAX_ID, StrictInput
from core.api.errors import Conflict, PreconditionFailed
from core.api.idempotency import idempotent
from core.api.permissions import STRUCTURE_SCOPE
from core.api.schema import IDEMPOTENCY_KEY
from core.conflicts import StaleVersion, lock_unchanged, version_of
from plans.models import Objective, Organisation, Plan, Priority, Strand
from plans.permissions import edits_structure, edits_structure_anywhere
from plans.services import (
    PlanArchived,
    StillHeld,
    archive_plan,
    refuse_if_archived,
    remove_plan_part,
    save_plan,
    save_plan_part,
    save_strand,
)

PROBLEM = OpenApiResponse(description="Problem details naming each field at fault.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag as you read it (GET gives it). A stale one gets 412 and "
    "nothing is written; left out, the write is not checked.",
)
ETAG = OpenApiParameter(
    "ETag",
    location=OpenApiParameter.HEADER,
    response=[200, 201],
    required=True,
    description="The object's version, for If-Match.",
)
NOT_AN_EDITOR = (
    "Only the plan's editors, and its owner's API clients with the plans:write "
    "scope, change its structure."
)


def id_field(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    """An id given in a body: a whole number the database can hold."""
    return serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs
    )


def seen(model: type[Model], pk: int, actor: Any, field: str) -> Any:
    """The row ``pk`` of ``model`` if the caller can see it; else a 400 naming
    ``field`` (whether it exists elsewhere is not told)."""
    found = model._default_manager.visible_to(actor).filter(pk=pk).first()  # type: ignore[attr-defined]
    if found is None:
        name = model._meta.verbose_name
        raise ValidationError({field: [f"No {name} {pk} that you can see."]})
    return found


def may_change(actor: Any, plan: Plan) -> None:
    """403 unless the caller keeps this plan's structure; 409 when it is archived."""
    if not edits_structure(actor, plan):
        raise PermissionDenied(NOT_AN_EDITOR)
    try:
        refuse_if_archived(plan)
    except PlanArchived as archived:
        raise Conflict(str(archived), code="archived") from archived


def stays(obj: Model, data: dict[str, Any], field: str, kind: str) -> None:
    """A part stays where it was added: naming another plan (or deliverable) in a
    change is refused."""
    if field and field in data and data[field].pk != getattr(obj, f"{field}_id"):
        raise ValidationError(
            {field: [f"A {kind} stays in its {field}: add a new one there instead."]}
        )


class StructureWrites:
    """POST (add), PATCH (change) and DELETE (remove) for one kind of a plan's
    structure, with GET's detail carrying an ``ETag``. Subclasses name their
    ``input_class`` and the ids it takes (``relations``), and write through their
    service in ``save``."""

    write_scope = STRUCTURE_SCOPE
    # PUT would replace the whole object: the API takes changes as PATCH only.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    input_class: type[serializers.Serializer]
    relations: dict[str, type[Model]] = {}
    #: The field that names where a new one goes, which a change may not move.
    parent_field = "plan"
    kind = ""

    request: Any

    def plan_of(self, obj: Any) -> Plan:
        return obj.plan

    def new(self, data: dict[str, Any]) -> Any:
        return self.queryset.model()  # type: ignore[attr-defined]

    def save(self, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def remove(self, obj: Any) -> None:
        remove_plan_part(part=obj, by=self.request.user)

    def refuse_new(self, obj: Any) -> None:
        may_change(self.request.user, self.plan_of(obj))

    def resolved(self, data: dict[str, Any]) -> dict[str, Any]:
        """The input with each id replaced by the row the caller can see."""
        for name, model in self.relations.items():
            if data.get(name) is not None:
                data[name] = seen(model, data[name], self.request.user, name)
        return data

    def answer(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(
            self.get_serializer(fresh).data,  # type: ignore[attr-defined]
            status=code,
            headers={"ETag": version_of(fresh)},
        )

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        return Response(
            self.get_serializer(obj).data,  # type: ignore[attr-defined]
            headers={"ETag": version_of(obj)},
        )

    @idempotent
    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        if not edits_structure_anywhere(request.user):
            raise PermissionDenied(NOT_AN_EDITOR)
        form = self.input_class(data=request.data, context={"creating": True})
        form.is_valid(raise_exception=True)
        data = self.resolved(dict(form.validated_data))
        obj = self.new(data)
        for name, value in data.items():
            if name in self.writes_fields():
                setattr(obj, name, value)
        self.refuse_new(obj)
        return self.answer(self.save(obj, data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        may_change(request.user, self.plan_of(obj))
        form = self.input_class(
            data=request.data, partial=True, context={"creating": False}
        )
        form.is_valid(raise_exception=True)
        data = self.resolved(dict(form.validated_data))
        stays(obj, data, self.parent_field, self.kind)
        try:
            with transaction.atomic():
                current: Any = lock_unchanged(
                    type(obj), pk=obj.pk, if_match=request.headers.get("If-Match")
                )
                for name, value in data.items():
                    if name in self.writes_fields():
                        setattr(current, name, value)
                self.save(current, data)
        except StaleVersion as stale:
            raise PreconditionFailed() from stale
        return self.answer(current)

    def destroy(self, request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        may_change(request.user, self.plan_of(obj))
        try:
            with transaction.atomic():
                current = lock_unchanged(
                    type(obj), pk=obj.pk, if_match=request.headers.get("If-Match")
                )
                self.remove(current)
        except StaleVersion as stale:
            raise PreconditionFailed() from stale
        except StillHeld as held:
            raise Conflict(str(held), code="held") from held
        return Response(status=status.HTTP_204_NO_CONTENT)

    def writes_fields(self) -> set[str]:
        """The model fields the input sets directly (the rest go to ``save``)."""
        model = self.queryset.model  # type: ignore[attr-defined]
        return {f.name for f in model._meta.concrete_fields}


def structure_schema(
    kind: str, output: Any, *, removable: bool = True, retrieve: bool = True
) -> Any:
    """The schema of a structure viewset's writes, ``kind`` as the docs name it
    (``retrieve``: whether to declare its GET's ETag, which a viewset with its own
    ``retrieve`` declares itself)."""
    views = {
        "create": extend_schema(
            parameters=[IDEMPOTENCY_KEY, ETAG],
            responses={201: output, 400: PROBLEM, 403: PROBLEM, 409: PROBLEM},
            summary=f"Add a {kind} (editors; plans:write)",
        ),
        "partial_update": extend_schema(
            parameters=[IF_MATCH, ETAG],
            responses={
                200: output,
                400: PROBLEM,
                403: PROBLEM,
                404: PROBLEM,
                409: PROBLEM,
                412: PROBLEM,
            },
            summary=f"Change a {kind} (editors; plans:write)",
        ),
    }
    if retrieve:
        views["retrieve"] = extend_schema(parameters=[ETAG])
    if removable:
        views["destroy"] = extend_schema(
            parameters=[IF_MATCH],
            responses={
                204: OpenApiResponse(description="Removed."),
                403: PROBLEM,
                404: PROBLEM,
                409: PROBLEM,
                412: PROBLEM,
            },
            summary=f"Remove a {kind} that nothing hangs from (editors; plans:write)",
            description="Refused with 409, naming what still hangs from it, when "
            "anything does; nothing is removed then.",
        )
    return extend_schema_view(**views)


# Input ----------------------------------------------------------------------------


class PlanInput(StrictInput):
    """A plan as its form takes it. To add one, give at least owner, reference,
    title, starts_on and ends_on; a change gives only what changes."""

    owner = id_field("The policing body that owns it: one whose plans you edit.")
    reference = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = serializers.ChoiceField(choices=Plan.State.choices, required=False)
    is_public = serializers.BooleanField(required=False)
    review_contributor_updates = serializers.BooleanField(required=False)
    year_starts_month = serializers.ChoiceField(
        choices=[(1, "January"), (4, "April")], required=False
    )
    return_due_days = serializers.IntegerField(
        min_value=0, max_value=32767, required=False
    )
    grace_days = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    reminders_enabled = serializers.BooleanField(required=False)
    remind_days_before_due = serializers.IntegerField(
        min_value=0, max_value=32767, required=False
    )
    remind_days_after_due = serializers.IntegerField(
        min_value=0, max_value=32767, required=False
    )


class PriorityInput(StrictInput):
    plan = id_field("The plan it belongs to (given when adding; it stays there).")
    parent = id_field(
        "The priority of the same plan it sits under; null at the top.",
        required=False,
        allow_null=True,
    )
    reference = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=300)
    overview = serializers.CharField(required=False, allow_blank=True)
    success_statement = serializers.CharField(required=False, allow_blank=True)
    position = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False
    )


class ObjectiveInput(StrictInput):
    plan = id_field("The plan it belongs to (given when adding; it stays there).")
    priority = id_field("The priority of the same plan it sits under.")
    reference = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True)
    position = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False
    )


class StrandInput(StrictInput):
    plan = id_field("The plan it belongs to (given when adding; it stays there).")
    name = serializers.CharField(max_length=200)


class StrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Strand
        fields = ["id", "plan", "name"]


# Viewset bases ----------------------------------------------------------------------


class PlanWrites(StructureWrites):
    input_class = PlanInput
    relations = {"owner": Organisation}
    # A plan may pass to another body its editors also edit (``save``).
    parent_field = ""
    kind = "plan"
    # Archived, never removed: no DELETE.
    http_method_names = ["get", "post", "patch", "head", "options"]

    def plan_of(self, obj: Plan) -> Plan:
        return obj

    def refuse_new(self, obj: Plan) -> None:
        """The plan is not there yet: whoever edits its owner may add it (``save``
        asks)."""

    def save(self, obj: Plan, data: dict[str, Any]) -> Plan:
        # Added, or passed to another owner: the caller must edit that body's plans.
        if not edits_structure(self.request.user, obj):
            raise ValidationError(
                {"owner": ["Choose a policing body whose plans you edit."]}
            )
        return save_plan(plan=obj, by=self.request.user)

    def archive(self, request, pk: Any = None, format: Any = None) -> Response:
        plan = self.get_object()  # type: ignore[attr-defined]
        if not edits_structure(request.user, plan):
            raise PermissionDenied(NOT_AN_EDITOR)
        try:
            with transaction.atomic():
                lock_unchanged(
                    Plan, pk=plan.pk, if_match=request.headers.get("If-Match")
                )
                plan = archive_plan(plan=plan, by=request.user)
        except StaleVersion as stale:
            raise PreconditionFailed() from stale
        return self.answer(plan)


class PartWrites(StructureWrites):
    """Priorities and objectives: ``save_plan_part``."""

    def save(self, obj: Priority | Objective, data: dict[str, Any]) -> Any:
        return save_plan_part(part=obj, by=self.request.user)


class PriorityWrites(PartWrites):
    input_class = PriorityInput
    relations = {"plan": Plan, "parent": Priority}
    kind = "priority"


class ObjectiveWrites(PartWrites):
    input_class = ObjectiveInput
    relations = {"plan": Plan, "priority": Priority}
    kind = "objective"


class StrandWrites(StructureWrites):
    input_class = StrandInput
    relations = {"plan": Plan}
    kind = "strand"

    def save(self, obj: Strand, data: dict[str, Any]) -> Strand:
        return save_strand(strand=obj, by=self.request.user)
