from django.urls import path

from teams import views_jobs

app_name = "jobs"

urlpatterns = [
    path("jobs/<int:pk>/", views_jobs.JobDetailView.as_view(), name="detail"),
    path("jobs/<int:pk>/progress/", views_jobs.JobProgressView.as_view(), name="progress"),
    path("jobs/<int:pk>/cancel/", views_jobs.JobCancelView.as_view(), name="cancel"),
]
