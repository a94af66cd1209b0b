"""What the OpenAPI schema says for every operation: how to authenticate, and the
problem details (RFC 9457, ``application/problem+json``) that every error answers with.

Views declare the errors particular to them (412 for a stale ``If-Match``, 422 for a
reused ``Idempotency-Key``...); the errors any operation can give are added here, so
that the schema lists every status the API really answers with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from core.api.base import StrictInput
from core.api.errors import PROBLEM_JSON, TITLES
from core.api.permissions import READ_SCOPE, WRITE_SCOPE

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    # As core.api.idempotency reads it: 1 to 255 characters, not all spaces.
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID). A retry with the same key and body "
    "returns the first response without writing again.",
)


class Problem(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="Dotted path of the field at fault (``updates[3].forecast_date`` "
        "becomes ``forecast_date`` with ``index`` 3); null for the request as a whole.",
    )
    message = serializers.CharField()
    code = serializers.CharField()
    index = serializers.IntegerField(
        required=False,
        help_text="In a bulk request, the position of the item at fault.",
    )


class ProblemDetails(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = Problem(many=True)


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    """OAuth 2.0 client credentials: ``read`` to read, ``updates:write`` to write."""

    target_class = "core.api.authentication.ClientCredentialsAuthentication"
    name = "oauth2"

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[str]]:
        needed = (
            READ_SCOPE
            if auto_schema.method in SAFE_METHODS
            else getattr(auto_schema.view, "write_scope", WRITE_SCOPE)
        )
        return {self.name: [needed]}

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": reverse("oauth-token"),
                    "scopes": dict(settings.OAUTH2_PROVIDER["SCOPES"]),
                }
            },
        }


#: Query parameters that take any text: an ordering the API does not know is ignored,
#: and a cursor it cannot read is answered as any bad cursor is.
UNCHECKED_TEXT = {"ordering", "cursor"}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with every error an operation can answer declared as
    problem details."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if (
                parameter["in"] == "query"
                and parameter["schema"].get("type") != "array"
            ):
                # Filters and paging take an empty value (``?plan=``, as a form sends
                # an unfilled field) to mean "not given". Not so a choice of several
                # (``?status=``), which is refused.
                parameter["allowEmptyValue"] = True
                text = parameter["schema"]
                if (
                    text.get("type") == "string"
                    and parameter["name"] not in UNCHECKED_TEXT
                    and not ({"enum", "format", "pattern"} & text.keys())
                ):
                    # A filter refuses a null character with a 400 naming the
                    # parameter (the database could not compare it): say so.
                    text["pattern"] = "^[^\\u0000]*$"
        responses = operation["responses"]
        for code in sorted(self._error_statuses(operation)):
            responses.setdefault(str(code), {"description": TITLES[code]})
        problem = self.resolve_serializer(ProblemDetails, "response").ref
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": problem}}
                if not response.get("description"):
                    response["description"] = TITLES.get(int(code), "Error")
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and getattr(serializer, "expandable", ()):
            # Shown only when ?expand= asks for them.
            optional = set(serializer.expandable)
            required = [n for n in schema.get("required", []) if n not in optional]
            if required:
                schema["required"] = required
            else:
                schema.pop("required", None)
        if direction == "request" and isinstance(
            force_instance(serializer), StrictInput
        ):
            # StrictInput refuses any field it does not know, naming it.
            schema["additionalProperties"] = False
        return schema

    def _error_statuses(self, operation: dict[str, Any]) -> set[int]:
        # Every operation needs a token with the right scope and is throttled.
        statuses = {401, 403, 429}
        parameters = operation.get("parameters", [])
        if "requestBody" in operation:
            # Invalid or unparseable bodies, and bodies that are not JSON.
            statuses |= {400, 415}
        if any(p["in"] == "query" for p in parameters):
            # Filters refuse values they cannot read.
            statuses.add(400)
        if any(p["in"] == "path" for p in parameters) or any(
            p["in"] == "query" and p["name"] == "cursor" for p in parameters
        ):
            # An object one may not see, or a cursor that names no page.
            statuses.add(404)
        if any(
            p["in"] == "header" and p["name"] == IDEMPOTENCY_KEY.name
            for p in parameters
        ):
            # A key reused with another request (422), or raced by a parallel one (409).
            statuses |= {409, 422}
        return statuses
