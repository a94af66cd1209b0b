"""A body's transfer to its successor, in the admin, for superusers only.

**Organisations**, choose the body, action "Transfer to a successor": a form (the
successor, the day it takes effect) prepares the transfer; the review page lists
every membership with a ticked box (untick to leave them behind) and what moves;
"Carry out the transfer" does it in one transaction. The transfers themselves are a
read-only list.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from plans.models import Organisation
from plans.succession import wording
from plans.succession.models import BodyTransfer
from plans.succession.services import (
    cancel_transfer,
    carry_out_transfer,
    prepare_transfer,
    preview,
    review_list,
)


class TransferForm(forms.Form):
    to_body = forms.ModelChoiceField(
        label="Successor",
        queryset=Organisation.objects.none(),
        help_text="The body that takes over this body's functions.",
    )
    takes_effect_on = forms.DateField(
        label="Takes effect on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="It may be prepared ahead, but is carried out only on or after "
        "this day.",
    )

    def __init__(self, *args: Any, from_body: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_body"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.exclude(pk=from_body.pk)


def _superuser_only(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only superusers transfer a body to its successor.")


class SuccessionAdminMixin:
    """Adds "Transfer to a successor" to the organisations' admin."""

    actions = ["transfer_to_successor"]

    def has_transfer_permission(self, request: HttpRequest) -> bool:
        """Only superusers are offered the transfer."""
        return request.user.is_superuser

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(
                "<int:pk>/transfer/",
                wrap(self.transfer_view),
                name="plans_organisation_transfer",
            ),
            path(
                "<int:pk>/transfer/<int:transfer>/",
                wrap(self.review_view),
                name="plans_organisation_transfer_review",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    @admin.action(description="Transfer to a successor", permissions=["transfer"])
    def transfer_to_successor(self, request: HttpRequest, queryset: Any) -> Any:
        _superuser_only(request)
        if queryset.count() != 1:
            self.message_user(  # type: ignore[attr-defined]
                request, "Choose one body to transfer at a time.", messages.ERROR
            )
            return None
        return redirect("admin:plans_organisation_transfer", queryset.get().pk)

    def _context(self, request: HttpRequest, body: Organisation, **more: Any) -> dict:
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": Organisation._meta,
            "body": body,
            **more,
        }

    def transfer_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Step 1: the successor and the day; prepares the transfer."""
        _superuser_only(request)
        body = get_object_or_404(Organisation, pk=pk)
        in_progress = BodyTransfer.objects.filter(
            from_body=body, state=BodyTransfer.State.PREPARED
        ).first()
        if in_progress is not None:
            return redirect(
                "admin:plans_organisation_transfer_review", body.pk, in_progress.pk
            )
        form = TransferForm(
            request.POST or None,
            from_body=body,
            initial={"takes_effect_on": timezone.localdate()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                transfer = prepare_transfer(
                    from_body=body,
                    to_body=form.cleaned_data["to_body"],
                    takes_effect_on=form.cleaned_data["takes_effect_on"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                return redirect(
                    "admin:plans_organisation_transfer_review", body.pk, transfer.pk
                )
        return TemplateResponse(
            request,
            "admin/plans/organisation/transfer.html",
            self._context(
                request, body, form=form, title=f"Transfer {body} to a successor"
            ),
        )

    def review_view(self, request: HttpRequest, pk: int, transfer: int) -> HttpResponse:
        """Step 2: review the memberships and what moves; carry out or cancel."""
        _superuser_only(request)
        found = get_object_or_404(
            BodyTransfer.objects.select_related("from_body", "to_body", "prepared_by"),
            pk=transfer,
            from_body_id=pk,
        )
        body = found.from_body
        error = None
        if request.method == "POST" and found.state == BodyTransfer.State.PREPARED:
            try:
                if "cancel" in request.POST:
                    cancel_transfer(transfer=found, by=request.user)  # type: ignore[arg-type]
                    self.message_user(  # type: ignore[attr-defined]
                        request, f"The transfer of {body} is cancelled."
                    )
                    return redirect("admin:plans_organisation_change", body.pk)
                moving = [int(v) for v in request.POST.getlist("moves") if v.isdigit()]
                done = carry_out_transfer(
                    transfer=found,
                    moving_user_ids=moving,
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    f"{body} is transferred to {done.to_body}: "
                    f"{wording.in_a_sentence(done.summary)} moved.",
                    messages.SUCCESS,
                )
                return redirect(
                    "admin:plans_organisation_transfer_review", body.pk, done.pk
                )
        if found.state == BodyTransfer.State.PREPARED:
            # Taken again: a member who joined since it was prepared is listed too.
            memberships = review_list(body)
            summary = preview(body, found.to_body, memberships=memberships)
        else:
            memberships = found.memberships
            summary = found.summary
        return TemplateResponse(
            request,
            "admin/plans/organisation/transfer_review.html",
            self._context(
                request,
                body,
                title=f"Transfer {body} to {found.to_body}",
                transfer=found,
                memberships=memberships,
                counts=wording.counts(summary),
                notes=wording.notes(summary),
                error=error,
                form_url=reverse(
                    "admin:plans_organisation_transfer_review", args=[pk, found.pk]
                ),
            ),
        )


@admin.register(BodyTransfer)
class BodyTransferAdmin(admin.ModelAdmin):
    """Transfers, read-only: superusers see them all, nobody else any."""

    list_display = [
        "from_body",
        "to_body",
        "takes_effect_on",
        "state",
        "prepared_by",
        "completed_by",
        "completed_at",
    ]
    list_filter = ["state"]
    list_select_related = ["from_body", "to_body", "prepared_by", "completed_by"]
    search_fields = ["from_body__name", "to_body__name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
