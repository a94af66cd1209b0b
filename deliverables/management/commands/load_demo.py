"""``manage.py load_demo``: the 2017 States of Jersey Policing Plan, ready to explore.

Loads the organisations, demo users per role, the plan's every priority, objective and
key deliverable (from plans/demo/jersey-policing-plan-2017.csv, transcribed from the
published plan R.4/2017), and illustrative progress updates across 2017's four quarters
so that dashboards have history. The updates are invented: each is labelled as
illustrative and recorded with the source "Illustrative demonstration data".

Running it again changes nothing.
"""

import datetime
import random
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.history import attribute_to
from deliverables import fuzzydates, states
from deliverables.importing import ImportFailed, import_plan
from deliverables.models import Deliverable, ProgressUpdate, Rag, Status
from deliverables.services import (
    Change,
    accept_update,
    record_progress,
    return_update,
)
from plans.models import Membership, Organisation, OrganisationKind, Plan
from plans.services import reopen_period

DEMO_CSV = Path(settings.BASE_DIR) / "plans" / "demo" / "jersey-policing-plan-2017.csv"
DEMO_PASSWORD = "demo-password-2017"
PLAN_REFERENCE = "R.4/2017"
ILLUSTRATIVE = "Illustrative update (demonstration data, not from the plan): "

KIND_NAMES = {
    OrganisationKind.POLICING_BODY: "Policing body",
    OrganisationKind.FORCE: "Force",
    OrganisationKind.PARTNER: "Partner",
}
ORGANISATIONS = [
    ("Jersey Police Authority", "JPA", OrganisationKind.POLICING_BODY),
    ("States of Jersey Police", "SOJP", OrganisationKind.FORCE),
    ("Honorary Police", "HP", OrganisationKind.PARTNER),
]

# username, first name, last name, organisation short name, role, superuser
USERS = [
    ("admin", "Alex", "Admin", "JPA", Membership.Role.ADMIN, True),
    ("editor", "Erin", "Editor", "JPA", Membership.Role.EDITOR, False),
    ("reader", "Rory", "Reader", "JPA", Membership.Role.READER, False),
    ("force", "Farah", "Force", "SOJP", Membership.Role.CONTRIBUTOR, False),
    ("honorary", "Hugh", "Honorary", "HP", Membership.Role.CONTRIBUTOR, False),
]

# A few deliverables given a story other than "started, then done", so that the
# dashboards have merges, holds, stops and slips to show.
ON_HOLD = {"3.4.1.4.1": 2, "3.3.5.1.1": 3}
WILL_NOT_PROCEED = {"3.1.1.2.4": 3}
MERGED = {"3.4.7.2.1": ("3.4.7.1.1", 1)}


REVIEW_REASON = "Demonstration: the force's updates wait for an editor's review."
REOPEN_REASON = (
    "Demonstration: Q4 2017 kept open for updates, so that recording progress and "
    "reviewing it can be tried."
)
# What the force sends on Q4 2017 for the review queue: three waiting, two returned
# (with the editor's comment), two accepted.
REVIEW_STORIES = [
    {"rag": Rag.AMBER, "narrative": "Training for the new team is half done."},
    {
        "rag": Rag.GREEN,
        "narrative": "The pilot ran in St Helier and is being assessed.",
    },
    {"rag": Rag.RED, "percent_complete": 40, "narrative": "Recruitment has stalled."},
    {
        "rag": Rag.GREEN,
        "narrative": "All going well.",
        "why": "Say what was done this quarter and what is left, with dates.",
    },
    {
        "rag": Rag.GREEN,
        "percent_complete": 95,
        "narrative": "Nearly finished.",
        "why": "The milestone was missed in November: the RAG should be amber.",
    },
    {
        "rag": Rag.GREEN,
        "narrative": "Partners signed the information-sharing agreement.",
    },
    {"rag": Rag.AMBER, "narrative": "The new vehicles arrive in January."},
]


