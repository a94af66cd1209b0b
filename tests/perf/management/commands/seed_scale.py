"""``manage.py seed_scale --size national|stress``: generated data at national scale.

"national" is 50 policing bodies (each with its force), each with its current plan and
two past ones: about 22,500 deliverables, 360,000 progress updates, 90,000 milestones
and 96,000 indicator values. "stress" is ten times as many bodies with plans of the same
shape, so the same page can be timed at both sizes. "tiny" is for tests. Each size adds
one large plan of a body of its own (5,000 deliverables and 80,000 updates at national
and stress size, 40 deliverables at tiny; ``--large-deliverables`` for another number,
0 for none), with its latest quarter's report published.

The data is the same for the same ``--seed`` and ``--today``. It is written in one
transaction (nothing is left behind if it fails) and refused when the database
already holds plans, unless ``--force``: figures from a database that mixes real and
generated plans would mean little, and real plans should never sit beside invented
ones by accident. See ``tests/perf/scale.py`` for what is generated and how.
"""

import dataclasses
import datetime
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plans.models import Organisation, Plan
from tests.perf.scale import NATIONAL_READER, SIZES, analyse, body_name, seed_scale


class Command(BaseCommand):
    help = "Generate policing bodies, plans and years of updates at national scale."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="national",
            help="national: 50 bodies; stress: 500; tiny: 2 small ones, for tests.",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same data."
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Generate as of this day (YYYY-MM-DD) rather than today.",
        )
        parser.add_argument(
            "--large-deliverables",
            type=int,
            help="Deliverables of the one large plan, instead of the size's "
            "(5,000 at national and stress, 40 at tiny); 0 for no large plan.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the data even though the database already holds plans.",
        )

    def handle(self, *args, **options):
        shape = SIZES[options["size"]]
        if options["large_deliverables"] is not None:
            if options["large_deliverables"] < 0:
                raise CommandError("--large-deliverables cannot be negative.")
            shape = dataclasses.replace(
                shape, large_deliverables=options["large_deliverables"]
            )
        if Plan.objects.exists() and not options["force"]:
            raise CommandError(
                "The database already holds plans. Generate data into an empty "
                "database, or add --force to add it alongside them."
            )
        if Organisation.objects.filter(name=body_name(0)).exists():
            raise CommandError(
                f"{body_name(0)} already exists: this database has been seeded "
                "before. Start from an empty database."
            )
        quiet = options["verbosity"] == 0
        started = time.perf_counter()

        def progress(bodies):
            return tqdm(
                bodies,
                desc=f"Seeding {options['size']}",
                unit="body",
                disable=quiet,
                file=sys.stderr,
            )

        seed_scale(
            shape=shape,
            seed=options["seed"],
            today=options["today"],
            progress=progress,
        )
        analyse()
        elapsed = time.perf_counter() - started
        if not quiet:
            for name, count in shape.expected().items():
                self.stdout.write(f"  {name:<18} {count:>10,}")
            self.stdout.write(
                f"Seeded {options['size']} in {elapsed:.0f} s. Every plan is public; "
                f"the user {NATIONAL_READER} reads them all. Generated users have no "
                "password: set one with manage.py changepassword."
            )
