"""Generated data at national scale: every policing body's plans, four years of
quarterly updates for each of their deliverables, and indicator values with trends.

``seed_scale(shape=..., seed=..., today=...)`` writes it in bulk: rows go in with
``bulk_create`` in batches, without simple-history rows and without the per-row
services, so that a national data set takes minutes rather than hours. Because the
services are bypassed, this module keeps their rules itself, and the database's
constraints and triggers check that it did:

- each progress update copies the status and forecast the deliverable had before it
  as ``previous_*``, and gives a reason whenever either changes;
- a deliverable's current state (status, RAG, percentage, forecast, merge, completion
  date) is its latest update's;
- a merged deliverable, and the update that merged it, name another deliverable of the
  same plan, which is inserted first so that the same-plan trigger finds it.

The same seed and day always give the same data. Each body's data comes from its own
random stream, ``Random(f"{seed}:{n}")``, so the first 50 bodies of "stress" are
exactly "national": the same page can be timed at both sizes and compared.

Beside the bodies, one large plan (``Shape.large_deliverables``, 5,000 deliverables at
national and stress size) belongs to a body of its own, with its own force, editor,
contributor and reader, and comes from its own random stream,
``Random(f"{seed}:large")``, so the other bodies' data are the same with or without it.
Its report for the latest quarter that has ended is published through
``publish_report``, as an editor would, so that its report page and PDF are real.

Every plan is public (and published or superseded), so anyone signed in sees all of
them: the "national reader" is an ordinary user, a reader of a national oversight body,
with no superuser rights. Each body also has a reader of its own. Generated users have
no usable password (set one with ``manage.py changepassword``).
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from deliverables import fuzzydates, rules, states
from deliverables.models import (
    Deliverable,
    DeliverableOwner,
    Milestone,
    ProgressUpdate,
    Rag,
    ReviewState,
    Status,
    UpdateReview,
)
from plans.models import (
    Indicator,
    IndicatorValue,
    Membership,
    Objective,
    Organisation,
    OrganisationKind,
    PeriodEvent,
    Plan,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.services import ensure_quarterly_periods
from scrutiny.reports.services import publish_report

BATCH_SIZE = 5_000
NATIONAL_READER = "national-reader"
NATIONAL_BODY = "National Policing Oversight Board"
# The large plan's body has a name no generated body has (see ``area_name``).
LARGE_AREA = "Greater Thamesbury"
LARGE_EDITOR = "editor-large"
LARGE_CONTRIBUTOR = "contributor-large"
LARGE_READER = "reader-large"


@dataclass(frozen=True)
class Shape:
    """How much to generate: bodies, and the shape of each of their plans."""

    bodies: int
    plans_per_body: int = 3  # the current plan and two past ones
    quarters: int = 16  # four years, one update a quarter
    top_priorities: int = 5
    sub_priorities: int = 2  # under each top-level priority
    objectives: int = 3  # under each sub-priority
    deliverables: int = 150  # per plan
    milestones: int = 4  # per deliverable
    indicators: int = 40  # per plan
    strands: int = 4  # per plan
    large_deliverables: int = 5_000  # in the one large plan; 0 for none
    # The large plan's tree: top-level priorities, sub-priorities under each and
    # objectives under each sub-priority (144 objectives of about 35 deliverables).
    large_tree: tuple[int, int, int] = (6, 4, 6)

    @property
    def plans(self) -> int:
        return self.bodies * self.plans_per_body

    def large_plan(self) -> Shape:
        """The one large plan's shape: a single, current plan of a body of its own,
        with this shape's quarters, milestones, indicators and strands."""
        top, sub, objectives = self.large_tree
        return replace(
            self,
            bodies=1,
            plans_per_body=1,
            top_priorities=top,
            sub_priorities=sub,
            objectives=objectives,
            deliverables=self.large_deliverables,
            large_deliverables=0,
        )

    def expected(self) -> dict[str, int]:
        """The number of rows of each kind a run writes, the large plan's included."""
        counts = self._expected()
        if self.large_deliverables:
            for name, count in self.large_plan()._expected().items():
                counts[name] += count
        counts["published reports"] = 1 if self.large_deliverables else 0
        return counts

    def _expected(self) -> dict[str, int]:
        plans = self.plans
        deliverables = plans * self.deliverables
        return {
            "policing bodies": self.bodies,
            "plans": plans,
            "reporting periods": plans * self.quarters,
            "priorities": plans * self.top_priorities * (1 + self.sub_priorities),
            "objectives": plans
            * self.top_priorities
            * self.sub_priorities
            * self.objectives,
            "deliverables": deliverables,
            "milestones": deliverables * self.milestones,
            "progress updates": deliverables * self.quarters,
            "indicators": plans * self.indicators,
            "indicator values": plans * self.indicators * self.quarters,
        }


SIZES = {
    "tiny": Shape(
        bodies=2,
        top_priorities=2,
        sub_priorities=2,
        objectives=1,
        deliverables=12,
        indicators=4,
        strands=2,
        large_deliverables=40,
        large_tree=(2, 2, 2),
    ),
    "national": Shape(bodies=50),
    "stress": Shape(bodies=500),
}

# --------------------------------------------------------------------------- words

