"""The pipeline's pages; each area keeps its routes in its own module."""

from django.urls import path

from pipeline.board_urls import urlpatterns as board_urlpatterns
from pipeline.settings_urls import urlpatterns as settings_urlpatterns
from pipeline.views import log_contact, my_day

app_name = "pipeline"

urlpatterns = [
    # My day and logging a contact.
    path("my-day/", my_day.MyDayView.as_view(), name="my_day"),
    path("my-day/projects/<int:pk>/log/", my_day.LogContactView.as_view(), name="my_day_log"),
    path("my-day/<slug:section>/", my_day.MyDaySectionView.as_view(), name="my_day_section"),
    path("activities/new/", log_contact.ActivityCreateView.as_view(), name="activity_create"),
    # The Board: projects by stage, moved by drag or a card's "move to" menu.
    *board_urlpatterns,
    # Settings (admins): pipelines, stages, exit checks, lost reasons, the change log.
    *settings_urlpatterns,
]
