"""Two people saving the same record (a deliverable, a plan) from the browser: the
second to save is told, and nothing is overwritten.

Each form that changes one carries, in a hidden field, the version the person read:
the deliverable's ETag, the same one the API checks against ``If-Match``. The write
checks it under the row lock and raises ``StaleVersion`` when someone saved first.
The page is then shown again, answered 409 Conflict, with the person's answers kept,
who changed what and when, and the new version in the hidden field: once they have
looked at the other change, saving again goes through.

A form sent without a version (an older page, a script) is not checked, as an API
request without ``If-Match`` is not.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.utils import dateformat, timezone
from django.utils.text import capfirst


class StaleVersion(Exception):
    """The caller's version (a form's hidden field, an API's If-Match) no longer
    matches the record: someone wrote first."""

    def __init__(self, current_etag: str):
        self.current_etag = current_etag
        super().__init__("The record has changed since it was read.")


#: The hidden field that carries the version(s) the person read.
VERSION = "version"

_ETAG = re.compile(r'(?:W/)?"(\d+)-(\d+)"')
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
SOMEONE_SAVED_FIRST = (
    "Someone else saved a change after you opened this page. Nothing you entered "
    "has been saved yet."
)
#: Fields never shown as changed: kept in step by the application, not typed in.
_NOT_SHOWN = {"id", "created_at", "updated_at"}


def version_of(obj: Model) -> str:
    """The version of a row: a deliverable's ETag, or one made the same way (id and
    time of the last save) for another row, from its ``updated_at`` or else its
    latest history record."""
    if hasattr(obj, "etag"):
        return obj.etag
    if not hasattr(obj, "updated_at"):
        # A row with no time of its last save (a priority, a milestone): the time
        # of its latest history record, which every save through a service writes.
        latest = (
            obj.history.order_by("-history_date", "-pk")  # type: ignore[attr-defined]
            .values_list("history_date", flat=True)
            .first()
        )
        stamp = int(latest.timestamp() * 1_000_000) if latest else 0
        return f'W/"{obj.pk}-{stamp}"'
    updated_at = obj.updated_at
    stamp = int(updated_at.timestamp() * 1_000_000) if updated_at else 0
    return f'W/"{obj.pk}-{stamp}"'


def versions_of(objects: Iterable[Model]) -> str:
    """Several versions in one value, comma-separated as in an If-Match header."""
    return ", ".join(version_of(obj) for obj in objects)


def parse_versions(value: str | None) -> dict[int, str]:
    """Each version in ``value`` by the id of its row."""
    return {int(m.group(1)): m.group(0) for m in _ETAG.finditer(value or "")}


def read_at(version: str | None) -> datetime.datetime | None:
    """When the row was last saved, as of the version the person read."""
    match = _ETAG.fullmatch((version or "").strip())
    if match is None:
        return None
    return _EPOCH + datetime.timedelta(microseconds=int(match.group(2)))


class VersionField(forms.CharField):
    """The hidden field with the version(s) the person read."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def lock_unchanged(model: type[Model], *, pk: int, if_match: str | None) -> Model:
    """Lock the row until the transaction ends and return it as stored now.

    With ``if_match``, raise ``StaleVersion`` (having written nothing) unless the row
    is still at that version: the check ``record_progress`` makes for the API, for
    writes that save a form's instance.
    """
    current = model._default_manager.select_for_update().get(pk=pk)
    if if_match and if_match.strip() not in {version_of(current), "*"}:
        raise StaleVersion(version_of(current))
    return current


@dataclass
class Difference:
    """One field someone else changed: its label, and its value before and now."""

    label: str
    was: str
    now: str


@dataclass
class Conflict:
    """What someone else saved to ``obj`` after the person read it."""

    obj: Model
    by: str
    by_you: bool
    at: datetime.datetime | None
    differences: list[Difference] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    #: The row as the person read it, where its history tells.
    base: Model | None = None

    @property
    def headline(self) -> str:
        """The error summary's line: who changed what, when."""
        who = "You" if self.by_you else capfirst(self.by)
        where = " in another tab or window" if self.by_you else ""
        when = ""
        if self.at is not None:
            local = timezone.localtime(self.at)
            # GOV.UK style: "2:05pm on 4 March 2026".
            clock = dateformat.format(local, "g:i") + local.strftime("%p").lower()
            when = f" at {clock} on {dateformat.format(local, 'j F Y')}"
        return (
            f"{who} saved a change to {self.obj}{where}{when}, after you opened this "
            "page. Nothing you entered has been saved yet."
        )


def name_of(user: Any) -> str:
    """How a person (or an API client, by its name) is named in a conflict."""
    if user is None:
        return "someone else"
    try:
        client = user.api_client
    except ObjectDoesNotExist:
        client = None
    if client is not None:
        return f"the API client {client.name}"
    return user.get_full_name() or user.get_username()


def _shown(model_field: Any, value: Any) -> str:
    if value in (None, ""):
        return "Not given"
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return dateformat.format(value, "j F Y")
    return str(value)


def _differences(model: type[Model], older: Any, newer: Any) -> list[Difference]:
    found = []
    order = {f.name: i for i, f in enumerate(model._meta.fields)}
    changes = sorted(
        newer.diff_against(older).changes, key=lambda c: order.get(c.field, 0)
    )
    for change in changes:
        model_field: Any = model._meta.get_field(change.field)
        if change.field in _NOT_SHOWN or not model_field.editable:
            continue
        found.append(
            Difference(
                label=capfirst(str(model_field.verbose_name)),
                was=_shown(model_field, change.old),
                now=_shown(model_field, change.new),
            )
        )
    return found