AREAS = [
    "Ashcombe",
    "Brackenvale",
    "Calderwick",
    "Dunmere",
    "Elmshire",
    "Fernleigh",
    "Glenholm",
    "Harrowdale",
    "Ivymoor",
    "Juniper Vale",
    "Kestrelford",
    "Larkshire",
    "Mereby",
    "Netherwold",
    "Oakhaven",
    "Pendlebrook",
    "Quarrington",
    "Ravensmoor",
    "Saltmarsh",
    "Thornwick",
    "Umberleigh",
    "Valemount",
    "Wychwold",
    "Yarrowby",
    "Zennor Bay",
    "Copperdale",
]
AREA_PREFIXES = [
    "",
    "North ",
    "South ",
    "East ",
    "West ",
    "Mid ",
    "Upper ",
    "Lower ",
    "Greater ",
    "Inner ",
    "Outer ",
    "High ",
    "Old ",
    "New ",
    "Royal ",
    "Vale of ",
    "Port ",
    "Forest of ",
    "Isle of ",
    "Coast of ",
]
TOPICS = [
    "Keep people safe",
    "Protect vulnerable people",
    "Tackle domestic abuse",
    "Prevent crime and anti-social behaviour",
    "Support victims and witnesses",
    "Reduce reoffending",
    "Make roads safer",
    "Build public confidence",
    "An efficient and effective police service",
    "Tackle serious and organised crime",
]
SUB_TOPICS = [
    "Neighbourhood policing",
    "Working with partners",
    "Early intervention",
    "Digital services",
    "Workforce and wellbeing",
    "Rural and wildlife crime",
    "Night-time economy",
    "Safeguarding children",
    "Cyber crime",
    "Value for money",
]
OBJECTIVE_VERBS = ["Improve", "Strengthen", "Reduce", "Increase", "Sustain"]
OBJECTIVE_SUBJECTS = [
    "the visible presence of officers in town centres",
    "the response to repeat victims",
    "the time taken to answer non-emergency calls",
    "joint working with the fire service and councils",
    "the use of data to target hotspots",
    "the support offered to victims of fraud",
]
VERBS = [
    "Deliver",
    "Introduce",
    "Review",
    "Expand",
    "Develop",
    "Implement",
    "Commission",
    "Roll out",
    "Strengthen",
    "Pilot",
]
SUBJECTS = [
    "a daytime patrol strategy",
    "the domestic abuse perpetrator programme",
    "body-worn video for response officers",
    "a rural crime partnership with farmers",
    "mobile data for neighbourhood teams",
    "the independent sexual violence adviser service",
    "a youth diversion scheme",
    "the online crime reporting service",
    "a joint control room with the fire service",
    "the speed enforcement camera programme",
    "drug testing on arrest",
    "restorative justice for low-level offences",
    "a county lines disruption team",
    "the wellbeing programme for officers and staff",
    "the estates strategy for police stations",
    "a fraud victim support service",
    "the neighbourhood watch digital platform",
    "a mental health triage car",
    "the custody healthcare contract",
    "a cyber crime prevention campaign",
]
OWNER_ROLES = [
    "Ch. Insp Operations",
    "Supt Local Policing",
    "Head of Commissioning",
    "Det. Supt Public Protection",
    "Head of Digital Services",
    "Ch. Insp Roads Policing",
    "Director of Finance",
    "Head of Partnerships",
]
UNITS = [
    "Local Policing",
    "Central Operations",
    "Support and Corporate Services",
    "Crime and Public Protection",
    "Office of the Commissioner",
]
STRANDS = [
    "Victims and vulnerable people",
    "Digital and technology",
    "Working with partners",
    "Value for money",
    "Confidence and trust",
    "Prevention",
]
MILESTONES = [
    "Scope and business case agreed",
    "Delivery plan approved",
    "Main delivery complete",
    "Benefits reviewed",
]
# (title, unit, direction, source, baseline range)
MEASURES = [
    ("All recorded crime", "crimes", "lower", "recorded", (8_000, 60_000)),
    (
        "Anti-social behaviour incidents",
        "incidents",
        "lower",
        "recorded",
        (3_000, 30_000),
    ),
    ("Victim satisfaction", "%", "higher", "survey", (70, 88)),
    ("Emergency calls answered within 10 seconds", "%", "higher", "recorded", (80, 95)),
    ("Average emergency response time", "minutes", "lower", "recorded", (9, 16)),
    (
        "Domestic abuse incidents reported",
        "incidents",
        "higher",
        "recorded",
        (1_500, 9_000),
    ),
    ("Repeat victims of domestic abuse", "%", "lower", "recorded", (25, 40)),
    (
        "Killed or seriously injured on the roads",
        "people",
        "lower",
        "recorded",
        (100, 600),
    ),
    ("Public confidence in local policing", "%", "higher", "survey", (60, 80)),
    ("Burglaries of homes", "crimes", "lower", "recorded", (500, 4_000)),
    ("Knife crime offences", "crimes", "lower", "recorded", (100, 1_500)),
    ("Positive outcomes for violent crime", "%", "higher", "recorded", (8, 20)),
    ("Officer sickness absence", "days per officer", "lower", "recorded", (6, 12)),
    (
        "Non-emergency calls answered within 3 minutes",
        "%",
        "higher",
        "recorded",
        (55, 85),
    ),
    ("Reoffending by young people", "%", "lower", "recorded", (25, 45)),
    ("Hate crimes reported", "crimes", "higher", "recorded", (200, 1_800)),
    ("Rural crimes", "crimes", "lower", "recorded", (150, 900)),
    ("Fraud victims given support", "people", "higher", "recorded", (300, 2_500)),
    ("Drug trafficking disruptions", "disruptions", "higher", "recorded", (20, 150)),
    (
        "Neighbourhood officers' time spent on patrol",
        "%",
        "higher",
        "recorded",
        (45, 70),
    ),
]
MEASURE_AREAS = ["towns", "rural wards", "the city centre", "the coast", "young people"]

