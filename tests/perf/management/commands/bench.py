"""``manage.py bench``: the benchmark behind ``make bench``.

On a database holding no plans it first generates data with ``seed_scale`` at the
chosen size (and times that); on one already seeded it uses what is there. Then it
times, in-process with Django's test client (server time: middleware, views, SQL and
templates, with no network), the pages and API calls a national deployment lives on,
and counts the SQL queries of each. Beside each SQL-bound figure it times the
"floor": the same answer computed by one hand-written SQL query on the same database,
and gives the ratio of the two.

It then times the generated large plan (5,000 deliverables at national size) beside the
first body's plan (150): each one's dashboard for the current and a past period, its
published report's page and the report's PDF, each read by a reader of the plan's
owner, with the size of what is sent; and it says which of the large plan's budgets
are met, computed from those figures (a missed budget is reported, never an error).

It prints Markdown tables and, with ``--output``, writes them into that file between
``<!-- bench:SIZE -->`` markers, leaving the rest of the file alone.

Run it against a throwaway database: it adds updates, reports and imported plans.
"""

from __future__ import annotations

import datetime
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from config.runtime import settle
from deliverables import mapping as columns
from deliverables import rules, states
from deliverables.importing import import_plan, preview_import
from deliverables.models import Deliverable, ProgressUpdate, Status
from plans.models import Organisation, OrganisationKind, Plan, ReportingPeriod
from plans.services import issue_api_client
from scrutiny.dashboards.figures import build_dashboard, current_period
from scrutiny.models import PublishedReport
from scrutiny.reports.services import publish_report
from tests.perf.plan_file import write_plan_file
from tests.perf.scale import (
    LARGE_EDITOR,
    LARGE_READER,
    NATIONAL_READER,
    SIZES,
    body_name,
    editor_username,
    force_name,
    large_body_name,
    reader_username,
)

JERSEY_CSV = (
    Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"
)
CLOSED = tuple(str(status) for status in rules.CLOSED_STATUSES)
#: Timed runs of a PDF download at most: drawn on each download, a PDF takes
#: seconds, and a 5,000-deliverable plan's far longer.
PDF_RUNS = 5


@dataclass
class Row:
    """One line of the table: a measure's times, its query count and its floor."""

    name: str
    times: list[float]
    queries: int | None
    floor: list[float] | None = None
    size: int | None = None  # bytes sent, when the measure reads a response's body

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95)

    def cells(self) -> list[str]:
        floor = statistics.median(self.floor) if self.floor else None
        return [
            self.name,
            f"{self.p50:,.1f}",
            f"{self.p95:,.1f}",
            "" if self.queries is None else f"{self.queries:,}",
            "" if floor is None else f"{floor:,.2f}",
            "" if floor is None else ratio(self.p50 / floor),
        ]


@dataclass
class Fetched:
    """A page or download read to its last byte (a streamed one too), so that its
    timing includes producing all of it."""

    status_code: int
    size: int


def fetch(client: Client, url: str) -> Fetched:
    """GET ``url`` and read all of its answer, which must be a 200."""
    response = client.get(url)
    if response.status_code != 200:  # a redirect to sign in would weigh nothing
        body = b"" if response.streaming else response.content[:500]
        raise CommandError(f"The benchmark got {response.status_code}: {body!r}")
    if response.streaming:
        # Reading to the end closes the response. Closing it again would send
        # request_finished with Django's connection clean-up listening, which closes
        # the database connection (on PostgreSQL) under the benchmark's feet.
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return Fetched(response.status_code, size)


@dataclass
class Side:
    """One of the two plans the large-plan measures compare, and its reader."""

    plan: Plan
    deliverables: int
    updates: int
    current: ReportingPeriod
    past: ReportingPeriod
    report: PublishedReport
    client: Client


@dataclass
class Comparison:
    """One measure of the large plan beside the same measure of the 150-deliverable
    plan."""

    name: str
    short: str  # as the budget on query counts names it
    large: Row
    small: Row


DASHBOARD_NOW = "Dashboard, current period"
DASHBOARD_PAST = "Dashboard, past period (reconstructed)"
#: The first read after a write counts again what later reads find kept.
DASHBOARD_AFTER_WRITE = "Dashboard, current period, first read after a write"
REPORT_PAGE = "Published report page"
REPORT_PDF = "Report's PDF download"


def kb(size: int | None) -> str:
    return "" if size is None else f"{size / 1024:,.1f}"


