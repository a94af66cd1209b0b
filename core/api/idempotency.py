"""Safe retries: POSTs honour an Idempotency-Key header.

The same key with the same body answers with the first response and writes nothing
again; the same key with a different body is refused with 422. Keys are per caller.
Only successful responses are kept: a refused request wrote nothing, so repeating it
gives the same refusal anyway.

Copies sent at once: on PostgreSQL, a copy that races the first is refused with 409
when the key's unique constraint refuses its record, and its transaction writes
nothing. On SQLite every request takes the database's write lock as it begins
(config/settings.py), so a copy waits for the first to finish and gets its answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.response import Response

from core.api.errors import Conflict, Unprocessable
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class _BodyEncoder(DjangoJSONEncoder):
    """Also fingerprints uploaded files (multipart bodies), by name and contents."""

    def default(self, o: Any) -> Any:
        if isinstance(o, UploadedFile):
            digest = hashlib.sha256()
            for chunk in o.chunks():
                digest.update(chunk)
            o.seek(0)
            return {"file": o.name, "sha256": digest.hexdigest()}
        return super().default(o)


def _fingerprint(request: Any) -> str:
    body = request.data
    if hasattr(body, "lists"):  # a multipart body: every value of every part
        body = {key: values for key, values in body.lists()}
    payload = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        cls=_BodyEncoder,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


#: Headers of the first answer that a replay repeats.
REPLAYED_HEADERS = ("ETag", "Location")


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a POST handler of a DRF view so that retries are safe."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError(
                {HEADER: ["Use a key of 1 to 255 characters, such as a UUID."]}
            )
        fingerprint = _fingerprint(request)
        earlier = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise Unprocessable(
                    "This Idempotency-Key was already used with a different request. "
                    "Use a new key for a new request."
                )
            return Response(
                earlier.response,
                status=earlier.status_code,
                headers={**earlier.headers, "Idempotent-Replayed": "true"},
            )
        response = handler(view, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            data = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        request_hash=fingerprint,
                        status_code=response.status_code,
                        response=data,
                        headers={
                            name: response[name]
                            for name in REPLAYED_HEADERS
                            if response.has_header(name)
                        },
                    )
            except IntegrityError as exc:
                # The same key raced in from a parallel request that got there first.
                raise Conflict(
                    "A request with this Idempotency-Key is already being handled."
                ) from exc
        return response

    return wrapper
