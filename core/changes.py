"""Changes in words: what a field is called and what its values mean, as people read
them, for a record's history (django-simple-history) and the audit log alike.

A field reads as its label ("Named lead"), a choice as its label ("In progress"), a
date or time as the rest of the service shows it ("4 March 2026, 2:05 p.m."), a link
to another record as that record's name, and a file as its name and size
("return-q3.xlsx, 24 KB"). Names are found in one query per kind of record for a
whole page of changes, never one per row.

The audit log never keeps a file's content (``file_facts``): only what tells which
file it was.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models
from django.template.defaultfilters import filesizeformat
from django.utils import dateformat, timezone
from django.utils.text import capfirst

#: How an empty value reads.
BLANK = "(blank)"
#: Dates and times as the service's pages show them.
DATE = "j F Y"
DATE_TIME = "j F Y, g:i a"
TIME = "g:i a"


# -- files ---------------------------------------------------------------------------


def file_facts(content: bytes, *, name: str) -> dict[str, Any]:
    """What the audit log keeps of a file instead of its content: its name, size in
    bytes and SHA-256 checksum. Enough to tell which file it was (the checksum of a
    copy matches), nothing of what it said."""
    return {
        "name": name,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def is_file_facts(value: Any) -> bool:
    return isinstance(value, dict) and {"name", "size", "sha256"} <= value.keys()


def readable_size(size: int) -> str:
    """ "24 KB", "1.5 MB", as the evidence pages say it."""
    return filesizeformat(size).replace("\xa0", " ").replace(".0 ", " ")


def _file_in_words(facts: dict[str, Any]) -> str:
    name = facts.get("name") or "A file"
    size = facts.get("size")
    if isinstance(size, int):
        return f"{name}, {readable_size(size)}"
    return f"{name} (size not recorded)"


# -- names of linked records -----------------------------------------------------------


def _refuse_reads(execute, sql, params, many, context):  # noqa: ARG001
    raise _WouldRead


class _WouldRead(Exception):
    pass


def _name_of(obj: models.Model) -> str:
    """A record's name: a person's full name (else username), else its ``str``, if
    that needs no further query; else its kind and id."""
    full_name = getattr(obj, "get_full_name", None)
    if callable(full_name):
        return full_name() or obj.get_username()  # type: ignore[attr-defined]
    connection = connections[obj._state.db or "default"]
    try:
        with connection.execute_wrapper(_refuse_reads):
            return str(obj)
    except Exception:  # noqa: BLE001 - any failure falls back to kind and id
        return f"{capfirst(obj._meta.verbose_name)} #{obj.pk}"


class Names:
    """The names of linked records by id: ask for them all with ``want``, then
    ``find`` them in one query per kind of record, then read them with ``of``."""

    def __init__(self) -> None:
        self._wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self._found: dict[type[models.Model], dict[Any, str]] = {}

    def want(self, model_field: Any, values: Iterable[Any]) -> None:
        """Note the ids in ``values`` of records that ``model_field`` links to."""
        if not _links(model_field):
            return
        model = model_field.related_model
        for value in values:
            key = _key(model, value)
            if key is not None:
                self._wanted[model].add(key)

    def find(self) -> None:
        for model, keys in self._wanted.items():
            missing = keys - self._found.get(model, {}).keys()
            if not missing:
                continue
            # One level of links, so that a name made from a linked record's name
            # ("1.2 In progress (Q3 2026)") needs no query of its own.
            one_level = [
                f.name
                for f in model._meta.concrete_fields
                if f.many_to_one or f.one_to_one
            ]
            rows = model._base_manager.all()
            if one_level:
                rows = rows.select_related(*one_level)
            found = self._found.setdefault(model, {})
            found.update({k: _name_of(obj) for k, obj in rows.in_bulk(missing).items()})
        self._wanted.clear()

    def of(self, model: type[models.Model], value: Any) -> str:
        key = _key(model, value)
        if key is None:
            return str(value)
        found = self._found.get(model, {}).get(key)
        if found is not None:
            return found
        return f"{capfirst(model._meta.verbose_name)} #{value} (since deleted)"


def _links(model_field: Any) -> bool:
    """Whether the field's values are ids of other records."""
    if model_field is None or not model_field.is_relation:
        return False
    if model_field.related_model is None:  # a generic link
        return False
    return bool(
        model_field.many_to_one or model_field.one_to_one or model_field.many_to_many
    )


