"""Indicator definitions as data: the national measures shipped with the product, and
a change to an indicator's definition told in words.

Pure functions, no queries: the indicators page, the dashboard and published reports
all describe a change the same way.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

#: The National Crime and Policing Measures (Home Office, 2021), as loaded by the
#: ``0007_national_measures`` migration and ``manage.py load_national_measures``.
NATIONAL_MEASURES_FILE = (
    Path(__file__).resolve().parent / "data" / "national_measures.json"
)

#: An indicator's definition: changing any of these needs a reason, recorded as an
#: ``IndicatorChange``, because values before and after are no longer like for like.
DEFINITION_FIELDS = {
    "unit": "unit",
    "direction": "direction",
    "baseline_value": "baseline",
    "baseline_label": "baseline label",
    "target_value": "target",
}
DIRECTION_WORDS = {"higher": "higher is better", "lower": "lower is better"}


def national_measures() -> list[dict[str, str]]:
    """The national measures, one dict per definition, from the data file."""
    with NATIONAL_MEASURES_FILE.open(encoding="utf-8") as data:
        return json.load(data)


def as_text(value: Any) -> str:
    """A definition field's value as stored in a change: numbers without trailing
    zeros ("500", "12.5"), nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def shown(field: str, text: str) -> str:
    """A stored value as a reader sees it."""
    if not text:
        return "none"
    if field == "direction":
        return DIRECTION_WORDS.get(text, text)
    return text


def changes_in_words(changes: dict[str, list[str]]) -> str:
    """ "target 500 → 450; unit crimes → offences", in the order of the definition."""
    parts = []
    for field, label in DEFINITION_FIELDS.items():
        if field in changes:
            old, new = changes[field]
            parts.append(f"{label} {shown(field, old)} → {shown(field, new)}")
    return "; ".join(parts)


def change_heading(from_label: str, changed_on: datetime.date) -> str:
    """ "Definition changed from Q3 2017", or the day it was changed when no first
    period was given."""
    if from_label:
        return f"Definition changed from {from_label}"
    return f"Definition changed on {changed_on.day} {changed_on:%B %Y}"
