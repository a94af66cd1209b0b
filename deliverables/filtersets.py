"""One filterset per list, shared by the API and the pages that list the same things."""

import django_filters
from django.db.models import Q

from deliverables.models import Deliverable, Milestone, ProgressUpdate, Rag, Status
from plans.filtersets import IdFilter


class DeliverableFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_reference = django_filters.CharFilter(field_name="plan__reference")
    priority = IdFilter(
        method="filter_priority", help_text="A priority id; includes nested priorities."
    )
    priority_reference = django_filters.CharFilter(
        method="filter_priority_reference",
        help_text='A priority reference such as "3.1"; includes nested priorities.',
    )
    objective = IdFilter(field_name="objective_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    rag = django_filters.MultipleChoiceFilter(choices=Rag.choices)
    lead_organisation = IdFilter(field_name="lead_organisation_id")
    lead_organisation_name = django_filters.CharFilter(
        method="filter_lead_organisation_name",
        help_text="Name or short name of the lead organisation.",
    )
    late_as_of = django_filters.DateFilter(
        method="filter_late_as_of",
        help_text="Open deliverables whose forecast (or baseline) ended before this "
        "day.",
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this moment, for incremental sync.",
    )

    class Meta:
        model = Deliverable
        fields = ["plan", "objective", "status", "rag", "reference"]

    def filter_priority(self, queryset, name, value):
        return queryset.filter(
            Q(objective__priority_id=value) | Q(objective__priority__parent_id=value)
        )

    def filter_priority_reference(self, queryset, name, value):
        return queryset.filter(
            Q(objective__priority__reference=value)
            | Q(objective__priority__parent__reference=value)
        )

    def filter_lead_organisation_name(self, queryset, name, value):
        return queryset.filter(
            Q(lead_organisation__name__iexact=value)
            | Q(lead_organisation__short_name__iexact=value)
        )

    def filter_late_as_of(self, queryset, name, value):
        return queryset.late_as_of(value)


class MilestoneFilter(django_filters.FilterSet):
    deliverable = IdFilter(field_name="deliverable_id")
    plan = IdFilter(field_name="deliverable__plan_id")
    due_before = django_filters.DateFilter(field_name="due_date_end", lookup_expr="lt")

    class Meta:
        model = Milestone
        fields = ["deliverable", "plan"]


class ProgressUpdateFilter(django_filters.FilterSet):
    deliverable = IdFilter(field_name="deliverable_id")
    plan = IdFilter(field_name="deliverable__plan_id")
    period = IdFilter(field_name="period_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="recorded_at", lookup_expr="gte"
    )

    class Meta:
        model = ProgressUpdate
        fields = ["deliverable", "plan", "period", "status", "source"]
