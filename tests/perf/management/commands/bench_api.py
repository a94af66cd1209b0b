"""``manage.py bench_api``: a quick check of the force API's server time on one
synthetic plan. ``make bench`` runs the fuller ``bench`` (scrutiny) at national scale.

Builds a benchmark plan (its own organisations, 1,200 deliverables), issues an API
client and then times, in-process (server time, no network): single progress-update
POSTs, bulk POSTs of 1,000 updates, and a deliverables list page of 100 items. Prints a
Markdown table and, with --output, writes it to that file.

Run it against a throwaway database: it leaves its data behind.
"""

import datetime
import statistics
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliverables.models import Deliverable
from plans.models import Objective, Organisation, OrganisationKind, Plan, Priority
from plans.services import ensure_quarterly_periods, issue_api_client

DELIVERABLES = 1_200
AIMS = {
    "single update POST, p50": 15.0,
    "bulk of 1,000 updates": 1000.0,
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time the force API on this database and print (or write) the figures."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write the Markdown report to this file.")
        parser.add_argument("--singles", type=int, default=200)
        parser.add_argument("--bulks", type=int, default=3)
        parser.add_argument("--lists", type=int, default=50)

    def handle(self, *args, **options):
        from django.contrib.auth import get_user_model

        stamp = uuid.uuid4().hex[:8]
        kind = OrganisationKind.objects.get_or_create(
            slug=OrganisationKind.FORCE, defaults={"name": "Force"}
        )[0]
        owner = Organisation.objects.create(name=f"Bench authority {stamp}", kind=kind)
        force = Organisation.objects.create(name=f"Bench force {stamp}", kind=kind)
        admin = get_user_model().objects.create(username=f"bench-{stamp}")
        year = timezone.localdate().year
        plan = Plan.objects.create(
            owner=owner,
            reference=f"BENCH-{stamp}",
            title="Benchmark plan",
            state=Plan.State.PUBLISHED,
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
        )
        ensure_quarterly_periods(plan=plan)
        priority = Priority.objects.create(plan=plan, reference="1", title="Priority")
        objective = Objective.objects.create(
            plan=plan, priority=priority, reference="1.1", title="Objective"
        )
        Deliverable.objects.bulk_create(
            Deliverable(
                plan=plan,
                objective=objective,
                reference=f"1.1.{n}",
                title=f"Deliverable {n}",
                lead_organisation=force,
                status="in_progress",
                baseline_date="Q4",
                baseline_date_start=datetime.date(year, 10, 1),
                baseline_date_end=datetime.date(year, 12, 31),
                forecast_date="Q4",
                forecast_date_start=datetime.date(year, 10, 1),
                forecast_date_end=datetime.date(year, 12, 31),
            )
            for n in range(DELIVERABLES)
        )
        ids = list(plan.deliverables.order_by("id").values_list("id", flat=True))
        api_client, secret = issue_api_client(
            organisation=force, name="bench", scopes=["read", "updates:write"], by=admin
        )
        http = Client(HTTP_HOST="localhost")
        token = http.post(
            "/o/token/",
            {
                "grant_type": "client_credentials",
                "scope": "read updates:write",
                "client_id": api_client.application.client_id,
                "client_secret": secret,
            },
        ).json()["access_token"]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        def timed(call) -> float:
            started = time.perf_counter()
            response = call()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code < 300, response.content[:500]
            return elapsed

        singles = [
            timed(
                lambda n=n: http.post(
                    f"/api/v1/deliverables/{ids[n % len(ids)]}/updates/",
                    {"narrative": f"Update {n}", "rag": "amber" if n % 2 else "green"},
                    content_type="application/json",
                    **auth,
                )
            )
            for n in range(options["singles"])
        ]
        bulks = []
        for run in range(options["bulks"]):
            body = {
                "updates": [
                    {
                        "deliverable": ids[n],
                        "narrative": f"Bulk {run}.{n}",
                        "rag": "green" if run % 2 else "amber",
                        "percent_complete": run * 10,
                    }
                    for n in range(1000)
                ]
            }
            bulks.append(
                timed(
                    lambda body=body: http.post(
                        "/api/v1/progress-updates/bulk/",
                        body,
                        content_type="application/json",
                        **auth,
                    )
                )
            )
        lists = [
            timed(
                lambda: http.get(
                    f"/api/v1/deliverables/?plan={plan.pk}&page_size=100", **auth
                )
            )
            for _ in range(options["lists"])
        ]
        with CaptureQueriesContext(connection) as single_queries:
            timed(
                lambda: http.post(
                    f"/api/v1/deliverables/{ids[0]}/updates/",
                    {"narrative": "Counted", "rag": "red"},
                    content_type="application/json",
                    **auth,
                )
            )

        rows = [
            ("single update POST, p50", statistics.median(singles)),
            ("single update POST, p95", percentile(singles, 0.95)),
            ("bulk of 1,000 updates", statistics.median(bulks)),
            ("deliverables list, 100 items, p50", statistics.median(lists)),
            ("deliverables list, 100 items, p95", percentile(lists, 0.95)),
        ]
        lines = [
            "# API performance",
            "",
            "Measured by the `bench_api` command on a fresh database: "
            "server time of requests made in-process, with no network, for a plan of "
            f"{DELIVERABLES:,} deliverables. Run it again after changing the API and "
            "commit the new figures.",
            "",
            f"Measured on {timezone.localdate():%-d %B %Y} · "
            f"database: {connection.vendor} · {len(singles)} single updates, "
            f"{len(bulks)} bulk requests, {len(lists)} list pages · "
            f"{len(single_queries)} SQL queries per single update",
            "",
            "| measure | server time (ms) | aim (ms) |",
            "| --- | ---: | ---: |",
        ]
        for name, value in rows:
            aim = AIMS.get(name)
            lines.append(f"| {name} | {value:.1f} | {f'{aim:.0f}' if aim else ''} |")
        report = "\n".join(lines) + "\n"
        self.stdout.write(report)
        if options["output"]:
            Path(options["output"]).write_text(report, encoding="utf-8")
