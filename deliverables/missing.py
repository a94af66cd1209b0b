"""Missing updates: which deliverables still have no update for a period, grouped by
organisation and owner so OPCC staff know whom to chase.

The same selector feeds the page, its CSV and XLSX exports and the reminders and
editors' digest e-mails (``deliverables.reminders``); what "needs an update" means is
``deliverables.rules.needs_update``, which the deliverables list (``needs_update`` with
``period``), the periods pages, the dashboard and the API use too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import slugify
from django.views import View

from core.actors import roles_of
from core.spreadsheets import csv_response, xlsx_response
from core.views import ScopedPage
from deliverables.models import Deliverable, DeliverableOwner, SentReminder
from plans.models import ReportingPeriod
from plans.permissions import WRITERS, edits_plan


def owner_label(deliverable: Deliverable) -> str:
    """Whom to ask: the named lead, else the owner roles as the plan words them."""
    if deliverable.lead_user is not None:
        user = deliverable.lead_user
        return user.get_full_name() or user.username
    roles = [owner.role for owner in deliverable.owners.all()]
    return ", ".join(roles) if roles else "No owner named"


def co_owners(deliverable: Deliverable) -> list[str]:
    """The other organisations that share the deliverable, by name."""
    return sorted(
        {
            owner.organisation.name
            for owner in deliverable.owners.all()
            if owner.organisation is not None
            and owner.organisation_id != deliverable.lead_organisation_id
        }
    )


@dataclass
class OwnerGroup:
    """One owner's deliverables without an update."""

    owner: str
    deliverables: list[Deliverable] = field(default_factory=list)


@dataclass
class OrganisationGroup:
    """One lead organisation's deliverables without an update, by owner."""

    organisation: Any
    owners: list[OwnerGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(group.deliverables) for group in self.owners)


def writer_organisations(actor: Any) -> set[int]:
    """The organisations in which the actor may record progress."""
    return {org for org, role in roles_of(actor).items() if role in WRITERS}


def missing_updates(
    *, period: ReportingPeriod, actor: Any = None
) -> QuerySet[Deliverable]:
    """The period's deliverables that need an update, ready to group and show.

    With an ``actor``, only what they may see: a plan editor sees every organisation;
    anyone else only the deliverables their own organisations lead or co-own, even on a
    public plan where they could read the rest.
    """
    deliverables = Deliverable.objects.needs_update_in(period)
    if actor is not None:
        deliverables = deliverables.visible_to(actor)
        if not edits_plan(actor, period.plan):
            own = writer_organisations(actor)
            deliverables = deliverables.filter(
                pk__in=Deliverable.objects.filter(
                    Q(lead_organisation_id__in=own) | Q(owners__organisation_id__in=own)
                ).values("pk")
            )
    return (
        deliverables.select_related("plan", "lead_organisation", "lead_user")
        .prefetch_related(
            Prefetch(
                "owners",
                DeliverableOwner.objects.select_related("organisation").order_by(
                    "position", "pk"
                ),
            )
        )
        .order_by("lead_organisation__name", "position", "reference")
    )


def by_organisation(deliverables) -> list[OrganisationGroup]:
    """Group deliverables (ordered by lead organisation) by organisation, then owner."""
    groups: dict[int, OrganisationGroup] = {}
    for deliverable in deliverables:
        group = groups.get(deliverable.lead_organisation_id)
        if group is None:
            group = groups[deliverable.lead_organisation_id] = OrganisationGroup(
                deliverable.lead_organisation
            )
        deliverable.shared_with = co_owners(deliverable)
        label = owner_label(deliverable)
        for owner in group.owners:
            if owner.owner == label:
                owner.deliverables.append(deliverable)
                break
        else:
            group.owners.append(OwnerGroup(label, [deliverable]))
    for group in groups.values():
        group.owners.sort(key=lambda o: (o.owner == "No owner named", o.owner.lower()))
    return list(groups.values())


