"""Querysets that answer "what may this person see?" once, for every view, API and
export.

A user sees a plan when one of their organisations owns it; when the plan is no longer a
draft and one of their organisations leads or owns one of its deliverables; or when the
plan has been made public and is no longer a draft. Superusers see everything.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q

from core.actors import Actor, organisation_ids_of, sees_everything


def memberships_of(actor: Any) -> dict[int, str]:
    """The actor's role in each of their organisations, by organisation id.

    Read once per request and kept on the user object, because scope and permission
    checks ask it many times. The platform reads it through ``core.actors``.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    cached = getattr(actor, "_roles", None)
    if cached is None:
        # The model is reached through the app registry: plans.models imports this
        # module for its querysets.
        membership = apps.get_model("plans", "Membership")
        cached = dict(
            membership.objects.filter(user=actor)
            .order_by()  # not the default order, which joins two more tables
            .values_list("organisation_id", "role")
        )
        actor._roles = cached
    return cached


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, actor: Actor) -> OrganisationQuerySet:
        """Organisations are a public directory to anyone signed in; none when signed
        out.
        """
        if getattr(actor, "is_authenticated", False):
            return self.all()
        return self.none()


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, actor: Actor) -> MembershipQuerySet:
        """Members of one's own organisations."""
        if sees_everything(actor):
            return self.all()
        return self.filter(organisation_id__in=organisation_ids_of(actor))


class PlanQuerySet(models.QuerySet):
    def visible_to(self, actor: Actor) -> PlanQuerySet:
        """Plans the actor's organisations own or take part in, and public plans."""
        if sees_everything(actor):
            return self.all()
        return self.seen_by_organisations(organisation_ids_of(actor))

    def seen_by_organisations(self, org_ids: list[int]) -> PlanQuerySet:
        """Plans that members of these organisations see (the rule of
        ``visible_to``; webhooks ask it of an organisation rather than a person)."""
        public = Q(is_public=True) & ~Q(state="draft")
        if not org_ids:
            return self.filter(public)
        # EXISTS on the organisations' own work, not "id in (every plan joined to
        # every deliverable)", so that the cost follows what they take part in. The
        # models are reached through the reverse relation: plans imports nothing
        # from deliverables.
        deliverable: Any = self.model._meta.get_field("deliverables").related_model
        owner: Any = deliverable._meta.get_field("owners").related_model
        leads = Exists(
            deliverable._default_manager.filter(
                plan=OuterRef("pk"), lead_organisation_id__in=org_ids
            )
        )
        owns = Exists(
            owner._default_manager.filter(
                deliverable__plan=OuterRef("pk"), organisation_id__in=org_ids
            )
        )
        party = ~Q(state="draft") & (Q(leads) | Q(owns))
        return self.filter(Q(owner_id__in=org_ids) | public | party)


class PlanScopedQuerySet(models.QuerySet):
    """For anything that belongs to one plan: visible when its plan is."""

    def visible_to(self, actor: Actor) -> PlanScopedQuerySet:
        if sees_everything(actor):
            return self.all()
        plan = apps.get_model("plans", "Plan")
        return self.filter(plan__in=plan.objects.visible_to(actor))


class ReportingPeriodQuerySet(PlanScopedQuerySet):
    def open_on(self, day: datetime.date) -> ReportingPeriodQuerySet:
        """Periods taking updates on ``day``: opened, not past their grace period, and
        not locked. The earliest comes first: in the first weeks of a quarter the
        previous quarter's return is still the one being collected."""
        return self.filter(
            locked_at__isnull=True, opens_on__lte=day, closes_on__gte=day
        ).order_by("plan_id", "starts_on")
