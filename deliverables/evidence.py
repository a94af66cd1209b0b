"""Evidence on progress updates: files and links, their checks, and who may add them.

A file is accepted only when its extension and its contents agree: a PDF starts with
``%PDF-``; a Word, Excel or PowerPoint file is a valid zip holding
``[Content_Types].xml`` and its main part, and no macros or ActiveX controls; an
OpenDocument file is a valid zip that names its own type and holds no scripts; an image
is one that Pillow reads as that format. Word 97-2003 (.doc) and Excel 97-2003 (.xls)
files are refused: their macros (Excel 4.0 macros live inside the workbook itself)
cannot be ruled out by looking at the file's structure, so we ask for .docx, .xlsx or
PDF.

Every write is one transaction that records who made it. Views, the API and tests all
call these functions; forms and serializers only repeat the checks to place a message.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.template.defaultfilters import filesizeformat

from core.actors import Actor, Writer
from core.history import attribute_to
from deliverables.models import Attachment, ProgressUpdate
from deliverables.permissions import may_add_evidence, may_publish_evidence

# A zip may hold at most this many entries, and expand to at most this many times the
# largest file accepted: anything more is a zip bomb, not a report. (Nothing is
# unpacked here but two small parts; this protects whoever opens the file.)
ZIP_MAX_ENTRIES = 5_000
ZIP_MAX_EXPANSION = 100
# The parts of an OOXML package that carry macros or ActiveX controls.
OOXML_ACTIVE = ("vbaproject.bin", "vbadata.xml", "activex/", "vbaprojectsignature")


@dataclass(frozen=True)
class Kind:
    """One kind of file we accept."""

    label: str
    content_type: str
    inline: bool = False  # shown in the browser rather than downloaded


PDF = Kind("PDF", "application/pdf", inline=True)
DOCX = Kind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
XLSX = Kind(
    "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
PPTX = Kind(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
ODT = Kind("OpenDocument text", "application/vnd.oasis.opendocument.text")
ODS = Kind("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet")
PNG = Kind("PNG image", "image/png", inline=True)
JPEG = Kind("JPEG image", "image/jpeg", inline=True)
GIF = Kind("GIF image", "image/gif", inline=True)
WEBP = Kind("WebP image", "image/webp", inline=True)

#: Accepted extensions and what each must contain.
KINDS = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".pptx": PPTX,
    ".odt": ODT,
    ".ods": ODS,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".gif": GIF,
    ".webp": WEBP,
}
BY_CONTENT_TYPE = {kind.content_type: kind for kind in KINDS.values()}
#: For the file input's ``accept`` attribute.
ACCEPT = ",".join(KINDS)
ACCEPTED_DESCRIPTION = (
    "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument (.odt, .ods) "
    "or an image (PNG, JPEG, GIF, WebP)"
)
LEGACY = {
    ".doc": "Word 97-2003 (.doc)",
    ".xls": "Excel 97-2003 (.xls)",
    ".ppt": "PowerPoint 97-2003 (.ppt)",
}
# The part every OOXML package of each kind must have.
OOXML_MAIN_PART = {
    DOCX: "word/document.xml",
    XLSX: "xl/workbook.xml",
    PPTX: "ppt/presentation.xml",
}
# As the model's columns allow.
URL_MAX_LENGTH = 1000
TITLE_MAX_LENGTH = 200
# What Pillow calls each (many cameras' JPEGs are MPO: JPEG with a second picture).
PILLOW_FORMAT = {
    PNG: ("PNG",),
    JPEG: ("JPEG", "MPO"),
    GIF: ("GIF",),
    WEBP: ("WEBP",),
}
MAGIC = {
    PDF: (b"%PDF-",),
    PNG: (b"\x89PNG\r\n\x1a\n",),
    JPEG: (b"\xff\xd8\xff",),
    GIF: (b"GIF87a", b"GIF89a"),
}


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def max_per_update() -> int:
    return settings.EVIDENCE_MAX_PER_UPDATE


def kind_of(attachment: Attachment) -> Kind | None:
    """What kind of file an attachment holds (None for a link)."""
    if attachment.is_link:
        return None
    return BY_CONTENT_TYPE.get(attachment.content_type)


def readable_size(size: int) -> str:
    """ "10 MB", "1.5 KB": for messages, where a form or the API shows them."""
    return filesizeformat(size).replace("\xa0", " ").replace(".0 ", " ")


def describe_limits() -> str:
    return f"{ACCEPTED_DESCRIPTION}, up to {readable_size(max_bytes())}."


# Checking a file ----------------------------------------------------------------------


class Refused(Exception):
    """The file's contents are not what its name says, or are not safe to keep."""


