"""The coaching pages, under /coaching/; each area keeps its routes in its own module."""

from django.urls import include, path

app_name = "coaching"

urlpatterns = [
    path("", include("coaching.notes_urls")),
]
