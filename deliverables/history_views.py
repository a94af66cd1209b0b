"""Bringing a plan's earlier quarters in from a history file, in the browser: upload,
preview, confirm. Plan editors only.

The rules live in ``deliverables.history_import``; this page checks who may use it,
keeps the uploaded file between the preview and the confirmation (in the database,
see ``deliverables.uploads``), and shows the outcome.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.datastructures import MultiValueDict
from django.views import View

from core.forms import GovukFormMixin
from deliverables.history_import import (
    HistoryResult,
    import_history,
    preview_history,
)
from deliverables.models import PendingUpload
from deliverables.upload_errors import ImportFailed, RowError
from deliverables.uploads import (
    claim_upload,
    discard_uploads,
    hold_upload,
    readable_file,
)
from plans.views import PlanEditorPage

#: The largest file the page takes.
MAX_BYTES = 5 * 1024 * 1024
SESSION_PREFIX = "history-"


class HistoryUploadForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="History file",
        help_text="A CSV or Excel (.xlsx) file with one row per deliverable per "
        "quarter, in the columns of the history guide. Up to 5 MB.",
        error_messages={"required": "Choose the history file to upload."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                "The file must be a CSV or an Excel .xlsx file."
            )
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        return upload


def _form_with(problems: list[RowError]) -> HistoryUploadForm:
    """An upload form showing the problems of the file as a whole (it cannot be
    read, its header is wrong) beside its field."""
    form = HistoryUploadForm(data={}, files=MultiValueDict())
    form.full_clean()
    form.errors.pop("file", None)
    for problem in problems:
        where = (
            "" if problem.row == 0 else f"Row {problem.row}, column {problem.column}: "
        )
        form.add_error("file", where + problem.message)
    return form


class HistoryImportView(PlanEditorPage, View):
    """Upload a plan's history, see what it records in each period and every problem,
    then confirm. Nothing is written until the editor confirms, and nothing at all if
    any row is bad."""

    methods_first = True
    template_name = "deliverables/history_import.html"

    def get(self, request, plan):
        return self.page(request, HistoryUploadForm())

    def page(self, request, form, status=200):
        first = self.plan.reporting_periods.order_by("starts_on").first()
        return render(
            request,
            self.template_name,
            {"plan": self.plan, "form": form, "example": first.label if first else ""},
            status=status,
        )

    def preview(self, request, result: HistoryResult, *, token, file_name, status):
        return render(
            request,
            "deliverables/history_preview.html",
            {
                "plan": self.plan,
                "result": result,
                "token": token,
                "file_name": file_name,
                "form": HistoryUploadForm(),
            },
            status=status,
        )

    def post(self, request, plan):
        if "token" in request.POST:
            return self.confirm(request)
        form = HistoryUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        upload = form.cleaned_data["file"]
        self.forget_uploads(request.session)
        pending = hold_upload(
            purpose=PendingUpload.Purpose.PLAN_HISTORY,
            upload=upload,
            by=request.user,
            plan=self.plan,
        )
        try:
            with readable_file(pending) as path:
                result = preview_history(plan=self.plan, path=path, by=request.user)
        except ImportFailed as failure:
            pending.delete()
            return self.page(request, _form_with(failure.errors), status=400)
        if result.errors:
            pending.delete()
            return self.preview(
                request, result, token="", file_name=upload.name, status=400
            )
        request.session[f"{SESSION_PREFIX}{pending.token}"] = {
            "plan": self.plan.pk,
            "name": upload.name[:200],
        }
        return self.preview(
            request, result, token=pending.token, file_name=upload.name, status=200
        )

    def confirm(self, request):
        token = request.POST["token"]
        saved = (
            request.session.pop(f"{SESSION_PREFIX}{token}", None)
            if token.isalnum()
            else None
        )
        pending = None
        if saved is not None and saved["plan"] == self.plan.pk:
            pending = claim_upload(
                token=token,
                purpose=PendingUpload.Purpose.PLAN_HISTORY,
                by=request.user,
                plan=self.plan,
            )
        if saved is None or pending is None:
            messages.error(request, "That upload has expired: upload the file again.")
            return redirect("plans:history-import", plan=self.plan.pk)
        try:
            with readable_file(pending) as path:
                result = import_history(plan=self.plan, path=path, by=request.user)
        except ImportFailed as failure:
            # Something changed since the preview (a period locked, say).
            refused = HistoryResult(plan=self.plan, errors=failure.errors)
            return self.preview(
                request, refused, token="", file_name=saved["name"], status=400
            )
        finally:
            pending.delete()
        messages.success(
            request,
            f"{result.updates:,} update{'' if result.updates == 1 else 's'} "
            f"brought in from {saved['name']}. {result.summary()}.",
        )
        return redirect("plans:periods", plan=self.plan.pk)

    @staticmethod
    def forget_uploads(session) -> None:
        """Only the latest checked file can be confirmed: drop any earlier one, and
        its file, so abandoned previews do not pile up."""
        keys = [k for k in session.keys() if k.startswith(SESSION_PREFIX)]
        for key in keys:
            session.pop(key, None)
        discard_uploads(tokens=[key.removeprefix(SESSION_PREFIX) for key in keys])
