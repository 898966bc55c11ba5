"""The coaching pages; each area keeps its routes in its own module."""

from coaching.trend_urls import urlpatterns as trend_urlpatterns

app_name = "coaching"

urlpatterns = [
    # The weekly trend and the weekly review (周会) with its Excel export.
    *trend_urlpatterns,
]