def _key(model: type[models.Model], value: Any) -> Any:
    """``value`` as the linked model's primary key, or None when it is not one (a
    "(hidden)" or "(redacted)" in the log)."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    try:
        return model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


# -- values ----------------------------------------------------------------------------


def label_of(model_field: Any, name: str = "") -> str:
    """A field's label as a form shows it, capitalised as a sentence ("Named lead")."""
    label = getattr(model_field, "verbose_name", None) or name.replace("_", " ")
    return capfirst(str(label))


def _when(value: Any, kind: Any) -> Any:
    """A date or time, whether a Python value (the history) or ISO text (the log)."""
    if isinstance(value, str):
        try:
            return kind.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, kind) else None


def in_words(model_field: Any, value: Any, names: Names | None = None) -> str:
    """One value of ``model_field`` as people read it; ``names`` holds the names of
    linked records (found beforehand)."""
    if value is None or value == "" or value == []:
        return BLANK
    if is_file_facts(value):
        return _file_in_words(value)
    if model_field is None:
        return str(value)
    if _links(model_field) and names is not None:
        model = model_field.related_model
        if isinstance(value, list):
            return ", ".join(names.of(model, v) for v in value)
        return names.of(model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(model_field, models.DateTimeField):
        moment = _when(value, datetime.datetime)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return dateformat.format(moment, DATE_TIME)
    elif isinstance(model_field, models.DateField):
        day = _when(value, datetime.date)
        if day is not None:
            return dateformat.format(day, DATE)
    elif isinstance(model_field, models.TimeField):
        clock = _when(value, datetime.time)
        if clock is not None:
            return dateformat.time_format(clock, TIME)
    return str(value)


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


# -- the audit log ---------------------------------------------------------------------


def describe_events(events: Sequence[Any]) -> None:
    """Put each audit event's changes in words on it, for ``changes_in_words()``:
    the names of the records they link to are found for all the events at once, in
    one query per kind of record."""
    names = Names()
    for event in events:
        model = _model(event.object_type)
        for key, change in (event.changes or {}).items():
            model_field = _field(model, key)
            if isinstance(change, list):
                names.want(model_field, change)
            elif isinstance(change, dict):
                for values in change.values():
                    if isinstance(values, list):
                        names.want(model_field, values)
    names.find()
    for event in events:
        event.changes_shown = _event_lines(event, names)


def _event_lines(event: Any, names: Names) -> list[str]:
    model = _model(event.object_type)
    lines = []
    for key, change in (event.changes or {}).items():
        model_field = _field(model, key)
        label = label_of(model_field, key)
        if isinstance(change, list) and len(change) == 2:
            old, new = (in_words(model_field, value, names) for value in change)
            if event.action == "created":
                lines.append(f"{label}: {new}")
            elif event.action == "deleted":
                lines.append(f"{label}: was {old}")
            else:
                lines.append(f"{label}: {old} → {new}")
        elif isinstance(change, dict):  # a list of links: {"added": [ids]}
            parts = [
                f"{how} {in_words(model_field, values, names)}"
                if isinstance(values, list) and values
                else how
                for how, values in change.items()
            ]
            lines.append(f"{label}: {'; '.join(parts)}")
        else:
            lines.append(f"{label}: {in_words(model_field, change, names)}")
    return lines


# -- a record's history (django-simple-history) --------------------------------------


@dataclass
class Edit:
    """One save in a record's history: its historical row (when and who), and each
    field it changed as (label, was, now) in words."""

    record: Any
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def edits_in_words(records: Sequence[Any]) -> list[Edit]:
    """Each of a record's historical rows (newest first) against the one before it,
    in words; rows that changed nothing shown are left out. The names of linked
    records are found in one query per kind of record."""
    names = Names()
    found: list[tuple[Any, list[tuple[Any, Any, Any]]]] = []
    for newer, older in zip(records, records[1:], strict=False):
        model = newer.instance_type
        changed = []
        for change in newer.diff_against(older).changes:
            model_field = _field(model, change.field)
            names.want(model_field, [change.old, change.new])
            changed.append((model_field, change.old, change.new))
        if changed:
            found.append((newer, changed))
    names.find()
    return [
        Edit(
            record=record,
            changes=[
                (
                    label_of(model_field),
                    in_words(model_field, old, names),
                    in_words(model_field, new, names),
                )
                for model_field, old, new in changed
            ],
        )
        for record, changed in found
    ]