class Command(BaseCommand):
    help = "Load the 2017 States of Jersey Policing Plan with demo users and updates."

    def handle(self, *args, **options):
        if not settings.DEBUG and not options.get("force"):
            raise CommandError(
                "Demo data has well-known passwords: load it only with DEBUG=true."
            )
        with transaction.atomic(), states.batch():
            organisations = self._organisations()
            users = self._users(organisations)
            plan = Plan.objects.filter(
                owner=organisations["JPA"], reference=PLAN_REFERENCE
            ).first()
            summary = "already loaded"
            if plan is None:
                plan, summary = self._import(organisations, users)
            if plan.state == Plan.State.DRAFT:
                plan.state = Plan.State.PUBLISHED
                plan.summary = (
                    "The Jersey Police Authority's plan for the States of Jersey "
                    "Police in 2017 (R.4/2017)."
                )
                attribute_to(plan, by=users["admin"])
                plan.save()
            created = self._illustrative_updates(plan, users)
            reviewing = self._review_queue(plan, users)
        if apps.is_installed("scrutiny"):
            # Named, not imported: scrutiny builds on this app, not the other way.
            call_command(
                "load_demo_reports",
                force=options.get("force", False),
                verbosity=options["verbosity"],
                stdout=self.stdout,
            )
        if options["verbosity"]:
            self.stdout.write(f"Demo plan: {plan} ({summary}).")
            self.stdout.write(f"Illustrative progress updates added: {created}.")
            if reviewing:
                self.stdout.write(
                    "Review: the force's updates wait for an editor; "
                    f"{reviewing} in the queue (sign in as editor, then Review)."
                )
            self.stdout.write(
                "Demo sign-ins (password for each: " + DEMO_PASSWORD + "):"
            )
            for username, _first, _last, short, role, _ in USERS:
                self.stdout.write(
                    f"  {username:<9} {role.label} at {organisations[short].name}"
                )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG=false (never on a server people use).",
        )

    def _import(self, organisations, users):
        """Import the plan once. Later runs leave it alone, so that what the demo adds
        on top (strands, say) is not undone by the file, which has none."""
        try:
            result = import_plan(
                path=DEMO_CSV,
                owner=organisations["JPA"],
                plan_reference=PLAN_REFERENCE,
                plan_title="2017 Policing Plan",
                starts_on=datetime.date(2017, 1, 1),
                ends_on=datetime.date(2017, 12, 31),
                lead_organisation=organisations["SOJP"],
                by=users["admin"],
            )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(str(failure)) from failure
        return result.plan, result.summary()

    def _organisations(self) -> dict[str, Organisation]:
        found = {}
        for name, short_name, kind_slug in ORGANISATIONS:
            organisation, _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "short_name": short_name,
                    # Seeded by the migrations; made again if a test flushed them.
                    "kind": OrganisationKind.objects.get_or_create(
                        slug=kind_slug, defaults={"name": KIND_NAMES[kind_slug]}
                    )[0],
                },
            )
            found[short_name] = organisation
        # The Honorary Police lead none of the plan's deliverables, but the authority
        # works with them: its editors may name them as a scrutiny action's owner.
        found["JPA"].partners.add(found["HP"])
        return found

    def _users(self, organisations):
        User = get_user_model()
        users = {}
        for username, first, last, short, role, superuser in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(
                user=user, organisation=organisations[short], defaults={"role": role}
            )
            users[username] = user
        return users

    def _illustrative_updates(self, plan, users) -> int:
        """Invent a plausible 2017 for each deliverable, one quarter at a time."""
        if ProgressUpdate.objects.filter(
            deliverable__plan=plan, source=ProgressUpdate.Source.DEMO
        ).exists():
            return 0
        chance = random.Random(2017)  # the same story every time
        deliverables = list(
            Deliverable.objects.filter(plan=plan).order_by("position", "reference")
        )
        by_reference = {d.reference: d for d in deliverables}
        periods = list(plan.reporting_periods.order_by("starts_on"))
        count = 0
        for quarter, period in enumerate(periods, start=1):
            # Recorded in the fortnight after the quarter ends, as real returns are.
            at = timezone.make_aware(
                datetime.datetime.combine(
                    period.ends_on + datetime.timedelta(days=10), datetime.time(10)
                )
            )
            for deliverable in deliverables:
                deliverable.refresh_from_db()
                change = self._story(deliverable, quarter, period, chance, by_reference)
                if change is None:
                    continue
                author = users["force"] if quarter % 2 else users["editor"]
                change["narrative"] = ILLUSTRATIVE + change["narrative"]
                record_progress(
                    changes=[Change(deliverable=deliverable, period=period, **change)],
                    by=author,
                    recorded_at=at,
                    source=ProgressUpdate.Source.DEMO,
                )
                count += 1
        return count

    def _review_queue(self, plan, users) -> int:
        """Switch review on for the force's updates and leave some of each kind, so
        that the review journeys can be tried: Q4 2017 is reopened for updates (its
        report is left for the visitor to publish), and the force has sent updates on
        a few deliverables, some waiting, some returned with a comment, some
        accepted. Returns how many wait."""
        if ProgressUpdate.objects.filter(
            deliverable__plan=plan, requires_review=True
        ).exists():
            return 0
        if not plan.review_contributor_updates:
            plan.review_contributor_updates = True
            attribute_to(plan, by=users["admin"], reason=REVIEW_REASON)
            plan.save()
        q4 = plan.reporting_periods.order_by("starts_on").last()
        today = timezone.localdate()
        if q4.state_on(today) != q4.State.OPEN:
            reopen_period(
                period=q4,
                by=users["editor"],
                reason=REOPEN_REASON,
                closes_on=today + datetime.timedelta(days=90),
            )
        still_open = [
            d
            for d in Deliverable.objects.filter(plan=plan).order_by(
                "position", "reference"
            )
            if not d.is_closed
        ]
        kinds = ["waiting"] * 3 + ["returned"] * 2 + ["accepted"] * 2
        for deliverable, (kind, story) in zip(
            still_open[-len(kinds) :],
            zip(kinds, REVIEW_STORIES, strict=True),
            strict=False,
        ):
            (update,) = record_progress(
                changes=[
                    Change(
                        deliverable=deliverable,
                        period=q4,
                        narrative=ILLUSTRATIVE + story["narrative"],
                        rag=story["rag"],
                        percent_complete=story.get("percent_complete"),
                    )
                ],
                by=users["force"],
                source=ProgressUpdate.Source.DEMO,
            )
            if kind == "returned":
                return_update(update=update, by=users["editor"], comment=story["why"])
            elif kind == "accepted":
                accept_update(update=update, by=users["editor"])
        return kinds.count("waiting")

    def _story(self, deliverable, quarter, period, chance, by_reference):
        """The change to record for one deliverable in one quarter, or None."""
        if deliverable.is_closed or deliverable.status == Status.ON_HOLD:
            return None
        ref = deliverable.reference
        if ref in MERGED and MERGED[ref][1] == quarter:
            target = by_reference[MERGED[ref][0]]
            return {
                "status": Status.MERGED,
                "merged_into": target,
                "narrative": f"Combined with {target.reference} to run as one project.",
                "reason": (
                    "Both cover the move to the new headquarters and share a team."
                ),
            }
        if ON_HOLD.get(ref) == quarter:
            return {
                "status": Status.ON_HOLD,
                "rag": Rag.AMBER,
                "narrative": "Paused while the budget for the year is reviewed.",
                "reason": "Resources moved to the move into the new headquarters.",
            }
        if WILL_NOT_PROCEED.get(ref) == quarter:
            return {
                "status": Status.WILL_NOT_PROCEED,
                "rag": "",
                "narrative": (
                    "Partner decided not to run the scheme in Jersey this year."
                ),
                "reason": "Partner withdrew; no other route to deliver it.",
            }
        due = deliverable.fuzzy("forecast_date")
        if not due.is_known:
            due = fuzzydates.parse(f"Q{min(quarter + 2, 4)} 2017")
        if due.start and due.start > period.ends_on:
            return None  # not started yet: nothing to report
        if due.end and due.end <= period.ends_on:
            if chance.random() < 0.75:
                return {
                    "status": Status.COMPLETED,
                    "rag": Rag.GREEN,
                    "percent_complete": 100,
                    "narrative": (
                        "Delivered as planned and handed over to business as usual."
                    ),
                    "reason": "Work finished.",
                }
            if chance.random() < 0.4:
                # Late with no new date agreed yet: these show as late on dashboards.
                change = {
                    "status": Status.IN_PROGRESS,
                    "rag": Rag.RED,
                    "percent_complete": 70,
                    "narrative": (
                        "Behind the milestone date; a new date is being agreed."
                    ),
                }
                if deliverable.status != Status.IN_PROGRESS:
                    change["reason"] = "Work started late."
                return change
            new_forecast = f"Q{quarter + 1}" if quarter < 4 else "Q1 2018"
            return {
                "status": Status.IN_PROGRESS,
                "rag": Rag.RED if chance.random() < 0.4 else Rag.AMBER,
                "percent_complete": 80,
                "forecast_date": new_forecast,
                "narrative": "Most of the work is done; the last stage has slipped.",
                "reason": (
                    f"End date moved to {new_forecast}: a supplier delivered late."
                ),
            }
        span = max((due.end - due.start).days, 1)
        elapsed = (period.ends_on - due.start).days
        percent = max(10, min(90, round(100 * elapsed / span, -1)))
        change = {
            "status": Status.IN_PROGRESS,
            "rag": Rag.GREEN if chance.random() < 0.8 else Rag.AMBER,
            "percent_complete": int(percent),
            "narrative": "Work is under way and on course for the milestone date.",
        }
        if deliverable.status != Status.IN_PROGRESS:
            change["reason"] = "Work started."
        return change
