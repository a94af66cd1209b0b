"""Filters for dashboards drawn from stored data (ISO dates, movements, lookups)."""

import datetime

from django import template

register = template.Library()


@register.filter
def isodate(value):
    """An ISO date string as a date, so the ``date`` filter can format it."""
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


@register.filter
def movement(change) -> str:
    """ "up 4", "down 3" or "no change"; empty when there is nothing to compare."""
    if change is None or change == "":
        return ""
    if change > 0:
        return f"up {change:g}"
    if change < 0:
        return f"down {-change:g}"
    return "no change"


@register.filter
def get(mapping, key):
    if not mapping:
        return None
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def number(value) -> str:
    """A figure without needless decimals: 82.0 as 82, 1234.5 as 1,234.5."""
    if value is None or value == "":
        return "No value"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@register.filter
def percent(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:+g}%"


@register.filter
def columns(data: dict, key: str) -> list[dict]:
    """The status rows a breakdown shows: those named in ``data[key]`` (the statuses
    any group counts), or every status for a report published before that list."""
    shown = data.get(key)
    if shown is None:
        return data["statuses"]
    return [row for row in data["statuses"] if row["status"] in shown]


@register.filter
def signed(change) -> str:
    """A change as "+3", "−2" (a minus sign) or "0"; empty when there is none."""
    if change is None or change == "":
        return ""
    if change > 0:
        return f"+{change:g}"
    if change < 0:
        return f"\u2212{-change:g}"
    return "0"