# Reasons and narratives, as owners write them.
START = [
    "Work started as planned.",
    "Project board approved the start; work is under way.",
    "Funding confirmed and the project team is in place.",
]
DELAYED_START = [
    "Start delayed: the lead officer was redeployed to a major investigation.",
    "Start delayed while funding for the year is confirmed.",
    "Waiting for the partner agency to agree the approach before starting.",
]
REDATE = [
    "End date moved to {new}: a supplier delivered late.",
    "End date extended to {new} to align with the last centre's completion.",
    "Extended to {new}: recruitment took longer than planned.",
    "Moved to {new} after the pilot was extended by a quarter.",
    "Re-dated to {new} following the mid-year budget review.",
]
HOLD = [
    "Paused while the budget for the year is reviewed.",
    "On hold pending the outcome of the national review.",
    "Paused: the team moved to the summer operation.",
    "On hold until the new records system is live.",
]
RESUME = [
    "Resumed after the budget review confirmed funding.",
    "Resumed: the team is back from the summer operation.",
    "Restarted now that the new records system is live.",
]
STOP = [
    "Partner withdrew; there is no other route to deliver it.",
    "Superseded by the national programme covering the same ground.",
    "The panel agreed to drop it after the budget review.",
]
MERGE = [
    "Both cover the same work and share a team; run as one project from now.",
    "Combined so that one board oversees the work.",
    "Merged to avoid two projects asking the same partners for the same data.",
]
COMPLETE = [
    "Work finished.",
    "Delivered and handed over to business as usual.",
    "Completed; benefits are now being tracked.",
]

NEXT_RAG: dict[str, tuple[tuple[str, float], ...]] = {
    Rag.GREEN: ((Rag.GREEN, 0.85), (Rag.AMBER, 0.12), (Rag.RED, 0.03)),
    Rag.AMBER: ((Rag.GREEN, 0.45), (Rag.AMBER, 0.40), (Rag.RED, 0.15)),
    Rag.RED: ((Rag.GREEN, 0.15), (Rag.AMBER, 0.45), (Rag.RED, 0.40)),
}


