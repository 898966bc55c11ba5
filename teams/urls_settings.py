"""The company settings pages (/settings/); the pipeline and checklist settings add
their own pages under the same prefix, and every page shows the one tab bar
(``teams.context_processors.SETTINGS_TABS``)."""

from django.urls import path

from teams import views_settings

app_name = "settings"

urlpatterns = [
    path("settings/", views_settings.CompanySettingsView.as_view(), name="general"),
    path("settings/robots/", views_settings.RobotSettingsView.as_view(), name="robots"),
]
