from django.urls import path  # noqa: F401  (each page module adds its routes below)

from pipeline.views.importing import PROJECT_IMPORT_PAGES

app_name = "pipeline"

urlpatterns = []

urlpatterns += PROJECT_IMPORT_PAGES.urlpatterns("projects/import/")
