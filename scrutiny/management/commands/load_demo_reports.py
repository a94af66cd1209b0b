"""What a panel sees in the demo: strands, indicators, decision notices, a scrutiny
action, the published Q1-Q3 reports of the 2017 Jersey plan, a few recommendations in
the register (one overdue) and the 2017 annual report, answered and waiting for the
Q4 report before it is published.

Run by ``load_demo`` after it loads the plan. Everything here is illustrative (labelled
so where it carries text) except the 2016 baselines, which the plan itself quotes.
Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.history import attribute_to
from plans.models import Indicator, Organisation, Plan, Strand
from plans.services import record_indicator_value
from scrutiny.annual import services as annual
from scrutiny.annual.models import AnnualReport
from scrutiny.models import DecisionNotice, PublishedReport, ScrutinyAction
from scrutiny.recommendations.models import Recommendation
from scrutiny.recommendations.services import (
    close_recommendation,
    respond_to_recommendation,
    save_recommendation,
)
from scrutiny.reports.services import publish_report

PLAN_REFERENCE = "R.4/2017"
ILLUSTRATIVE = "Illustrative (demonstration data, not from the plan): "

# A cross-cutting grouping beside the plan's priorities, matched on each deliverable's
# words. Illustrative: the 2017 plan itself has no strands.
STRANDS = {
    "Victims and vulnerable people": r"victim|vulnerab|child|domestic|abuse|safeguard",
    "Digital and technology": r"digital|technolog|online|cyber|mobile|system",
    "Working with partners": r"partner|multi-agency|parish|honorary|agencies",
    "Value for money": r"budget|efficien|cost|saving|overtime",
}

# (title, unit, direction, baseline, baseline label, target, values for Q1-Q4).
# The baselines are the plan's own 2016 figures; the quarterly values are invented.
INDICATORS = [
    (
        "Victims satisfied with the service",
        "%",
        Indicator.Direction.HIGHER_IS_BETTER,
        Decimal(82),
        "JOLS 2016",
        Decimal(85),
        [81, 83, 84, 86],
    ),
    (
        "Police incidents recorded",
        "incidents",
        Indicator.Direction.LOWER_IS_BETTER,
        Decimal(3500),
        "2016 quarterly average",
        Decimal(3400),
        [3620, 3480, 3390, 3350],
    ),
    (
        "Anti-social behaviour share of incidents",
        "%",
        Indicator.Direction.LOWER_IS_BETTER,
        Decimal(20),
        "2016",
        Decimal(18),
        [21, 20, 19, 17],
    ),
]


class Command(BaseCommand):
    help = "Add the demo's strands, indicators, notices, actions and published reports."

    def handle(self, *args, **options):
        if not settings.DEBUG and not options.get("force"):
            raise CommandError("Demo data: load it only with DEBUG=true.")
        plan = Plan.objects.filter(reference=PLAN_REFERENCE).first()
        if plan is None:
            raise CommandError("Run load_demo first: the 2017 plan is not loaded.")
        User = get_user_model()
        editor = User.objects.get(username="editor")
        with transaction.atomic():
            self._strands(plan, editor)
            self._indicators(plan, editor)
            self._decisions(plan, editor)
            self._action(plan, editor)
            if not plan.is_public:
                plan.is_public = True
                attribute_to(plan, by=editor, reason="Demo: reports are public")
                plan.save()
            published = self._reports(plan, editor)
            self._recommendations(plan, editor)
            self._annual_report(plan, editor)
        if options["verbosity"]:
            self.stdout.write(
                f"Published reports: {published} (Q4 2017 is left for you to publish, "
                "and then the 2017 annual report)."
            )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")

    def _strands(self, plan, editor):
        if plan.strands.exists():
            return
        for name, pattern in STRANDS.items():
            strand = Strand(plan=plan, name=name)
            attribute_to(strand, by=editor)
            strand.save()
            words = re.compile(pattern, re.IGNORECASE)
            for deliverable in plan.deliverables.all():
                text = f"{deliverable.title} {deliverable.description}"
                if words.search(text):
                    deliverable.strands.add(strand)

    def _indicators(self, plan, editor):
        periods = list(plan.reporting_periods.order_by("starts_on"))
        for position, row in enumerate(INDICATORS):
            title, unit, direction, baseline, label, target, values = row
            indicator, created = Indicator.objects.get_or_create(
                plan=plan,
                title=title,
                defaults={
                    "unit": unit,
                    "direction": direction,
                    "baseline_value": baseline,
                    "baseline_label": label,
                    "target_value": target,
                    "position": position,
                },
            )
            if not created:
                continue
            for period, value in zip(periods, values, strict=False):
                record_indicator_value(
                    indicator=indicator,
                    period=period,
                    value=Decimal(value),
                    by=editor,
                    note=ILLUSTRATIVE + "an invented quarterly figure.",
                )

    def _decisions(self, plan, editor):
        if DecisionNotice.objects.filter(plan=plan).exists():
            return
        notice = DecisionNotice(
            plan=plan,
            decided_by=plan.owner,
            reference="JPA-DEMO-2017-01",
            title="Funding for the move to the new Police Headquarters",
            approved_on=datetime.date(2017, 2, 14),
            summary=ILLUSTRATIVE + "releases the budget for the move.",
        )
        attribute_to(notice, by=editor)
        notice.save()
        notice.deliverables.set(plan.deliverables.filter(reference="3.4.7.1.1"))

    def _action(self, plan, editor):
        if ScrutinyAction.objects.filter(plan=plan).exists():
            return
        force = Organisation.objects.get(short_name="SOJP")
        answered = ScrutinyAction(
            plan=plan,
            kind=ScrutinyAction.Kind.QUESTION,
            text=ILLUSTRATIVE
            + "Why did the CSE pathway slip, and what is the new date?",
            raised_by="Jersey Police Authority meeting",
            raised_on=datetime.date(2017, 7, 20),
            owner=force,
            due_on=datetime.date(2017, 9, 1),
            state=ScrutinyAction.State.ANSWERED,
            response=ILLUSTRATIVE + "A partner's system arrived late; now due in Q4.",
            answered_on=datetime.date(2017, 8, 25),
        )
        open_one = ScrutinyAction(
            plan=plan,
            kind=ScrutinyAction.Kind.RECOMMENDATION,
            text=ILLUSTRATIVE + "Report the on-hold deliverables' restart dates.",
            raised_by="Jersey Police Authority meeting",
            raised_on=datetime.date(2017, 10, 19),
            owner=force,
            due_on=datetime.date(2018, 1, 31),
        )
        for action in (answered, open_one):
            attribute_to(action, by=editor)
            action.save()

    def _reports(self, plan, editor) -> int:
        periods = list(plan.reporting_periods.order_by("starts_on"))[:3]
        published = 0
        for period in periods:
            if not PublishedReport.objects.filter(plan=plan, period=period).exists():
                publish_report(plan=plan, period=period, by=editor)
                published += 1
        return published

    def _recommendations(self, plan, editor):
        """An inspection's recommendations and areas for improvement (one answered
        and closed, one answered, one overdue) and a panel report's: all invented."""
        if Recommendation.objects.filter(plan=plan).exists():
            return
        force = Organisation.objects.get(short_name="SOJP")
        inspection = "HMICFRS inspection of States of Jersey Police"
        work = list(
            plan.deliverables.filter(reference__startswith="3.1.1").order_by(
                "position", "reference"
            )[:2]
        )
        Source = Recommendation.Source
        rows = [
            # (reference, text, source, title, published, owner, linked, answered)
            (
                "AFI 1",
                "Improve how the force records crime, so that every victim gets "
                "the service they should.",
                Source.HMICFRS,
                inspection + ", June 2017 (invented for the demo)",
                datetime.date(2017, 6, 15),
                force,
                work[:1],
                (
                    "A crime data lead was appointed and audits began in July.",
                    datetime.date(2017, 8, 9),
                    datetime.date(2017, 10, 19),
                ),
            ),
            (
                "Rec 1",
                "Publish how quickly emergency calls are answered, each quarter.",
                Source.HMICFRS,
                inspection + ", June 2017 (invented for the demo)",
                datetime.date(2017, 6, 15),
                force,
                work[1:2],
                (
                    "Published from Q3 2017 in the quarterly report.",
                    datetime.date(2017, 8, 9),
                    None,
                ),
            ),
            (
                "Rec 2",
                "Set out how the force will meet the rising demand from online crime.",
                Source.HMICFRS,
                "HMICFRS inspection of online crime, November 2017 (invented for "
                "the demo)",
                datetime.date(2017, 11, 30),
                force,
                [],
                None,  # never answered: overdue since 25 January 2018
            ),
            (
                "PR 1",
                "Report the on-hold deliverables' restart dates to each meeting.",
                Source.PANEL_REPORT,
                "Police Authority report on the plan's first half (invented for the "
                "demo)",
                datetime.date(2017, 9, 21),
                plan.owner,
                [],
                (
                    "Added to the quarterly report from Q3 2017.",
                    datetime.date(2017, 10, 12),
                    None,
                ),
            ),
        ]
        for reference, text, source, title, published, owner, linked, answer in rows:
            recommendation = save_recommendation(
                plan=plan,
                by=editor,
                deliverables=linked,
                reference=reference,
                text=ILLUSTRATIVE + text,
                source=source,
                source_title=title,
                published_on=published,
                owner=owner,
            )
            if answer is None:
                continue
            response, answered_on, closed_on = answer
            respond_to_recommendation(
                recommendation=recommendation,
                by=editor,
                response=ILLUSTRATIVE + response,
                responded_on=answered_on,
            )
            if closed_on is not None:
                close_recommendation(
                    recommendation=recommendation, by=editor, closed_on=closed_on
                )

    def _annual_report(self, plan, editor):
        """The 2017 annual report, sent to the authority, reviewed with two invented
        recommendations and answered: publishing it waits for the Q4 report."""
        if AnnualReport.objects.filter(plan=plan, year="2017").exists():
            return
        report = annual.create_annual_report(plan=plan, year="2017", by=editor)
        report = annual.save_sections(
            report=report,
            by=editor,
            foreword=ILLUSTRATIVE
            + "2017 was the year the force prepared its move to a new headquarters "
            "and began reporting progress on the plan each quarter.",
            looking_ahead=ILLUSTRATIVE
            + "The 2018 plan carries forward the work on hold and the online crime "
            "programme.",
        )
        report = annual.send_to_panel(
            report=report, by=editor, sent_on=datetime.date(2018, 2, 1)
        )
        report = annual.record_panel_recommendations(
            report=report,
            by=editor,
            reviewed_on=datetime.date(2018, 3, 1),
            texts=[
                ILLUSTRATIVE + "Report the new headquarters' running costs each "
                "quarter.",
                ILLUSTRATIVE + "Show victims' satisfaction by type of crime.",
            ],
        )
        annual.record_response(
            report=report,
            by=editor,
            responded_on=datetime.date(2018, 3, 20),
            responses={
                r.pk: ILLUSTRATIVE + "Accepted: from the Q1 2018 report."
                for r in report.recommendations.all()
            },
        )
