"""Importing a plan's action table from CSV or XLSX (layout: docs/import-layout.md).

Every row is validated before anything is written, and every problem is reported with
its row and column; if any row is bad nothing is written. Rows are matched by reference,
so importing the same file again changes nothing and a corrected file updates in place.

This lives in ``deliverables`` rather than ``plans`` because it writes deliverables, and
imports only run ``plans`` <- ``deliverables``.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Prefetch
from django.utils import timezone

from core import audit
from core.actors import Writer
from core.history import attribute_to
from deliverables import fuzzydates, states
from deliverables import mapping as columns
from deliverables.layout import (  # noqa: F401 - the layout, read from here too
    COLUMNS,
    FIELD_LABELS,
    MAX_CELL,
    MAX_LENGTHS,
    MAX_ROWS,
    RAG_WORDS,
    REFERENCE,
    REQUIRED,
    STATUS_WORDS,
    field_of,
    read_state,
)
from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    ImportMapping,
    Milestone,
    ProgressUpdate,
    Status,
)
from deliverables.services import (
    Change,
    ProgressRefused,
    next_free_number,
    record_progress,
)
from deliverables.upload_errors import ImportFailed, RowError
from plans.models import (
    Objective,
    Organisation,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.selectors import period_to_offer, periods_to_record_for, works_with
from plans.services import ensure_quarterly_periods, save_plan

PLAN_MILESTONE_TITLE = "Milestone date in the plan"


@dataclass
class ImportResult:
    """What an import did, counted per kind of row: created, updated, unchanged."""

    plan: Plan
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    refused: list[RowError] = field(default_factory=list)
    generated: list[Generated] = field(default_factory=list)

    def summary(self) -> str:
        """What the import did, in words: "created 28 priorities, 65 objectives and
        90 deliverables; changed 2 deliverables; left 88 deliverables unchanged"."""
        singular = {"priorities": "priority", "objectives": "objective"}

        def listed(counts: Counter) -> str:
            named = [
                f"{counts[kind]:,} "
                + (kind if counts[kind] != 1 else singular.get(kind, kind[:-1]))
                for kind in ("priorities", "objectives", "deliverables")
                if counts[kind]
            ]
            return (
                ", ".join(named[:-1]) + " and " + named[-1]
                if len(named) > 1
                else "".join(named)
            )

        parts = [
            words.format(what)
            for words, counts in (
                ("created {}", self.created),
                ("changed {}", self.updated),
                ("left {} unchanged", self.unchanged),
            )
            if (what := listed(counts))
        ]
        return "; ".join(parts) or "nothing to import"


# Reading ---------------------------------------------------------------------------


