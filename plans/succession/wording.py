"""A transfer's summary in words, for the command's output, the admin's review page
and its success message."""

from __future__ import annotations

from typing import Any

from django.utils.text import get_text_list

from plans.models import Membership

ROLE_NAMES = dict(Membership.Role.choices)

#: Each count of the summary, as "N <what>", in the order they are told.
COUNTS = [
    (("plans",), "plan", "plans"),
    (("memberships_moved",), "membership", "memberships"),
    (("api_clients",), "API client", "API clients"),
    (("webhook_endpoints",), "webhook endpoint", "webhook endpoints"),
    (("identity_providers",), "identity provider", "identity providers"),
    (("indicator_definitions",), "indicator definition", "indicator definitions"),
    (
        ("organisations_under_it",),
        "organisation under it",
        "organisations under it",
    ),
    (("deliverables", "deliverables_led"), "deliverable led", "deliverables led"),
    (
        ("deliverables", "deliverable_owners"),
        "deliverable owner",
        "deliverable owners",
    ),
    (("deliverables", "import_layouts"), "import layout", "import layouts"),
    (("scrutiny", "open_actions"), "open scrutiny action", "open scrutiny actions"),
    (
        ("scrutiny", "open_recommendations"),
        "open recommendation",
        "open recommendations",
    ),
]


def _get(summary: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = summary
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def counts(summary: dict[str, Any]) -> list[tuple[str, int]]:
    """Each kind of thing and how many move, as ("plans", 2)."""
    found = []
    for path, one, many in COUNTS:
        number = _get(summary, path)
        if isinstance(number, int):
            found.append((one if number == 1 else many, number))
    return found


def in_a_sentence(summary: dict[str, Any]) -> str:
    """ "2 plans, 5 memberships, 1 API client and 14 deliverables led"."""
    parts = [f"{number} {what}" for what, number in counts(summary) if number]
    return get_text_list(parts, "and") if parts else "nothing"


def notes(summary: dict[str, Any]) -> list[str]:
    """What was renamed, combined or left behind, a line each."""
    lines = []
    for renamed in summary.get("plans_renamed", []):
        lines.append(
            f"Plan {renamed['from']} is renamed {renamed['to']}: the successor "
            "already has a plan of that reference."
        )
    for renamed in summary.get("api_clients_renamed", []):
        lines.append(
            f'API client "{renamed["from"]}" is renamed "{renamed["to"]}": the '
            "successor already has a client of that name."
        )
    for renamed in summary.get("identity_providers_renamed", []):
        lines.append(
            f'Identity provider "{renamed["from"]}" is renamed "{renamed["to"]}".'
        )
    for both in summary.get("memberships_combined", []):
        lines.append(
            f"{both['username']} is already a member of the successor: keeps the "
            f"role {ROLE_NAMES.get(both['role_kept'], both['role_kept'])}."
        )
    for url in summary.get("webhook_endpoints_kept", []):
        lines.append(
            f"Webhook endpoint {url} stays with the old body: the successor has "
            "one to the same address."
        )
    kept = _get(summary, ("deliverables", "import_layouts_kept"))
    if kept:
        lines.append(
            f"{kept} import layout(s) stay with the old body: the successor has its "
            "own for the same columns."
        )
    left = summary.get("memberships_left", [])
    if left:
        lines.append(f"Staying with the old body: {get_text_list(left, 'and')}.")
    return lines
