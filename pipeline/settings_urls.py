"""Routes of the settings pages (admins), under /settings/; names start with ``settings``."""

from django.urls import path

from pipeline.views import settings as views

urlpatterns = [
    path("settings/pipelines/", views.PipelineListView.as_view(), name="settings"),
    path("settings/pipelines/new/", views.PipelineCreateView.as_view(), name="settings_pipeline_create"),
    path("settings/pipelines/<int:pk>/", views.PipelineDetailView.as_view(), name="settings_pipeline"),
    path(
        "settings/pipelines/<int:pk>/archive/",
        views.PipelineArchiveView.as_view(),
        name="settings_pipeline_archive",
    ),
    path(
        "settings/pipelines/<int:pk>/restore/",
        views.PipelineRestoreView.as_view(),
        name="settings_pipeline_restore",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/new/",
        views.StageCreateView.as_view(),
        name="settings_stage_create",
    ),
    path("settings/stages/<int:pk>/", views.StageUpdateView.as_view(), name="settings_stage"),
    path("settings/stages/<int:pk>/shift/", views.StageShiftView.as_view(), name="settings_stage_shift"),
    path("settings/stages/<int:pk>/archive/", views.StageArchiveView.as_view(), name="settings_stage_archive"),
    path("settings/stages/<int:pk>/restore/", views.StageRestoreView.as_view(), name="settings_stage_restore"),
    path("settings/stages/<int:pk>/delete/", views.StageDeleteView.as_view(), name="settings_stage_delete"),
    path("settings/stages/<int:pk>/checks/", views.ExitCheckAddView.as_view(), name="settings_check_add"),
    path(
        "settings/checks/<int:pk>/severity/",
        views.ExitCheckSeverityView.as_view(),
        name="settings_check_severity",
    ),
    path("settings/checks/<int:pk>/delete/", views.ExitCheckRemoveView.as_view(), name="settings_check_delete"),
    path("settings/lost-reasons/", views.LostReasonListView.as_view(), name="settings_lost_reasons"),
    path("settings/lost-reasons/<int:pk>/", views.LostReasonUpdateView.as_view(), name="settings_lost_reason"),
    path(
        "settings/lost-reasons/<int:pk>/shift/",
        views.LostReasonShiftView.as_view(),
        name="settings_lost_reason_shift",
    ),
    path(
        "settings/lost-reasons/<int:pk>/active/",
        views.LostReasonActiveView.as_view(),
        name="settings_lost_reason_active",
    ),
    path(
        "settings/lost-reasons/<int:pk>/delete/",
        views.LostReasonDeleteView.as_view(),
        name="settings_lost_reason_delete",
    ),
    path("settings/changes/", views.SettingsChangeListView.as_view(), name="settings_changes"),
]
