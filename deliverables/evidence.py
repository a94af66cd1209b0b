"""Evidence on progress updates: files and links, their checks, and who may add them.

A file is accepted only when its extension and its contents agree: a PDF starts with
``%PDF-`` and ends with its trailer; a Word, Excel or PowerPoint file is a valid zip
holding ``[Content_Types].xml`` and its main part, and no macros or ActiveX controls; an
OpenDocument file is a valid zip that names its own type and holds no scripts; an image
is one that Pillow reads as that format, and is kept re-encoded (see ``_reencoded``).
Word 97-2003 (.doc) and Excel 97-2003 (.xls)
files are refused: their macros (Excel 4.0 macros live inside the workbook itself)
cannot be ruled out by looking at the file's structure, so we ask for .docx, .xlsx or
PDF.

Nothing is ever shown by the browser from the service's own address: every file is sent
as a download in a sandbox (see ``EvidenceFileView``). A link must be an ``http`` or
``https`` address of a named host on the public web (see ``check_url``).

Every write is one transaction that records who made it. Views, the API and tests all
call these functions; forms and serializers only repeat the checks to place a message.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

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


PDF = Kind("PDF", "application/pdf")
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
PNG = Kind("PNG image", "image/png")
JPEG = Kind("JPEG image", "image/jpeg")
GIF = Kind("GIF image", "image/gif")
WEBP = Kind("WebP image", "image/webp")

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
# The pictures are written anew in the same format (a JPEG without its second picture).
SAVED_AS = {PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WEBP"}
# What a re-encoded picture keeps of the original's information: how it is drawn, none
# of what it says (no EXIF with a camera's position, no comments, no colour profile).
# (Pillow gives each frame of an animation whole, so how frames were combined is not.)
IMAGE_INFO_KEPT = ("transparency", "duration", "loop", "background")
# An animation is re-encoded frame by frame in memory: at most this many pixels in all
# (about 300 MB), as many as Pillow allows in one picture before it calls it a bomb.
ANIMATION_MAX_PIXELS = 89_478_485
# A PDF's header names its version; its end, within this many bytes, holds ``%%EOF``
# and the pointer to its cross-reference table (``startxref``, or an old ``trailer``).
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
PDF_TAIL_BYTES = 64 * 1024
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


# What Pillow raises for a file it cannot read as a picture.
def _image_errors() -> tuple[type[BaseException], ...]:
    return (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,  # Pillow's word for a damaged file
        ValueError,
        EOFError,
    )


def _image(stream: IO[bytes], kind: Kind) -> None:
    # Pillow is loaded only when an image is checked.
    from PIL import Image

    stream.seek(0)
    try:
        with warnings.catch_warnings():
            # A decompression bomb warning is as good as a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                found = image.format
                image.verify()
    except _image_errors() as exc:
        raise Refused(f"It is not a valid {kind.label}.") from exc
    if found not in PILLOW_FORMAT[kind]:
        raise Refused(f"It is not a valid {kind.label}.")


def _clean_frame(frame: Any) -> Any:
    """A copy of one picture with only the information that draws it."""
    clean = frame.copy()
    clean.info = {k: v for k, v in frame.info.items() if k in IMAGE_INFO_KEPT}
    return clean


def _reencoded(stream: IO[bytes], kind: Kind) -> bytes:
    """The picture drawn anew by Pillow in its own format: whatever else the file held
    (HTML or a script after the image's end, a second picture, EXIF with where a
    photo was taken, comments, colour profiles) is not kept. A photo is turned the way
    its camera said it was held, since that note goes with the rest. An animated GIF,
    PNG or WebP keeps its frames and their timing."""
    stream.seek(0)
    out = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                fmt = SAVED_AS[kind]
                frame_count = getattr(image, "n_frames", 1)
                if kind in (PNG, GIF, WEBP) and frame_count > 1:
                    if frame_count * image.width * image.height > ANIMATION_MAX_PIXELS:
                        raise Refused(
                            "It is an animation too large to check: at most "
                            f"{ANIMATION_MAX_PIXELS // 1_000_000} million pixels in "
                            "all its frames."
                        )
                    frames = [
                        _clean_frame(frame) for frame in ImageSequence.Iterator(image)
                    ]
                    first = frames[0]
                    options: dict[str, Any] = {
                        "save_all": True,
                        "append_images": frames[1:],
                        "duration": [f.info.get("duration", 100) for f in frames],
                        "loop": image.info.get("loop", 0),
                    }
                else:
                    image.seek(0)  # an MPO's first picture
                    first = _clean_frame(ImageOps.exif_transpose(image) or image)
                    options = {}
                if kind is JPEG:
                    if first.mode not in ("L", "RGB", "CMYK"):
                        first = first.convert("RGB")
                    options.update(quality=90, optimize=True)
                elif kind is WEBP:
                    options.update(quality=90)
                elif kind is PNG:
                    options.update(optimize=True)
                first.save(out, format=fmt, **options)
    except _image_errors() as exc:
        raise Refused(f"It is not a valid {kind.label}.") from exc
    return out.getvalue()


def _pdf(stream: IO[bytes]) -> None:
    """A PDF starts with its header and ends with its trailer (``%%EOF`` and the
    pointer to its cross-reference table). It is never shown by the service, so this
    asks only that it is a PDF, not what it contains."""
    stream.seek(0)
    if not PDF_HEADER.match(stream.read(16)):
        raise Refused(f"It is not a valid {PDF.label}.")
    size = stream.seek(0, io.SEEK_END)
    stream.seek(max(0, size - PDF_TAIL_BYTES))
    tail = stream.read(PDF_TAIL_BYTES)
    if b"%%EOF" not in tail or (b"startxref" not in tail and b"trailer" not in tail):
        raise Refused(
            f"It is not a valid {PDF.label}: its end is missing. Save or export it "
            "as a PDF again and try again."
        )


def _contents(stream: IO[bytes], kind: Kind) -> bytes | None:
    """Check the contents against the kind; for a picture, return it re-encoded."""
    stream.seek(0)
    head = stream.read(16)
    if kind in MAGIC and not head.startswith(MAGIC[kind]):
        raise Refused(f"It is not a valid {kind.label}.")
    if kind is WEBP and not (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        raise Refused(f"It is not a valid {kind.label}.")
    if kind in PILLOW_FORMAT:
        _image(stream, kind)
        return _reencoded(stream, kind)
    if kind is PDF:
        _pdf(stream)
    else:
        _zip_package(stream, kind)
    return None


@dataclass(frozen=True)
class CheckedFile:
    """What a file turned out to be, for the attachment's row. ``content`` is what
    to store instead of the upload (a re-encoded picture), else None."""

    name: str
    kind: Kind
    size: int
    sha256: str
    content: bytes | None = None


def as_file(file: Any) -> File:
    """Django's File around a plain file object; an upload is one already."""
    return file if isinstance(file, File) else File(file)


