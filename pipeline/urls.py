from django.urls import path

from pipeline.views import project_writes

app_name = "pipeline"

urlpatterns = []

# The project page's pipeline sections (pipeline/views/project_sections.py, project_writes.py).
urlpatterns += [
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
]
