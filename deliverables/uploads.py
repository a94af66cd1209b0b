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
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from core.actors import Writer
from deliverables.models import PendingUpload
from deliverables.upload_errors import ImportFailed, RowError
from plans.models import Plan, ReportingPeriod

#: Limits of a workbook's zip package, checked before it is parsed.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 500

#: How long an unconfirmed upload is kept.
KEPT_FOR = datetime.timedelta(days=1)


@transaction.atomic
def hold_upload(
    *,
    purpose: PendingUpload.Purpose,
    upload: UploadedFile,
    by: Writer,
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
    by: Writer,
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


def check_xlsx_package(source: IO[bytes] | str | Path, *, not_xlsx: str) -> None:
    """Refuse anything but a plain XLSX workbook of a sensible size, before a parser
    reads it: not a zip, a macro-enabled workbook, or a zip that unpacks to far more
    than it weighs. ``not_xlsx`` is what to say when it is not a workbook at all.
    Raises ``ImportFailed`` with one error for the file."""

    def _refuse(message: str) -> ImportFailed:
        return ImportFailed([RowError(0, "file", message)])

    try:
        if not zipfile.is_zipfile(source):
            raise _refuse(not_xlsx)
        if hasattr(source, "seek"):
            source.seek(0)
        with zipfile.ZipFile(source) as package:
            parts = package.infolist()
            names = {info.filename.lower() for info in parts}
            if len(parts) > MAX_PARTS or (
                sum(info.file_size for info in parts) > MAX_UNPACKED_BYTES
            ):
                raise _refuse("The workbook is too large to read.")
            if "[content_types].xml" not in names:
                raise _refuse(not_xlsx)
            types = package.read("[Content_Types].xml").decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise _refuse(not_xlsx) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if "macroenabled" in types.lower() or any(
        name.endswith("vbaproject.bin") for name in names
    ):
        raise _refuse(
            "The workbook contains macros, which we do not accept. Save it as an "
            "Excel workbook (.xlsx) without macros and upload it again."
        )
    if "spreadsheetml.sheet.main+xml" not in types:
        raise _refuse(not_xlsx)
