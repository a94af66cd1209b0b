"""Importing a plan's action table in the browser: upload, say how its columns are
read (proposed, or as saved for that layout), check what it would do, confirm.

Nothing is written to the plan until the editor confirms, and nothing at all if any
row is bad. The uploaded file waits in the database between the steps (see
``deliverables.uploads``), so each step may reach any app server; what the editor
chose so far waits in their session under the upload's token.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from deliverables import mapping as columns
from deliverables.import_forms import ColumnsForm, ImportForm
from deliverables.importing import (
    ImportFailed,
    default_period,
    import_plan,
    mapping_for,
    periods_for_import,
    preview_import,
    save_mapping,
)
from deliverables.models import PendingUpload
from deliverables.upload_errors import RowError
from deliverables.uploads import (
    claim_upload,
    discard_uploads,
    hold_upload,
    readable_file,
)
from plans.models import Plan, ReportingPeriod
from plans.selectors import bodies_edited_by

#: How many of a file's rows the column step reads to propose and show examples.
SAMPLE = 200
#: The first step's fields besides the file: kept for uploading the file again.
DETAILS = ("organisation", "plan", "reference", "title", "starts_on", "ends_on")


class ImportStep(LoginRequiredMixin, View):
    """What every step shares: editors of a policing body only; the upload and the
    choices so far, found by the token in the address and the editor's session."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not bodies_edited_by(request.user).exists():
                raise Http404
            token = kwargs.get("token")
            handles = hasattr(self, request.method.lower())
            if token is not None and handles and self.saved(token) is None:
                messages.error(
                    request, "That upload has expired: upload the file again."
                )
                return redirect("deliverables:import")
        return super().dispatch(request, *args, **kwargs)

    def saved(self, token: str) -> dict[str, Any] | None:
        """The choices so far, while the upload is still held for this editor."""
        saved = self.request.session.get(f"import-{token}")
        if (
            saved is None
            or not PendingUpload.objects.filter(
                token=token,
                purpose=PendingUpload.Purpose.PLAN_IMPORT,
                uploaded_by=self.request.user,
            ).exists()
        ):
            return None
        return saved

    def keep(self, token: str, saved: dict[str, Any]) -> None:
        self.request.session[f"import-{token}"] = saved

    def pending(self, token: str) -> PendingUpload:
        return PendingUpload.objects.get(
            token=token,
            purpose=PendingUpload.Purpose.PLAN_IMPORT,
            uploaded_by=self.request.user,
        )

    def organisation(self, saved: dict[str, Any]):
        return bodies_edited_by(self.request.user).get(pk=saved["organisation"])

    def plan(self, saved: dict[str, Any]) -> Plan | None:
        if not saved["plan"]:
            return None
        return Plan.objects.filter(
            pk=saved["plan"], owner__in=bodies_edited_by(self.request.user)
        ).first()

    def arguments(self, saved: dict[str, Any], path) -> dict[str, Any]:
        plan = self.plan(saved)
        return {
            "path": path,
            "owner": plan.owner if plan else self.organisation(saved),
            "plan_reference": plan.reference if plan else saved["reference"],
            "plan_title": saved["title"],
            "starts_on": _day(saved["starts_on"]),
            "ends_on": _day(saved["ends_on"]),
            "mapping": columns.Mapping(**saved["mapping"]),
            "period": self.period(saved, plan),
            "by": self.request.user,
        }

    def period(self, saved: dict[str, Any], plan: Plan | None):
        if plan is None or not saved.get("period"):
            return None
        return ReportingPeriod.objects.filter(pk=saved["period"], plan=plan).first()