def large_budgets(
    comparisons: list[Comparison], large: int, small: int
) -> list[tuple[str, str, bool]]:
    """The large plan's budgets as (budget, figures, met), computed from its
    measures and the 150-deliverable plan's (``large`` and ``small`` deliverables)."""
    by = {c.name: c for c in comparisons}
    dashboards = [("current", by[DASHBOARD_NOW]), ("past", by[DASHBOARD_PAST])]
    after = by[DASHBOARD_AFTER_WRITE]
    pdf = by[REPORT_PDF]
    big, other = f"{large:,}-deliverable plan", f"{small:,}-deliverable plan"

    def each(figure: Callable[[Comparison], str]) -> str:
        return ", ".join(f"{when} {figure(c)}" for when, c in dashboards)

    return [
        (
            f"Dashboard, {big}: p95 under 150 ms",
            each(lambda c: f"{c.large.p95:,.1f} ms"),
            all(c.large.p95 < 150 for _, c in dashboards),
        ),
        (
            f"Dashboard, {big}: page weight under 150 KB",
            each(lambda c: f"{kb(c.large.size)} KB"),
            all((c.large.size or 0) < 150 * 1024 for _, c in dashboards),
        ),
        (
            f"Dashboard, {big}: within 1.5x of the {other}'s p95",
            each(lambda c: f"{c.large.p95 / c.small.p95:,.2f}x"),
            all(c.large.p95 <= 1.5 * c.small.p95 for _, c in dashboards),
        ),
        (
            f"Dashboard, {big}, first read after a write: p95 under 150 ms",
            f"{after.large.p95:,.1f} ms ({after.large.p95 / after.small.p95:,.2f}x "
            f"the {other}'s)",
            after.large.p95 < 150,
        ),
        (
            "PDF download p95 under 50 ms",
            f"{small:,}: {pdf.small.p95:,.1f} ms, {large:,}: {pdf.large.p95:,.1f} ms",
            pdf.small.p95 < 50 and pdf.large.p95 < 50,
        ),
        (
            f"Query count the same for the {small:,}- and {large:,}-deliverable plans",
            "; ".join(
                f"{c.short} {c.small.queries} and {c.large.queries}"
                for c in comparisons
            ),
            all(c.small.queries == c.large.queries for c in comparisons),
        ),
    ]


#: The editor API's measures (issue 18) and their budget: p95 under 100 ms each.
EDITOR_ADD = "API: add one deliverable (editor, POST)"
EDITOR_CHANGE = "API: change one deliverable (editor, PATCH)"
EDITOR_BUDGET_MS = 100


def editor_budgets(rows: list[Row]) -> list[tuple[str, str, bool]]:
    """The editor API's budgets as (budget, figures, met)."""
    by = {row.name: row for row in rows}
    return [
        (
            f"{name}: p95 under {EDITOR_BUDGET_MS} ms",
            f"{by[name].p95:,.1f} ms",
            by[name].p95 < EDITOR_BUDGET_MS,
        )
        for name in (EDITOR_ADD, EDITOR_CHANGE)
    ]


def met(yes: bool) -> str:
    return "yes" if yes else "**no**"


def ratio(value: float) -> str:
    return f"{value:,.1f}x" if value < 10 else f"{value:,.0f}x"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: p95 of 20 runs is the 19th fastest."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class _Undo(Exception):
    """Raised to roll back a write floor once it has been timed."""