@dataclass
class Lateness:
    """How late a period's updates are on a day."""

    period: ReportingPeriod
    day: datetime.date

    @property
    def days_late(self) -> int:
        return self.period.days_late(self.day)

    @property
    def days_to_due(self) -> int:
        return max(0, (self.period.due_on - self.day).days)

    @property
    def is_closed(self) -> bool:
        """Past the grace period (or locked): late updates are no longer taken."""
        return self.period.state_on(self.day) in {
            ReportingPeriod.State.CLOSED,
            ReportingPeriod.State.LOCKED,
        }

    def describe(self) -> str:
        """In words, for e-mails and exports: "5 days late", "due in 3 days"."""
        if self.days_late:
            late = f"{self.days_late} day{'s' if self.days_late != 1 else ''} late"
            return f"{late}, period closed" if self.is_closed else late
        if self.days_to_due:
            days = self.days_to_due
            return f"due in {days} day{'s' if days != 1 else ''}"
        return "due today"


def sent_reminders(*, period: ReportingPeriod) -> QuerySet[SentReminder]:
    """The reminders and digests already sent for the period, newest first."""
    return (
        SentReminder.objects.filter(period=period)
        .select_related("recipient")
        .annotate(listed=Count("deliverables"))
        .order_by("-sent_at", "-pk")
    )


EXPORT_HEADER = [
    "Period",
    "Organisation",
    "Owner",
    "Co-owning organisations",
    "Reference",
    "Deliverable",
    "Due on",
    "Days late",
    "Period closed",
    "Link",
]


def _edits_or_writes_for(actor: Any, period: ReportingPeriod) -> bool:
    return edits_plan(actor, period.plan) or MissingUpdatesView.writes_for_plan(
        actor, period
    )


class MissingUpdatesView(ScopedPage, View):
    """A period's missing updates, for plan editors (every organisation) and for the
    contributors of an organisation (their own deliverables only); anyone else who
    can see the plan gets 403."""

    methods_first = True

    scope_model, scope_kwarg, scope_attr = ReportingPeriod, "period", "period_obj"
    scope_related = ("plan__owner",)
    needs = _edits_or_writes_for

    def narrowed(self, queryset):
        return queryset.filter(plan_id=self.kwargs["plan"])

    def get(self, request, plan: int, period: int):
        period_obj = self.period_obj
        is_editor = edits_plan(request.user, period_obj.plan)
        today = timezone.localdate()
        deliverables = list(missing_updates(period=period_obj, actor=request.user))
        lateness = Lateness(period_obj, today)
        groups = by_organisation(deliverables)
        kind = request.GET.get("format")
        if kind in {"csv", "xlsx"}:
            return self.export(request, period_obj, groups, lateness, kind)
        return render(
            request,
            "deliverables/missing.html",
            {
                "plan": period_obj.plan,
                "period": period_obj,
                "groups": groups,
                "total": len(deliverables),
                "lateness": lateness,
                "is_editor": is_editor,
                "reminders": list(sent_reminders(period=period_obj))
                if is_editor
                else [],
            },
        )

    @staticmethod
    def writes_for_plan(actor: Any, period: ReportingPeriod) -> bool:
        """A contributor (or above) of an organisation leading or co-owning work in the
        plan."""
        own = writer_organisations(actor)
        if not own:
            return False
        return (
            Deliverable.objects.filter(plan_id=period.plan_id)
            .filter(
                Q(lead_organisation_id__in=own) | Q(owners__organisation_id__in=own)
            )
            .exists()
        )

    def export(self, request, period, groups, lateness, kind):
        # A real date in a workbook; written out in a CSV, as the app shows dates.
        due = format_date(period.due_on, "j F Y") if kind == "csv" else period.due_on
        rows: list[list[Any]] = [EXPORT_HEADER]
        for group in groups:
            for owner in group.owners:
                rows += [
                    self.export_row(request, period, d, owner.owner, due, lateness)
                    for d in owner.deliverables
                ]
        name = slugify(f"missing updates {period.plan.reference} {period.label}")
        filename = f"{name}.{kind}"
        if kind == "csv":
            return csv_response(rows, filename)
        return xlsx_response([("Missing updates", rows)], filename)

    @staticmethod
    def export_row(request, period, d, owner, due, lateness) -> list[Any]:
        return [
            period.label,
            d.lead_organisation.name,
            owner,
            ", ".join(d.shared_with),
            d.reference,
            d.title,
            due,
            lateness.days_late,
            "Yes" if lateness.is_closed else "No",
            request.build_absolute_uri(reverse("deliverables:detail", args=[d.pk])),
        ]
