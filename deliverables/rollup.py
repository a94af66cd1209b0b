"""RAG and percent complete rolled up from deliverables to objectives and priorities.

The rule, the same on the plan page and on the quarterly dashboard:

- **RAG: the worst wins.** Red beats amber beats green. Only open deliverables count
  (not completed, stopped, merged or split); those without a RAG are left out.
- **Percent complete: the mean.** A completed deliverable with no percentage counts
  as 100; stopped (will not proceed), merged and split deliverables are left out, and
  so is any other deliverable without a percentage. The mean is rounded to a whole
  number.
- Each figure says how many deliverables it came from, and the mean says how many
  of the group's open deliverables gave a percentage. **A mean of a few is not the
  whole:** when fewer than half of the open deliverables give one, the mean is not
  shown as the group's figure (``Rollup.percent_shown`` is None), only the coverage.
- A priority rolls up every deliverable beneath it: its own objectives' and those of
  the priorities nested under it, each deliverable counted once (not an average of
  averages).

Pure functions over plain rows, no queries: callers load the rows once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from deliverables import rules
from deliverables.models import Rag, Status

#: Worst first.
RAG_ORDER = (Rag.RED, Rag.AMBER, Rag.GREEN)
#: Left out of percent complete: the work will not be done as this deliverable.
NO_PERCENT = (Status.WILL_NOT_PROCEED, Status.MERGED, Status.SPLIT)


@dataclass(frozen=True)
class Row:
    """What the roll-up needs of one deliverable."""

    status: str
    rag: str = ""
    percent_complete: int | None = None


@dataclass(frozen=True)
class Rollup:
    """A group's RAG and percent complete, with how many deliverables gave each."""

    rag: str = ""
    rag_count: int = 0
    percent: int | None = None
    percent_count: int = 0
    open_count: int = 0
    open_with_percent: int = 0

    @property
    def percent_shown(self) -> int | None:
        """The mean, when at least half of the open deliverables gave a percentage
        (or none is open); None when it would stand for work that gave none."""
        if self.percent is None:
            return None
        if self.open_count and 2 * self.open_with_percent < self.open_count:
            return None
        return self.percent

    @property
    def rag_label(self) -> str:
        return Rag(self.rag).label if self.rag else "Not assessed"

    def as_dict(self) -> dict:
        return {
            "rag": self.rag,
            "rag_label": self.rag_label,
            "rag_count": self.rag_count,
            "percent": self.percent,
            "percent_count": self.percent_count,
            "percent_shown": self.percent_shown,
            "open_count": self.open_count,
            "open_with_percent": self.open_with_percent,
        }


@dataclass(frozen=True)
class Tally:
    """Some deliverables of one status and RAG, counted (as a SQL ``GROUP BY`` gives
    them): how many, how many gave a percentage, and the sum of those percentages."""

    status: str
    rag: str = ""
    count: int = 1
    with_percent: int = 0
    percent_sum: int = 0

    @classmethod
    def of(cls, row: Row) -> Tally:
        given = row.percent_complete is not None
        return cls(row.status, row.rag, 1, int(given), row.percent_complete or 0)


def worst_rag(rows: Iterable[Row]) -> tuple[str, int]:
    """The worst RAG of the open, rated rows, and how many were rated ("" and 0 when
    none)."""
    return _worst_rag([Tally.of(r) for r in rows])


def mean_percent(rows: Iterable[Row]) -> tuple[int | None, int]:
    """The mean percent complete, rounded half up, and how many rows gave one."""
    return _mean_percent([Tally.of(r) for r in rows])


def _worst_rag(tallies: list[Tally]) -> tuple[str, int]:
    rated = [t for t in tallies if t.rag in RAG_ORDER and not rules.is_closed(t.status)]
    for rag in RAG_ORDER:
        if any(t.rag == rag for t in rated):
            return rag.value, sum(t.count for t in rated)
    return "", 0


def _mean_percent(tallies: list[Tally]) -> tuple[int | None, int]:
    total = given = 0
    for t in tallies:
        if t.status in NO_PERCENT:
            continue
        total, given = total + t.percent_sum, given + t.with_percent
        if t.status == Status.COMPLETED:
            # Completed without a percentage: done, so 100.
            total += 100 * (t.count - t.with_percent)
            given += t.count - t.with_percent
    if not given:
        return None, 0
    mean = Decimal(total) / given
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP)), given


def rollup(rows: Iterable[Row]) -> Rollup:
    """The roll-up of one group of deliverables."""
    return from_tallies(Tally.of(r) for r in rows)


def from_tallies(tallies: Iterable[Tally]) -> Rollup:
    """The roll-up of one group of deliverables, from their counts by status and RAG
    (the same rule as ``rollup``, for figures counted in SQL)."""
    tallies = list(tallies)
    rag, rag_count = _worst_rag(tallies)
    percent, percent_count = _mean_percent(tallies)
    open_tallies = [t for t in tallies if not rules.is_closed(t.status)]
    return Rollup(
        rag,
        rag_count,
        percent,
        percent_count,
        open_count=sum(t.count for t in open_tallies),
        open_with_percent=sum(t.with_percent for t in open_tallies),
    )


def by_key(rows: Iterable[tuple[Hashable, Row]]) -> dict[Hashable, Rollup]:
    """A roll-up for each key, from (key, row) pairs; keys without rows are absent."""
    groups: dict[Hashable, list[Row]] = defaultdict(list)
    for key, row in rows:
        groups[key].append(row)
    return {key: rollup(group) for key, group in groups.items()}


def ancestors(node: Hashable, parents: Mapping[Hashable, Hashable | None]) -> list:
    """``node`` and every priority above it, nearest first (safe against loops)."""
    chain, seen = [], set()
    while node is not None and node not in seen:
        chain.append(node)
        seen.add(node)
        node = parents.get(node)
    return chain


def by_priority(
    rows: Iterable[tuple[Hashable, Row]], parents: Mapping[Hashable, Hashable | None]
) -> dict[Hashable, Rollup]:
    """A roll-up for every priority, from (priority id, row) pairs, where each
    deliverable counts towards its own priority and every priority above it.

    ``parents`` maps each priority to its parent (None at the top).
    """
    spread = (
        (priority, row) for own, row in rows for priority in ancestors(own, parents)
    )
    return by_key(spread)
