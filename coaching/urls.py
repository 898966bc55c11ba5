"""The coaching pages; each area keeps its routes in its own module."""

from django.urls import include, path

app_name = "coaching"

urlpatterns = [
    path("", include("coaching.dashboard_urls")),
]
