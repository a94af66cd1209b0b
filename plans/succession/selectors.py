"""Reading successions: who holds an old body's functions today."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import QueryDict

from plans.models import Organisation

#: Longest successor chain followed (a chain of hand-overs, never a loop).
LONGEST_CHAIN = 20


def last_successor(body: Organisation) -> Organisation:
    """The body that holds ``body``'s functions today: its successor's successor,
    and so on (``body`` itself if it has none)."""
    seen = {body.pk}
    while body.successor_id is not None and len(seen) < LONGEST_CHAIN:
        body = Organisation.objects.get(pk=body.successor_id)
        if body.pk in seen:
            break
        seen.add(body.pk)
    return body


def successor_ids(organisation_ids: Iterable[int]) -> dict[int, int]:
    """For each of these organisations that has been succeeded, the id of the body
    holding its functions today (following the chain): one query per step of the
    longest chain, usually one."""
    result: dict[int, int] = {}
    current = {pk: pk for pk in organisation_ids}
    for _ in range(LONGEST_CHAIN):
        if not current:
            break
        nexts = dict(
            Organisation.objects.filter(
                pk__in=set(current.values()), successor__isnull=False
            ).values_list("pk", "successor_id")
        )
        current = {
            start: nexts[at]
            for start, at in current.items()
            if at in nexts and nexts[at] != start
        }
        result.update(current)
    return result


def with_successor(organisation_id: int) -> list[int]:
    """The organisation's id and, once it has been succeeded, its successor's: what
    an address naming an old body matches, so that a force's existing integration
    keeps finding the records that moved (one query)."""
    final = successor_ids([organisation_id]).get(organisation_id)
    return [organisation_id] if final is None else [organisation_id, final]


def readdressed(query: QueryDict, names: Iterable[str]) -> QueryDict | None:
    """``query`` with every organisation named in these parameters that has been
    succeeded replaced by the body holding its functions today, or None when none
    has: a page asked about an old body redirects to the same page for its
    successor (one query)."""
    asked = {
        int(value)
        for name in names
        for value in query.getlist(name)
        if value.isdigit() and 0 < int(value) < 2**63
    }
    if not asked:
        return None
    successors = successor_ids(asked)
    if not successors:
        return None
    fixed = query.copy()
    for name in names:
        if name in fixed:
            fixed.setlist(
                name,
                [
                    str(successors.get(int(v), v)) if v.isdigit() else v
                    for v in fixed.getlist(name)
                ],
            )
    return fixed
