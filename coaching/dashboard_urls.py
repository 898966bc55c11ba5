"""The coaching dashboard's pages (coaching/dashboard_views.py)."""

from django.urls import path

from coaching import dashboard_views

urlpatterns = [
    path("", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path("projects/", dashboard_views.ProjectsBehindView.as_view(), name="projects"),
    path("me/", dashboard_views.RepPageView.as_view(), name="me"),
]