class Command(BaseCommand):
    help = "Seed (if empty) and time the pages and API at national scale."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="national")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--repeat",
            type=int,
            default=20,
            help="Timed runs of each page (writes and PDFs run fewer; see the docs).",
        )
        parser.add_argument(
            "--output", help="Write the table into this Markdown file (see above)."
        )
        parser.add_argument(
            "--large-deliverables",
            type=int,
            help="When seeding: deliverables of the large plan, instead of the "
            "size's (5,000 at national and stress).",
        )

    def handle(self, *args, **options):
        size, repeat = options["size"], max(2, options["repeat"])
        self.verbosity = options["verbosity"]
        seeded_in = None
        bodies = SIZES[size].bodies
        if Organisation.objects.filter(name=body_name(0)).exists():
            if (
                not Organisation.objects.filter(name=body_name(bodies - 1)).exists()
                or Organisation.objects.filter(name=body_name(bodies)).exists()
            ):
                raise CommandError(
                    f"This database was seeded at another size than {size}: "
                    "bench it at that size, or start from an empty database."
                )
        else:
            started = time.perf_counter()
            more = {}
            if options["large_deliverables"] is not None:
                more["large_deliverables"] = options["large_deliverables"]
            call_command(
                "seed_scale",
                size=size,
                seed=options["seed"],
                verbosity=options["verbosity"],
                stdout=self.stdout,
                **more,
            )
            seeded_in = time.perf_counter() - started
        self.setup()
        settle()  # as each app server does once started (config/gunicorn.py)
        stored = self.stored()
        with override_settings(DEBUG=False):  # no query log while timing
            rows, comparisons = self.measure(repeat)
            imports = self.measure_imports(SIZES[size].large_deliverables or 150)
        report = self.report(size, rows, stored, seeded_in, repeat, comparisons)
        report = report.replace(
            f"<!-- /bench:{size} -->", imports + f"<!-- /bench:{size} -->"
        )
        self.stdout.write(report)
        if options["output"]:
            write_section(Path(options["output"]), size, report)

    # ------------------------------------------------------------------- fixture

    def setup(self) -> None:
        """The plan, people, deliverables and API token the measures use."""
        User = get_user_model()
        self.body = Organisation.objects.get(name=body_name(0))
        self.force = Organisation.objects.get(name=force_name(0))
        self.editor = User.objects.get(username=editor_username(0))
        self.reader = User.objects.get(username=NATIONAL_READER)
        self.plan = (
            Plan.objects.filter(owner=self.body, state=Plan.State.PUBLISHED)
            .order_by("-starts_on")
            .first()
        )
        if self.plan is None:
            raise CommandError("No current plan of the first body: seed again.")
        self.large_plan = (
            Plan.objects.filter(owner__name=large_body_name())
            .order_by("-starts_on")
            .first()
        )
        people = User.objects.filter(
            username__in=[reader_username(0), LARGE_READER, LARGE_EDITOR]
        ).in_bulk(field_name="username")
        if self.large_plan is None or len(people) < 3:
            raise CommandError(
                "This database has no large plan or no readers of the plans' owners "
                "(it was seeded before they were generated): seed it again."
            )
        self.owner_reader = people[reader_username(0)]
        self.large_reader = people[LARGE_READER]
        self.large_editor = people[LARGE_EDITOR]
        self.today = timezone.localdate()
        periods = list(self.plan.reporting_periods.order_by("starts_on"))
        self.current = current_period(self.plan, self.today)
        index = next(i for i, p in enumerate(periods) if p.pk == self.current.pk)
        self.past = periods[max(0, index - 8)]
        self.deliverable = (
            self.plan.deliverables.filter(status=Status.IN_PROGRESS)
            .order_by("position")
            .first()
        ) or self.plan.deliverables.order_by("position").first()
        self.writable = list(
            self.plan.deliverables.filter(lead_organisation=self.force)
            .exclude(status=Status.MERGED)
            .order_by("position")
            .values_list("pk", flat=True)
        )
        # The period the API's updates go to, for the write floors.
        periods_open = ReportingPeriod.objects.filter(plan=self.plan)
        self.open = periods_open.open_on(self.today).first()
        if self.open is None:
            raise CommandError(f"{self.plan} has no period open today: seed again.")
        self.jersey = self.jersey_organisations()
        self.reading = Client(HTTP_HOST="localhost")
        self.reading.force_login(self.reader)
        self.editing = Client(HTTP_HOST="localhost")
        self.editing.force_login(self.editor)
        self.api = Client(HTTP_HOST="localhost")
        client, secret = issue_api_client(
            organisation=self.force,
            name=f"Benchmark {uuid.uuid4().hex[:8]}",
            scopes=["read", "updates:write"],
            by=self.editor,
        )
        token = self.api.post(
            "/o/token/",
            {
                "grant_type": "client_credentials",
                "scope": "read updates:write",
                "client_id": client.application.client_id,
                "client_secret": secret,
            },
        ).json()["access_token"]
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        self.api_user = client.service_user
        # The plan's owner keeps its structure in step from its own system.
        editor_client, editor_secret = issue_api_client(
            organisation=self.body,
            name=f"Benchmark planning {uuid.uuid4().hex[:8]}",
            scopes=["read", "plans:write"],
            by=self.editor,
        )
        editor_token = self.api.post(
            "/o/token/",
            {
                "grant_type": "client_credentials",
                "scope": "read plans:write",
                "client_id": editor_client.application.client_id,
                "client_secret": editor_secret,
            },
        ).json()["access_token"]
        self.editor_auth = {"HTTP_AUTHORIZATION": f"Bearer {editor_token}"}
        self.run_id = uuid.uuid4().hex[:8]

    def stored(self) -> dict[str, Any]:
        """What the database holds before the benchmark adds to it."""
        return {
            "plans": Plan.objects.count(),
            "deliverables": Deliverable.objects.count(),
            "updates": ProgressUpdate.objects.count(),
            "size": database_size(),
        }

    # ------------------------------------------------------------------ measures

    def measure(self, repeat: int) -> tuple[list[Row], list[Comparison]]:
        plan, reading, api = self.plan, self.reading, self.api
        fewer = max(2, repeat // 5)
        rows = [
            self.timed(
                "Dashboard of one plan, current period",
                lambda i: reading.get(f"/plans/{plan.pk}/dashboard/{self.current.pk}/"),
                repeat,
                floor=lambda: floor_dashboard(plan, self.current),
            ),
            self.timed(
                "Dashboard of one plan, past period (reconstructed)",
                lambda i: reading.get(f"/plans/{plan.pk}/dashboard/{self.past.pk}/"),
                repeat,
                floor=lambda: floor_dashboard(plan, self.past),
            ),
            self.timed(
                "Dashboard data part (build_dashboard), current period",
                lambda i: self.dashboard_data(self.current),
                repeat,
                floor=lambda: floor_dashboard_data(plan, self.current),
            ),
            self.timed(
                "Dashboard data part (build_dashboard), past period",
                lambda i: self.dashboard_data(self.past),
                repeat,
                floor=lambda: floor_dashboard_data(plan, self.past),
            ),
            self.timed(
                "Overview of every plan (national reader)",
                lambda i: reading.get("/dashboards/"),
                repeat,
                floor=lambda: floor_overview(self.today),
            ),
            self.timed(
                "Deliverables list, filtered, 50 a page",
                lambda i: reading.get(
                    f"/deliverables/?plan={plan.pk}&status=completed"
                ),
                repeat,
                floor=lambda: floor_list(plan, Status.COMPLETED, 50),
            ),
            self.timed(
                "Deliverable page with 16 updates",
                lambda i: reading.get(f"/deliverables/{self.deliverable.pk}/"),
                repeat,
                floor=lambda: floor_deliverable(self.deliverable),
            ),
            self.timed(
                "API: deliverables list, 100 a page",
                lambda i: api.get(
                    f"/api/v1/deliverables/?plan={plan.pk}&page_size=100", **self.auth
                ),
                repeat,
                floor=lambda: floor_list(plan, None, 100),
            ),
        ]
        # Before the writes, which add thousands of updates to the first plan.
        comparisons = self.measure_large(repeat)
        rows += [
            self.timed(
                "API: one progress update (POST)",
                self.post_one,
                repeat * 5,
                floor=lambda: floor_insert(self.writable[:1], self.open, self.api_user),
            ),
            self.timed(
                "API: bulk POST of 1,000 updates",
                self.post_bulk,
                fewer,
                floor=lambda: floor_insert(self.bulk_ids(), self.open, self.api_user),
            ),
            self.timed(EDITOR_ADD, self.add_deliverable, repeat),
            self.timed(EDITOR_CHANGE, self.change_deliverable, repeat),
            self.timed("Import the Jersey plan (90 deliverables)", self.load, fewer),
            self.timed("Publish a quarterly report", self.publish, fewer),
        ]
        report = PublishedReport.objects.filter(plan=plan).order_by("-pk").first()
        assert report is not None
        rows.append(
            self.timed(
                "Render a report's PDF",
                lambda i: self.editing.get(f"/reports/{report.pk}/pdf/"),
                fewer,
            )
        )
        return rows, comparisons

    def measure_large(self, repeat: int) -> list[Comparison]:
        """The large plan's dashboards, report page and PDF, each beside the same of
        the first body's plan, each plan read by a reader of its owner."""
        small = self.side(self.plan, self.owner_reader, self.editor)
        large = self.side(self.large_plan, self.large_reader, self.large_editor)
        self.small_side, self.large_side = small, large
        self.pdf_runs = min(PDF_RUNS, max(2, repeat // 5))
        measures: list[tuple[str, str, Callable[[Side], str], int]] = [
            (
                DASHBOARD_NOW,
                "dashboard, current",
                lambda side: f"/plans/{side.plan.pk}/dashboard/{side.current.pk}/",
                repeat,
            ),
            (
                DASHBOARD_PAST,
                "dashboard, past",
                lambda side: f"/plans/{side.plan.pk}/dashboard/{side.past.pk}/",
                repeat,
            ),
            (
                DASHBOARD_AFTER_WRITE,
                "dashboard after a write",
                lambda side: f"/plans/{side.plan.pk}/dashboard/{side.current.pk}/",
                repeat,
            ),
            (
                REPORT_PAGE,
                "report page",
                lambda side: f"/reports/{side.report.pk}/",
                repeat,
            ),
            (
                REPORT_PDF,
                "PDF",
                lambda side: f"/reports/{side.report.pk}/pdf/",
                self.pdf_runs,
            ),
        ]
        comparisons = []
        for name, short, url, runs in measures:
            timed = []
            for side in (small, large):
                client, address = side.client, url(side)
                # After a write: the plan's new stamp (one query, as every write
                # that changes its states ends), timed with the read.
                written = [side.plan.pk] if name == DASHBOARD_AFTER_WRITE else []
                timed.append(
                    self.timed(
                        f"{name} ({side.deliverables:,} deliverables)",
                        lambda i, client=client, address=address, written=written: (
                            states.stamp(written),
                            fetch(client, address),
                        )[1],
                        runs,
                    )
                )
            of_small, of_large = timed
            comparisons.append(Comparison(name, short, of_large, of_small))
        return comparisons

    def side(self, plan: Plan, reader, editor) -> Side:
        """What the large-plan measures read of ``plan``: the current and past
        period chosen as for the first plan, and the report for the current one
        (published now through the service, as version 1, if seeding did not)."""
        periods = list(plan.reporting_periods.order_by("starts_on"))
        current = current_period(plan, self.today)
        index = next(i for i, p in enumerate(periods) if p.pk == current.pk)
        report = (
            PublishedReport.objects.filter(plan=plan, period=current)
            .order_by("-version")
            .first()
        ) or publish_report(plan=plan, period=current, by=editor)
        client = Client(HTTP_HOST="localhost")
        client.force_login(reader)
        return Side(
            plan=plan,
            deliverables=plan.deliverables.count(),
            updates=ProgressUpdate.objects.filter(deliverable__plan=plan).count(),
            current=current,
            past=periods[max(0, index - 8)],
            report=report,
            client=client,
        )

    def timed(
        self,
        name: str,
        call: Callable[[int], Any],
        runs: int,
        floor: Callable[[], Any] | None = None,
    ) -> Row:
        """Time ``runs`` calls after one to warm up, then count one more's queries;
        time the floor as often."""
        if self.verbosity:
            self.stderr.write(f"Timing: {name}")
        check(call(0))
        times = []
        for i in range(1, runs + 1):
            started = time.perf_counter()
            response = call(i)
            times.append(_ms(started))
            check(response)
        with CaptureQueriesContext(connection) as queries:
            last = call(runs + 1)
        check(last)
        floors = None
        if floor is not None:
            floor()
            floors = []
            for _ in range(runs):
                started = time.perf_counter()
                floor()
                floors.append(_ms(started))
        return Row(name, times, len(queries), floors, getattr(last, "size", None))

    def dashboard_data(self, period):
        """What the dashboard view computes before its template: the plan's periods
        and ``build_dashboard`` over the reader's visible deliverables."""
        periods = list(self.plan.reporting_periods.order_by("starts_on"))
        return build_dashboard(
            self.plan,
            period,
            Deliverable.objects.visible_to(self.reader),
            today=self.today,
            periods=periods,
        )

    def post_one(self, i: int):
        deliverable = self.writable[i % len(self.writable)]
        return self.api.post(
            f"/api/v1/deliverables/{deliverable}/updates/",
            {
                "narrative": f"Benchmark update {i}.",
                "rag": "amber" if i % 2 else "green",
            },
            content_type="application/json",
            **self.auth,
        )

    def add_deliverable(self, i: int):
        """The editor API adds a deliverable with an owner, under the plan's
        objective."""
        return self.api.post(
            "/api/v1/deliverables/",
            {
                "plan": self.plan.pk,
                "objective": self.deliverable.objective_id,
                "reference": f"BENCH-{self.run_id}-{i}",
                "title": f"Benchmark deliverable {i}",
                "lead_organisation": self.force.pk,
                "baseline_date": "Q4",
                "owners": ["Ch. Insp Operations"],
            },
            content_type="application/json",
            **self.editor_auth,
        )

    def change_deliverable(self, i: int):
        """The editor API changes a deliverable's title and owners."""
        return self.api.patch(
            f"/api/v1/deliverables/{self.deliverable.pk}/",
            {
                "title": f"Benchmark title {i}",
                "owners": ["Ch. Insp Operations", f"Insp {i % 3}"],
            },
            content_type="application/json",
            **self.editor_auth,
        )

    def bulk_ids(self) -> list[int]:
        return [self.writable[n % len(self.writable)] for n in range(1000)]

    def post_bulk(self, i: int):
        body = {
            "updates": [
                {
                    "deliverable": pk,
                    "narrative": f"Benchmark bulk {i}.{n}.",
                    "rag": "green" if (i + n) % 2 else "amber",
                }
                for n, pk in enumerate(self.bulk_ids())
            ]
        }
        return self.api.post(
            "/api/v1/progress-updates/bulk/",
            body,
            content_type="application/json",
            **self.auth,
        )

    def jersey_organisations(self) -> tuple[Organisation, Organisation]:
        """The organisations the Jersey plan's file names."""
        found = []
        for name, short, slug in (
            ("Jersey Police Authority", "JPA", OrganisationKind.POLICING_BODY),
            ("States of Jersey Police", "SOJP", OrganisationKind.FORCE),
            ("Honorary Police", "HP", OrganisationKind.PARTNER),
        ):
            kind = OrganisationKind.objects.get_or_create(
                slug=slug, defaults={"name": slug.replace("-", " ").capitalize()}
            )[0]
            found.append(
                Organisation.objects.get_or_create(
                    name=name, defaults={"short_name": short, "kind": kind}
                )[0]
            )
        return found[0], found[1]

    def load(self, i: int):
        owner, force = self.jersey
        return import_plan(
            path=JERSEY_CSV,
            owner=owner,
            plan_reference=f"BENCH-{uuid.uuid4().hex[:8]}",
            plan_title="2017 Policing Plan (benchmark import)",
            starts_on=datetime.date(2017, 1, 1),
            ends_on=datetime.date(2017, 12, 31),
            lead_organisation=force,
            by=self.editor,
        )

    # -------------------------------------------------------------------- import

    def measure_imports(self, size: int) -> str:
        """A plan of ``size`` deliverables imported from a file in the documented
        layout (CSV and XLSX) as a new plan, checked first as the browser does, and
        imported again unchanged; and the column step of the browser's import on the
        same files (read the first rows, propose a mapping). Three runs of each
        import and check, twenty of each column step."""
        owner, force = self.jersey
        folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
        files = {
            kind: write_plan_file(folder / f"plan.{kind}", size)
            for kind in ("csv", "xlsx")
        }
        rows: list[Row] = []

        def args(kind: str, reference: str) -> dict[str, Any]:
            return {
                "path": files[kind],
                "owner": owner,
                "plan_reference": reference,
                "plan_title": f"Benchmark import of {size:,} deliverables",
                "starts_on": datetime.date(2017, 1, 1),
                "ends_on": datetime.date(2017, 12, 31),
                "lead_organisation": force,
                "by": self.editor,
            }

        def timed_write(name: str, call: Callable[[int], Any], runs: int = 3) -> Row:
            if self.verbosity:
                self.stderr.write(f"Timing: {name}")
            times, queries = [], None
            for i in range(runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    call(i)
                    times.append(_ms(started))
                queries = len(captured)
            return Row(name, times, queries, None, None)

        for kind in ("csv", "xlsx"):
            name = kind.upper()
            rows.append(
                timed_write(
                    f"Check a new plan of {size:,} deliverables ({name})",
                    lambda i, kind=kind: preview_import(
                        **args(kind, f"IMPORT-{uuid.uuid4().hex[:8]}")
                    ),
                )
            )
            first = f"IMPORT-{uuid.uuid4().hex[:8]}"
            rows.append(
                timed_write(
                    f"Import a new plan of {size:,} deliverables ({name})",
                    lambda i, kind=kind, first=first: import_plan(
                        **args(kind, first if i == 0 else f"{first}-{i}")
                    ),
                )
            )
            rows.append(
                timed_write(
                    f"Import the same {size:,} rows again, unchanged ({name})",
                    lambda i, kind=kind, first=first: import_plan(**args(kind, first)),
                )
            )
        steps = []
        for kind in ("csv", "xlsx"):

            def step(i: int, kind: str = kind) -> Any:
                table = columns.read_table(files[kind], limit=200)
                return columns.propose(table)

            steps.append(
                self.timed(
                    f"Column step of the import, {size:,}-row {kind.upper()}", step, 20
                )
            )
        rows += steps
        writes = [r for r in rows if r not in steps]
        lines = [
            "",
            f"#### Importing a plan of {size:,} deliverables",
            "",
            "A plan in the documented layout (tests/perf/plan_file.py: priorities, "
            "sub-priorities, objectives, owners, strands, statuses and plan dates) as "
            "a new plan: the check the browser shows first (the whole import, rolled "
            "back), the import itself, and the same file imported again. The column "
            "step reads the file's first 200 rows and proposes a mapping. Times in "
            "milliseconds; the queries are those of one run.",
            "",
            "| measure | p50 (ms) | slowest (ms) | SQL queries |",
            "| --- | ---: | ---: | ---: |",
        ]
        for row in rows:
            lines.append(
                f"| {row.name} | {row.p50:,.1f} | {max(row.times):,.1f} | "
                f"{row.queries:,} |"
            )
        slowest_write = max(max(r.times) for r in writes)
        slowest_step = max(s.p95 for s in steps)
        lines += [
            "",
            "| budget | figures | met? |",
            "| --- | --- | --- |",
            f"| Importing or checking {size:,} deliverables under 10 s | slowest "
            f"{slowest_write / 1000:,.1f} s | {met(slowest_write < 10_000)} |",
            f"| The column step under 1 s for a {size:,}-row file | p95 "
            f"{slowest_step:,.1f} ms | {met(slowest_step < 1_000)} |",
            "",
        ]
        return "\n".join(lines)

    def publish(self, i: int):
        return self.editing.post(
            f"/plans/{self.plan.pk}/dashboard/{self.current.pk}/publish/",
            {"change_note": f"Benchmark version {i}."},
        )

    # -------------------------------------------------------------------- report

    def report(self, size, rows, stored, seeded_in, repeat, comparisons) -> str:
        if connection.vendor == "postgresql":
            major, minor = divmod(connection.pg_version, 10000)
            database = f"PostgreSQL {major}.{minor}"
        else:
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version}"
        shape = SIZES[size]
        seeded = (
            f"seeded in {seeded_in:,.0f} s"
            if seeded_in is not None
            else "seeded before this run (seed time not measured)"
        )
        lines = [
            f"<!-- bench:{size} -->",
            f"### {size.capitalize()}: {shape.bodies:,} policing bodies",
            "",
            f"Measured on {self.today:%-d %B %Y} with {database} on "
            f"{os.cpu_count()} CPU cores. The database held {stored['plans']:,} plans, "
            f"{stored['deliverables']:,} deliverables and {stored['updates']:,} "
            f"progress updates ({stored['size']}), {seeded}. "
            f"Dashboards of {self.plan.title}: {self.current.label} (current) and "
            f"{self.past.label} (past). {repeat} timed runs of each page, "
            f"{repeat * 5} single updates, {max(2, repeat // 5)} of each other write "
            "and of the PDF.",
            "",
            "| measure | p50 (ms) | p95 (ms) | SQL queries | floor (ms) | x floor |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
        lines += ["", "| budget | figures | met? |", "| --- | --- | --- |"]
        lines += [
            f"| {budget} | {figures} | {met(yes)} |"
            for budget, figures, yes in editor_budgets(rows)
        ]
        lines += self.large_report(size, comparisons, repeat)
        lines.append(f"<!-- /bench:{size} -->")
        return "\n".join(lines) + "\n"

    def large_report(self, size, comparisons, repeat) -> list[str]:
        """The large plan's table beside the 150-deliverable plan's, and its
        budgets, each met or not."""
        large, small = self.large_side, self.small_side
        n, m = f"{large.deliverables:,}", f"{small.deliverables:,}"
        periods = f"{large.current.label} (current) and {large.past.label} (past)"
        if (small.current.label, small.past.label) != (
            large.current.label,
            large.past.label,
        ):
            periods += (
                f"; of the smaller plan, {small.current.label} and {small.past.label}"
            )
        versions = (
            f"version {large.report.version} of each"
            if large.report.version == small.report.version
            else f"versions {large.report.version} and {small.report.version}"
        )
        lines = [
            "",
            f"#### A plan of {n} deliverables beside one of {m}",
            "",
            f"{large.plan.title} ({n} deliverables, {large.updates:,} progress "
            f"updates) beside {small.plan.title} ({m} deliverables, "
            f"{small.updates:,} updates), each read by a reader of the plan's owner: "
            f"dashboards of {periods}; the report for the current period as "
            f"published ({versions}), as a page and as a PDF. KB is the size of "
            f"what is sent (1 KB = 1,024 bytes). {repeat} timed runs of each page, "
            f"{self.pdf_runs} of each PDF.",
            "",
            f"| measure | {n}: p50 (ms) | p95 (ms) | SQL queries | KB "
            f"| {m}: p50 (ms) | p95 (ms) | SQL queries | KB |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for c in comparisons:
            cells = [c.name]
            for row in (c.large, c.small):
                cells += [
                    f"{row.p50:,.1f}",
                    f"{row.p95:,.1f}",
                    "" if row.queries is None else f"{row.queries:,}",
                    kb(row.size),
                ]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", f"| budget | {size} | met? |", "| --- | --- | --- |"]
        for budget, figures, met in large_budgets(
            comparisons, large.deliverables, small.deliverables
        ):
            lines.append(f"| {budget} | {figures} | {'yes' if met else '**no**'} |")
        return lines


def check(response) -> None:
    status = getattr(response, "status_code", 200)
    if status >= 400:
        content = getattr(response, "content", b"")[:500]
        raise CommandError(f"The benchmark got {status}: {content!r}")


def write_section(path: Path, size: str, section: str) -> None:
    """Put ``section`` between its size's markers in ``path``: replacing what was
    there, or added at the end when the file has no such markers yet."""
    start, end = f"<!-- bench:{size} -->", f"<!-- /bench:{size} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section.rstrip("\n") + after
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + section
    path.write_text(text, encoding="utf-8")


def database_size() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            size = pages * cursor.fetchone()[0]
        else:
            return "size unknown"
    return f"{size / 1024 / 1024:,.0f} MB"


# ------------------------------------------------------------------------ floors
#
# Each floor is the same answer as a measure's data, computed by one hand-written
# query: what the database alone must spend, whatever the application does around it.


def _date(day: datetime.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def floor_dashboard(plan: Plan, period) -> list[tuple]:
    """Counts by status at the end of ``period``: each deliverable's latest accepted
    update for that period or before (its own state if it has none)."""
    return _fetch(
        """
        SELECT COALESCE(latest.status, d.status) AS status, COUNT(*)
        FROM deliverables_deliverable d
        LEFT JOIN (
            SELECT u.deliverable_id, u.status, ROW_NUMBER() OVER (
                PARTITION BY u.deliverable_id
                ORDER BY p.starts_on DESC, u.recorded_at DESC, u.id DESC
            ) AS n
            FROM deliverables_progressupdate u
            JOIN plans_reportingperiod p ON p.id = u.period_id
            LEFT JOIN deliverables_updatereview r ON r.update_id = u.id
            WHERE p.plan_id = %s AND p.starts_on <= %s
              AND (u.requires_review = %s OR r.decision = 'accepted')
        ) latest ON latest.deliverable_id = d.id AND latest.n = 1
        WHERE d.plan_id = %s
        GROUP BY COALESCE(latest.status, d.status)
        """,
        [plan.pk, _date(period.starts_on), False, plan.pk],
    )


def floor_dashboard_data(plan: Plan, period) -> list[tuple]:
    """The dashboard's data in one query: every deliverable of the plan in order, with
    what its row shows and its state at the end of ``period`` and of the period before
    (each its latest accepted update by then, as ``floor_dashboard`` finds it)."""
    earlier = (
        plan.reporting_periods.filter(starts_on__lt=period.starts_on)
        .order_by("-starts_on")
        .values_list("starts_on", flat=True)
        .first()
    ) or period.starts_on - datetime.timedelta(days=1)
    return _fetch(
        """
        WITH accepted AS (
            SELECT u.deliverable_id, u.status, u.rag, u.percent_complete,
                   u.forecast_date, u.forecast_date_end, u.narrative, u.reason,
                   u.previous_status, p.starts_on, ROW_NUMBER() OVER (
                       PARTITION BY u.deliverable_id
                       ORDER BY p.starts_on DESC, u.recorded_at DESC, u.id DESC
                   ) AS now_n, ROW_NUMBER() OVER (
                       PARTITION BY u.deliverable_id, p.starts_on <= %s
                       ORDER BY p.starts_on DESC, u.recorded_at DESC, u.id DESC
                   ) AS then_n
            FROM deliverables_progressupdate u
            JOIN plans_reportingperiod p ON p.id = u.period_id
            LEFT JOIN deliverables_updatereview r ON r.update_id = u.id
            WHERE p.plan_id = %s AND p.starts_on <= %s
              AND (u.requires_review = %s OR r.decision = 'accepted')
        )
        SELECT d.id, d.reference, d.title, o.priority_id, lead.short_name,
               d.baseline_date, d.baseline_date_end, d.identified_on,
               COALESCE(now.status, d.status), now.rag, now.percent_complete,
               now.forecast_date, now.forecast_date_end, now.narrative, now.reason,
               COALESCE(then_.status, d.status), then_.rag
        FROM deliverables_deliverable d
        JOIN plans_objective o ON o.id = d.objective_id
        JOIN plans_organisation lead ON lead.id = d.lead_organisation_id
        LEFT JOIN accepted now ON now.deliverable_id = d.id AND now.now_n = 1
        LEFT JOIN accepted then_ ON then_.deliverable_id = d.id
             AND then_.then_n = 1 AND then_.starts_on <= %s
        WHERE d.plan_id = %s
        ORDER BY d.position, d.reference, d.id
        """,
        [
            _date(earlier),
            plan.pk,
            _date(period.starts_on),
            False,
            _date(earlier),
            plan.pk,
        ],
    )


def floor_overview(today: datetime.date) -> list[tuple]:
    """Counts by status and late counts for every plan a national reader sees."""
    return _fetch(
        f"""
        SELECT d.plan_id, d.status, COUNT(*), SUM(CASE
            WHEN d.status NOT IN {CLOSED}
             AND COALESCE(d.forecast_date_end, d.baseline_date_end) < %s
            THEN 1 ELSE 0 END)
        FROM deliverables_deliverable d
        JOIN plans_plan p ON p.id = d.plan_id
        WHERE p.is_public = %s AND p.state <> 'draft'
        GROUP BY d.plan_id, d.status
        """,
        [_date(today), True],
    )


def floor_list(plan: Plan, status: str | None, limit: int) -> list[tuple]:
    """One page of a plan's deliverables with what a list row shows, and the total."""
    where, params = "d.plan_id = %s", [plan.pk]
    if status:
        where += " AND d.status = %s"
        params.append(status)
    return _fetch(
        f"""
        SELECT d.id, d.reference, d.title, d.status, d.rag, d.percent_complete,
               d.baseline_date, d.forecast_date, d.updated_at, p.title,
               o.reference, o.title, pr.reference, pr.title, lead.name,
               lead.short_name, COUNT(*) OVER () AS total
        FROM deliverables_deliverable d
        JOIN plans_plan p ON p.id = d.plan_id
        JOIN plans_objective o ON o.id = d.objective_id
        JOIN plans_priority pr ON pr.id = o.priority_id
        JOIN plans_organisation lead ON lead.id = d.lead_organisation_id
        WHERE {where} AND p.state <> 'draft'
        ORDER BY d.plan_id, d.position, d.reference
        LIMIT {int(limit)}
        """,
        params,
    )


def floor_deliverable(deliverable: Deliverable) -> list[tuple]:
    """The deliverable with its priority, lead and every update with its period and
    author."""
    users = get_user_model()._meta.db_table
    return _fetch(
        f"""
        SELECT d.id, d.reference, d.title, d.description, d.status, d.rag,
               d.percent_complete, d.baseline_date, d.forecast_date, o.title,
               pr.title, lead.name, u.id, u.status, u.rag, u.percent_complete,
               u.forecast_date, u.narrative, u.reason, u.recorded_at, per.label,
               author.username, author.first_name, author.last_name
        FROM deliverables_deliverable d
        JOIN plans_objective o ON o.id = d.objective_id
        JOIN plans_priority pr ON pr.id = o.priority_id
        JOIN plans_organisation lead ON lead.id = d.lead_organisation_id
        LEFT JOIN deliverables_progressupdate u ON u.deliverable_id = d.id
        LEFT JOIN plans_reportingperiod per ON per.id = u.period_id
        LEFT JOIN {users} author ON author.id = u.recorded_by_id
        WHERE d.id = %s
        ORDER BY u.recorded_at DESC, u.id DESC
        """,
        [deliverable.pk],
    )


def floor_insert(deliverable_ids: list[int], period, by) -> None:
    """One INSERT ... SELECT writing an update for each id, carrying each
    deliverable's state forward; rolled back once timed."""
    fields = [f for f in ProgressUpdate._meta.concrete_fields if not f.primary_key]
    copied = {
        "deliverable": "d.id",
        "status": "d.status",
        "previous_status": "d.status",
        "percent_complete": "d.percent_complete",
        "merged_into": "d.merged_into_id",
    }
    for prefix in ("", "previous_"):
        for part in ("", "_start", "_end"):
            copied[f"{prefix}forecast_date{part}"] = f"d.forecast_date{part}"
    given = {
        "period": period.pk,
        "recorded_by": by.pk,
        "recorded_at": timezone.now(),
        "source": ProgressUpdate.Source.API,
        "rag": "green",
        "narrative": "Floor.",
    }
    columns, values, params = [], [], []
    for f in fields:
        columns.append(connection.ops.quote_name(f.column))
        if f.name in copied:
            values.append(copied[f.name])
            continue
        value = given[f.name] if f.name in given else f.get_default()
        values.append("%s")
        params.append(f.get_db_prep_save(value, connection))
    rows = ", ".join(["(%s)"] * len(deliverable_ids))
    sql = (
        f"WITH v(id) AS (VALUES {rows}) "
        f"INSERT INTO deliverables_progressupdate ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM v "
        "JOIN deliverables_deliverable d ON d.id = v.id"
    )
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [*deliverable_ids, *params])
            raise _Undo
    except _Undo:
        pass
