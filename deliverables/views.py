"""The OPCC workspace pages: plans, deliverables, recording progress and review.

Every page is scoped by ``visible_to`` in ``ScopedMixin``; writes go through the
services, and a page's query count does not grow with its rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from core.changes import edits_in_words
from core.conflicts import ConflictMixin, StaleVersion, parse_versions
from core.forms import add_service_errors
from core.spreadsheets import csv_response, xlsx_response
from core.views import ScopedMixin, ScopedPage
from deliverables import rollup
from deliverables.evidence import with_attachments
from deliverables.evidence_views import attach_from_progress_form
from deliverables.filtersets import DeliverableFilter, respelt
from deliverables.forms import (
    ChangeSeveralForm,
    MergeForm,
    ProgressWithEvidenceForm,
    ReturnForm,
    SplitForm,
)
from deliverables.layout import FIELD_LABELS
from deliverables.models import (
    Deliverable,
    Milestone,
    ProgressUpdate,
    Status,
)
from deliverables.permissions import may_record_progress
from deliverables.services import (
    Change,
    GroupAction,
    accept_update,
    change_several,
    merge_deliverables,
    merge_into_new,
    record_progress,
    return_update,
    split_deliverable,
)
from plans.models import (
    Objective,
    Organisation,
    Plan,
    PlanVariation,
    Priority,
    ReportingPeriod,
    Strand,
)
from plans.permissions import edits_plan, edits_plan_of
from plans.selectors import (
    bodies_edited_by,
    period_for_day,
    period_to_offer,
    periods_to_record_for,
    plans_edited_by,
)
from plans.succession.selectors import readdressed
from plans.views import PlanEditorPage

PAGE_SIZE = 50


def status_counts(deliverables, key: str) -> dict[int, Counter]:
    """Counts of deliverables by status, grouped by ``key``, in one query."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in deliverables.values(key, "status").annotate(n=Count("id")):
        counts[row[key]][row["status"]] += row["n"]
    return counts


def strand_counts(plan: Plan, visible) -> list[dict]:
    """The plan's strands, each with its visible deliverables counted by status, and
    those under no strand last, in one query."""
    counts: dict[int | None, Counter] = defaultdict(Counter)
    for row in visible.values("strands", "status").annotate(n=Count("id")):
        counts[row["strands"]][row["status"]] += row["n"]
    found = [
        {"strand": strand, "counts": ordered_counts(counts[strand.pk])}
        for strand in Strand.objects.filter(plan=plan).order_by("name")
    ]
    if found and counts[None]:
        found.append({"strand": None, "counts": ordered_counts(counts[None])})
    for entry in found:
        entry["total"] = sum(n for _status, n in entry["counts"])
    return found


def ordered_counts(counter: Counter) -> list[tuple[str, int]]:
    """(status, count) in the lifecycle's order, leaving out the zeros."""
    return [(s.value, counter[s.value]) for s in Status if counter[s.value]]


