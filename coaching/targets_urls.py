"""Targets: the pages (included from ``coaching.urls`` under /coaching/) and the API
(``api_urlpatterns``, included from funnel_crm/urls.py under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from coaching import targets_api, targets_views

urlpatterns = [
    path("targets/", targets_views.TargetGridView.as_view(), name="targets"),
    path("targets/set/", targets_views.TargetEditView.as_view(), name="target_set"),
]

router = SimpleRouter()
router.register("coaching/targets", targets_api.TargetViewSet, basename="target")
api_urlpatterns = router.urls
