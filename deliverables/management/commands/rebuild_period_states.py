"""Work out again every deliverable's state at the end of each period of its plan
(the rows the quarterly dashboard counts from): after a bulk load that bypassed the
services, or to check that nothing was missed."""

from django.core.management.base import BaseCommand

from deliverables import states
from deliverables.models import PeriodState
from plans.models import Plan


class Command(BaseCommand):
    help = "Work out again each deliverable's state at the end of every period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--plan",
            type=int,
            action="append",
            help="Only this plan (by id); may be given more than once.",
        )

    def handle(self, *args, plan=None, **options):
        plans = Plan.objects.order_by("pk")
        if plan:
            plans = plans.filter(pk__in=plan)
        ids = list(plans.values_list("pk", flat=True))
        states.refresh_plans(ids)
        count = PeriodState.objects.filter(deliverable__plan_id__in=ids).count()
        plans = "plan" if len(ids) == 1 else "plans"
        self.stdout.write(f"Worked out {count} states for {len(ids)} {plans}.")