def check_file(file: Any) -> CheckedFile:
    """Check an uploaded file's name, size and contents; raise ValidationError keyed
    ``file`` when it cannot be accepted. Reads the file but does not store it. For a
    picture, the size, checksum and ``content`` are those of its re-encoded copy,
    which is what is stored."""
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
        content = _contents(file.file, kind)
        if content is None:
            file.seek(0)
            for chunk in file.chunks():
                digest.update(chunk)
        else:
            digest.update(content)
            size = len(content)
    except Refused as refused:
        raise ValidationError(
            {"file": f"{name} is not accepted. {refused}"}
        ) from refused
    finally:
        file.seek(0)
    return CheckedFile(
        name=name[:255],
        kind=kind,
        size=size,
        sha256=digest.hexdigest(),
        content=content,
    )


def download_name(attachment: Attachment) -> str:
    """The file's name for a download: its own name as checked on upload (no folder,
    no control character), else one made from its number and kind."""
    name = PurePath(str(attachment.original_name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name:
        return name
    suffixes = {kind: suffix for suffix, kind in reversed(KINDS.items())}
    kind = kind_of(attachment)
    return f"evidence-{attachment.pk}{suffixes.get(kind, '') if kind else ''}"


_http_only = URLValidator(schemes=["http", "https"])
WEB_ADDRESS = "Enter a web address starting https:// or http://."
# Characters a web address cannot hold unencoded (RFC 3986), besides spaces and
# control characters: pasted mark-up such as ``"><script>`` is refused, not stored.
NOT_IN_ADDRESSES = frozenset('<>"`{}|\\^')
# Names that only mean something inside a network (RFC 6761, 6762, 8375 and common
# use): a link to one opens nothing for a reader elsewhere.
LOCAL_NAMES = ("localhost", "local", "localdomain", "internal", "home.arpa", "arpa")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LABEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")


def _ascii_host(host: str) -> str | None:
    """The host's name as DNS holds it (internationalised names in their ``xn--``
    form), or None when it is not a valid name."""
    try:
        name = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if len(labels) > 1 and not _TOP_LABEL.fullmatch(labels[-1]):
        return None
    return name


def _is_ip_address(host: str) -> bool:
    """An IP address in any spelling a browser accepts (``[::1]``, ``127.0.0.1``, but
    also ``2130706433``, ``127.1`` or ``0x7f.0.0.1``)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        return all(_NUMERIC_LABEL.fullmatch(label) for label in labels)
    return True


def check_url(url: str) -> str:
    """A link must be a whole ``http`` or ``https`` address of a named host on the
    public web: no user name or password in it, no IP address, no name that only
    works inside a network, nothing a web address cannot hold. Internationalised
    names are accepted. The service never opens the link itself. Returns the address
    as given (less surrounding spaces); raises ValidationError keyed ``url``."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Enter the link's address."})
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {"url": f"The address must be at most {URL_MAX_LENGTH:,} characters."}
        )
    scheme, colon, _ = url.partition(":")
    if not colon or scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": WEB_ADDRESS})
    if any(
        ch.isspace() or not ch.isprintable() or ch in NOT_IN_ADDRESSES for ch in url
    ):
        raise ValidationError(
            {
                "url": "The address has spaces or characters that web addresses "
                "cannot hold, such as < > or \". Copy it again from the browser's "
                "address bar."
            }
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
        host = parts.hostname or ""
    except ValueError as exc:
        raise ValidationError({"url": WEB_ADDRESS}) from exc
    if not host:
        raise ValidationError({"url": WEB_ADDRESS})
    if "@" in parts.netloc:
        raise ValidationError(
            {
                "url": "The address must not hold a user name or password (the "
                "part before “@”)."
            }
        )
    if _is_ip_address(host):
        raise ValidationError(
            {
                "url": "Give the site's name, such as https://www.example.org, not "
                "an IP address."
            }
        )
    name = _ascii_host(host)
    if name is None:
        raise ValidationError({"url": WEB_ADDRESS})
    if "." not in name or any(
        name == local or name.endswith(f".{local}") for local in LOCAL_NAMES
    ):
        raise ValidationError(
            {
                "url": f"Give an address on the public web: “{host}” is a name "
                "that works only inside a network."
            }
        )
    try:
        _http_only(url)
    except ValidationError as exc:
        raise ValidationError({"url": WEB_ADDRESS}) from exc
    return url


def link_host(url: str) -> str:
    """The host a link opens, to show beside its title. An internationalised name is
    shown with its ``xn--`` form too, so that a look-alike letter cannot pass for
    another site (``exаmple.org`` with a Cyrillic a)."""
    try:
        host = (urlsplit(url or "").hostname or "").rstrip(".")
    except ValueError:
        return ""
    name = _ascii_host(host) if host else None
    if name is None or name == host:
        return host
    return f"{host} ({name})"


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
    stored = file if checked.content is None else ContentFile(checked.content)
    attachment.file.save(checked.name, stored, save=False)
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
