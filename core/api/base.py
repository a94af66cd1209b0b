"""What every API view shares: scope applied before any handler, strict input."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.settings import api_settings

# The largest id a 64-bit integer column holds: an id past it names nothing, and is
# refused as input rather than sent to the database.
MAX_ID = 2**63 - 1


class KnownQueryParameters:
    """Refuses a query parameter the view does not take, with a 400 naming each one,
    rather than quietly ignoring it (``?review_sate=returned`` answering every update
    would look like an answer). Checked once the caller is let in, before any handler.

    A view takes ``format``, the parameters it names in ``query_parameters`` (for
    each action: ``{"retrieve": ["expand"]}``) and, on a list, its filterset's
    filters, ``ordering`` and the paginator's ``cursor`` and ``page_size``.
    """

    query_parameters: dict[str, tuple[str, ...] | list[str]] = {}

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = request.method.lower()
        if method not in getattr(self, "http_method_names", ()) or not hasattr(
            self, method
        ):
            return  # a method the address does not take: 405, whatever is asked
        taken = self.accepted_query_parameters()
        unknown = sorted(set(request.query_params) - taken)
        if unknown:
            listed = ", ".join(sorted(taken))
            raise serializers.ValidationError(
                {
                    name: [
                        f'"{name}" is not a query parameter of this address. '
                        f"It takes: {listed}."
                    ]
                    for name in unknown
                },
                code="unknown_parameter",
            )

    def accepted_query_parameters(self) -> set[str]:
        action = (
            getattr(self, "action", None)
            or getattr(getattr(self, "request", None), "method", "").lower()
        )
        names = {api_settings.URL_FORMAT_OVERRIDE}
        names |= set(self.query_parameters.get(action, ()))
        if action != "list":
            return names
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None:
            names |= set(filterset.base_filters)
        for backend in getattr(self, "filter_backends", ()):
            if issubclass(backend, OrderingFilter):
                names.add(backend.ordering_param)
        paginator = getattr(self, "paginator", None)
        for attribute in (
            "cursor_query_param",
            "page_query_param",
            "page_size_query_param",
        ):
            name = getattr(paginator, attribute, None)
            if name:
                names.add(name)
        return names


class ScopedReadOnlyViewSet(KnownQueryParameters, viewsets.ReadOnlyModelViewSet):
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
