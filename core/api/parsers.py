"""The API's JSON parser: a body too large or nested too deep is refused as problem
details (413, 400) before it costs memory or the interpreter's stack.

DRF's own parser reads the whole body whatever its size (Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` applies only to ``request.body``, which DRF does not
read) and lets a body nested thousands of levels deep end in a ``RecursionError``: a
500 with an HTML page.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers

from core.api.errors import RequestTooLarge

#: How deep objects and arrays may nest. No request of ours goes past 3 (a bulk
#: request's updates, a commentary's priorities); the rest is headroom.
MAX_DEPTH = 32


def max_body_size() -> int | None:
    """The largest body the API reads, in bytes: Django's own limit on a request
    body (``DATA_UPLOAD_MAX_MEMORY_SIZE``, 2.5 MB unless the service sets another)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"The request body is larger than {limit:,} bytes, the most the API takes: "
        "send fewer items at once."
    )


def _depth(value: Any) -> int:
    """How deeply ``value`` nests, without recursion (so any depth can be measured)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """JSON with a limit on size (413) and on nesting (400), each a problem."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_size()
        if stream is None:
            return super().parse(stream, media_type, parser_context)
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            meta = request.META
            try:
                declared = int(meta.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise too_large(limit)
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise too_large(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(body.decode(encoding), parse_constant=_no_constant)
        except RecursionError as exc:
            raise _too_deep() from exc
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        if _depth(data) > MAX_DEPTH:
            raise _too_deep()
        return data


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        f"The JSON nests objects or arrays more than {MAX_DEPTH} levels deep."
    )


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), as DRF's strict parser says too.
    raise ValueError(f"{name} is not valid JSON")
