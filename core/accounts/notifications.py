"""A person's choice of e-mails about progress updates: the service that saves it,
and the account page's form that posts to it.

What is sent, and when, is the deliverables app's (``deliverables.notifications``);
the platform only keeps each person's choice (``core.models.NotificationChoices``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from core.accounts.forms import notifications_form
from core.accounts.views import AccountPage
from core.actors import Writer, edits_anywhere
from core.models import NotificationChoices


@transaction.atomic
def choose_notifications(
    *,
    user: Any,
    by: Writer,
    when_returned: bool,
    when_accepted: bool,
    review_digest: bool,
) -> NotificationChoices:
    """Save which notifications ``user`` gets, recording who chose (``by``) and when."""
    choices, _ = NotificationChoices.objects.select_for_update().get_or_create(
        user=user
    )
    choices.when_returned = when_returned
    choices.when_accepted = when_accepted
    choices.review_digest = review_digest
    choices.changed_by = by
    choices.changed_at = timezone.now()
    choices.save()
    return choices


class NotificationsView(AccountPage):
    """Save the choices made in the account page's "E-mail notifications" section."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        form = notifications_form(user, request.POST)
        if not form.is_valid():
            return render(
                request,
                "accounts/notifications.html",
                {"notifications_form": form, "form": form},
                status=400,
            )
        chosen = set(form.cleaned_data["notifications"])
        current = NotificationChoices.of(user)
        choose_notifications(
            user=user,
            by=user,
            when_returned="when_returned" in chosen,
            when_accepted="when_accepted" in chosen,
            # Not offered to someone who reviews nothing: kept as it was.
            review_digest=(
                "review_digest" in chosen
                if edits_anywhere(user)
                else current.review_digest
            ),
        )
        messages.success(request, "Your e-mail notifications have been saved.")
        return redirect("accounts:account")
