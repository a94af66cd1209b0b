"""The editor API for a plan's deliverables and their milestones (the plan's own
structure is ``plans.api.editing``): add, change, archive a deliverable (stopped:
will not proceed), add up to 1,000 at once, and add, change or remove milestones.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.base import StrictInput
from core.api.bulk import listed, write_all_or_nothing
from core.api.errors import Conflict, PreconditionFailed, problem_response
from core.api.permissions import STRUCTURE_SCOPE, WRITE_SCOPE
from core.conflicts import StaleVersion
from deliverables.api.serializers import BoundedList, DeliverableSerializer
from deliverables.models import Deliverable, Milestone
from deliverables.services import (
    DeliverablesRefused,
    GroupAction,
    NewDeliverable,
    add_deliverables,
    change_several,
    save_deliverable,
    save_milestone,
)
from plans.api.editing import StructureWrites, id_field, may_change, seen
from plans.models import Objective, Organisation, Plan, ReportingPeriod, Strand

#: The most deliverables one bulk request adds.
BULK_LIMIT = 1000


class DeliverableInput(StrictInput):
    """A deliverable as its form takes it, with its owner roles and strands. To add
    one, give at least plan, reference, title and lead_organisation; a change gives
    only what changes. Its progress (status, RAG, forecast) comes by updates."""

    plan = id_field("The plan it belongs to (given when adding; it stays there).")
    objective = id_field(
        "An objective of the same plan; null in a flat plan.",
        required=False,
        allow_null=True,
    )
    reference = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True)
    lead_organisation = id_field("The organisation that leads it.")
    delivering_unit = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    expected_benefits = serializers.CharField(required=False, allow_blank=True)
    baseline_date = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='The milestone date in the plan, as written: "Q3 2026", "TBA".',
    )
    identified_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When it joined the plan, if after the plan was written.",
    )
    position = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False
    )
    owners = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=50,
        required=False,
        help_text='Its owner roles, in order, such as "Ch. Insp Operations": the '
        "list replaces the ones it has.",
    )
    strands = serializers.ListField(
        child=id_field("A strand of the same plan."),
        max_length=100,
        required=False,
        help_text="The ids of its strands, of the same plan: the list replaces the "
        "ones it has.",
    )


class BulkDeliverableItem(serializers.DictField):
    """Read as a plain object, so that the view checks each deliverable itself and
    names the index of every one it refuses; documented as the deliverable it must
    be (without ``plan``, given once)."""


class DeliverableBulkInput(StrictInput):
    plan = id_field("The plan every deliverable is added to.")
    deliverables = BoundedList(
        child=BulkDeliverableItem(),
        min_length=1,
        max_length=BULK_LIMIT,
        help_text="Up to 1,000 deliverables, each as for adding one, without plan.",
    )


class DeliverableBulkResult(serializers.Serializer):
    created = serializers.IntegerField()
    deliverables = DeliverableSerializer(many=True)


class ArchiveInput(StrictInput):
    reason = serializers.CharField(
        max_length=2000, help_text="Why it will not proceed, as the summary shows it."
    )
    period = serializers.CharField(
        max_length=50,
        required=False,
        help_text='The reporting period, by id or label ("Q2 2026"); by default the '
        "one an update written today belongs to.",
    )


class MilestoneInput(StrictInput):
    deliverable = id_field(
        "The deliverable it belongs to (given when adding; it stays there)."
    )
    title = serializers.CharField(max_length=300)
    due_date = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='As written: "Q3 2026", "end of March 2027", "TBA".',
    )
    completed_on = serializers.DateField(required=False, allow_null=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


def _strands(actor: Any, ids: list[int]) -> list[Strand]:
    found = {s.pk: s for s in Strand.objects.visible_to(actor).filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"strands": [f"No strand {', '.join(missing)} that you can see."]}
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


def _period(plan_id: int, value: str | None) -> ReportingPeriod | None:
    if value in (None, ""):
        return None
    periods = ReportingPeriod.objects.filter(plan_id=plan_id)
    found = (
        periods.filter(pk=int(value)).first()
        if str(value).isdigit() and len(str(value)) < 19
        else periods.filter(label__iexact=str(value).strip()).first()
    )
    if found is None:
        raise ValidationError(
            {"period": [f'The plan has no reporting period "{value}".']}
        )
    return found


class DeliverableWrites(StructureWrites):
    """Add and change deliverables (``save_deliverable``), archive one as stopped
    (``change_several``), add many at once (``add_deliverables``)."""

    input_class = DeliverableInput
    relations = {
        "plan": Plan,
        "objective": Objective,
        "lead_organisation": Organisation,
    }
    kind = "deliverable"
    # Archived, never removed: no DELETE.
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def write_scope(self) -> str:  # type: ignore[override]
        # Progress updates posted under a deliverable are a force's writes.
        return (
            WRITE_SCOPE
            if getattr(self, "action", None) == "updates"
            else (STRUCTURE_SCOPE)
        )

    def resolved(self, data: dict[str, Any]) -> dict[str, Any]:
        data = super().resolved(data)
        if "strands" in data:
            data["strands"] = _strands(self.request.user, data["strands"])
        return data

    def save(self, obj: Deliverable, data: dict[str, Any]) -> Deliverable:
        return save_deliverable(
            deliverable=obj,
            by=self.request.user,
            owners=data.get("owners"),
            strands=data.get("strands"),
        )

    def archive_one(self, request, pk: Any) -> Response:
        deliverable = self.get_object()  # type: ignore[attr-defined]
        plan = deliverable.plan
        may_change(request.user, plan)
        form = ArchiveInput(data=request.data)
        form.is_valid(raise_exception=True)
        period = _period(plan.pk, form.validated_data.get("period"))
        if_match = request.headers.get("If-Match")
        try:
            change_several(
                plan=plan,
                deliverables=[deliverable],
                action=GroupAction.STOP,
                reason=form.validated_data["reason"],
                by=request.user,
                period=period,
                if_match={deliverable.pk: if_match} if if_match else None,
            )
        except StaleVersion as stale:
            raise PreconditionFailed() from stale
        except DjangoValidationError as refused:
            problems = refused.message_dict
            if "deliverables" in problems:  # closed already: its state, not the input
                raise Conflict(problems["deliverables"][0], code="closed") from refused
            raise
        return self.answer(deliverable)

    def bulk_add(self, request) -> Response:
        envelope = DeliverableBulkInput(data=request.data)
        envelope.is_valid(raise_exception=True)
        plan = seen(Plan, envelope.validated_data["plan"], request.user, "plan")
        may_change(request.user, plan)
        checked = _BulkDeliverables(request.user, plan)
        checked.check(envelope.validated_data["deliverables"])
        added = write_all_or_nothing(
            checked,
            lambda: add_deliverables(plan=plan, items=checked.items, by=request.user),
            DeliverablesRefused,
        )
        if checked.errors:
            errors = listed(checked.errors)
            count = len({e["index"] for e in errors})
            return problem_response(
                status.HTTP_400_BAD_REQUEST,
                errors,
                f"{count} of {len(envelope.validated_data['deliverables'])} "
                "deliverables were refused, so none was added.",
            )
        fresh = self.get_queryset().filter(pk__in=[d.pk for d in added])  # type: ignore[attr-defined]
        return Response(
            {
                "created": len(added),
                "deliverables": self.get_serializer(  # type: ignore[attr-defined]
                    fresh.order_by("position", "pk"), many=True
                ).data,
            },
            status=status.HTTP_201_CREATED,
        )


class _BulkDeliverables:
    """A bulk request's deliverables checked one by one, with the rows they name read
    once for all: what to add, where each came from, and every item's problems."""

    def __init__(self, actor: Any, plan: Plan):
        self.actor = actor
        self.plan = plan
        self.items: list[NewDeliverable] = []
        self.positions: list[int] = []
        self.errors: list[dict[str, Any]] = []

    def refuse(self, index: int, fields: dict[str, Any]) -> None:
        for field, messages in fields.items():
            for message in messages if isinstance(messages, list) else [messages]:
                self.errors.append(
                    {
                        "index": index,
                        "field": None if field == "__all__" else field,
                        "message": str(message),
                        "code": getattr(message, "code", None) or "invalid",
                    }
                )

    def check(self, raw: list[Any]) -> None:
        # One serializer checks every item: building one each would copy its fields
        # a thousand times.
        checker = _BulkItemInput()
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, item in enumerate(raw):
            try:
                valid.append((index, checker.run_validation(item)))
            except ValidationError as error:
                detail = (
                    error.detail
                    if isinstance(error.detail, dict)
                    else {"__all__": error.detail}
                )
                self.refuse(index, detail)
        objectives = {
            o.pk: o
            for o in Objective.objects.visible_to(self.actor).filter(
                pk__in={d["objective"] for _, d in valid if d.get("objective")}
            )
        }
        leads = Organisation.objects.in_bulk({d["lead_organisation"] for _, d in valid})
        strands = {
            s.pk: s
            for s in Strand.objects.visible_to(self.actor).filter(
                pk__in={pk for _, d in valid for pk in d.get("strands", [])}
            )
        }
        for index, data in valid:
            problems: dict[str, list[str]] = {}
            objective = data.get("objective")
            if objective is not None and objective not in objectives:
                problems["objective"] = [f"No objective {objective} that you can see."]
            lead = data["lead_organisation"]
            if lead not in leads:
                problems["lead_organisation"] = [f"No organisation {lead}."]
            unknown = [pk for pk in data.get("strands", []) if pk not in strands]
            if unknown:
                listed = ", ".join(map(str, unknown))
                problems["strands"] = [f"No strand {listed} that you can see."]
            if problems:
                self.refuse(index, problems)
                continue
            fields = {
                name: value
                for name, value in data.items()
                if name not in {"owners", "strands", "objective", "lead_organisation"}
            }
            deliverable = Deliverable(
                plan=self.plan,
                objective=objectives.get(objective) if objective else None,
                lead_organisation=leads[lead],
                **fields,
            )
            self.items.append(
                NewDeliverable(
                    deliverable=deliverable,
                    owners=data.get("owners", []),
                    strands=[strands[pk] for pk in data.get("strands", [])],
                )
            )
            self.positions.append(index)


class _BulkItemInput(DeliverableInput):
    plan = None  # type: ignore[assignment]  # given once, for every item


class MilestoneWrites(StructureWrites):
    """Add, change and remove a deliverable's milestones (``save_milestone``)."""

    input_class = MilestoneInput
    relations = {"deliverable": Deliverable}
    parent_field = "deliverable"
    kind = "milestone"

    def plan_of(self, obj: Milestone) -> Plan:
        return obj.deliverable.plan

    def save(self, obj: Milestone, data: dict[str, Any]) -> Milestone:
        return save_milestone(milestone=obj, by=self.request.user)
