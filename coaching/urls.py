"""The coaching pages, under /coaching/; each area keeps its routes in its own module."""

from django.urls import include, path

app_name = "coaching"

urlpatterns = [
    path("", include("coaching.dashboard_urls")),
    path("", include("coaching.notes_urls")),
    # Targets (业绩目标): the lead's grid and setting one month's target.
    path("", include("coaching.targets_urls")),
    # The weekly trend and the weekly review (周会) with its Excel export.
    path("", include("coaching.trend_urls")),
]
