"""What every API view shares: scope applied before any handler, strict input."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

# The largest id a 64-bit integer column holds: an id past it names nothing, and is
# refused as input rather than sent to the database.
MAX_ID = 2**63 - 1


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose queryset is always cut to what the caller may see.

    Subclasses set ``queryset`` (with its select/prefetch) and never filter by
    organisation themselves: ``visible_to`` does it here, once.
    """

    # Ids are whole numbers, of at most 18 digits so that they fit the database's
    # 64-bit integers: /deliverables/1.5/ is no URL of ours (a 404), rather than a
    # lookup the database has to refuse.
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class StrictInput(serializers.Serializer):
    """Input serializer that refuses fields it does not know, naming each one."""

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, dict):
            writable = {
                name for name, field in self.fields.items() if not field.read_only
            }
            unknown = {
                name: ["This field is not recognised."]
                for name in sorted(set(data) - writable)
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {}
            raise serializers.ValidationError({**detail, **unknown}) from error
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class FuzzyDateOut(serializers.Serializer):
    """A fuzzy date as the plan wrote it, with the window of days it stands for."""

    text = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


def fuzzy_out(instance: Any, name: str) -> dict[str, Any]:
    value = instance.fuzzy(name)
    return {"text": value.text, "start": value.start, "end": value.end}
