from rest_framework import serializers

from scrutiny.models import DecisionNotice


class DecisionNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionNotice
        fields = [
            "id",
            "plan",
            "decided_by",
            "reference",
            "title",
            "approved_on",
            "summary",
            "url",
            "deliverables",
        ]