def _day(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


class ImportPlanView(ImportStep):
    """The first step: the file, and the plan it goes into."""

    template_name = "deliverables/import.html"

    def form(self, data=None, files=None):
        bodies = bodies_edited_by(self.request.user)
        return ImportForm(
            data,
            files,
            organisations=bodies,
            plans=Plan.objects.filter(owner__in=bodies).order_by("-starts_on"),
        )

    def get(self, request):
        form = self.form()
        # "Upload a corrected file" comes back with the plan's details as given.
        again = request.GET.get("again", "")
        saved = self.saved(again) if again else None
        if saved is not None:
            form.initial = {name: saved[name] for name in DETAILS}
            form.initial |= {
                name: _day(saved[name]) for name in ("starts_on", "ends_on")
            }
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        upload = form.cleaned_data["file"]
        earlier = [k for k in request.session.keys() if k.startswith("import-")]
        for key in earlier:
            request.session.pop(key, None)
        discard_uploads(tokens=[key.removeprefix("import-") for key in earlier])
        pending = hold_upload(
            purpose=PendingUpload.Purpose.PLAN_IMPORT, upload=upload, by=request.user
        )
        organisation = form.cleaned_data["organisation"]
        plan = form.cleaned_data["plan"]
        if plan is not None:
            organisation = plan.owner
        try:
            with readable_file(pending) as path:
                table = columns.read_table(path, limit=SAMPLE)
        except ImportFailed as failure:
            pending.delete()
            again = self.form()  # the file again, with the plan's details kept
            again.initial = {name: form.cleaned_data[name] for name in DETAILS}
            return render(
                request,
                self.template_name,
                {
                    "form": again,
                    "errors": failure.errors,
                    "file_name": upload.name,
                },
                status=400,
            )
        chosen = mapping_for(organisation=organisation, table=table)
        saved = {
            "organisation": organisation.pk,
            "plan": plan.pk if plan else None,
            "reference": form.cleaned_data["reference"],
            "title": form.cleaned_data["title"],
            "starts_on": str(form.cleaned_data["starts_on"] or ""),
            "ends_on": str(form.cleaned_data["ends_on"] or ""),
            "file_name": upload.name,
            "mapping": {
                "columns": chosen.mapping.columns,
                "headings": chosen.mapping.headings,
            },
            "mapping_source": chosen.source,
            "notes": chosen.notes,
            "period": None,
        }
        self.keep(pending.token, saved)
        if chosen.ready:
            return redirect("deliverables:import-check", pending.token)
        return redirect("deliverables:import-columns", pending.token)


class ImportColumnsView(ImportStep):
    """The second step: which field each column holds, proposed and corrected; the
    choice is saved for the organisation's next upload of the same layout."""

    template_name = "deliverables/import_columns.html"

    def context(self, token: str, saved: dict[str, Any], table, form) -> dict:
        return {
            "form": form,
            "token": token,
            "file_name": saved["file_name"],
            "notes": saved.get("notes", []),
            "source": saved.get("mapping_source"),
            "headings": columns.heading_rows(table)[:5],
            "table": table,
        }

    def table(self, token: str):
        with readable_file(self.pending(token)) as path:
            return columns.read_table(path, limit=SAMPLE)

    def get(self, request, token):
        saved = self.saved(token) or {}
        table = self.table(token)
        form = ColumnsForm(
            table=table, initial_mapping=columns.Mapping(**saved["mapping"])
        )
        return render(
            request, self.template_name, self.context(token, saved, table, form)
        )

    def post(self, request, token):
        saved = self.saved(token) or {}
        table = self.table(token)
        form = ColumnsForm(request.POST, table=table)
        if not form.is_valid():
            return render(
                request,
                self.template_name,
                self.context(token, saved, table, form),
                status=400,
            )
        chosen = form.mapping()
        save_mapping(
            organisation=self.organisation(saved),
            table=table,
            mapping=chosen,
            by=request.user,
        )
        saved["mapping"] = {"columns": chosen.columns, "headings": chosen.headings}
        saved["mapping_source"] = "chosen"
        saved["notes"] = []
        self.keep(token, saved)
        return redirect("deliverables:import-check", token)


class ImportCheckView(ImportStep):
    """The third step: what the import would do (or every problem, by row and
    column), then confirm. Changes of status in an existing plan go into a period
    the editor may choose."""

    template_name = "deliverables/import_preview.html"

    def get(self, request, token):
        saved = self.saved(token) or {}
        return self.show(token, saved)

    def show(self, token: str, saved: dict[str, Any], status: int = 200):
        plan = self.plan(saved)
        with readable_file(self.pending(token)) as path:
            table = columns.read_table(path, limit=SAMPLE)
            try:
                result = preview_import(**self.arguments(saved, path))
            except ImportFailed as failure:
                result, errors = None, failure.errors
            else:
                errors = []
        chosen = columns.Mapping(**saved["mapping"])
        # A problem named by the file's own heading for the field, where it has one.
        headers = {
            name: header or f"Column {i + 1}"
            for i, (header, name) in enumerate(
                zip(table.header, chosen.columns, strict=False)
            )
            if name
        }
        errors = [
            RowError(
                e.row,
                headers.get(e.column, columns.FIELD_LABELS.get(e.column, e.column)),
                e.message,
            )
            for e in errors
        ]
        periods = periods_for_import(plan) if plan else []
        period = self.period(saved, plan) or (default_period(plan) if plan else None)
        return render(
            self.request,
            self.template_name,
            {
                "token": token,
                "file_name": saved["file_name"],
                "result": result,
                "errors": errors,
                "plan": plan,
                "periods": periods,
                "period": period,
                "new_plan": f"{saved['reference']} {saved['title']}".strip(),
                "read_as": [
                    # A column left out reads "Left out" (the template's), not as
                    # the choice "Leave out".
                    (
                        header or f"Column {i + 1}",
                        columns.FIELD_LABELS.get(name, "") if name else "",
                    )
                    for i, (header, name) in enumerate(
                        zip(table.header, chosen.columns, strict=False)
                    )
                ],
                "headings": chosen.headings,
                "source": saved.get("mapping_source"),
                "columns_url": reverse("deliverables:import-columns", args=[token]),
            },
            status=status if not errors else 400,
        )

    def post(self, request, token):
        saved = self.saved(token) or {}
        if "period" in request.POST and "confirm" not in request.POST:
            plan = self.plan(saved)
            chosen = str(request.POST["period"])
            offered = {str(p.pk) for p in (periods_for_import(plan) if plan else [])}
            saved["period"] = int(chosen) if chosen in offered else None
            self.keep(token, saved)
            return self.show(token, saved)
        pending = claim_upload(
            token=token, purpose=PendingUpload.Purpose.PLAN_IMPORT, by=request.user
        )
        if pending is None:
            messages.error(request, "That upload has expired: upload the file again.")
            return redirect("deliverables:import")
        try:
            with readable_file(pending) as path:
                result = import_plan(**self.arguments(saved, path))
        except ImportFailed:
            # Something changed since the check: show it, with the file kept.
            return self.show(token, saved)
        pending.delete()
        request.session.pop(f"import-{token}", None)
        messages.success(request, f"Imported {saved['file_name']}: {result.summary()}.")
        return redirect("plans:detail", result.plan.pk)