def describe(obj: Model, version: str | None, *, reader: Any = None) -> Conflict:
    """What was saved to ``obj`` after the person read it at ``version``.

    From the row's history: the record of the save they read is the first made since
    that save's time; every later record is someone else's change. A record that
    has ``changes_since(moment)`` (a deliverable: the progress updates that changed
    it) lists those too.
    """
    since = read_at(version)
    history = obj.history.select_related("history_user")  # type: ignore[attr-defined]
    records = (
        list(history.filter(history_date__gte=since).order_by("history_date", "pk"))
        if since is not None
        else []
    )
    latest = records[-1] if records else history.order_by("-history_date").first()
    differences: list[Difference] = []
    base = None
    if len(records) >= 2:
        differences = _differences(type(obj), records[0], records[-1])
        base = records[0].instance
    updates: list[Any] = []
    if since is not None and hasattr(obj, "changes_since"):
        updates = list(obj.changes_since(since))
    user = latest.history_user if latest is not None else None
    return Conflict(
        obj=obj,
        by=name_of(user),
        by_you=user is not None and reader is not None and user.pk == reader.pk,
        at=getattr(obj, "updated_at", None),
        differences=differences,
        updates=updates,
        base=base,
    )


class ConflictMixin:
    """For a form view that changes rows the person has read: the form carries their
    versions in a hidden field, and a stale save is shown again with 409 Conflict.

    The view says which rows with ``versioned()`` (the subject first), passes
    ``version_sent(form)`` to its write, and answers ``StaleVersion`` with
    ``conflicted(form)``.
    """

    request: Any

    def versioned(self) -> list[Model]:
        raise NotImplementedError

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)  # type: ignore[misc]
        # As loaded for this request: a form sent without a version is checked
        # against this, so a change made while the request ran is not overwritten.
        self.loaded_version = versions_of(self.versioned())
        form.fields[VERSION] = VersionField(initial=self.loaded_version)
        return form

    def initial_for(self, obj: Model) -> dict[str, Any] | None:
        """The form's starting values for ``obj`` as given; None: the form does not
        edit the row's own fields."""
        return None

    def version_sent(self, form: Any) -> str:
        cleaned = getattr(form, "cleaned_data", {})
        return (cleaned.get(VERSION) or form.data.get(VERSION) or "").strip()

    def changed_since_read(self, form: Any, objects: Iterable[Model]) -> list[Model]:
        """Those of ``objects`` saved since the version the form carries."""
        sent = parse_versions(self.version_sent(form))
        if not sent:
            return []
        return [o for o in _fresh(list(objects)) if sent.get(o.pk) != version_of(o)]

    def conflicted(self, form: Any, subjects: Iterable[Model] | None = None) -> Any:
        """Show the form again, answered 409: the person's answers as they sent them,
        what changed since they read it, and the current version, so that saving
        again goes through. ``subjects``: the rows whose change refused the save
        (all the versioned ones by default)."""
        sent = parse_versions(self.version_sent(form) or self.loaded_version)
        fresh = _fresh(self.versioned())
        among = fresh if subjects is None else _fresh(list(subjects))
        conflicts = [
            describe(obj, sent.get(obj.pk), reader=self.request.user)
            for obj in among
            if sent.get(obj.pk) != version_of(obj)
        ]
        data = form.data.copy()
        data[VERSION] = versions_of(fresh)
        form.data = data
        carried = [
            label for conflict in conflicts for label in self._carry(form, conflict)
        ]
        for conflict in conflicts:
            form.add_error(None, conflict.headline)
        if not conflicts:
            form.add_error(None, SOMEONE_SAVED_FIRST)
        context = self.get_context_data(  # type: ignore[attr-defined]
            form=form,
            conflicts=conflicts,
            carried=carried,
            files_dropped=any(form.files.values()),
        )
        return self.render_to_response(context, status=409)  # type: ignore[attr-defined]

    def _carry(self, form: Any, conflict: Conflict) -> list[str]:
        """Where the person left a field as they read it and someone else changed
        it, show the new value, so that saving again does not undo that change.
        Fields the person changed keep their answer. Returns the fields' labels."""
        if conflict.base is None:
            return []
        before = self.initial_for(conflict.base)
        now = self.initial_for(conflict.obj)
        if before is None or now is None:
            return []
        carried = []
        for name, value in now.items():
            if name not in form.fields or value == before.get(name):
                continue
            form_field = form.fields[name]
            sent = form_field.widget.value_from_datadict(
                form.data, form.files, form.add_prefix(name)
            )
            if form_field.has_changed(before.get(name), sent):
                continue
            _put(form, name, value)
            carried.append(str(form[name].label))
        return carried


def _put(form: Any, name: str, value: Any) -> None:
    """Set a bound form's raw data for one field, as its widget would send it."""
    widget: Any = form.fields[name].widget
    key = form.add_prefix(name)
    if isinstance(widget, forms.MultiWidget):
        parts: list[Any] = (
            value if isinstance(value, list) else widget.decompress(value) or []
        )
        suffixes: list[str] = widget.widgets_names  # type: ignore[attr-defined]
        for suffix, part in zip(suffixes, parts, strict=False):
            form.data[f"{key}{suffix}"] = "" if part is None else str(part)
    elif isinstance(widget, forms.CheckboxInput):
        if value:
            form.data[key] = "on"
        else:
            form.data.pop(key, None)
    elif isinstance(value, list | tuple):
        form.data.setlist(key, [str(v) for v in value])
    else:
        form.data[key] = "" if value is None else str(value)


def _fresh(objects: list[Model]) -> list[Model]:
    """The same rows read again, in the same order (the ones still there)."""
    if not objects:
        return []
    model = type(objects[0])
    found = model._default_manager.in_bulk([obj.pk for obj in objects])
    return [found[obj.pk] for obj in objects if obj.pk in found]
