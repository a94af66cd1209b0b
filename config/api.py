"""The API's URLs: /api/v1/ resources, the OpenAPI schema and its interactive docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider import views as oauth_views
from rest_framework.routers import DefaultRouter

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
)
from scrutiny.api.views import DecisionNoticeViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet)
router.register("plans", PlanViewSet)
router.register("priorities", PriorityViewSet)
router.register("objectives", ObjectiveViewSet)
router.register("deliverables", DeliverableViewSet)
router.register("milestones", MilestoneViewSet)
router.register("progress-updates", ProgressUpdateViewSet)
router.register("indicators", IndicatorViewSet)
router.register("decision-notices", DecisionNoticeViewSet)

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    # Only the token endpoints of OAuth 2.0: forces use the client-credentials grant.
    path("o/token/", oauth_views.TokenView.as_view(), name="oauth-token"),
    path("o/revoke_token/", oauth_views.RevokeTokenView.as_view(), name="oauth-revoke"),
]
