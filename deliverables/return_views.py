"""Quarterly returns as spreadsheets: the page for a plan's period, the download, and
the upload -> preview -> confirm journey.

The rules live in ``deliverables.returns`` and the services; these views only check who
may do what, keep the uploaded file between preview and confirm (in the database, see
``deliverables.uploads``), and show the outcome.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from core.forms import GovukFormMixin
from core.spreadsheets import XLSX
from deliverables import returns
from deliverables.importing import ImportFailed
from deliverables.models import Deliverable, DeliverableOwner, PendingUpload
from deliverables.uploads import claim_upload, discard_uploads, hold_upload
from plans.models import ReportingPeriod
from plans.permissions import edits_plan
from plans.views import PlanPage

MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb", ".xls")


class ReturnUploadForm(GovukFormMixin, forms.Form):
    workbook = forms.FileField(
        label="Filled-in return",
        help_text="The Excel workbook (.xlsx) downloaded from this page, filled in. "
        "Up to 5 MB.",
        error_messages={"required": "Choose the filled-in return to upload."},
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        name = upload.name.lower()
        if name.endswith(MACRO_SUFFIXES):
            raise forms.ValidationError(
                "Upload the return as an Excel workbook (.xlsx): save it without "
                "macros, as .xlsx, and upload it again."
            )
        if not name.endswith(".xlsx"):
            raise forms.ValidationError("The file must be an Excel workbook (.xlsx).")
        if upload.size > returns.MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        return upload


def _form_with(problems: list) -> ReturnUploadForm:
    """A form showing the file's problems: those of the file as a whole beside the
    upload field, and a summary line for the rows'."""
    form = ReturnUploadForm(data={}, files={})
    form.full_clean()
    form.errors.pop("workbook", None)
    for problem in problems:
        if problem.row == 0:
            form.add_error("workbook", problem.message)
    rows = [p for p in problems if p.row]
    if rows:
        form.add_error(
            None,
            f"The workbook has {len(rows)} problem{'s' if len(rows) != 1 else ''}: "
            "nothing was recorded. Correct each one in the workbook and upload it "
            "again.",
        )
    return form


class ReturnsMixin(PlanPage):
    """The plan and period in the URL, and the organisations whose returns this
    person may send: 404 for a plan or period they cannot see, 403 when they send
    none of its returns."""

    def scoped(self, found):
        self.period = get_object_or_404(
            self.plan.reporting_periods.all(), pk=self.kwargs["period"]
        )
        self.period.plan = self.plan
        self.organisations = list(
            returns.organisations_returning_for(self.request.user, self.plan)
        )
        # What this page needs: to send some of the plan's returns, or to edit it.
        if not self.organisations and not edits_plan(self.request.user, self.plan):
            self.refuse()

    def refuse(self):
        raise PermissionDenied("You do not send returns for this plan.")


