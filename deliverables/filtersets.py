"""One filterset per list, shared by the API and the pages that list the same things."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    Rag,
    Status,
)
from plans.filtersets import IdFilter

YES_NO = [("true", "Yes"), ("false", "No")]


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
    # A column of the row itself: no join, so no duplicates, so no DISTINCT (which
    # would compare every column of every row).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    rag = django_filters.MultipleChoiceFilter(
        label="RAG",
        choices=Rag.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
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
    owner = django_filters.CharFilter(
        method="filter_owner", help_text='Part of an owner role, such as "Ch. Insp".'
    )
    strand = IdFilter(field_name="strands", help_text="A strand id.")
    late = django_filters.ChoiceFilter(
        choices=YES_NO,
        empty_label="Any",
        method="filter_late",
        help_text="Late as of today (true) or not late (false).",
    )
    needs_update = django_filters.ChoiceFilter(
        label="Needs an update this period",
        choices=YES_NO,
        empty_label="Any",
        method="filter_needs_update",
        help_text="No accepted or waiting update for the current reporting period.",
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text="Words in the reference, title or description."
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("position", "plan_order"),
            ("reference", "reference"),
            ("title", "title"),
            ("forecast_date_end", "forecast"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        help_text="Sort order for the pages (the API also takes ordering).",
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

    def filter_owner(self, queryset, name, value):
        owned = DeliverableOwner.objects.filter(
            deliverable=OuterRef("pk"), role__icontains=value
        )
        return queryset.filter(Exists(owned))

    def filter_late(self, queryset, name, value):
        late = queryset.late_as_of(timezone.localdate())
        return late if value == "true" else queryset.exclude(pk__in=late.values("pk"))

    def filter_needs_update(self, queryset, name, value):
        needing = queryset.needs_update(timezone.localdate())
        if value == "true":
            return needing
        return queryset.exclude(pk__in=needing.values("pk"))

    def filter_text(self, queryset, name, value):
        for word in value.split()[:10]:
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(title__icontains=word)
                | Q(description__icontains=word)
            )
        return queryset

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
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="recorded_at", lookup_expr="gte"
    )

    class Meta:
        model = ProgressUpdate
        fields = ["deliverable", "plan", "period", "status", "source"]
