"""Filters shared by the API and (later) the pages that list the same things."""

import django_filters

from plans.models import Indicator, Objective, Organisation, Plan, Priority


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind__slug")

    class Meta:
        model = Organisation
        fields = ["kind"]


class PlanFilter(django_filters.FilterSet):
    owner = django_filters.NumberFilter(field_name="owner_id")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte"
    )

    class Meta:
        model = Plan
        fields = ["owner", "state", "reference"]


class PriorityFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")
    parent = django_filters.NumberFilter(field_name="parent_id")

    class Meta:
        model = Priority
        fields = ["plan", "plan_reference", "parent", "reference"]


class ObjectiveFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")
    priority = django_filters.NumberFilter(field_name="priority_id")

    class Meta:
        model = Objective
        fields = ["plan", "plan_reference", "priority", "reference"]


class IndicatorFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")

    class Meta:
        model = Indicator
        fields = ["plan", "plan_reference", "direction", "source"]