def area_name(index: int) -> str:
    """The n-th generated area: 26 stems, then the same with a prefix (520 in all)."""
    stem = AREAS[index % len(AREAS)]
    return AREA_PREFIXES[(index // len(AREAS)) % len(AREA_PREFIXES)] + stem


def body_name(index: int) -> str:
    return f"{area_name(index)} Police and Crime Commissioner"


def force_name(index: int) -> str:
    return f"{area_name(index)} Police"


def editor_username(index: int) -> str:
    return f"editor-{index + 1:04d}"


def contributor_username(index: int) -> str:
    return f"contributor-{index + 1:04d}"


def reader_username(index: int) -> str:
    return f"reader-{index + 1:04d}"


def large_body_name() -> str:
    return f"{LARGE_AREA} Police and Crime Commissioner"


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word[0].isupper())


# --------------------------------------------------------------------------- dates


def quarter_start(day: datetime.date, shift: int = 0) -> datetime.date:
    """The first day of the calendar quarter ``shift`` quarters after ``day``'s."""
    index = day.year * 4 + (day.month - 1) // 3 + shift
    return datetime.date(index // 4, (index % 4) * 3 + 1, 1)


def quarter_text(day: datetime.date) -> str:
    """The quarter holding ``day``, as a plan writes it: "Q3 2025"."""
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> fuzzydates.FuzzyDate:
    # Every generated date names its year, so no default year is needed.
    return fuzzydates.parse(text)


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _pick(rng: random.Random, weighted) -> Any:
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


# ------------------------------------------------------------------------- stories


@dataclass(slots=True)
class Step:
    """A deliverable's state after one quarter's update, and what the update says."""

    status: str
    rag: str
    percent: int | None
    forecast: str
    merged_into: int | None  # the index of the target in its plan
    narrative: str
    reason: str


@dataclass
class Life:
    """What happens to one deliverable over a plan's quarters."""

    start: int  # the quarter work is due to start
    end: int  # the quarter of its baseline (milestone) date
    baseline: str
    delay: int = 0  # quarters it starts late
    fate: str = ""  # "", "stop", "merge" or "hold"
    fate_at: int = 0
    hold_for: int | None = None  # quarters on hold; None: never resumes
    merge_into: int | None = None
    steps: list[Step] = field(default_factory=list)
    recorded: list[datetime.datetime] = field(default_factory=list)


def _baseline(rng: random.Random, first: datetime.date, end: int) -> tuple[str, int]:
    """A milestone date written the way plans write them, and the quarter (counted
    from the plan's first) in which its window ends."""
    day = quarter_start(first, end)
    number, year = (day.month - 1) // 3 + 1, day.year
    roll = rng.random()
    if roll < 0.05:
        return "TBA", end
    if roll < 0.15:
        text = str(year)
    elif roll < 0.25 and number > 1:
        text = f"Q{number - 1}/Q{number} {year}"
    elif roll < 0.30:
        text = f"end of {(day + datetime.timedelta(days=62)):%B} {year}"
    else:
        text = f"Q{number} {year}"
    window_end = _parse(text).end
    assert window_end is not None
    return text, _quarters_between(first, window_end)


def _quarters_between(first: datetime.date, day: datetime.date) -> int:
    """How many quarters after ``first``'s the quarter holding ``day`` is."""
    return (day.year * 4 + (day.month - 1) // 3) - (
        first.year * 4 + (first.month - 1) // 3
    )


def plan_lives(rng: random.Random, shape: Shape, first: datetime.date) -> list[Life]:
    """The story of each deliverable of a plan starting on ``first``."""
    quarters = shape.quarters
    lives = []
    for _ in range(shape.deliverables):
        if rng.random() < 0.45:  # most work starts in the plan's first year
            start = rng.randrange(0, min(4, quarters))
        else:
            start = rng.randrange(0, max(1, quarters - 2))
        length = rng.choice([2, 3, 4, 4, 5, 6, 8, 10, 12])
        end = min(start + length - 1, quarters - 1)
        baseline, due = _baseline(rng, first, end)
        life = Life(start=start, end=due, baseline=baseline)
        if rng.random() < 0.15:
            life.delay = rng.choice([1, 1, 2])
        roll = rng.random()
        if roll < 0.04:
            life.fate, life.fate_at = "stop", rng.randrange(1, quarters)
        elif roll < 0.08:
            life.fate, life.fate_at = "merge", rng.randrange(1, quarters)
        elif roll < 0.16:
            life.fate, life.fate_at = "hold", rng.randrange(1, quarters)
            life.hold_for = None if rng.random() < 0.3 else rng.choice([1, 2, 3])
        lives.append(life)
    targets = [i for i, life in enumerate(lives) if life.fate != "merge"]
    for index, life in enumerate(lives):
        if life.fate == "merge":
            life.merge_into = rng.choice([t for t in targets if t != index])
    for life in lives:
        life.steps = _steps(rng, life, shape.quarters, first)
    return lives


def _steps(
    rng: random.Random, life: Life, quarters: int, first: datetime.date
) -> list[Step]:
    """One update a quarter: the deliverable's state after it, with narrative and
    reason. Every change of status or forecast has a reason."""
    status, rag, percent, forecast = Status.FUTURE, "", None, ""
    due = life.end
    began = life.start + life.delay
    hold_left: int | None = None
    steps = []
    for q in range(quarters):
        label = quarter_text(quarter_start(first, q))
        was_status = status
        merged_into = life.merge_into if status == Status.MERGED else None
        reason, narrative = "", ""
        if rules.is_closed(status):
            narrative = {
                Status.COMPLETED: "Complete; benefits are being tracked.",
                Status.WILL_NOT_PROCEED: "Closed: no further work.",
                Status.MERGED: "Reported under the deliverable it merged into.",
            }[status]
        elif status == Status.ON_HOLD:
            if hold_left is not None:
                hold_left -= 1
            if hold_left == 0:
                status, rag = Status.IN_PROGRESS, Rag.AMBER
                reason = rng.choice(RESUME)
                narrative = f"{label}: work has resumed; the plan is being reset."
            else:
                narrative = f"{label}: still on hold."
        elif life.fate == "stop" and q == life.fate_at:
            status, rag = Status.WILL_NOT_PROCEED, ""
            reason = rng.choice(STOP)
            narrative = f"{label}: this will not go ahead."
        elif life.fate == "merge" and q == life.fate_at:
            status, rag, merged_into = Status.MERGED, "", life.merge_into
            reason = rng.choice(MERGE)
            narrative = f"{label}: merged into another deliverable of the plan."
        elif life.fate == "hold" and q >= life.fate_at and status == Status.IN_PROGRESS:
            life.fate = ""  # once
            status, rag = Status.ON_HOLD, Rag.AMBER
            hold_left = life.hold_for
            reason = rng.choice(HOLD)
            narrative = f"{label}: work paused."
        elif q < life.start:
            begins = quarter_text(quarter_start(first, life.start))
            narrative = f"{label}: not started; due to begin in {begins}."
        elif q < began:
            status, rag = Status.NOT_YET_COMMENCED, Rag.AMBER
            if was_status != status:
                reason = rng.choice(DELAYED_START)
            narrative = f"{label}: due to have started but not yet under way."
        elif status in (Status.FUTURE, Status.NOT_YET_COMMENCED):
            status, rag, percent = Status.IN_PROGRESS, Rag.GREEN, rng.choice([5, 10])
            reason = rng.choice(START)
            narrative = f"{label}: work has started."
        elif q >= due:
            roll = rng.random()
            if roll < 0.55:
                status, rag, percent = Status.COMPLETED, Rag.GREEN, 100
                reason = rng.choice(COMPLETE)
                narrative = f"{label}: delivered."
            elif roll < 0.8:
                due += rng.choice([1, 1, 2])
                forecast = quarter_text(quarter_start(first, due))
                rag = Rag.RED if rng.random() < 0.3 else Rag.AMBER
                percent = min(95, (percent or 0) + 10)
                reason = rng.choice(REDATE).format(new=forecast)
                narrative = f"{label}: the last stage has slipped."
            else:
                rag, percent = Rag.RED, min(95, (percent or 0) + 5)
                narrative = f"{label}: behind its date; a new date is being agreed."
        else:
            span = max(1, due - began + 1)
            done = round(100 * (q - began + 1) / span / 5) * 5
            percent = max(percent or 5, min(90, done))
            rag = _pick(rng, NEXT_RAG.get(rag, NEXT_RAG[Rag.GREEN]))
            narrative = f"{label}: work is under way, {percent}% complete."
        steps.append(
            Step(status, rag, percent, forecast, merged_into, narrative, reason)
        )
    return steps


def _completed_on(life: Life) -> datetime.date | None:
    """The day of the update that completed it, as ``record_progress`` records it."""
    for step, recorded in zip(life.steps, life.recorded, strict=True):
        if step.status == Status.COMPLETED:
            return timezone.localdate(recorded)
    return None


# --------------------------------------------------------------------------- writing


@dataclass
class Cast:
    """One body's organisations and people: the body, its editor and its reader, and
    its force with the force's contributor."""

    body: Organisation
    force: Organisation
    editor: Any
    contributor: Any
    reader: Any


@dataclass
class People:
    """The generated organisations and users, by body index; the large plan's body
    and people apart."""

    kinds: dict[str, OrganisationKind]
    bodies: list[Organisation]
    forces: list[Organisation]
    editors: list[Any]
    contributors: list[Any]
    readers: list[Any]
    reader: Any  # the national reader
    large: Cast | None = None


def _people(shape: Shape) -> People:
    kinds = {
        slug: OrganisationKind.objects.get_or_create(
            slug=slug, defaults={"name": name}
        )[0]
        for slug, name in (
            (OrganisationKind.POLICING_BODY, "Policing body"),
            (OrganisationKind.FORCE, "Force"),
            (OrganisationKind.SCRUTINY_BODY, "Scrutiny body"),
        )
    }
    n = shape.bodies
    bodies = Organisation.objects.bulk_create(
        [
            Organisation(
                name=body_name(i),
                short_name=_initials(area_name(i)) + "PCC",
                kind=kinds[OrganisationKind.POLICING_BODY],
                names_in_public=i % 2 == 0,
            )
            for i in range(n)
        ]
    )
    forces = Organisation.objects.bulk_create(
        [
            Organisation(
                name=force_name(i),
                short_name=_initials(area_name(i)) + "P",
                kind=kinds[OrganisationKind.FORCE],
            )
            for i in range(n)
        ]
    )
    national, _ = Organisation.objects.get_or_create(
        name=NATIONAL_BODY,
        defaults={"short_name": "NPOB", "kind": kinds[OrganisationKind.SCRUTINY_BODY]},
    )
    User = get_user_model()

    def user(username: str, first: str, last: str) -> Any:
        return User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            password=make_password(None),  # unusable: no well-known passwords
        )

    editors = User.objects.bulk_create(
        [user(editor_username(i), "Editor", area_name(i)) for i in range(n)]
    )
    contributors = User.objects.bulk_create(
        [user(contributor_username(i), "Contributor", area_name(i)) for i in range(n)]
    )
    readers = User.objects.bulk_create(
        [user(reader_username(i), "Reader", area_name(i)) for i in range(n)]
    )
    reader = User.objects.filter(username=NATIONAL_READER).first()
    if reader is None:
        reader = user(NATIONAL_READER, "National", "Reader")
        reader.save()
    memberships = [
        Membership(user=editors[i], organisation=bodies[i], role="editor")
        for i in range(n)
    ] + [
        Membership(user=contributors[i], organisation=forces[i], role="contributor")
        for i in range(n)
    ]
    memberships += [
        Membership(user=readers[i], organisation=bodies[i], role="reader")
        for i in range(n)
    ]
    large = None
    if shape.large_deliverables:
        body, force = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=large_body_name(),
                    short_name=_initials(LARGE_AREA) + "PCC",
                    kind=kinds[OrganisationKind.POLICING_BODY],
                    names_in_public=True,  # as the first body, its comparison
                ),
                Organisation(
                    name=f"{LARGE_AREA} Police",
                    short_name=_initials(LARGE_AREA) + "P",
                    kind=kinds[OrganisationKind.FORCE],
                ),
            ]
        )
        large = Cast(
            body,
            force,
            *User.objects.bulk_create(
                [
                    user(LARGE_EDITOR, "Editor", LARGE_AREA),
                    user(LARGE_CONTRIBUTOR, "Contributor", LARGE_AREA),
                    user(LARGE_READER, "Reader", LARGE_AREA),
                ]
            ),
        )
        memberships += [
            Membership(user=large.editor, organisation=body, role="editor"),
            Membership(user=large.contributor, organisation=force, role="contributor"),
            Membership(user=large.reader, organisation=body, role="reader"),
        ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
    Membership.objects.get_or_create(
        user=reader, organisation=national, defaults={"role": "reader"}
    )
    return People(kinds, bodies, forces, editors, contributors, readers, reader, large)


class _Body:
    """Writes one policing body's plans and everything in them."""

    def __init__(
        self, index: int, *, seed: int, shape: Shape, people: People, today
    ) -> None:
        self.n = index
        self.area = area_name(index)
        self.rng = random.Random(f"{seed}:{index}")
        self.shape = shape
        self.today = today
        self.body = people.bodies[index]
        self.force = people.forces[index]
        self.editor = people.editors[index]
        self.contributor = people.contributors[index]
        self.reviews = index % 4 == 3  # a quarter of bodies review forces' updates
        self.cutoff = _at(today, 0)  # everything is recorded before today

    def write(self) -> None:
        plans = self.plans()
        periods = {plan.pk: ensure_quarterly_periods(plan=plan) for plan in plans}
        self.lock(plans, periods)
        objectives, strands, tops = self.structure(plans)
        for plan in plans:
            plan_periods = periods[plan.pk]
            lives = plan_lives(self.rng, self.shape, plan.starts_on)
            for life in lives:
                life.recorded = self.recorded_times(plan_periods)
            deliverables = self.deliverables(plan, objectives[plan.pk], lives)
            self.children(deliverables, lives, strands[plan.pk], plan_periods)
            self.updates(deliverables, lives, plan_periods)
            self.indicators(plan, tops[plan.pk], plan_periods)
        # Written in bulk, past the signals: each state at each period's end.
        states.refresh_plans(plan.pk for plan in plans)

    def plans(self) -> list[Plan]:
        shape, area = self.shape, self.area
        current = quarter_start(self.today)
        plans = []
        for k in range(shape.plans_per_body):
            first = quarter_start(current, -(shape.quarters - 1) - k * shape.quarters)
            last = quarter_start(current, 1 - k * shape.quarters) - datetime.timedelta(
                days=1
            )
            years = f"{first.year}-{last.year}"
            plans.append(
                Plan(
                    owner=self.body,
                    reference=f"PCP {years}",
                    title=f"{area} Police and Crime Plan {years}",
                    summary=(
                        f"The commissioner's priorities for policing in {area}, "
                        f"{years}. Generated data for trying the service at scale."
                    ),
                    state=Plan.State.PUBLISHED if k == 0 else Plan.State.SUPERSEDED,
                    starts_on=first,
                    ends_on=last,
                    is_public=True,
                    review_contributor_updates=self.reviews,
                )
            )
        return Plan.objects.bulk_create(plans)

    def lock(self, plans, periods) -> None:
        """Lock every period that has closed, as publishing its report would."""
        locked = []
        for plan in plans:
            for period in periods[plan.pk]:
                if period.closes_on < self.today:
                    period.locked_at = _at(period.due_on + datetime.timedelta(days=10))
                    period.locked_by = self.editor
                    locked.append(period)
        ReportingPeriod.objects.bulk_update(locked, ["locked_at", "locked_by"])
        PeriodEvent.objects.bulk_create(
            [
                PeriodEvent(
                    period=period,
                    kind=PeriodEvent.Kind.LOCKED,
                    reason="Quarterly report published (generated data).",
                    by=self.editor,
                    at=period.locked_at,
                )
                for period in locked
            ]
        )

    def structure(self, plans):
        """Nested priorities, objectives and strands of each plan."""
        shape, rng = self.shape, self.rng
        tops = Priority.objects.bulk_create(
            [
                Priority(
                    plan=plan,
                    reference=str(t + 1),
                    title=TOPICS[(t + self.n) % len(TOPICS)],
                    overview="What the commissioner will do, and why.",
                    success_statement="So that communities feel safe and are safe.",
                    position=t,
                )
                for plan in plans
                for t in range(shape.top_priorities)
            ]
        )
        subs = Priority.objects.bulk_create(
            [
                Priority(
                    plan=top.plan,
                    parent=top,
                    reference=f"{top.reference}.{s + 1}",
                    title=rng.choice(SUB_TOPICS),
                    position=top.position * shape.sub_priorities + s,
                )
                for top in tops
                for s in range(shape.sub_priorities)
            ]
        )
        objectives = Objective.objects.bulk_create(
            [
                Objective(
                    plan=sub.plan,
                    priority=sub,
                    reference=f"{sub.reference}.{o + 1}",
                    title=f"{rng.choice(OBJECTIVE_VERBS)} "
                    f"{rng.choice(OBJECTIVE_SUBJECTS)}",
                    position=sub.position * shape.objectives + o,
                )
                for sub in subs
                for o in range(shape.objectives)
            ]
        )
        strands = Strand.objects.bulk_create(
            [
                Strand(plan=plan, name=STRANDS[s % len(STRANDS)])
                for plan in plans
                for s in range(shape.strands)
            ]
        )
        by_plan: dict[int, list] = {plan.pk: [] for plan in plans}
        for objective in objectives:
            by_plan[objective.plan_id].append(objective)
        strands_by_plan: dict[int, list] = {plan.pk: [] for plan in plans}
        for strand in strands:
            strands_by_plan[strand.plan_id].append(strand)
        tops_by_plan: dict[int, list] = {plan.pk: [] for plan in plans}
        for top in tops:
            tops_by_plan[top.plan_id].append(top)
        return by_plan, strands_by_plan, tops_by_plan

    def deliverables(self, plan, objectives, lives) -> list[Deliverable]:
        """The plan's deliverables in their current state (their last step); those
        merged into another go in after the rest, so that their target exists."""
        rng, count = self.rng, len(lives)
        rows = []
        for i, life in enumerate(lives):
            objective = objectives[i * len(objectives) // count]
            last = life.steps[-1]
            baseline = _parse(life.baseline)
            forecast = _parse(last.forecast)
            title = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}"
            led_by_force = rng.random() < 0.9
            rows.append(
                Deliverable(
                    plan=plan,
                    objective=objective,
                    reference=f"{objective.reference}.{i + 1}",
                    title=title,
                    description=f"{title} across {self.area}, with partners.",
                    lead_organisation=self.force if led_by_force else self.body,
                    delivering_unit=rng.choice(UNITS),
                    expected_benefits="Fewer victims and more confidence in policing.",
                    status=last.status,
                    rag=last.rag,
                    percent_complete=last.percent,
                    baseline_date=baseline.text,
                    baseline_date_start=baseline.start,
                    baseline_date_end=baseline.end,
                    forecast_date=forecast.text,
                    forecast_date_start=forecast.start,
                    forecast_date_end=forecast.end,
                    completed_on=_completed_on(life),
                    position=i,
                )
            )
        first = [d for d, life in zip(rows, lives, strict=True) if life.fate != "merge"]
        Deliverable.objects.bulk_create(first, batch_size=BATCH_SIZE)
        merged = [
            d for d, life in zip(rows, lives, strict=True) if life.fate == "merge"
        ]
        for deliverable, life in zip(rows, lives, strict=True):
            if life.steps[-1].merged_into is not None:
                deliverable.merged_into = rows[life.steps[-1].merged_into]
        Deliverable.objects.bulk_create(merged, batch_size=BATCH_SIZE)
        return rows

    def children(self, deliverables, lives, strands, periods) -> None:
        """Owners, strands and milestones."""
        rng, quarters = self.rng, len(periods)
        owners, links, milestones = [], [], []
        Link = Deliverable.strands.through
        for deliverable, life in zip(deliverables, lives, strict=True):
            owners.append(
                DeliverableOwner(
                    deliverable=deliverable,
                    role=rng.choice(OWNER_ROLES),
                    organisation=deliverable.lead_organisation,
                )
            )
            if strands and rng.random() < 0.5:
                links.append(
                    Link(
                        deliverable_id=deliverable.pk, strand_id=rng.choice(strands).pk
                    )
                )
            count = self.shape.milestones
            last = min(life.end, quarters - 1)
            for j in range(count):
                q = life.start + round(j * (last - life.start) / max(1, count - 1))
                period = periods[q]
                step = life.steps[q]
                done = step.status in (Status.IN_PROGRESS, Status.COMPLETED) and (
                    period.ends_on < self.today
                )
                due = _parse(quarter_text(period.starts_on))
                milestones.append(
                    Milestone(
                        deliverable_id=deliverable.pk,
                        title=MILESTONES[j % len(MILESTONES)],
                        due_date=due.text,
                        due_date_start=due.start,
                        due_date_end=due.end,
                        completed_on=period.ends_on
                        - datetime.timedelta(days=rng.randrange(0, 30))
                        if done
                        else None,
                        position=j,
                    )
                )
        DeliverableOwner.objects.bulk_create(owners, batch_size=BATCH_SIZE)
        Link.objects.bulk_create(links, batch_size=BATCH_SIZE)
        Milestone.objects.bulk_create(milestones, batch_size=BATCH_SIZE)

    def updates(self, deliverables, lives, periods) -> None:
        """A progress update a quarter for each deliverable, chained so that each
        one's previous state is the one before it; the deliverable ends in the state of
        its last."""
        rng = self.rng
        updates, reviewed = [], []
        for deliverable, life in zip(deliverables, lives, strict=True):
            by_force = deliverable.lead_organisation_id == self.force.pk
            author = self.contributor if by_force else self.editor
            review = self.reviews and by_force
            status, forecast = Status.FUTURE, _parse("")
            for period, step, recorded in zip(
                periods, life.steps, life.recorded, strict=True
            ):
                new_forecast = _parse(step.forecast)
                # Ids rather than objects: quicker for hundreds of thousands of rows.
                update = ProgressUpdate(
                    deliverable_id=deliverable.pk,
                    period_id=period.pk,
                    recorded_by_id=author.pk,
                    recorded_at=recorded,
                    source=ProgressUpdate.Source.DEMO,
                    status=step.status,
                    rag=step.rag,
                    percent_complete=step.percent,
                    forecast_date=new_forecast.text,
                    forecast_date_start=new_forecast.start,
                    forecast_date_end=new_forecast.end,
                    merged_into_id=None
                    if step.merged_into is None
                    else deliverables[step.merged_into].pk,
                    narrative=step.narrative,
                    reason=step.reason,
                    requires_review=review,
                    previous_status=status,
                    previous_forecast_date=forecast.text,
                    previous_forecast_date_start=forecast.start,
                    previous_forecast_date_end=forecast.end,
                )
                status, forecast = step.status, new_forecast
                updates.append(update)
                if review:
                    reviewed.append(update)
        ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH_SIZE)
        UpdateReview.objects.bulk_create(
            [
                UpdateReview(
                    update_id=update.pk,
                    decision=ReviewState.ACCEPTED,
                    reviewed_by_id=self.editor.pk,
                    reviewed_at=min(
                        update.recorded_at
                        + datetime.timedelta(days=rng.randrange(1, 6)),
                        max(update.recorded_at, self.cutoff),
                    ),
                )
                for update in reviewed
            ],
            batch_size=BATCH_SIZE,
        )

    def recorded_times(self, periods) -> list[datetime.datetime]:
        """When each quarter's update was written: from ten days before the quarter
        ends to its due date (for the quarter under way, from its start to yesterday),
        each after the one before."""
        times: list[datetime.datetime] = []
        latest = self.cutoff - datetime.timedelta(hours=1)
        for period in periods:
            low = _at(period.ends_on - datetime.timedelta(days=10))
            high = min(_at(period.due_on, 17), latest)
            if high <= low:  # the quarter under way
                low = _at(period.starts_on)
            if times:
                low = max(low, times[-1] + datetime.timedelta(minutes=5))
            if high <= low:  # the first day of a quarter: nothing before today
                times.append(low)
                continue
            seconds = int((high - low).total_seconds())
            times.append(low + datetime.timedelta(seconds=self.rng.randrange(seconds)))
        return times

    def indicators(self, plan, tops, periods) -> None:
        """Measures with a baseline, a target for most, and a value each quarter
        following a trend with seasonal ups and downs."""
        rng = self.rng
        indicators, series = [], []
        for k in range(self.shape.indicators):
            title, unit, direction, source, (low, high) = MEASURES[k % len(MEASURES)]
            if k >= len(MEASURES):
                title += f" in {MEASURE_AREAS[(k // len(MEASURES) - 1) % 5]}"
            baseline = rng.uniform(low, high)
            better = -1 if direction == "lower" else 1
            target = None
            if rng.random() < 0.7:
                target = Decimal(f"{baseline * (1 + better * 0.05):.2f}")
            indicators.append(
                Indicator(
                    plan=plan,
                    priority=tops[k % len(tops)],
                    reference=f"M{k + 1}",
                    title=title,
                    unit=unit,
                    direction=direction,
                    source=source,
                    baseline_value=Decimal(f"{baseline:.2f}"),
                    baseline_label=str(plan.starts_on.year - 1),
                    target_value=target,
                    position=k,
                )
            )
            slope = rng.gauss(0, 0.015)
            values = []
            for q in range(len(periods)):
                season = 0.04 * [1, 0, -1, 0][q % 4]
                value = baseline * (1 + slope * q + season + rng.gauss(0, 0.02))
                if unit == "%":
                    value = min(100.0, value)
                values.append(Decimal(f"{max(0.0, value):.2f}"))
            series.append(values)
        Indicator.objects.bulk_create(indicators, batch_size=BATCH_SIZE)
        IndicatorValue.objects.bulk_create(
            [
                IndicatorValue(
                    indicator_id=indicator.pk,
                    period_id=period.pk,
                    value=value,
                    recorded_by_id=self.editor.pk,
                )
                for indicator, values in zip(indicators, series, strict=True)
                for period, value in zip(periods, values, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )


class _LargeBody(_Body):
    """Writes the one large plan (``Shape.large_plan``) for a body of its own, from a
    random stream of its own, and publishes its latest quarter's report."""

    def __init__(self, *, seed: int, shape: Shape, cast: Cast, today) -> None:
        self.n = 0  # only turns the list of topics: the same as the first body's
        self.area = LARGE_AREA
        self.rng = random.Random(f"{seed}:large")
        self.shape = shape.large_plan()
        self.today = today
        self.body, self.force = cast.body, cast.force
        self.editor, self.contributor = cast.editor, cast.contributor
        # No review of forces' updates, as for the first body, which the benchmark
        # compares this plan with.
        self.reviews = False
        self.cutoff = _at(today, 0)

    def write(self) -> None:
        super().write()
        plan = Plan.objects.get(owner=self.body)
        period = (
            plan.reporting_periods.filter(ends_on__lt=self.today)
            .order_by("starts_on")
            .last()
        )
        assert period is not None  # the plan began fifteen quarters ago
        # Through the service, as an editor publishes: the report is a real one.
        publish_report(plan=plan, period=period, by=self.editor)


def seed_scale(
    *,
    shape: Shape,
    seed: int = 1,
    today: datetime.date | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] = lambda bodies: bodies,
) -> People:
    """Write ``shape``'s organisations, users, plans and their contents, all in one
    transaction. ``today`` is the day the data is generated as of (default: today):
    each body's current plan ends with the quarter holding it, and every period
    that has closed by then is locked."""
    today = today or timezone.localdate()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Check foreign keys as each statement ends, not all at commit: the
            # queue of deferred checks for millions of rows would fill memory.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        people = _people(shape)
        for index in progress(range(shape.bodies)):
            _Body(index, seed=seed, shape=shape, people=people, today=today).write()
        if people.large is not None:
            _LargeBody(seed=seed, shape=shape, cast=people.large, today=today).write()
    return people


def analyse() -> None:
    """Refresh the query planner's statistics after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
