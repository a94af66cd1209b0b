"""Files waiting between a preview and its confirmation.

A quarterly return or a plan's action table is checked and previewed in one request and
recorded in a later one, which may reach another app server behind the load balancer.
So the file waits in the database, never on one server's disk: it is claimed (once) by
the confirmation, replaced by the same person's next upload, or discarded after
``KEPT_FOR``.
"""

from __future__ import annotations

import datetime
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from deliverables.models import PendingUpload
from plans.models import Plan, ReportingPeriod

#: How long an unconfirmed upload is kept.
KEPT_FOR = datetime.timedelta(days=1)


@transaction.atomic
def hold_upload(
    *,
    purpose: PendingUpload.Purpose,
    upload: UploadedFile,
    by: Any,
    plan: Plan | None = None,
    period: ReportingPeriod | None = None,
) -> PendingUpload:
    """Keep ``upload`` until its confirmation, under a new random token; uploads past
    ``KEPT_FOR`` are cleared out at the same time."""
    discard_expired_uploads()
    return PendingUpload.objects.create(
        token=uuid.uuid4().hex,
        purpose=purpose,
        name=(upload.name or "")[:200],
        content=b"".join(upload.chunks()),
        uploaded_by=by,
        plan=plan,
        period=period,
    )


def claim_upload(
    *,
    token: str,
    purpose: PendingUpload.Purpose,
    by: Any,
    plan: Plan | None = None,
    period: ReportingPeriod | None = None,
) -> PendingUpload | None:
    """The unexpired upload ``by`` holds under ``token`` for this purpose, plan and
    period, or None. The row stays locked until the transaction ends, so that two
    confirmations of one upload (a double click, two app servers) cannot both record
    it: the second finds it gone once the first has discarded it.
    """
    if not (token.isalnum() and len(token) <= 32):
        return None
    return (
        PendingUpload.objects.select_for_update()
        .filter(
            token=token,
            purpose=purpose,
            uploaded_by=by,
            plan=plan,
            period=period,
            created_at__gte=timezone.now() - KEPT_FOR,
        )
        .first()
    )


def discard_uploads(*, tokens: Iterable[str]) -> int:
    """Remove the uploads held under ``tokens``; return how many there were."""
    deleted, _ = PendingUpload.objects.filter(token__in=list(tokens)).delete()
    return deleted


def discard_expired_uploads(*, as_of: datetime.datetime | None = None) -> int:
    """Remove every upload older than ``KEPT_FOR`` (at ``as_of``, by default now);
    return how many there were."""
    cutoff = (as_of or timezone.now()) - KEPT_FOR
    deleted, _ = PendingUpload.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@contextmanager
def readable_file(pending: PendingUpload) -> Iterator[Path]:
    """The upload as a file on disk, under its own name, for readers that need a path
    (the plan importer tells CSV from Excel by the suffix, and names the file in the
    history it writes). The file lasts only as long as the ``with`` block."""
    name = Path(pending.name).name
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    try:
        stem = get_valid_filename(Path(name).stem)
    except SuspiciousFileOperation:
        stem = "upload"
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(bytes(pending.content))
        yield path
