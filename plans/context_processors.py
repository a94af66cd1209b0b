"""Values every page needs: the service's name, brand and the menu for this person."""

from django.conf import settings
from django.urls import reverse

from plans.permissions import EDITORS
from plans.querysets import roles_of


def service(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items = [
            (reverse("plans:list"), "Plans"),
            (reverse("deliverables:list"), "Deliverables"),
            (reverse("scrutiny:overview"), "Dashboards"),
        ]
        if user.is_superuser or set(roles_of(user).values()) & set(EDITORS):
            items.append((reverse("deliverables:review-queue"), "Review"))
            items.append((reverse("deliverables:import"), "Import"))
    return {
        "service_name": settings.SERVICE_NAME,
        "brand_colour": settings.BRAND_COLOUR,
        "phase": settings.PHASE,
        "nav_items": items,
    }