def _ooxml(archive: zipfile.ZipFile, kind: Kind) -> None:
    names = {name.lower() for name in archive.namelist()}
    if "[content_types].xml" not in names:
        raise Refused(f"It is not a valid {kind.label}.")
    if any(marker in name for name in names for marker in OOXML_ACTIVE):
        raise Refused(
            f"It contains macros or ActiveX controls, which we do not accept. Save "
            f"it as a plain {kind.label} and try again."
        )
    types = _read_member(archive, "[Content_Types].xml").lower()
    if b"macroenabled" in types or b"vbaproject" in types:
        raise Refused(
            f"It is a macro-enabled file, which we do not accept. Save it as a plain "
            f"{kind.label} and try again."
        )
    if OOXML_MAIN_PART[kind] not in names:
        raise Refused(f"It is not a valid {kind.label}.")


def _opendocument(archive: zipfile.ZipFile, kind: Kind) -> None:
    names = archive.namelist()
    if not names or names[0] != "mimetype" or "content.xml" not in names:
        raise Refused(f"It is not a valid {kind.label}.")
    if _read_member(archive, "mimetype").strip() != kind.content_type.encode():
        raise Refused(f"It is not a valid {kind.label}.")
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise Refused(
            "It contains macros or scripts, which we do not accept. Save it without "
            "them and try again."
        )


def _read_member(archive: zipfile.ZipFile, name: str, limit: int = 1_000_000) -> bytes:
    """Read a small part of the package by its exact or case-folded name."""
    for info in archive.infolist():
        if info.filename.lower() == name.lower():
            with archive.open(info) as member:
                return member.read(limit)
    return b""


def _zip_package(stream: IO[bytes], kind: Kind) -> None:
    stream.seek(0)
    if not zipfile.is_zipfile(stream):
        raise Refused(f"It is not a valid {kind.label}.")
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            expanded = sum(info.file_size for info in entries)
            if (
                len(entries) > ZIP_MAX_ENTRIES
                or expanded > max_bytes() * ZIP_MAX_EXPANSION
            ):
                raise Refused(f"It is not a valid {kind.label}.")
            if kind in OOXML_MAIN_PART:
                _ooxml(archive, kind)
            else:
                _opendocument(archive, kind)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise Refused(f"It is not a valid {kind.label}.") from exc


def _image(stream: IO[bytes], kind: Kind) -> None:
    # Pillow is loaded only when an image is checked.
    from PIL import Image, UnidentifiedImageError

    stream.seek(0)
    try:
        with warnings.catch_warnings():
            # A decompression bomb warning is as good as a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                found = image.format
                image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,  # Pillow's word for a damaged file
        ValueError,
    ) as exc:
        raise Refused(f"It is not a valid {kind.label}.") from exc
    if found not in PILLOW_FORMAT[kind]:
        raise Refused(f"It is not a valid {kind.label}.")


