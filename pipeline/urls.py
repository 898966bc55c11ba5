from django.urls import path

app_name = "pipeline"

urlpatterns = []

# My day and logging a contact.
from pipeline.views import log_contact, my_day  # noqa: E402

urlpatterns += [
    path("my-day/", my_day.MyDayView.as_view(), name="my_day"),
    path("my-day/projects/<int:pk>/log/", my_day.LogContactView.as_view(), name="my_day_log"),
    path("my-day/<slug:section>/", my_day.MyDaySectionView.as_view(), name="my_day_section"),
    path("activities/new/", log_contact.ActivityCreateView.as_view(), name="activity_create"),
]
