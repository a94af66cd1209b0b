"""Pages for evidence: adding it to an update, opening it, and marking it public.

Evidence is never served from a public folder: every file goes through
``EvidenceFileView``, which finds it among what the person may see (signed out, only
what a public plan's published report shows) and answers 404 otherwise.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csp import csp_override
from django.views.generic import FormView
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from core.api.authentication import ClientCredentialsAuthentication
from core.api.permissions import READ_SCOPE
from core.forms import add_service_errors
from core.views import ScopedPage
from deliverables import evidence
from deliverables.forms import EvidenceForm, ProgressWithEvidenceForm
from deliverables.models import Attachment, ProgressUpdate
from deliverables.permissions import may_add_evidence, may_publish_evidence


def attach_from_progress_form(
    form: ProgressWithEvidenceForm, *, update: ProgressUpdate, by: Any
) -> list[Attachment]:
    """Attach the record-progress form's file and link, if given, to the new update.

    Raises ValidationError keyed by the form's own field names, so that the caller can
    roll the update back and show each problem beside its field.
    """
    data = form.cleaned_data
    added = []
    try:
        if data.get("evidence_file"):
            added.append(
                evidence.attach_file(update=update, by=by, file=data["evidence_file"])
            )
        if data.get("evidence_url"):
            added.append(
                evidence.attach_link(
                    update=update,
                    by=by,
                    url=data["evidence_url"],
                    title=data.get("evidence_url_title", ""),
                )
            )
    except ValidationError as error:
        # The caller rolls the rows back; a file already stored goes with them.
        for attachment in added:
            evidence.discard_file(attachment)
        names = {service: field for field, service in form.EVIDENCE_FIELDS.items()}
        raise ValidationError(
            {names.get(key, key): value for key, value in error.message_dict.items()}
        ) from error
    return added


def _timeline_of(update: ProgressUpdate, anchor: str = "") -> str:
    url = reverse("deliverables:detail", args=[update.deliverable_id])
    return f"{url}#{anchor or f'update-{update.pk}'}"


class AddEvidenceView(ScopedPage, FormView):
    """Add a file or a link to an update after it was recorded."""

    form_class = EvidenceForm
    template_name = "deliverables/add_evidence.html"
    scope_model, scope_attr = ProgressUpdate, "update"
    scope_related = ("deliverable__plan", "period", "recorded_by")
    needs = may_add_evidence

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            update=self.update,
            deliverable=self.update.deliverable,
            attachments=evidence.attachments_for(self.request.user).filter(
                update=self.update
            ),
            limit=evidence.max_per_update(),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data.get("file"):
                added = evidence.attach_file(
                    update=self.update,
                    by=self.request.user,
                    file=data["file"],
                    title=data["title"],
                )
            else:
                added = evidence.attach_link(
                    update=self.update,
                    by=self.request.user,
                    url=data["url"],
                    title=data["title"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Added “{added.title}” to the update.")
        return redirect(_timeline_of(self.update, f"evidence-{added.pk}"))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def _reader(request) -> Any:
    """Who is asking: the signed-in person, or the account of an API client whose
    bearer token has the read scope (the API gives clients these URLs)."""
    if request.user.is_authenticated or "Authorization" not in request.headers:
        return request.user
    try:
        found = ClientCredentialsAuthentication().authenticate(Request(request))
    except AuthenticationFailed:  # a token that is not valid opens nothing
        return request.user
    if found is None:
        return request.user
    user, token = found
    client = getattr(token.application, "api_client", None)
    if client is None or client.revoked_at is not None:
        return request.user
    if not token.allow_scopes([READ_SCOPE]):
        return request.user
    return user


# Every file is a download. Should a browser show one all the same (a PDF viewer that
# ignores the header), it is in a sandbox of its own: a unique origin with no scripts,
# no forms, no cookies of ours and nothing it may load or frame.
EVIDENCE_CSP = {
    "default-src": [CSP.NONE],
    "sandbox": True,
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
}


@method_decorator(csp_override(EVIDENCE_CSP), name="dispatch")
class EvidenceFileView(View):
    """Send an evidence file to someone who may see it, always as a download (PDFs
    and pictures too: a file shown from the service's own address could run as its
    page), in a sandbox and never sniffed as another type."""

    def get(self, request, pk):
        attachment = get_object_or_404(
            Attachment.objects.visible_to(_reader(request)).exclude(file=""), pk=pk
        )
        try:
            stored = evidence.open_file(attachment)
        except FileNotFoundError as missing:
            raise Http404("The file is no longer stored.") from missing
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=evidence.download_name(attachment),
            # Only the kinds we accept; anything else as plain bytes.
            content_type=(
                attachment.content_type
                if attachment.content_type in evidence.BY_CONTENT_TYPE
                else "application/octet-stream"
            ),
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Only the person allowed to see it: no shared cache may keep a copy.
        response["Cache-Control"] = "private, no-cache"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response


def _publishes(actor, attachment) -> bool:
    return may_publish_evidence(actor, attachment.update)


class EvidencePublicView(ScopedPage, View):
    """A plan editor marks whether the evidence shows with the published report."""

    methods_first = True

    scope_model, scope_attr = Attachment, "attachment"
    scope_related = ("update__deliverable__plan",)
    needs = _publishes

    def post(self, request, pk):
        attachment = self.attachment
        make_public = request.POST.get("is_public") == "true"
        evidence.set_attachment_public(
            attachment=attachment, by=request.user, is_public=make_public
        )
        if make_public:
            note = "will show with the plan's published reports"
        else:
            note = "no longer shows with the plan's published reports"
        messages.success(request, f"“{attachment.title}” {note}.")
        return redirect(_timeline_of(attachment.update, f"evidence-{attachment.pk}"))
