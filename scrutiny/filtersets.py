import django_filters

from plans.filtersets import IdFilter
from scrutiny.models import DecisionNotice


class DecisionNoticeFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")
    approved_from = django_filters.DateFilter(
        field_name="approved_on", lookup_expr="gte"
    )
    approved_to = django_filters.DateFilter(field_name="approved_on", lookup_expr="lte")

    class Meta:
        model = DecisionNotice
        fields = ["plan", "reference"]
