"""The API's URLs: /api/v1/ resources, the OpenAPI schema and its interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from deliverables.api.views import (
    DeliverableViewSet,
    MilestoneViewSet,
    ProgressUpdateViewSet,
)
from plans.api.views import (
    IndicatorViewSet,
    ObjectiveViewSet,
    OrganisationViewSet,
    PlanViewSet,
    PriorityViewSet,
    StrandViewSet,
)
from plans.oauth import RevokeTokenView, TokenView
from scrutiny.api.views import (
    DecisionNoticeViewSet,
    PublishedReportViewSet,
    ScrutinyActionViewSet,
)


class NoSuchEndpoint(APIView):
    """Any other URL under /api/: a 404 in problem details, as every API error is,
    rather than the site's HTML page (say /api/v1/plans/1.5/, which no route takes).

    It answers before authentication, permissions or throttling, whatever the method,
    and is not part of the schema.
    """

    schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound()


router = DefaultRouter()
router.register("organisations", OrganisationViewSet)
router.register("plans", PlanViewSet)
router.register("priorities", PriorityViewSet)
router.register("objectives", ObjectiveViewSet)
router.register("strands", StrandViewSet)
router.register("deliverables", DeliverableViewSet)
router.register("milestones", MilestoneViewSet)
router.register("progress-updates", ProgressUpdateViewSet)
router.register("indicators", IndicatorViewSet)
router.register("decision-notices", DecisionNoticeViewSet)
router.register("reports", PublishedReportViewSet)
router.register("scrutiny-actions", ScrutinyActionViewSet)

urlpatterns = [
    path("api/v1/", include(router.urls)),
    # Resources nested deeper than the router goes (a plan's period's commentary).
    path("api/v1/", include("scrutiny.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # A page to read: GET (and HEAD) only, so OPTIONS is a plain 405. The split
        # view serves the script that starts Swagger UI from this same address
        # (?script), so the page keeps to our Content Security Policy: nothing inline.
        SpectacularSwaggerSplitView.as_view(
            url_name="schema",
            http_method_names=["get", "head"],
            template_name="api/docs.html",
            title="API reference",
        ),
        name="api-docs",
    ),
    # Only the token endpoints of OAuth 2.0: forces use the client-credentials grant.
    # Both throttled on failed client authentications, errors as problem details.
    path("o/token/", TokenView.as_view(), name="oauth-token"),
    path("o/revoke_token/", RevokeTokenView.as_view(), name="oauth-revoke"),
    # Last, and only for paths ending in a slash, so that APPEND_SLASH still sends
    # /api/v1/plans on to /api/v1/plans/.
    # (Any character at all, newlines too: a fuzzer sends them.)
    re_path(r"^api/(?:[\s\S]*/)?$", NoSuchEndpoint.as_view(), name="api-not-found"),
]
