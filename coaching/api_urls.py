"""The coaching API under /api/v1/coaching/ (included from funnel_crm.urls); each area
registers its own routes here."""

from rest_framework.routers import SimpleRouter

from coaching import targets_api

router = SimpleRouter()
router.register("coaching/targets", targets_api.TargetViewSet, basename="target")

urlpatterns = router.urls