def read_rows(
    path: str | Path, *, mapping: columns.Mapping | None = None
) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV or XLSX file into ``(row number, {field: text})`` pairs, its
    columns read as ``mapping`` says (see ``deliverables.mapping``).

    Without a mapping the file must use the documented layout or the deliverables
    export's headings: a column we do not know is refused, so that a typing mistake
    in a header is not silently ignored. Raises ImportFailed when the file cannot be
    read (see ``mapping.read_table``) or the mapping has problems.
    """
    table = columns.read_table(path)
    if mapping is None:
        mapping = layout_mapping(table, strict=True)
    errors = columns.problems(table, mapping)
    if errors:
        raise ImportFailed(errors)
    return columns.apply(table, mapping)


def layout_mapping(table: columns.Table, *, strict: bool = False) -> columns.Mapping:
    """The mapping of a file that uses the documented layout or the export's
    headings, every column by its name. With ``strict``, a column of another name
    is refused (ImportFailed), as is a name given twice; otherwise it is left out."""
    if strict:
        return columns.strict_mapping(
            table, COLUMNS, required=REQUIRED, name_of=field_of
        )
    fields = [field_of(heading) for heading in table.header]
    return columns.Mapping(
        columns=[name if name in COLUMNS else "" for name in fields], headings=""
    )


@dataclass
class ChosenMapping:
    """How a file's columns will be read, and why: ``source`` is "layout" (the
    documented layout or the export's), "saved" (as the organisation last confirmed
    for this layout) or "proposed"; ``notes`` say what of a saved mapping no longer
    fits the file (so it is shown, not silently used)."""

    mapping: columns.Mapping
    source: str
    notes: list[str] = field(default_factory=list)
    saved: ImportMapping | None = None

    @property
    def ready(self) -> bool:
        """Whether the file can go straight to its check, with nothing to choose."""
        return self.source in {"layout", "saved"} and not self.notes


def mapping_for(*, organisation: Organisation, table: columns.Table) -> ChosenMapping:
    """How to read this file: by the documented layout when every column is named
    as it is, else as the organisation saved for this layout, else proposed (with
    what the organisation's latest saved mapping would say, when it no longer
    fits)."""
    fields = [field_of(heading) for heading in table.header]
    if all(name in COLUMNS for name in fields) and len(set(fields)) == len(fields):
        chosen = layout_mapping(table)
        if not columns.problems(table, chosen):
            return ChosenMapping(chosen, "layout")
    saved = ImportMapping.objects.filter(
        organisation=organisation, signature=columns.signature(table.header)
    ).first()
    if saved is not None:
        chosen, notes = columns.fit(saved.columns, table)
        chosen.headings = saved.headings
        return ChosenMapping(chosen, "saved", notes, saved)
    latest = ImportMapping.objects.filter(organisation=organisation).first()
    if latest is not None:
        fitted, notes = columns.fit(latest.columns, table)
        if not notes:
            fitted.headings = latest.headings
            return ChosenMapping(fitted, "saved", [], latest)
        return ChosenMapping(columns.propose(table), "proposed", notes, latest)
    return ChosenMapping(columns.propose(table), "proposed")


@transaction.atomic
def save_mapping(
    *,
    organisation: Organisation,
    table: columns.Table,
    mapping: columns.Mapping,
    by: Writer,
) -> ImportMapping:
    """Keep the mapping an editor confirmed, for the organisation's next upload of
    a file with the same header (replacing what was saved for it)."""
    saved, _ = ImportMapping.objects.update_or_create(
        organisation=organisation,
        signature=columns.signature(table.header),
        defaults={
            "columns": columns.saved_columns(table.header, mapping),
            "headings": mapping.headings,
            "saved_by": by if getattr(by, "pk", None) else None,
            "saved_at": timezone.now(),
        },
    )
    return saved


# Validating ------------------------------------------------------------------------


@dataclass
class CleanRow:
    number: int
    priority_ref: str
    priority_title: str
    sub_priority_ref: str
    sub_priority_title: str
    objective_ref: str
    objective_title: str
    reference: str
    title: str
    description: str
    milestone_date: str
    owners: list[str]
    lead_organisation: Organisation
    delivering_unit: str
    expected_benefits: str
    strands: list[str]
    status: str | None
    rag: str | None
    percent_complete: int | None
    forecast_date: str
    merged_into: str


@dataclass
class Generated:
    """A reference the import made up because the file has none, shown as such."""

    kind: str  # "priority", "objective" or "deliverable"
    reference: str
    title: str
    row: int


@dataclass
class Known:
    """What the plan holds already, read once: its priorities, objectives and
    deliverables by reference (an empty ``Known`` for a new plan)."""

    priorities: dict[str, Priority] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)
    deliverables: dict[str, Deliverable] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan | None) -> Known:
        if plan is None:
            return cls()
        priorities = {p.reference: p for p in Priority.objects.filter(plan=plan)}
        objectives = {o.reference: o for o in Objective.objects.filter(plan=plan)}
        deliverables: dict[str, Deliverable] = {
            d.reference: d
            for d in Deliverable.objects.filter(plan=plan)
            .select_related("plan")
            .prefetch_related(
                "owners",
                "strands",
                Prefetch(
                    "milestones",
                    Milestone.objects.filter(title=PLAN_MILESTONE_TITLE),
                    to_attr="plan_milestones",
                ),
            )
        }
        return cls(priorities, objectives, deliverables)

    @functools.cached_property
    def priority_refs_by_pk(self) -> dict[int, str]:
        return {p.pk: ref for ref, p in self.priorities.items()}

    def parent_ref(self, priority: Priority) -> str:
        return self.priority_refs_by_pk.get(priority.parent_id or 0, "")

    def priority_ref_of(self, objective: Objective) -> str:
        return self.priority_refs_by_pk.get(objective.priority_id, "")


def _same(text: str) -> str:
    """A title as compared: case and runs of space do not matter."""
    return " ".join(text.split()).casefold()


class _Refs:
    """References found by title, or made up, for rows that give a title only: the
    same title finds the same reference on every row of the file and on every import
    of it (the n-th deliverable of a title in the file is the plan's n-th of it)."""

    def __init__(self, known: Known):
        self.known = known
        self.priority_refs = set(known.priorities)
        self.objective_refs = set(known.objectives)
        self.deliverable_refs = set(known.deliverables)
        self.generated: list[Generated] = []
        self._priorities: dict[tuple[str, str], str] = {}
        for p in known.priorities.values():
            parent = known.parent_ref(p)
            self._priorities.setdefault((parent, _same(p.title)), p.reference)
        self._objectives: dict[tuple[str, str], str] = {}
        for o in known.objectives.values():
            self._objectives.setdefault(
                (known.priority_ref_of(o), _same(o.title)), o.reference
            )
        self._deliverables: dict[str, list[str]] = defaultdict(list)
        for d in sorted(known.deliverables.values(), key=lambda d: (d.position, d.pk)):
            self._deliverables[_same(d.title)].append(d.reference)
        self._deliverables_taken: Counter = Counter()

    def reserve(self, refs: Iterable[str], kind: str) -> None:
        """References the file itself gives: never made up for another row."""
        {
            "priority": self.priority_refs,
            "objective": self.objective_refs,
            "deliverable": self.deliverable_refs,
        }[kind].update(refs)

    def priority(self, parent: str, title: str, row: int) -> str:
        key = (parent, _same(title))
        if key not in self._priorities:
            ref = next_free_number(self.priority_refs, f"{parent}." if parent else "")
            self._priorities[key] = ref
            self.generated.append(Generated("priority", ref, title, row))
        return self._priorities[key]

    def objective(self, priority: str, title: str, row: int) -> str:
        key = (priority, _same(title))
        if key not in self._objectives:
            ref = next_free_number(self.objective_refs, f"{priority}.")
            self._objectives[key] = ref
            self.generated.append(Generated("objective", ref, title, row))
        return self._objectives[key]

    def deliverable(self, title: str, row: int) -> str:
        same = _same(title)
        taken = self._deliverables_taken[same]
        self._deliverables_taken[same] += 1
        if taken < len(self._deliverables[same]):
            return self._deliverables[same][taken]
        ref = next_free_number(self.deliverable_refs)
        self.generated.append(Generated("deliverable", ref, title, row))
        return ref


def _split(value: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in value.split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def validate(
    rows: list[tuple[int, dict[str, str]]],
    *,
    plan_year: int,
    default_lead: Organisation,
    owner_id: int,
    known: Known | None = None,
    generated: list[Generated] | None = None,
) -> list[CleanRow]:
    """Check every row; return clean rows, or raise ImportFailed listing every
    problem.

    References the file leaves out are found by title in the plan, or made up (and
    appended to ``generated``): a priority's as the next number at its level, an
    objective's under its priority, a deliverable's as the plan's next number. A row
    with a priority but no objective goes under an objective of the priority's own
    title; a row with neither is a deliverable of a flat plan.
    """
    known = known or Known()
    errors: list[RowError] = []
    # Only the organisations the plan's body works with, never the whole service: a
    # file cannot name (nor find out the names of) every other body.
    organisations = _organisation_lookup([*works_with([owner_id]), default_lead])
    clean: list[CleanRow] = []
    titles: dict[tuple[str, str], tuple[str, int]] = {}
    parents: dict[str, tuple[str, int]] = {}
    seen_refs: dict[str, int] = {}
    if not rows:
        raise ImportFailed([RowError(2, "deliverable_title", "The file has no rows.")])
    refs = _Refs(known)
    refs.reserve((r["priority_ref"] for _, r in rows), "priority")
    refs.reserve((r["sub_priority_ref"] for _, r in rows), "priority")
    refs.reserve((r["objective_ref"] for _, r in rows), "objective")
    refs.reserve((r["deliverable_ref"] for _, r in rows), "deliverable")

    for number, row in rows:

        def bad(column: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, column, message))

        for column in REQUIRED:
            if not row[column]:
                bad(column, "This cell is empty.")
        for column, limit in MAX_LENGTHS.items():
            if len(row[column]) > limit:
                bad(column, f"Keep this to {limit} characters or fewer.")
        for column in (
            "priority_ref",
            "sub_priority_ref",
            "objective_ref",
            "deliverable_ref",
            "merged_into",
        ):
            value = row[column]
            if value and (len(value) > 50 or not REFERENCE.match(value)):
                bad(column, f'"{value}" is not a reference such as 3.1.2 or A-4.')

        # The priority, sub-priority and objective: by reference, by title, or none.
        def level(
            ref_col: str,
            title_col: str,
            kind: str,
            under: str,
            what: str,
            row: dict[str, str] = row,
            number: int = number,
        ) -> tuple[str, str]:
            ref, title = row[ref_col], row[title_col]
            existing = (
                known.objectives.get(ref)
                if kind == "objective"
                else known.priorities.get(ref)
            )
            if ref and not title:
                if existing is None:
                    bad(title_col, f"Give the {what}'s title.")
                else:
                    title = existing.title
            elif title and not ref:
                ref = (
                    refs.objective(under, title, number)
                    if kind == "objective"
                    else refs.priority(under, title, number)
                )
            return ref, title

        priority_ref, priority_title = level(
            "priority_ref", "priority_title", "priority", "", "priority"
        )
        sub_ref, sub_title = row["sub_priority_ref"], row["sub_priority_title"]
        if sub_ref or sub_title:
            if not priority_ref:
                bad("priority_title", "Give the priority this sub-priority is under.")
            sub_ref, sub_title = level(
                "sub_priority_ref",
                "sub_priority_title",
                "priority",
                priority_ref,
                "sub-priority",
            )
            if sub_ref and priority_ref and not sub_ref.startswith(priority_ref + "."):
                bad("sub_priority_ref", f"This should start with {priority_ref}.")
        parent_ref = sub_ref or priority_ref
        parent_title = sub_title or priority_title
        objective_ref, objective_title = row["objective_ref"], row["objective_title"]
        if (objective_ref or objective_title) and not parent_ref:
            existing_objective = known.objectives.get(objective_ref)
            if existing_objective is None:
                bad(
                    "priority_title",
                    "Give the priority this objective is under: an objective "
                    "belongs to a priority.",
                )
            else:
                parent_ref = known.priority_ref_of(existing_objective)
                objective_title = objective_title or existing_objective.title
        elif objective_ref or objective_title:
            objective_ref, objective_title = level(
                "objective_ref", "objective_title", "objective", parent_ref, "objective"
            )
        elif parent_ref:
            # A priority with its deliverables straight under it: an objective of its
            # own title holds them.
            objective_title = parent_title
            objective_ref = refs.objective(parent_ref, parent_title, number)

        # The same reference must mean the same thing on every row.
        for kind, ref, title_col, title in (
            ("priority", priority_ref, "priority_title", priority_title),
            ("priority", sub_ref, "sub_priority_title", sub_title),
            ("objective", objective_ref, "objective_title", objective_title),
        ):
            if not ref or not row[title_col]:
                continue
            first = titles.setdefault((kind, ref), (title, number))
            if first[0] != title:
                bad(title_col, f"{ref} has a different title on row {first[1]}.")
        if objective_ref:
            first_parent = parents.setdefault(objective_ref, (parent_ref, number))
            if first_parent[0] != parent_ref:
                bad(
                    "objective_ref",
                    "This objective is under another priority on row "
                    f"{first_parent[1]}.",
                )

        ref = row["deliverable_ref"]
        if not ref and row["deliverable_title"]:
            ref = refs.deliverable(row["deliverable_title"], number)
        if ref in seen_refs:
            bad("deliverable_ref", f"{ref} is already used on row {seen_refs[ref]}.")
        seen_refs.setdefault(ref, number)

        dates = {}
        for column in ("milestone_date", "forecast_date"):
            try:
                dates[column] = fuzzydates.parse(
                    row[column], default_year=plan_year
                ).text
            except fuzzydates.FuzzyDateError as exc:
                bad(column, str(exc))

        owners = _split(row["owners"])
        for owner in owners:
            if len(owner) > 200:
                bad("owners", "Keep each owner to 200 characters or fewer.")
        strands = _split(row["strands"])
        for strand in strands:
            if len(strand) > 200:
                bad("strands", "Keep each strand's name to 200 characters or fewer.")

        lead: Organisation | None = default_lead
        if row["lead_organisation"]:
            lead = organisations.get(row["lead_organisation"].lower())
            if lead is None:
                bad(
                    "lead_organisation",
                    f"No organisation your body works with is called "
                    f'"{row["lead_organisation"]}". Check the name; if your body '
                    "works with it, an administrator can list it among your body's "
                    "partners.",
                )

        status, rag, percent = read_state(row, bad)

        if status == Status.MERGED and not row["merged_into"]:
            bad("merged_into", "Give the reference this deliverable merged into.")
        if row["merged_into"] and status != Status.MERGED:
            bad(
                "merged_into",
                "Only a merged deliverable has a reference to merge into.",
            )
        if row["merged_into"] == ref and ref:
            bad("merged_into", "A deliverable cannot merge into itself.")

        clean.append(
            CleanRow(
                number=number,
                priority_ref=priority_ref,
                priority_title=priority_title,
                sub_priority_ref=sub_ref,
                sub_priority_title=sub_title,
                objective_ref=objective_ref,
                objective_title=objective_title,
                reference=ref,
                title=row["deliverable_title"],
                description=row["description"],
                milestone_date=dates.get("milestone_date", ""),
                owners=owners,
                lead_organisation=lead or default_lead,
                delivering_unit=row["delivering_unit"],
                expected_benefits=row["expected_benefits"],
                strands=strands,
                status=status,
                rag=rag,
                percent_complete=percent,
                forecast_date=dates.get("forecast_date", ""),
                merged_into=row["merged_into"],
            )
        )

    known_refs = set(seen_refs) | set(known.deliverables)
    for checked in clean:
        if checked.merged_into and checked.merged_into not in known_refs:
            errors.append(
                RowError(
                    checked.number,
                    "merged_into",
                    f"No deliverable {checked.merged_into} in this plan.",
                )
            )
    if errors:
        raise ImportFailed(errors)
    if generated is not None:
        generated += refs.generated
    return clean


def _organisation_lookup(
    organisations: Iterable[Organisation],
) -> dict[str, Organisation]:
    """The organisations a file may name as a lead, by name and by short name."""
    lookup: dict[str, Organisation] = {}
    for organisation in organisations:
        lookup[organisation.name.lower()] = organisation
        if organisation.short_name:
            lookup.setdefault(organisation.short_name.lower(), organisation)
    return lookup


# Writing ---------------------------------------------------------------------------


@transaction.atomic
@states.batch()
def import_plan(
    *,
    path: str | Path,
    owner: Organisation,
    plan_reference: str,
    by: Writer,
    plan_title: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    lead_organisation: Organisation | None = None,
    mapping: columns.Mapping | None = None,
    period: ReportingPeriod | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda rows: rows,
) -> ImportResult:
    """Import a plan's action table; see the module docstring and docs/import-layout.md.

    The plan is found by ``owner`` and ``plan_reference``, or created from
    ``plan_title``, ``starts_on`` and ``ends_on``. ``mapping`` says which of the
    file's columns holds which field (without it, the file must use the documented
    layout or the deliverables export's). Changes of status and merges are recorded
    in ``period`` (by default the period open today). Raises ImportFailed having
    written nothing.
    """
    plan = Plan.objects.filter(owner=owner, reference=plan_reference).first()
    if plan is None:
        missing = [
            RowError(0, option, "Needed to create a new plan.")
            for option, value in (
                ("--title", plan_title),
                ("--starts", starts_on),
                ("--ends", ends_on),
            )
            if not value
        ]
        if missing:
            raise ImportFailed(missing)
        year = starts_on.year  # type: ignore[union-attr]
    else:
        year = plan.year
    if period is not None and (plan is None or period.plan_id != plan.pk):
        raise ImportFailed([RowError(0, "period", "Choose a period of this plan.")])

    known = Known.of(plan)
    generated: list[Generated] = []
    rows = validate(
        read_rows(path, mapping=mapping),
        plan_year=year,
        default_lead=lead_organisation or owner,
        owner_id=owner.pk,
        known=known,
        generated=generated,
    )

    if plan is None:
        assert starts_on is not None and ends_on is not None  # checked above
        plan = save_plan(
            by=by,
            owner=owner,
            reference=plan_reference,
            title=plan_title,
            starts_on=starts_on,
            ends_on=ends_on,
        )
    else:
        ensure_quarterly_periods(plan=plan)
    result = ImportResult(plan=plan, generated=generated)
    writer = _Writer(
        plan=plan,
        known=known,
        by=by,
        result=result,
        source_name=Path(path).name,
        period=period or default_period(plan),
    )
    writer.structure(rows)
    writer.write_deliverables(list(progress(rows)))
    writer.progress(rows)
    if result.refused:
        raise ImportFailed(result.refused)
    result.unchanged["deliverables"] = (
        len(rows) - result.created["deliverables"] - result.updated["deliverables"]
    )
    return result


#: The deliverable's fields an import defines (its state comes by progress updates).
DEFINITION_FIELDS = [
    "objective",
    "title",
    "description",
    "lead_organisation",
    "delivering_unit",
    "expected_benefits",
    "baseline_date",
    "baseline_date_start",
    "baseline_date_end",
]
#: Rows per INSERT or UPDATE statement.
BATCH = 500


def _differs(instance: Model, values: dict[str, Any]) -> list[str]:
    """The names among ``values`` whose value differs from the instance's, a
    relation compared by its id (so that nothing is read to compare)."""
    changed = []
    for name, value in values.items():
        if isinstance(value, Model) or (
            value is None and instance._meta.get_field(name).is_relation
        ):
            relation: Any = instance._meta.get_field(name)
            now = getattr(instance, relation.attname)
            if now != (value.pk if value is not None else None):
                changed.append(name)
        elif getattr(instance, name) != value:
            changed.append(name)
    return changed


class _Writer:
    """The import's writes, in bulk: a few statements for each kind of row however
    many rows the file has, with the same history rows, audit events and period
    states as one-at-a-time saves would leave."""

    def __init__(
        self,
        *,
        plan: Plan,
        known: Known,
        by: Writer,
        result: ImportResult,
        source_name: str,
        period: ReportingPeriod | None,
    ):
        self.plan = plan
        self.known = known
        self.by = by
        self.result = result
        self.source_name = source_name
        self.period = period
        self.priorities: dict[str, Priority] = {}
        self.objectives: dict[str, Objective] = {}
        self.deliverables: dict[str, Deliverable] = {}
        self.status_changed: set[str] = set()
        self.waiting: dict[str, list[Model]] = {}
        self.next_position: dict[str, int] = {}

    # Priorities and objectives: tens or hundreds, saved one at a time.

    def structure(self, rows: list[CleanRow]) -> None:
        """The rows' priorities, then their sub-priorities, then their objectives:
        each level's new ones in one INSERT, changed ones saved one at a time."""
        self.next_position = {
            "priorities": max(
                (p.position for p in self.known.priorities.values()), default=-1
            ),
            "objectives": max(
                (o.position for o in self.known.objectives.values()), default=-1
            ),
        }
        for level in ("top", "sub"):
            for row in rows:
                if level == "top":
                    ref, title, parent_ref = row.priority_ref, row.priority_title, ""
                else:
                    ref, title = row.sub_priority_ref, row.sub_priority_title
                    parent_ref = row.priority_ref
                if not ref or ref in self.priorities:
                    continue
                parent = self.priorities.get(parent_ref) if parent_ref else None
                self.priorities[ref] = self._upsert(
                    Priority,
                    "priorities",
                    self.known.priorities.get(ref),
                    {"plan": self.plan, "reference": ref},
                    {"title": title, "parent": parent},
                )
            self._flush(Priority, "priorities")
        for row in rows:
            ref = row.objective_ref
            if ref and ref not in self.objectives:
                parent_ref = row.sub_priority_ref or row.priority_ref
                parent = self.priorities.get(parent_ref) or self._known_priority(
                    self.known.objectives[ref].priority_id
                )
                self.objectives[ref] = self._upsert(
                    Objective,
                    "objectives",
                    self.known.objectives.get(ref),
                    {"plan": self.plan, "reference": ref},
                    {"title": row.objective_title, "priority": parent},
                )
        self._flush(Objective, "objectives")

    def _flush(self, model: type[Model], kind: str) -> None:
        """Insert the new rows of ``kind`` waiting, with their history and audit."""
        new = self.waiting.pop(kind, [])
        model._default_manager.bulk_create(new, batch_size=BATCH)
        model.history.bulk_history_create(new, default_user=self.by)  # type: ignore[attr-defined]
        audit.record_many(new, audit.Action.CREATED)

    def _known_priority(self, pk: int) -> Priority:
        return next(p for p in self.known.priorities.values() if p.pk == pk)

    def _upsert(
        self,
        model: type[Model],
        kind: str,
        instance: Any,
        lookup: dict[str, Any],
        values: dict[str, Any],
    ) -> Any:
        """Create the row (waiting for ``_flush``), or update only the fields that
        differ; count which it was. A new row goes after the plan's others; a known
        one keeps its place."""
        if instance is None:
            self.next_position[kind] += 1
            instance = model(**lookup, **values, position=self.next_position[kind])
            attribute_to(instance, by=self.by)
            self.waiting.setdefault(kind, []).append(instance)
            self.result.created[kind] += 1
            return instance
        changed = _differs(instance, values)
        if changed:
            for name in changed:
                setattr(instance, name, values[name])
            attribute_to(instance, by=self.by)
            instance.save()
            self.result.updated[kind] += 1
        else:
            self.result.unchanged[kind] += 1
        return instance

    # Deliverables, their owners, strands and plan milestones: in bulk.

    def write_deliverables(self, rows: list[CleanRow]) -> None:
        new: list[Deliverable] = []
        changed: list[Deliverable] = []
        position = max(
            (d.position for d in self.known.deliverables.values()), default=-1
        )
        touched: set[str] = set()
        for row in rows:
            definition = {
                "objective": self.objectives.get(row.objective_ref),
                "title": row.title,
                "description": row.description,
                "lead_organisation": row.lead_organisation,
                "delivering_unit": row.delivering_unit,
                "expected_benefits": row.expected_benefits,
                "baseline_date": row.milestone_date,
            }
            deliverable = self.known.deliverables.get(row.reference)
            if deliverable is None:
                position += 1
                # A new deliverable starts in the state the file gives; that is not
                # a change of status.
                # A merged one is merged below, by a progress update.
                status = row.status if row.status != Status.MERGED else None
                deliverable = Deliverable(
                    plan=self.plan,
                    reference=row.reference,
                    position=position,
                    status=status or Status.FUTURE,
                    rag=row.rag or "",
                    percent_complete=row.percent_complete,
                    forecast_date=row.forecast_date or row.milestone_date,
                    **definition,
                )
                deliverable.sync_fuzzy_dates()
                attribute_to(deliverable, by=self.by)
                new.append(deliverable)
            else:
                differs = _differs(deliverable, definition)
                if differs:
                    for name in differs:
                        setattr(deliverable, name, definition[name])
                    deliverable.sync_fuzzy_dates()
                    attribute_to(deliverable, by=self.by)
                    changed.append(deliverable)
                    touched.add(row.reference)
            self.deliverables[row.reference] = deliverable

        Deliverable.objects.bulk_create(new, batch_size=BATCH)
        Deliverable.history.bulk_history_create(new, default_user=self.by)
        audit.record_many(new, audit.Action.CREATED)
        if changed:
            Deliverable.objects.bulk_update(
                changed, DEFINITION_FIELDS, batch_size=BATCH
            )
            Deliverable.history.bulk_history_create(
                changed, default_user=self.by, update=True
            )
            audit.record_many(changed, audit.Action.CHANGED)
        created = {d.reference for d in new}
        touched |= self._owners(rows, created)
        touched |= self._strands(rows, created)
        touched |= self._plan_milestones(
            rows, created, changed_dates={d.reference for d in changed}
        )
        states.changed([d.pk for d in new] + [self.deliverables[r].pk for r in touched])
        self.result.created["deliverables"] += len(new)
        self.result.updated["deliverables"] += len(touched - created)
        self._touched = touched

    def _owners(self, rows: list[CleanRow], created: set[str]) -> set[str]:
        """Each deliverable's owner roles become exactly the row's, in order."""
        new: list[DeliverableOwner] = []
        moved: list[DeliverableOwner] = []
        gone: list[DeliverableOwner] = []
        touched: set[str] = set()
        for row in rows:
            deliverable = self.deliverables[row.reference]
            current = [] if row.reference in created else list(deliverable.owners.all())
            if [o.role for o in current] == row.owners:
                continue
            touched.add(row.reference)
            keep = {o.role: o for o in current}
            gone += [o for o in current if o.role not in row.owners]
            for position, role in enumerate(row.owners):
                owner = keep.get(role)
                if owner is None:
                    new.append(
                        attribute_to(
                            DeliverableOwner(
                                deliverable=deliverable, role=role, position=position
                            ),
                            by=self.by,
                        )
                    )
                elif owner.position != position:
                    owner.position = position
                    moved.append(attribute_to(owner, by=self.by))
        for owner in gone:  # rare: one at a time, so each leaves its history
            attribute_to(owner, by=self.by)
            owner.delete()
        DeliverableOwner.objects.bulk_create(new, batch_size=BATCH)
        DeliverableOwner.history.bulk_history_create(new, default_user=self.by)
        audit.record_many(new, audit.Action.CREATED)
        if moved:
            DeliverableOwner.objects.bulk_update(moved, ["position"], batch_size=BATCH)
            DeliverableOwner.history.bulk_history_create(
                moved, default_user=self.by, update=True
            )
            audit.record_many(moved, audit.Action.CHANGED)
        return touched - created

    def _strands(self, rows: list[CleanRow], created: set[str]) -> set[str]:
        """Each deliverable is tagged with exactly the row's strands, new ones made."""
        strands = {s.name: s for s in Strand.objects.filter(plan=self.plan)}
        through: Any = Deliverable.strands.through
        add, remove = [], []
        touched: set[str] = set()
        for row in rows:
            deliverable = self.deliverables[row.reference]
            current = (
                set()
                if row.reference in created
                else {s.name for s in deliverable.strands.all()}
            )
            if current == set(row.strands):
                continue
            touched.add(row.reference)
            for name in row.strands:
                if name not in strands:
                    strand = attribute_to(Strand(plan=self.plan, name=name), by=self.by)
                    strand.save()
                    strands[name] = strand
                if name not in current:
                    add.append(
                        through(
                            deliverable_id=deliverable.pk, strand_id=strands[name].pk
                        )
                    )
            remove += [
                (deliverable.pk, strands[name].pk)
                for name in current - set(row.strands)
            ]
        through.objects.bulk_create(add, batch_size=BATCH)
        for deliverable_id, strand_id in remove:  # rare
            through.objects.filter(
                deliverable_id=deliverable_id, strand_id=strand_id
            ).delete()
        return touched - created

    def _plan_milestones(
        self, rows: list[CleanRow], created: set[str], changed_dates: set[str]
    ) -> set[str]:
        """The milestone that records the plan's own date, for a new deliverable or
        one whose date the file changes (a deliverable's own milestones, and a plan
        date it never had a milestone for, are left alone otherwise)."""
        new: list[Milestone] = []
        moved: list[Milestone] = []
        touched: set[str] = set()
        for row in rows:
            if row.reference not in created and row.reference not in changed_dates:
                continue
            deliverable = self.deliverables[row.reference]
            found = (
                [] if row.reference in created else deliverable.plan_milestones  # type: ignore[attr-defined]
            )
            milestone = found[0] if found else None
            if milestone is None:
                if not row.milestone_date:
                    continue
                milestone = Milestone(
                    deliverable=deliverable, title=PLAN_MILESTONE_TITLE
                )
                new.append(milestone)
            elif milestone.due_date == row.milestone_date:
                continue
            else:
                moved.append(milestone)
            milestone.due_date = row.milestone_date
            milestone.sync_fuzzy_dates()
            attribute_to(milestone, by=self.by)
            touched.add(row.reference)
        Milestone.objects.bulk_create(new, batch_size=BATCH)
        Milestone.history.bulk_history_create(new, default_user=self.by)
        audit.record_many(new, audit.Action.CREATED)
        if moved:
            Milestone.objects.bulk_update(
                moved, ["due_date", "due_date_start", "due_date_end"], batch_size=BATCH
            )
            Milestone.history.bulk_history_create(
                moved, default_user=self.by, update=True
            )
            audit.record_many(moved, audit.Action.CHANGED)
        return touched - created

    # Status columns and merges: progress updates, in one call each.

    def progress(self, rows: list[CleanRow]) -> None:
        """A known deliverable's changed status columns become one progress update
        each, so its log explains the change; then the merges, once every
        deliverable exists."""
        changes: list[tuple[CleanRow, str, Change]] = []
        for row in rows:
            deliverable = self.known.deliverables.get(row.reference)
            if deliverable is None or row.status == Status.MERGED:
                continue
            wanted: dict[str, Any] = {
                "status": row.status,
                "rag": row.rag,
                "percent_complete": row.percent_complete,
                "forecast_date": row.forecast_date or None,
            }
            differs = {
                name: value
                for name, value in wanted.items()
                if value is not None and getattr(deliverable, name) != value
            }
            if differs:
                changes.append(
                    (
                        row,
                        "status",
                        Change(
                            deliverable=deliverable,
                            period=self.period,
                            narrative=f"Updated by importing {self.source_name}.",
                            reason=f"Changed in the imported file {self.source_name}.",
                            **differs,
                        ),
                    )
                )
        self._record(changes)
        merges: list[tuple[CleanRow, str, Change]] = []
        for row in rows:
            if row.status != Status.MERGED:
                continue
            deliverable = self.deliverables[row.reference]
            target = (
                self.deliverables.get(row.merged_into)
                or self.known.deliverables[row.merged_into]
            )
            if (
                deliverable.status == Status.MERGED
                and deliverable.merged_into_id == target.pk
            ):
                continue
            merges.append(
                (
                    row,
                    "merged_into",
                    Change(
                        deliverable=deliverable,
                        status=Status.MERGED,
                        merged_into=target,
                        period=self.period,
                        narrative=(
                            f"Merged into {target.reference}, as recorded in "
                            f"{self.source_name}."
                        ),
                        reason=(
                            f"Merged into {target.reference} in the imported file "
                            f"{self.source_name}."
                        ),
                    ),
                )
            )
        self._record(merges)

    def _record(self, changes: list[tuple[CleanRow, str, Change]]) -> None:
        """Record the changes together; a refusal (such as a locked period) is kept
        against its row, so the import can list every one and write nothing."""
        if not changes:
            return
        try:
            record_progress(
                changes=[change for _, _, change in changes],
                by=self.by,
                source=ProgressUpdate.Source.IMPORT,
            )
        except ProgressRefused as refused:
            for position, fields in refused.errors.items():
                row, column, _ = changes[position]
                self.result.refused += [
                    RowError(row.number, column, m)
                    for ms in fields.values()
                    for m in ms
                ]
            return
        except ValidationError as error:
            row, column, _ = changes[0]
            for messages in error.message_dict.values():
                self.result.refused += [
                    RowError(row.number, column, m) for m in messages
                ]
            return
        counted = {
            row.reference
            for row, _, _ in changes
            if row.reference in self.known.deliverables
        }
        fresh = counted - self._touched
        self.result.updated["deliverables"] += len(fresh)
        self._touched |= fresh


def periods_for_import(plan: Plan) -> list[ReportingPeriod]:
    """The periods an import may record changes of status in: those an editor may
    record progress for today (``plans.selectors.periods_to_record_for``)."""
    return periods_to_record_for(
        list(plan.reporting_periods.all()), timezone.localdate(), editor=True
    )


def default_period(plan: Plan) -> ReportingPeriod | None:
    """The period an import records changes of status in unless told otherwise: the
    one an editor's progress form starts on today; for a plan with none to offer (a
    past plan, all locked), the period containing today or the nearest, which then
    refuses the change in words."""
    if offer := period_to_offer(periods_for_import(plan), timezone.localdate()):
        return offer
    today = timezone.localdate()
    periods = plan.reporting_periods.all()
    return (
        periods.filter(starts_on__lte=today, ends_on__gte=today).first()
        or periods.filter(starts_on__lte=today).order_by("-starts_on").first()
        or periods.order_by("starts_on").first()
    )


class _Preview(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def preview_import(**kwargs: Any) -> ImportResult:
    """What ``import_plan`` would create, update and leave alone, writing nothing.

    It runs the real import inside a transaction and rolls it back, so the preview
    cannot differ from what confirming does. Raises ImportFailed like the import.
    """
    try:
        with transaction.atomic():
            raise _Preview(import_plan(**kwargs))
    except _Preview as preview:
        return preview.result
