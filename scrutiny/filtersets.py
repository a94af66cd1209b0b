import django_filters

from plans.filtersets import IdFilter
from scrutiny.models import DecisionNotice, PublishedReport, ScrutinyAction


class DecisionNoticeFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    approved_from = django_filters.DateFilter(
        field_name="approved_on", lookup_expr="gte"
    )
    approved_to = django_filters.DateFilter(field_name="approved_on", lookup_expr="lte")

    class Meta:
        model = DecisionNotice
        fields = ["plan", "reference"]


class PublishedReportFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    period = IdFilter(field_name="period_id")
    version = IdFilter(field_name="version")

    class Meta:
        model = PublishedReport
        fields = ["plan", "period", "version"]


class ScrutinyActionFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = ScrutinyAction
        fields = ["plan", "owner", "state", "kind"]