class PlanListView(ScopedMixin, ListView):
    """The plans a person can see, a page at a time, with counts for that page's
    plans only: a national reader sees every plan in the service."""

    model = Plan
    template_name = "plans/plan_list.html"
    context_object_name = "plans"
    paginate_by = 25

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("owner")
            .order_by("-starts_on", "title", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = [plan.pk for plan in context["plans"]]
        visible = Deliverable.objects.visible_to(self.request.user).filter(
            plan_id__in=shown
        )
        counts = status_counts(visible, "plan_id")
        for plan in context["plans"]:
            plan.counts = ordered_counts(counts[plan.pk])
            plan.total = sum(counts[plan.pk].values())
        context["may_add"] = bodies_edited_by(self.request.user).exists()
        return context


def plan_rollups(plan, visible, priorities):
    """Each priority's objectives with their roll-up, and each priority's roll-up
    (see ``deliverables.rollup`` for the rule), from one query of the visible
    deliverables and one of the objectives."""
    rows = [
        (objective_id, priority_id, rollup.Row(status, rag, percent))
        for objective_id, priority_id, status, rag, percent in visible.values_list(
            "objective_id",
            "objective__priority_id",
            "status",
            "rag",
            "percent_complete",
        )
    ]
    by_objective = rollup.by_key((o, row) for o, _p, row in rows)
    by_priority = rollup.by_priority(
        ((p, row) for _o, p, row in rows), {p.pk: p.parent_id for p in priorities}
    )
    # Under None: the deliverables of a flat plan, under no priority.
    by_priority[None] = by_objective.get(None, rollup.Rollup())
    objectives = defaultdict(list)
    for objective in Objective.objects.filter(plan=plan).order_by(
        "position", "reference"
    ):
        objectives[objective.priority_id].append(
            {
                "objective": objective,
                "rollup": by_objective.get(objective.pk, rollup.Rollup()),
            }
        )
    return objectives, by_priority


class PlanDetailView(ScopedMixin, DetailView):
    """A plan's priorities as a tree, with counts by status at each level."""

    model = Plan
    template_name = "plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.object
        visible = Deliverable.objects.visible_to(self.request.user).filter(plan=plan)
        by_priority = status_counts(visible, "objective__priority_id")
        priorities = list(
            Priority.objects.filter(plan=plan).order_by("position", "reference")
        )
        children = defaultdict(list)
        for priority in priorities:
            children[priority.parent_id].append(priority)
        objectives, rollups = plan_rollups(plan, visible, priorities)

        def build(priority):
            counter = Counter(by_priority[priority.pk])
            kids = [build(child) for child in children[priority.pk]]
            for kid in kids:
                counter.update(kid["counter"])
            return {
                "priority": priority,
                "children": kids,
                "counter": counter,
                "counts": ordered_counts(counter),
                "total": sum(counter.values()),
                "rollup": rollups.get(priority.pk, rollup.Rollup()),
                "objectives": objectives[priority.pk],
            }

        tree = [build(p) for p in children[None]]
        overall = Counter()
        for node in tree:
            overall.update(node["counter"])
        # A flat plan's deliverables, or those of a plan not yet put under one.
        flat = Counter(by_priority.get(None, {}))
        overall.update(flat)
        context.update(
            tree=tree,
            flat={
                "counts": ordered_counts(flat),
                "total": sum(flat.values()),
                "rollup": rollups[None],
            },
            strands=strand_counts(plan, visible),
            counts=ordered_counts(overall),
            total=sum(overall.values()),
            may_edit=(may_edit := edits_plan(self.request.user, plan)),
            open_variation=(
                PlanVariation.objects.filter(plan=plan, state="open").first()
                if may_edit
                else None
            ),
        )
        return context


def _levels(d: Deliverable) -> tuple[Any, Any]:
    """The deliverable's top priority and, when it is nested, its sub-priority."""
    own = d.objective.priority if d.objective else None
    if own is not None and own.parent is not None:
        return own.parent, own
    return own, None


def _text(value: Any, name: str) -> str:
    return getattr(value, name) if value is not None else ""


#: The export's columns: the plan import's fields, headed as the import reads them
#: (``layout.FIELD_LABELS``), so that an export imports back as it is.
EXPORT_COLUMNS = [
    (FIELD_LABELS[name], get)
    for name, get in {
        "priority_ref": lambda d: _text(_levels(d)[0], "reference"),
        "priority_title": lambda d: _text(_levels(d)[0], "title"),
        "sub_priority_ref": lambda d: _text(_levels(d)[1], "reference"),
        "sub_priority_title": lambda d: _text(_levels(d)[1], "title"),
        "objective_ref": lambda d: _text(d.objective, "reference"),
        "objective_title": lambda d: _text(d.objective, "title"),
        "deliverable_ref": lambda d: d.reference,
        "deliverable_title": lambda d: d.title,
        "description": lambda d: d.description,
        "milestone_date": lambda d: d.baseline_date,
        "owners": lambda d: "; ".join(o.role for o in d.owners.all()),
        "lead_organisation": lambda d: d.lead_organisation.name,
        "delivering_unit": lambda d: d.delivering_unit,
        "expected_benefits": lambda d: d.expected_benefits,
        "strands": lambda d: "; ".join(s.name for s in d.strands.all()),
        "status": lambda d: d.get_status_display(),
        "rag": lambda d: d.get_rag_display(),
        "percent_complete": lambda d: (
            "" if d.percent_complete is None else d.percent_complete
        ),
        "forecast_date": lambda d: d.forecast_date,
        "merged_into": lambda d: _text(d.merged_into, "reference"),
    }.items()
]


# The filterset's method filters have no label of their own ("[invalid name]").
FILTER_LABELS = {
    "q": "Search",
    "owner": "Owner",
    "late": "Late",
    "needs_update": "Needs an update",
    "under_priority": "Under a priority",
    "period": "Needs an update for",
    "sort": "Sort by",
}


def _in_view(data, plans):
    """The plan in view, as a query of its id: the one chosen, the chosen
    priority's or strand's, or the person's only plan (``plans()`` reads theirs,
    only when it comes to that)."""
    if str(data.get("plan", "")).isdigit():
        return Plan.objects.filter(pk=data["plan"]).values("pk")
    if str(data.get("priority", "")).isdigit():
        return Priority.objects.filter(pk=data["priority"]).values("plan_id")
    if str(data.get("strand", "")).isdigit():
        return Strand.objects.filter(pk=data["strand"]).values("plan_id")
    if len(only := plans()) == 1:
        return Plan.objects.filter(pk=only[0]["pk"]).values("pk")
    return Plan.objects.none().values("pk")


def plan_to_change(user, data) -> Plan | None:
    """The plan in view (as the filters choose it), when the person edits it: its
    deliverables on the list may be chosen and changed together. A few queries,
    whatever the list shows."""
    in_view = _in_view(
        data, lambda: list(Plan.objects.visible_to(user).values("pk")[:2])
    )
    if in_view.query.is_empty():
        return None
    plan = (
        Plan.objects.visible_to(user)
        .filter(pk__in=in_view)
        .select_related("owner")
        .first()
    )
    return plan if plan is not None and edits_plan(user, plan) else None


def filter_choices(user, data) -> dict:
    """The lists of the deliverables filter: every plan the person can see, and the
    priorities, strands and lead organisations of the plan in view (the one chosen,
    the chosen priority's or strand's, or the person's only plan), so that the form
    does not grow with every plan in the service."""
    plans = list(
        Plan.objects.visible_to(user)
        .order_by("-starts_on", "title", "pk")
        .values("pk", "title")
    )
    in_view = _in_view(data, lambda: plans)
    leads = Deliverable.objects.visible_to(user).filter(
        lead_organisation=OuterRef("pk")
    )
    if in_view.query.is_empty():
        organisations = Organisation.objects.filter(Exists(leads))
    else:
        organisations = Organisation.objects.filter(
            Exists(leads.filter(plan__in=in_view))
        )
    return {
        "plans": plans,
        "plan_in_view": not in_view.query.is_empty(),
        "periods": ReportingPeriod.objects.visible_to(user)
        .filter(plan__in=in_view)
        .order_by("starts_on", "pk"),
        "organisations": organisations.order_by("name").values("pk", "name"),
        "strands": Strand.objects.visible_to(user)
        .filter(plan__in=in_view)
        .select_related("plan")
        .order_by("name", "pk"),
        "priorities": Priority.objects.visible_to(user)
        .filter(plan__in=in_view)
        .select_related("plan")
        .order_by("position", "reference"),
    }


class DeliverableListView(ScopedMixin, ListView):
    """Deliverables with filters, sorting, paging and export of what is shown."""

    model = Deliverable
    template_name = "deliverables/deliverable_list.html"

    def get_queryset(self):
        base = (
            super()
            .get_queryset()
            .select_related("plan", "objective__priority", "lead_organisation")
            .prefetch_related("owners")
            .order_by("plan", "position", "reference")
        )
        self.filterset = DeliverableFilter(
            self.request.GET or None, queryset=base, request=self.request
        )
        for name, label in FILTER_LABELS.items():
            self.filterset.form.fields[name].label = label
        # The filters' own help is written for the API; the page says it in words.
        fields = self.filterset.form.fields
        fields["late"].help_text = (
            "Its forecast (or, without one, its milestone) ended before today, and it "
            "is not completed, stopped, merged or split."
        )
        fields["needs_update"].help_text = (
            "No accepted or waiting update for the reporting period, and not "
            "completed, stopped, merged or split."
        )
        if self.filterset.is_bound and self.filterset.is_valid():
            return self.filterset.qs
        return base if not self.filterset.is_bound else base.none()

    def get(self, request, *args, **kwargs):
        old_link = respelt(request.GET)
        # A body handed to its successor: the same list for the successor.
        old_link = (
            readdressed(old_link or request.GET, ["lead_organisation"]) or old_link
        )
        if old_link is not None:
            return redirect(f"{request.path}?{old_link.urlencode()}")
        rows = self.get_queryset()
        export = request.GET.get("export")
        if export in {"csv", "xlsx"} and (
            not self.filterset.is_bound or self.filterset.is_valid()
        ):
            return self.export(rows, export)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context = {
            "filter": self.filterset,
            "form": self.filterset.form,
            "page": page,
            "deliverables": page.object_list,
            "query": query.urlencode(),
            # The plan whose rows may be chosen and changed together, and the way
            # back to this list as it is filtered.
            "change_plan": plan_to_change(request.user, request.GET),
            "back": request.GET.urlencode(),
        }
        template = self.template_name
        if request.htmx and request.htmx.target == "results":
            template += "#results"
        else:
            context.update(filter_choices(request.user, request.GET))
        return render(request, template, context)

    def export(self, rows, kind):
        rows = rows.select_related(
            "objective__priority__parent", "merged_into"
        ).prefetch_related("strands")
        table = [[name for name, _ in EXPORT_COLUMNS]]
        table += [[get(d) for _, get in EXPORT_COLUMNS] for d in rows]
        filename = f"deliverables-{timezone.localdate().isoformat()}.{kind}"
        if kind == "csv":
            return csv_response(table, filename)
        return xlsx_response([("Deliverables", table)], filename)


class DeliverableDetailView(ScopedMixin, DetailView):
    """A deliverable's facts, milestones, update timeline and history of edits."""

    model = Deliverable
    template_name = "deliverables/deliverable_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "plan",
                "objective__priority",
                "lead_organisation",
                "lead_user",
                "merged_into",
                "split_from",
            )
            .prefetch_related(
                "owners",
                "strands",
                "split_into",
                Prefetch(
                    "milestones", Milestone.objects.order_by("position", "due_date_end")
                ),
                Prefetch(
                    "updates",
                    with_attachments(
                        # Waiting and returned updates only for the plan's bodies
                        # (deliverables.visibility).
                        ProgressUpdate.objects.seen_by(self.request.user)
                        .select_related(
                            "period",
                            "recorded_by",
                            "api_client",
                            "review__reviewed_by",
                            "merged_into",
                        )
                        .annotate(together=_changed_together())
                        .order_by("-recorded_at", "-id"),
                        self.request.user,
                    ),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deliverable = self.object
        records = list(
            deliverable.history.select_related("history_user").order_by(
                "-history_date", "-history_id"
            )[:50]
        )
        context.update(
            # In words: labels, choices, dates, and names (one query per kind).
            edits=edits_in_words(records),
            may_edit=edits_plan(self.request.user, deliverable.plan),
            may_merge=edits_plan(self.request.user, deliverable.plan)
            and not deliverable.is_closed,
            may_record=may_record_progress(self.request.user, deliverable),
            today=timezone.localdate(),
        )
        return context


def _changed_together():
    """How many updates an update's step recorded (its ``group``'s), in the same
    query: none for an update of its own."""
    return Subquery(
        ProgressUpdate.objects.filter(group=OuterRef("group"))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )


class DeliverablePage(ScopedPage):
    """A page about one deliverable (the URL's ``pk``), for anyone who can see it."""

    scope_model = Deliverable
    scope_attr = "deliverable"
    scope_related = ("plan",)


class DeliverableWriterPage(DeliverablePage):
    """A page that records progress on a deliverable: its lead's and owners' writers
    and the plan's editors (``may_record_progress``)."""

    needs = may_record_progress


class RecordProgressView(ConflictMixin, DeliverableWriterPage, FormView):
    form_class = ProgressWithEvidenceForm
    template_name = "deliverables/record_progress.html"

    def versioned(self):
        return [self.deliverable]

    def get_initial(self):
        return self.initial_for(self.deliverable)

    def initial_for(self, d):
        return {
            "status": d.status if d.status != Status.MERGED else Status.IN_PROGRESS,
            "rag": d.rag,
            "percent_complete": d.percent_complete,
            "forecast_date": d.forecast_date,
        }

    @cached_property
    def periods(self):
        return list(self.deliverable.plan.reporting_periods.all())

    def get_form_kwargs(self):
        """The plan's periods, and those this person may record for today: the open
        ones, and for the plan's editors any earlier one not locked."""
        today = timezone.localdate()
        editor = edits_plan(self.request.user, self.deliverable.plan)
        choices = periods_to_record_for(self.periods, today, editor=editor)
        return super().get_form_kwargs() | {
            "editor": editor,
            "periods": self.periods,
            "choices": choices,
            "offer": period_to_offer(choices, today),
            "today": today,
        }

    def get_context_data(self, **kwargs):
        # The quarter an update written today would belong to, when its report has
        # locked it: said at the top, since it is not offered.
        usual = period_for_day(self.periods, timezone.localdate())
        return super().get_context_data(
            deliverable=self.deliverable,
            locked=usual if usual is not None and usual.is_locked else None,
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            # The update and its evidence are saved together, or neither is.
            with transaction.atomic():
                (update,) = record_progress(
                    changes=[
                        Change(
                            deliverable=self.deliverable,
                            period=data["period"],
                            status=data["status"],
                            rag=data["rag"],
                            percent_complete=data["percent_complete"],
                            forecast_date=data["forecast_date"],
                            narrative=data["narrative"],
                            reason=data["reason"],
                            if_match=self.version_sent(form) or None,
                        )
                    ],
                    by=self.request.user,
                    source=ProgressUpdate.Source.BROWSER,
                )
                attach_from_progress_form(form, update=update, by=self.request.user)
        except StaleVersion:
            # Refused before the evidence was attached: no file was stored.
            return self.conflicted(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if update.requires_review:
            messages.success(
                self.request, "Update sent: it will show once an editor accepts it."
            )
        else:
            messages.success(self.request, "Progress recorded.")
        return redirect(
            reverse("deliverables:detail", args=[self.deliverable.pk]) + "#timeline"
        )


class ReviewQueueView(LoginRequiredMixin, View):
    """Contributors' updates waiting for an editor of the plan to accept or return."""

    template_name = "deliverables/review_queue.html"

    def waiting(self):
        return (
            ProgressUpdate.objects.filter(
                deliverable__plan_id__in=list(
                    plans_edited_by(self.request.user).values_list("pk", flat=True)
                ),
                requires_review=True,
                review__isnull=True,
            )
            .select_related("deliverable__plan", "period", "recorded_by", "api_client")
            .order_by("recorded_at", "id")
        )

    def get(self, request):
        if not plans_edited_by(request.user).exists():
            raise Http404
        return render(
            request,
            self.template_name,
            {"updates": self.waiting(), "return_form": ReturnForm()},
        )

    def post(self, request):
        update = get_object_or_404(self.waiting(), pk=request.POST.get("update"))
        if request.POST.get("decision") == "accept":
            try:
                accept_update(update=update, by=request.user)
            except ValidationError as refused:
                # Its period was locked (a report published) since it was sent.
                messages.error(request, " ".join(refused.messages))
                return redirect("deliverables:review-queue")
            messages.success(
                request, f"Accepted the update on {update.deliverable.reference}."
            )
            return redirect("deliverables:review-queue")
        form = ReturnForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                self.template_name,
                {
                    "updates": self.waiting(),
                    "return_form": form,
                    "form": form,  # base.html: "Error: " in the page title
                    "failed": update.pk,
                },
                status=400,
            )
        return_update(
            update=update, by=request.user, comment=form.cleaned_data["comment"]
        )
        messages.success(
            request, f"Returned the update on {update.deliverable.reference}."
        )
        return redirect("deliverables:review-queue")


class MergeView(ConflictMixin, DeliverablePage, FormView):
    """Merge other deliverables of the plan into this one (plan editors only)."""

    form_class = MergeForm
    template_name = "deliverables/merge.html"
    scope_attr = "umbrella"
    needs = edits_plan_of

    def candidates(self):
        return (
            Deliverable.objects.filter(plan_id=self.umbrella.plan_id)
            .exclude(pk=self.umbrella.pk)
            .open()
            .order_by("position", "reference")
        )

    def versioned(self):
        # The umbrella and every deliverable offered: the page shows them all.
        return [self.umbrella, *self.candidates()]

    def get_form_kwargs(self):
        return (
            super().get_form_kwargs()
            | {"candidates": self.candidates()}
            | periods_offered(self.umbrella.plan)
        )

    def form_invalid(self, form):
        # A chosen deliverable someone else closed meanwhile is no longer offered:
        # say what happened to it rather than only "Select a valid choice".
        chosen = [pk for pk in form.data.getlist("merged") if pk.isdigit()]
        changed = self.changed_since_read(
            form, [self.umbrella, *Deliverable.objects.filter(pk__in=chosen)]
        )
        if changed:
            return self.conflicted(form, subjects=changed)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(deliverable=self.umbrella, **kwargs)

    def form_valid(self, form):
        try:
            merged = merge_deliverables(
                umbrella=self.umbrella,
                merged=list(form.cleaned_data["merged"]),
                reason=form.cleaned_data["reason"],
                by=self.request.user,
                period=form.cleaned_data["period"],
                if_match=parse_versions(self.version_sent(form) or self.loaded_version),
            )
        except StaleVersion:
            return self.conflicted(
                form, subjects=[self.umbrella, *form.cleaned_data["merged"]]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Merged {len(merged)} deliverable"
            f"{'s' if len(merged) != 1 else ''} into this one.",
        )
        return redirect("deliverables:detail", self.umbrella.pk)


class SplitView(ConflictMixin, DeliverablePage, FormView):
    """Split this deliverable into several new ones (plan editors only)."""

    form_class = SplitForm
    template_name = "deliverables/split.html"
    needs = edits_plan_of

    def versioned(self):
        return [self.deliverable]

    def get_context_data(self, **kwargs):
        return super().get_context_data(deliverable=self.deliverable, **kwargs)

    def form_valid(self, form):
        try:
            parts = split_deliverable(
                deliverable=self.deliverable,
                titles=form.cleaned_data["titles"].splitlines(),
                reason=form.cleaned_data["reason"],
                by=self.request.user,
                if_match=self.version_sent(form) or self.loaded_version,
            )
        except StaleVersion:
            return self.conflicted(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Split into {len(parts)} deliverables.")
        return redirect("deliverables:detail", self.deliverable.pk)


def periods_offered(plan: Plan) -> dict:
    """What a plan editor's choice of period needs (``PeriodChoiceMixin``): the
    plan's periods, those open to them today, and the one to start on."""
    today = timezone.localdate()
    periods = list(plan.reporting_periods.all())
    choices = periods_to_record_for(periods, today, editor=True)
    return {
        "periods": periods,
        "choices": choices,
        "offer": period_to_offer(choices, today),
        "today": today,
    }


class ChangeSeveralView(ConflictMixin, PlanEditorPage, FormView):
    """Change several deliverables of a plan at once, for one reason: put them on
    hold, re-date or stop them, or merge them into a deliverable of the plan or a
    new one (plan editors only).

    Reached from the deliverables list, whose form sends the ones ticked there
    (``deliverables``) and the list's own query (``back``), to come back to it as
    it was filtered. The page's own form says so with ``step``, and carries the
    ones it offered (``offered``), so that one unticked is still offered when the
    form is shown again."""

    form_class = ChangeSeveralForm
    template_name = "deliverables/change_several.html"
    STEP = "change"

    @cached_property
    def sent(self) -> QueryDict:
        return self.request.POST if self.request.method == "POST" else self.request.GET

    @cached_property
    def submitted(self) -> bool:
        return self.request.method == "POST" and self.sent.get("step") == self.STEP

    @cached_property
    def chosen(self) -> list[Deliverable]:
        """The deliverables the page offers: those ticked on the list."""
        sent = self.sent.getlist("offered" if self.submitted else "deliverables")
        return list(self.chosen_query([pk for pk in sent if pk.isdigit()]))

    def chosen_query(self, ids):
        # Whatever the person may see: one of another plan is refused by the
        # service, in words, beside the list.
        return (
            Deliverable.objects.visible_to(self.request.user)
            .filter(pk__in=ids)
            .order_by("position", "reference", "pk")
        )

    @cached_property
    def back(self) -> str:
        """The list's query, as sent (only its parameters: never another address)."""
        return QueryDict(self.sent.get("back", "")).urlencode()

    def back_url(self) -> str:
        url = reverse("deliverables:list")
        return f"{url}?{self.back}" if self.back else url

    def versioned(self):
        return self.chosen

    def get(self, request, *args, **kwargs):
        return self.arrive()

    def post(self, request, *args, **kwargs):
        if not self.submitted:
            return self.arrive()
        return super().post(request, *args, **kwargs)

    def arrive(self):
        """From the list: the form, with the deliverables ticked there."""
        if not self.chosen:
            messages.error(
                self.request,
                "Choose the deliverables to change: tick them in the list, then "
                "choose “Change the chosen deliverables”.",
            )
            return redirect(self.back_url())
        return self.render_to_response(self.get_context_data())

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if not self.submitted:
            kwargs.pop("data", None)
            kwargs.pop("files", None)
        ids = [d.pk for d in self.chosen]
        return (
            kwargs
            | {
                "initial": {"deliverables": ids},
                "chosen": self.chosen_query(ids).select_related("plan"),
                "plan_work": Deliverable.objects.visible_in(
                    self.plan, self.request.user
                ).filter(plan=self.plan),
            }
            | periods_offered(self.plan)
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            plan=self.plan,
            offered=self.chosen,
            back=self.back,
            back_url=self.back_url(),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        chosen, action = list(data["deliverables"]), data["action"]
        by = self.request.user
        versions = parse_versions(self.version_sent(form) or self.loaded_version)
        umbrella = None
        try:
            if action == form.MERGE:
                umbrella = data["umbrella"]
                merge_deliverables(
                    umbrella=umbrella,
                    merged=chosen,
                    reason=data["reason"],
                    by=by,
                    period=data["period"],
                    # The one to merge into was typed, not read: as it is now.
                    if_match={**versions, umbrella.pk: "*"},
                )
            elif action == form.MERGE_NEW:
                umbrella = merge_into_new(
                    plan=self.plan,
                    merged=chosen,
                    title=data["title"],
                    reference=data["reference"],
                    reason=data["reason"],
                    by=by,
                    period=data["period"],
                    if_match=versions,
                )
            else:
                change_several(
                    plan=self.plan,
                    deliverables=chosen,
                    action={
                        form.HOLD: GroupAction.HOLD,
                        form.REDATE: GroupAction.REDATE,
                        form.STOP: GroupAction.STOP,
                    }[action],
                    reason=data["reason"],
                    by=by,
                    period=data["period"],
                    forecast_date=data["forecast_date"],
                    if_match=versions,
                )
        except StaleVersion:
            return self.conflicted(form)
        except ValidationError as error:
            # The merges call the chosen ones "merged"; this form, "deliverables".
            add_service_errors(
                form,
                ValidationError(
                    {
                        ("deliverables" if name == "merged" else name): problems
                        for name, problems in error.message_dict.items()
                    }
                ),
            )
            return self.form_invalid(form)
        messages.success(self.request, self.done(form, len(chosen), umbrella))
        return redirect(self.back_url())

    def done(self, form, count: int, umbrella):
        """The banner's words: how many changed, and where a merge went."""
        many = f"{count} deliverable{'s' if count != 1 else ''}"
        action = form.cleaned_data["action"]
        if umbrella is not None:
            new = " new" if action == form.MERGE_NEW else ""
            return format_html(
                'Merged {} into the{} deliverable <a class="govuk-notification-'
                'banner__link" href="{}">{} {}</a>.',
                many,
                new,
                reverse("deliverables:detail", args=[umbrella.pk]),
                umbrella.reference,
                umbrella.title,
            )
        if action == form.REDATE:
            return f"Re-dated {many} to {form.cleaned_data['forecast_date']}."
        if action == form.STOP:
            return f"Stopped {many}: they will not proceed."
        return f"Put {many} on hold."
