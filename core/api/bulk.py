"""All or nothing for bulk requests: every item is checked, the write runs even when
some items failed already (so the service's own refusals are listed too), and
nothing is kept unless every item was fine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.db import transaction


class CheckedItems(Protocol):
    """A bulk request's items as its view checked them: the problems found so far
    (each with the item's ``index``), and for each item passed to the write, its
    index in the request (``positions``)."""

    errors: list[dict[str, Any]]
    positions: list[int]

    def refuse(self, index: int, fields: Any) -> None: ...


class _RollBack(Exception):
    """Raised inside the transaction to undo the write when any item was refused."""


def write_all_or_nothing[T](
    checked: CheckedItems,
    write: Callable[[], list[T]],
    refused: type[Exception],
) -> list[T]:
    """Run ``write`` in a transaction and keep what it wrote only if no item was
    refused, by the view's checks or by the service (``refused``, whose ``errors``
    map the n-th written item to its problems by field). Returns what was written,
    or nothing."""
    try:
        with transaction.atomic():
            written = write()
            if checked.errors:
                raise _RollBack()
    except refused as refusal:
        for position, fields in refusal.errors.items():  # type: ignore[attr-defined]
            checked.refuse(checked.positions[position], fields)
        return []
    except _RollBack:
        return []
    return written


def listed(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems in the order of the request's items, then by field."""
    return sorted(errors, key=lambda e: (e["index"], e["field"] or ""))
