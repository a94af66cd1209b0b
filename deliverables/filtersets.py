"""One filterset per list, shared by the API and the pages that list the same things.

A yes/no filter is spelt ``true`` or ``false`` everywhere: on the pages, in the
dashboard's drill-downs and in the API (whose schema has always said so). Links
written before that spelt some ``yes`` or ``no``; ``respelt`` gives the pages the
address to redirect those to.
"""

import operator
from functools import reduce

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone

from core.forms import GovukFormMixin
from deliverables import rules
from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
)
from plans.filtersets import IdFilter, MomentFilter
from plans.models import ReportingPeriod
from plans.succession.selectors import with_successor

YES, NO = "true", "false"
YES_NO = [(YES, "Yes"), (NO, "No")]
#: The yes/no filters of the pages' lists and of the dashboard's drill-downs (where
#: each is also the key of a row that holds the answer).
YES_NO_FILTERS = ("late", "needs_update", "forecast_after_milestone", "new")
#: How old links spelt them.
OLD_SPELLINGS = {"yes": YES, "no": NO}


def respelt(query: QueryDict) -> QueryDict | None:
    """``query`` with every yes/no filter spelt the one way, or None when it is
    already: a page redirects an old link to the first."""
    if not any(v in OLD_SPELLINGS for k in YES_NO_FILTERS for v in query.getlist(k)):
        return None
    fixed = query.copy()
    for name in YES_NO_FILTERS:
        if name in fixed:
            fixed.setlist(name, [OLD_SPELLINGS.get(v, v) for v in fixed.getlist(name)])
    return fixed


class DeliverableFilterForm(GovukFormMixin, forms.Form):
    pass


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
    under_priority = django_filters.ChoiceFilter(
        label="Under a priority",
        choices=YES_NO,
        empty_label="Any",
        method="filter_under_priority",
        help_text="Under a priority (true) or, in a flat plan, under none (false).",
    )
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
    lead_organisation = IdFilter(
        method="filter_lead_organisation",
        help_text="An organisation's id. A body since succeeded also finds what "
        "its successor leads.",
    )
    lead_organisation_name = django_filters.CharFilter(
        method="filter_lead_organisation_name",
        help_text="Name or short name of the lead organisation.",
    )
    late_as_of = django_filters.DateFilter(
        method="filter_late_as_of",
        help_text="Open deliverables whose forecast (or baseline) ended before this "
        "day.",
    )
    updated_since = MomentFilter(
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
        help_text="Late today (true) or not (false): not completed, stopped, merged "
        "or split, and its forecast (or, without one, its milestone) ended before "
        "today.",
    )
    needs_update = django_filters.ChoiceFilter(
        label="Needs an update this period",
        choices=YES_NO,
        empty_label="Any",
        method="filter_needs_update",
        help_text="Needs an update (true) or not (false): not completed, stopped, "
        "merged or split, and no accepted or waiting update for the reporting period "
        "named by period, or else the one each plan is collecting today.",
    )
    period = IdFilter(
        method="filter_period",
        help_text="A reporting period id: only its plan's deliverables, and "
        "needs_update answers for this period.",
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
        # The page's filters, with GOV.UK's classes on their boxes.
        form = DeliverableFilterForm

    def filter_priority(self, queryset, name, value):
        return queryset.filter(
            Q(objective__priority_id=value) | Q(objective__priority__parent_id=value)
        )

    def filter_under_priority(self, queryset, name, value):
        return queryset.filter(objective__isnull=value != YES)

    def filter_priority_reference(self, queryset, name, value):
        return queryset.filter(
            Q(objective__priority__reference=value)
            | Q(objective__priority__parent__reference=value)
        )

    def filter_lead_organisation(self, queryset, name, value):
        return queryset.filter(lead_organisation_id__in=with_successor(value))

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
        return late if value == YES else queryset.exclude(pk__in=late.values("pk"))

    def filter_needs_update(self, queryset, name, value):
        period = self.form.cleaned_data.get("period")
        if period is not None:
            # Against the period named: the question its own pages answer.
            needing = queryset.filter(rules.needs_update(period))
        else:
            needing = queryset.needs_update(timezone.localdate())
        if value == YES:
            return needing
        return queryset.exclude(pk__in=needing.values("pk"))

    def filter_period(self, queryset, name, value):
        return queryset.filter(
            plan_id__in=ReportingPeriod.objects.filter(pk=value).values("plan_id")
        )

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


#: Each review state as a condition on the update, as ``ProgressUpdate.review_state``
#: reads it: accepted is what counts as made (``rules.counts_as_made``).
REVIEW_STATES = {
    ReviewState.ACCEPTED: rules.counts_as_made(),
    ReviewState.SUBMITTED: Q(requires_review=True, review__isnull=True),
    ReviewState.RETURNED: Q(review__decision=ReviewState.RETURNED),
}


class ProgressUpdateFilter(django_filters.FilterSet):
    deliverable = IdFilter(field_name="deliverable_id")
    plan = IdFilter(field_name="deliverable__plan_id")
    period = IdFilter(field_name="period_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    updated_since = MomentFilter(
        field_name="recorded_at",
        lookup_expr="gte",
        help_text="Recorded at or after this moment. Deprecated: use changed_since, "
        "which also finds updates reviewed since.",
    )
    review_state = django_filters.MultipleChoiceFilter(
        choices=ReviewState.choices,
        method="filter_review_state",
        help_text="Where the update stands with review: submitted (waiting), "
        "accepted or returned. Repeat it for more than one.",
    )
    changed_since = MomentFilter(
        method="filter_changed_since",
        help_text="Recorded, or accepted or returned by an editor, at or after this "
        "moment: for incremental sync.",
    )

    class Meta:
        model = ProgressUpdate
        fields = ["deliverable", "plan", "period", "status", "source"]

    def filter_review_state(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(reduce(operator.or_, (REVIEW_STATES[v] for v in value)))

    def filter_changed_since(self, queryset, name, value):
        return queryset.filter(
            Q(recorded_at__gte=value) | Q(review__reviewed_at__gte=value)
        )
