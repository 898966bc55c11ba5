"""The coaching API under /api/v1/coaching/ (included from funnel_crm.urls); each area
keeps its routes in its own module."""

from django.urls import path

from coaching import api
from coaching.notes_urls import api_urlpatterns as notes_api_urlpatterns
from coaching.targets_urls import api_urlpatterns as targets_api_urlpatterns
from coaching.trend_urls import api_urlpatterns as trend_api_urlpatterns

urlpatterns = [
    path("coaching/funnel/", api.FunnelView.as_view(), name="api-coaching-funnel"),
    *trend_api_urlpatterns,
    *notes_api_urlpatterns,
    *targets_api_urlpatterns,
]
