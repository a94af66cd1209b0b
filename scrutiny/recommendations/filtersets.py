"""The register's filters, as a GET form."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.forms import GovukFormMixin
from plans.models import Organisation
from scrutiny import rules
from scrutiny.recommendations.models import Recommendation


class RecommendationFilterForm(GovukFormMixin, forms.Form):
    pass


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        help_text="Words in the reference, the recommendation or the source's title.",
    )
    source = django_filters.ChoiceFilter(
        choices=Recommendation.Source.choices, empty_label="Any"
    )
    state = django_filters.ChoiceFilter(
        choices=Recommendation.State.choices, empty_label="Any"
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.none(), empty_label="Any"
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue only",
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Recommendation
        fields = ["q", "source", "state", "owner", "overdue"]
        form = RecommendationFilterForm

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.filters["owner"].queryset = owners
            self.form.fields["owner"].queryset = owners

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(text__icontains=word)
                | Q(source_title__icontains=word)
            )
        return queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(rules.overdue(timezone.localdate()))
