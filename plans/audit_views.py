"""The audit log's pages: an organisation's events, filtered, paged and exported.

Only the organisation's administrators (and superusers) may read it.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views import View

from core import audit
from core.actors import roles_of, sees_everything
from core.changes import describe_events
from core.forms import GovukDateField, GovukFormMixin
from core.models import AuditEvent
from core.spreadsheets import csv_response, xlsx_response
from plans.models import ApiClient, Membership, Organisation
from plans.views import OrganisationAdminPage

PAGE_SIZE = 50


def object_type_choices() -> list[tuple[str, str]]:
    """Every kind of record the log holds, by name."""
    kinds = [
        (model._meta.label, str(model._meta.verbose_name).capitalize())
        for model in apps.get_models()
        if audit.is_audited(model)
    ]
    return sorted(kinds, key=lambda kind: kind[1])


class AuditFilterForm(GovukFormMixin, forms.Form):
    since = GovukDateField(
        label="From", required=False, help_text="For example, 1 4 2026"
    )
    until = GovukDateField(
        label="To", required=False, help_text="For example, 30 6 2026"
    )
    who = forms.ChoiceField(label="Person or API client", required=False)
    object_type = forms.ChoiceField(label="Kind of record", required=False)
    action = forms.ChoiceField(label="Action", required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        people = (
            Membership.objects.filter(organisation=organisation)
            .exclude(user__api_client__isnull=False)
            .select_related("user")
            .order_by("user__username")
        )
        clients = ApiClient.objects.filter(organisation=organisation).order_by("name")
        self.fields["who"].choices = [
            ("", "Anyone"),
            *[
                (
                    f"user:{m.user_id}",
                    m.user.get_full_name() or m.user.get_username(),
                )
                for m in people
            ],
            *[(f"client:{c.pk}", f"{c.name} (API client)") for c in clients],
        ]
        self.fields["object_type"].choices = [
            ("", "Any kind"),
            *object_type_choices(),
        ]
        self.fields["action"].choices = [("", "Any action"), *AuditEvent.Action.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until", "The end date must be the same as or after the start date."
            )
        return data

    def apply(self, events: Any) -> Any:
        """The events that match the filters (all of them when none is set)."""
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        if data.get("since"):
            start = datetime.datetime.combine(data["since"], datetime.time.min, zone)
            events = events.filter(at__gte=start)
        if data.get("until"):
            day_after = data["until"] + datetime.timedelta(days=1)
            end = datetime.datetime.combine(day_after, datetime.time.min, zone)
            events = events.filter(at__lt=end)
        kind, _, key = (data.get("who") or "").partition(":")
        if kind == "user":
            events = events.filter(actor_id=int(key), api_client__isnull=True)
        elif kind == "client":
            events = events.filter(api_client_id=int(key))
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        return events


EXPORT_HEADER = [
    "When",
    "Action",
    "Kind of record",
    "Record id",
    "Record",
    "Changes",
    "Who",
    "API client",
    "Via",
    "Address",
    "Request",
    "Browser or program",
]


def export_row(event: AuditEvent) -> list[Any]:
    when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S")
    return [
        when,
        event.get_action_display(),
        event.object_kind,
        event.object_id,
        event.object_text,
        "\n".join(event.changes_in_words()),
        event.who,
        event.api_client.name if event.api_client_id else "",
        event.get_via_display(),
        event.address,
        event.request,
        event.user_agent,
    ]


class AuditIndexView(LoginRequiredMixin, View):
    """The audit logs this person may read: straight to it when there is one.

    A list, not a page about one organisation: it reads the organisations from the
    person's roles (those ``plans.permissions.administers`` lets in), once."""

    def get(self, request):
        if sees_everything(request.user):
            organisations = list(Organisation.objects.order_by("name"))
        else:
            admin_of = [
                org
                for org, role in roles_of(request.user).items()
                if role == Membership.Role.ADMIN
            ]
            if not admin_of:
                # A page of a role they hold nowhere: 404 (docs/permissions.md).
                raise Http404
            organisations = list(
                Organisation.objects.filter(pk__in=admin_of).order_by("name")
            )
        if len(organisations) == 1:
            return redirect("audit:log", organisation=organisations[0].pk)
        return render(
            request, "plans/audit_index.html", {"organisations": organisations}
        )


class AuditLogView(OrganisationAdminPage, View):
    """An organisation's audit log, for its administrators (anyone else signed in:
    403): filters, pages of 50, and the filtered events as CSV or XLSX."""

    methods_first = True

    def get(self, request, organisation):
        organisation = self.organisation
        form = AuditFilterForm(request.GET or None, organisation=organisation)
        events = (
            AuditEvent.objects.concerning([organisation.pk])
            .select_related("actor", "api_client")
            .order_by("-at", "-id")
        )
        if form.is_bound:
            events = form.apply(events) if form.is_valid() else events.none()
        export = request.GET.get("format")
        if export in {"csv", "xlsx"} and (not form.is_bound or form.is_valid()):
            return self.export(events, export, organisation)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        describe_events(shown)
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        return render(
            request,
            "plans/audit_log.html",
            {
                "organisation": organisation,
                "form": form,
                "page": page,
                "events": shown,
                "query": query.urlencode(),
            },
        )

    def export(self, events, kind, organisation):
        rows = [EXPORT_HEADER]
        for batch in itertools.batched(events.iterator(chunk_size=2000), 2000):
            describe_events(batch)
            rows += [export_row(event) for event in batch]
        slug = slugify(organisation.short_name or organisation.name) or "organisation"
        filename = f"audit-log-{slug}-{timezone.localdate().isoformat()}.{kind}"
        if kind == "csv":
            return csv_response(rows, filename)
        return xlsx_response([("Audit log", rows)], filename)
