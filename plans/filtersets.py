"""Filters shared by the API and (later) the pages that list the same things."""

import datetime

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from core.api.base import MAX_ID
from plans.models import Indicator, Objective, Organisation, Plan, Priority, Strand
from plans.succession.selectors import with_successor


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number the database can hold, so "1.5" is refused
    rather than read as 1, and a 30-digit number refused rather than crashing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment read in UTC: any offset RFC 3339 allows (a database may
    refuse one beyond real zones' 14 hours) and any year, the far ends held at the
    calendar's first or last moment."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None or moment.utcoffset() is None:
            return moment
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:  # past the calendar's end once in UTC
            end = datetime.datetime.max if moment.year > 1 else datetime.datetime.min
            return end.replace(tzinfo=datetime.UTC)


class MomentFilter(django_filters.IsoDateTimeFilter):
    """``IsoDateTimeFilter`` with the moment checked by ``MomentField``."""

    field_class = MomentField


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind__slug")

    class Meta:
        model = Organisation
        fields = ["kind"]


class PlanFilter(django_filters.FilterSet):
    owner = IdFilter(
        method="filter_owner",
        help_text="An organisation's id. A body since succeeded also finds its "
        "successor's plans, which were its own.",
    )
    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Plan
        fields = ["owner", "state", "reference"]

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner_id__in=with_successor(value))


class PriorityFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Priority
        fields = ["plan", "plan_reference", "parent", "reference"]


class ObjectiveFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")
    priority = IdFilter(field_name="priority_id")

    class Meta:
        model = Objective
        fields = ["plan", "plan_reference", "priority", "reference"]


class StrandFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")

    class Meta:
        model = Strand
        fields = ["plan", "plan_reference", "name"]


class IndicatorFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")

    class Meta:
        model = Indicator
        fields = ["plan", "plan_reference", "direction", "source"]
