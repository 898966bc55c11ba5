"""The coaching API under /api/v1/coaching/ (included from funnel_crm.urls); each area
registers its own routes here."""

from coaching.trend_urls import api_urlpatterns as trend_api_urlpatterns

urlpatterns = [
    *trend_api_urlpatterns,
]
