"""Every API error as RFC 9457 problem details, each problem naming its field.

    {"type": "about:blank", "title": "Invalid request", "status": 400,
     "detail": "2 problems with the request.",
     "errors": [{"field": "forecast_date", "message": "...", "code": "invalid"}]}

``field`` is a dotted path (``updates[3].forecast_date``) or null when the problem is
with the request as a whole (malformed JSON, for example). Bulk requests also give the
``index`` of the item.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Invalid request",
    401: "Authentication needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    428: "Precondition required",
    429: "Too many requests",
}
NON_FIELD = {"non_field_errors", "detail", "__all__"}
ITEM = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\]\.?(?P<rest>.*)$")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since you read it: fetch it again."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def _flatten(detail: Any, path: str = "") -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            child = "" if key in NON_FIELD else (f"{path}.{key}" if path else str(key))
            found += _flatten(value, child)
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [_problem(path, item) for item in detail]
        found = []
        for index, item in enumerate(detail):
            if item:
                found += _flatten(item, f"{path}[{index}]")
        return found
    return [_problem(path, detail)]


def _problem(path: str, message: Any) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "field": path or None,
        "message": str(message),
        "code": getattr(message, "code", "invalid"),
    }
    match = ITEM.match(path)
    if match:
        problem["index"] = int(match["index"])
        problem["field"] = match["rest"] or None
    return problem


def problem_response(
    status_code: int,
    errors: list[dict[str, Any]],
    detail: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details response built from already-flattened errors."""
    if not detail:
        detail = (
            errors[0]["message"]
            if len(errors) == 1
            else f"{len(errors)} problems with the request."
        )
    body = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors,
    }
    return Response(
        body, status=status_code, headers=headers, content_type=PROBLEM_JSON
    )


def problem_details(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: DRF's own handling, reshaped as problem details."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        # A multipart body past Django's limit (JSON bodies: core.api.parsers).
        exc = RequestTooLarge(
            "The request body is larger than the API takes: send less at once."
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(
            "The request has more fields or files than the API takes."
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(data)
        detail = ""
    else:
        message = data.get("detail", "") if isinstance(data, dict) else str(data)
        errors = [
            {
                "field": None,
                "message": str(message),
                "code": getattr(message, "code", exc.__class__.__name__),
            }
        ]
        detail = str(message)
    headers = {
        k: v
        for k, v in response.items()
        if k in {"Retry-After", "WWW-Authenticate", "Allow", "ETag"}
    }
    return problem_response(response.status_code, errors, detail, headers)
