"""The pipeline's pages; each area keeps its routes in its own module."""

from django.urls import path

from pipeline.board_urls import urlpatterns as board_urlpatterns
from pipeline.settings_urls import urlpatterns as settings_urlpatterns
from pipeline.views import log_contact, my_day, project_writes
from pipeline.views.importing import PROJECT_IMPORT_PAGES

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
    # The project page's pipeline sections (pipeline/views/project_sections.py, project_writes.py).
    path("projects/<int:pk>/pipeline/move/", project_writes.StageMoveView.as_view(), name="project_move"),
    path("projects/<int:pk>/pipeline/budget/", project_writes.BudgetChangeView.as_view(), name="project_budget"),
    path(
        "projects/<int:pk>/pipeline/competitors/",
        project_writes.CompetitorSaveView.as_view(),
        name="project_competitor_add",
    ),
    path(
        "projects/<int:pk>/pipeline/competitors/<int:competitor_pk>/",
        project_writes.CompetitorSaveView.as_view(),
        name="project_competitor_edit",
    ),
    path(
        "projects/<int:pk>/pipeline/competitors/<int:competitor_pk>/status/",
        project_writes.CompetitorStatusView.as_view(),
        name="project_competitor_status",
    ),
    path(
        "projects/<int:pk>/pipeline/key-dates/<slug:kind>/",
        project_writes.KeyDateSaveView.as_view(),
        name="project_key_date",
    ),
    path("projects/<int:pk>/pipeline/activities/", project_writes.ActivityLogView.as_view(), name="project_activity"),
    path(
        "projects/<int:pk>/pipeline/activities/more/",
        project_writes.ActivityPageView.as_view(),
        name="project_activities",
    ),
    path("projects/<int:pk>/pipeline/changes/", project_writes.TimelinePageView.as_view(), name="project_changes"),
    path(
        "projects/<int:pk>/pipeline/budget-changes/",
        project_writes.BudgetChangePageView.as_view(),
        name="project_budget_changes",
    ),
    # Import of existing deals.
    *PROJECT_IMPORT_PAGES.urlpatterns("projects/import/"),
]