def _contents(stream: IO[bytes], kind: Kind) -> None:
    stream.seek(0)
    head = stream.read(16)
    if kind in MAGIC and not head.startswith(MAGIC[kind]):
        raise Refused(f"It is not a valid {kind.label}.")
    if kind is WEBP and not (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        raise Refused(f"It is not a valid {kind.label}.")
    if kind in PILLOW_FORMAT:
        _image(stream, kind)
    elif kind is not PDF:
        _zip_package(stream, kind)


@dataclass(frozen=True)
class CheckedFile:
    """What a file turned out to be, for the attachment's row."""

    name: str
    kind: Kind
    size: int
    sha256: str


def as_file(file: Any) -> File:
    """Django's File around a plain file object; an upload is one already."""
    return file if isinstance(file, File) else File(file)


def check_file(file: Any) -> CheckedFile:
    """Check an uploaded file's name, size and contents; raise ValidationError keyed
    ``file`` when it cannot be accepted. Reads the file but does not store it."""
    file = as_file(file)
    # Kept for the download's name: no folders, no control characters.
    name = PurePath(str(file.name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    suffix = PurePath(name).suffix.lower()
    if not name:
        raise ValidationError({"file": "Choose a file."})
    if suffix in LEGACY:
        raise ValidationError(
            {
                "file": f"{LEGACY[suffix]} files cannot be checked for macros: save "
                "it as .docx, .xlsx, .pptx or PDF and try again."
            }
        )
    kind = KINDS.get(suffix)
    if kind is None:
        raise ValidationError({"file": f"The file must be a {ACCEPTED_DESCRIPTION}."})
    size = file.size
    if not size:
        raise ValidationError({"file": "The file is empty."})
    if size >= max_bytes():
        raise ValidationError(
            {"file": f"The file must be smaller than {readable_size(max_bytes())}."}
        )
    digest = hashlib.sha256()
    try:
        file.seek(0)
        for chunk in file.chunks():
            digest.update(chunk)
        _contents(file.file, kind)
    except Refused as refused:
        raise ValidationError(
            {"file": f"{name} is not accepted. {refused}"}
        ) from refused
    finally:
        file.seek(0)
    return CheckedFile(name=name[:255], kind=kind, size=size, sha256=digest.hexdigest())


_http_only = URLValidator(schemes=["http", "https"])


def check_url(url: str) -> str:
    """A link must be a whole http or https address."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Enter the link's address."})
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {"url": f"The address must be at most {URL_MAX_LENGTH:,} characters."}
        )
    try:
        _http_only(url)
    except ValidationError as exc:
        raise ValidationError(
            {"url": "Enter a web address starting https:// or http://."}
        ) from exc
    return url


# Writes -------------------------------------------------------------------------------


def _room_for_one_more(update: ProgressUpdate, field: str) -> ProgressUpdate:
    """Lock the update and check it can take another attachment."""
    locked = (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("period", "deliverable__plan")
        .get(pk=update.pk)
    )
    if locked.period.is_locked:
        raise ValidationError({NON_FIELD_ERRORS: locked.period.locked_message()})
    if locked.attachments.count() >= max_per_update():
        raise ValidationError(
            {field: f"An update can have at most {max_per_update()} files and links."},
            code="too_many",
        )
    return locked


def _title(title: str | None, fallback: str) -> str:
    title = (title or "").strip()
    limit = TITLE_MAX_LENGTH
    if len(title) > limit:
        raise ValidationError(
            {"title": f"The title must be at most {limit} characters."}
        )
    return title or fallback[:limit]


@transaction.atomic
def attach_file(
    *, update: ProgressUpdate, by: Writer, file: Any, title: str = ""
) -> Attachment:
    """Attach a file to a progress update, having checked its type, contents and
    size and the update's limit. Raises ValidationError keyed ``file`` or ``title``
    (or the whole request, when the update's period is locked) having stored
    nothing; PermissionDenied if ``by`` may not add evidence to the update."""
    if not may_add_evidence(by, update):
        raise PermissionDenied("You may not add evidence to this update.")
    file = as_file(file)
    checked = check_file(file)
    title = _title(title, checked.name)
    update = _room_for_one_more(update, "file")
    attachment = Attachment(
        update=update,
        title=title,
        original_name=checked.name,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=checked.sha256,
        added_by=by,
    )
    attachment.file.save(checked.name, file, save=False)
    try:
        attribute_to(attachment, by=by, reason="Evidence added")
        attachment.save()
    except BaseException:
        discard_file(attachment)
        raise
    return attachment


def discard_file(attachment: Attachment) -> None:
    """Remove a stored file whose row is being rolled back, so none is left behind
    that no row names."""
    if attachment.file and attachment.file.name:
        attachment.file.storage.delete(attachment.file.name)


@transaction.atomic
def attach_link(
    *, update: ProgressUpdate, by: Writer, url: str, title: str = ""
) -> Attachment:
    """Attach a link (http or https only) to a progress update. Raises
    ValidationError keyed ``url`` or ``title``; PermissionDenied as for files."""
    if not may_add_evidence(by, update):
        raise PermissionDenied("You may not add evidence to this update.")
    url = check_url(url)
    title = _title(title, url)
    update = _room_for_one_more(update, "url")
    attachment = Attachment(update=update, title=title, url=url, added_by=by)
    attribute_to(attachment, by=by, reason="Evidence added")
    attachment.save()
    return attachment


@transaction.atomic
def set_attachment_public(
    *, attachment: Attachment, by: Writer, is_public: bool
) -> Attachment:
    """Mark whether readers of the plan's published reports may open this evidence
    (plan editors only). The change and who made it go into the attachment's
    history."""
    attachment = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("update__deliverable__plan")
        .get(pk=attachment.pk)
    )
    if not may_publish_evidence(by, attachment.update):
        raise PermissionDenied("Only the plan's editors decide what is public.")
    if attachment.is_public != is_public:
        attachment.is_public = is_public
        attribute_to(
            attachment,
            by=by,
            reason="Made public" if is_public else "Made not public",
        )
        attachment.save(update_fields=["is_public"])
    return attachment


# Reads --------------------------------------------------------------------------------


def attachments_for(actor: Actor | None) -> QuerySet[Attachment]:
    """The evidence the actor may see, with who added each."""
    return (
        Attachment.objects.visible_to(actor)
        .select_related("added_by")
        .order_by("added_at", "pk")
    )


def with_attachments(updates: QuerySet[ProgressUpdate], actor: Actor) -> QuerySet:
    """Updates with the evidence the actor may see on each as ``shown_attachments``,
    in one more query whatever their number."""
    return updates.prefetch_related(
        Prefetch(
            "attachments",
            queryset=attachments_for(actor),
            to_attr="shown_attachments",
        )
    )


def open_file(attachment: Attachment) -> IO[bytes]:
    """The stored file, opened for reading."""
    return attachment.file.open("rb")