class ReturnsView(ReturnsMixin, View):
    """A period's returns: a download for each organisation that leads or owns work,
    and the upload of a filled-in return."""

    template_name = "deliverables/return_list.html"

    def get(self, request, plan, period):
        return self.page(request, ReturnUploadForm())

    def page(self, request, form, problems=(), file_name="", status=200):
        state = self.period.state_on(timezone.localdate())
        return render(
            request,
            self.template_name,
            {
                "plan": self.plan,
                "period": self.period,
                "state": state,
                "state_label": ReportingPeriod.State(state).label,
                "organisations": self.counted(),
                "form": form,
                "problems": [p for p in problems if p.row],
                "file_name": file_name,
            },
            status=status,
        )

    def counted(self):
        """Each organisation with how many deliverables it leads or owns, and how many
        of those still need an update for the period, in three queries."""
        parties: dict[int, set[int]] = {o.pk: set() for o in self.organisations}
        leads = Deliverable.objects.filter(plan=self.plan).values_list(
            "lead_organisation_id", "pk"
        )
        owners = DeliverableOwner.objects.filter(
            deliverable__plan=self.plan, organisation__in=list(parties)
        ).values_list("organisation_id", "deliverable_id")
        for organisation_id, deliverable_id in [*leads, *owners]:
            if organisation_id in parties:
                parties[organisation_id].add(deliverable_id)
        waiting = set(
            Deliverable.objects.needs_update_in(self.period).values_list(
                "pk", flat=True
            )
        )
        for organisation in self.organisations:
            organisation.deliverable_count = len(parties[organisation.pk])
            organisation.needing_update = len(parties[organisation.pk] & waiting)
        return self.organisations

    def post(self, request, plan, period):
        if "token" in request.POST:
            return self.confirm(request)
        form = ReturnUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        upload = form.cleaned_data["workbook"]
        try:
            filled = self.read(upload)
            returns.preview_return(filled, by=request.user)
        except ImportFailed as failure:
            return self.page(
                request,
                _form_with(failure.errors),
                failure.errors,
                file_name=upload.name,
                status=400,
            )
        token = ""
        if filled.to_record:
            forget_uploads(request.session)
            upload.seek(0)
            token = hold_upload(
                purpose=PendingUpload.Purpose.RETURN,
                upload=upload,
                by=request.user,
                plan=self.plan,
                period=self.period,
            ).token
            request.session[f"return-{token}"] = {
                "plan": self.plan.pk,
                "period": self.period.pk,
                "name": upload.name[:200],
            }
        return render(
            request,
            "deliverables/return_preview.html",
            {
                "plan": self.plan,
                "period": self.period,
                "filled": filled,
                "token": token,
                "file_name": upload.name,
            },
        )

    def read(self, source) -> returns.FilledReturn:
        return returns.read_return(
            source,
            plan=self.plan,
            period=self.period,
            organisations=self.organisations,
            by=self.request.user,
        )

    def confirm(self, request):
        token = request.POST["token"]
        saved = (
            request.session.pop(f"return-{token}", None) if token.isalnum() else None
        )
        pending = (
            claim_upload(
                token=token,
                purpose=PendingUpload.Purpose.RETURN,
                by=request.user,
                plan=self.plan,
                period=self.period,
            )
            if saved
            else None
        )
        if pending is None:
            messages.error(request, "That upload has expired: upload the return again.")
            return redirect("plans:returns", plan=self.plan.pk, period=self.period.pk)
        try:
            filled = self.read(io.BytesIO(bytes(pending.content)))
            updates = returns.record_return(filled, by=request.user)
        except ImportFailed as failure:
            return self.page(
                request,
                _form_with(failure.errors),
                failure.errors,
                file_name=saved["name"],
                status=400,
            )
        finally:
            pending.delete()
        messages.success(request, _summary(filled, updates, saved["name"]))
        return redirect("plans:returns", plan=self.plan.pk, period=self.period.pk)


def _summary(filled: returns.FilledReturn, updates, name: str) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} {what}{'' if n == 1 else 's'}"

    waiting = sum(1 for u in updates if u.requires_review)
    parts = [f"{count(len(updates) - waiting, 'update')} recorded from {name}."]
    if waiting:
        parts.append(
            f"{count(waiting, 'update')} sent for review: "
            f"{'it' if waiting == 1 else 'they'} will show once an editor accepts "
            f"{'it' if waiting == 1 else 'them'}."
        )
    skipped = len(filled.already_recorded)
    if skipped:
        parts.append(f"{count(skipped, 'row')} already recorded.")
    return " ".join(parts)


def forget_uploads(session) -> None:
    """Only the latest checked upload can be confirmed: drop any earlier one, and its
    file, so abandoned previews do not pile up."""
    keys = [k for k in session.keys() if k.startswith("return-")]
    for key in keys:
        session.pop(key, None)
    discard_uploads(tokens=[key.removeprefix("return-") for key in keys])


class ReturnDownloadView(ReturnsMixin, View):
    """One organisation's return for the period, as a workbook to fill in."""

    def get(self, request, plan, period, organisation):
        chosen = next((o for o in self.organisations if o.pk == organisation), None)
        if chosen is None:
            raise PermissionDenied("You cannot download this organisation's return.")
        content = returns.build_return(
            plan=self.plan, period=self.period, organisation=chosen, by=request.user
        )
        response = HttpResponse(content, content_type=XLSX)
        name = returns.file_name(self.period, chosen)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
