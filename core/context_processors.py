"""Values every page needs: the service's name, brand and the menu for this person."""

from django.conf import settings
from django.urls import reverse

from core.actors import WRITING, administers_anywhere, edits_anywhere, roles_of


def service(request):
    user = getattr(request, "user", None)
    items = []
    # No menu for someone who still owes a two-factor code (accounts.middleware).
    owes_code = getattr(request, "owes_two_factor_code", False)
    if user is not None and user.is_authenticated and not owes_code:
        items = [
            (reverse("plans:list"), "Plans"),
            (reverse("deliverables:list"), "Deliverables"),
            (reverse("scrutiny:overview"), "Dashboards"),
        ]
        if any(role in WRITING for role in roles_of(user).values()):
            items.append((reverse("deliverables:tasks"), "Your tasks"))
        if edits_anywhere(user):
            items.append((reverse("deliverables:review-queue"), "Review"))
            items.append((reverse("deliverables:import"), "Import"))
        if administers_anywhere(user):
            items.append((reverse("audit:index"), "Audit log"))
        items.append((reverse("accounts:account"), "Your account"))
    return {
        "service_name": settings.SERVICE_NAME,
        "brand_colour": settings.BRAND_COLOUR,
        "phase": settings.PHASE,
        "nav_items": items,
    }
