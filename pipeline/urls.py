from django.urls import path  # noqa: F401  (each page module adds its routes below)

app_name = "pipeline"

urlpatterns = []

# Settings (admins): pipelines, stages, exit checks, lost reasons, the change log.
from pipeline.settings_urls import urlpatterns as settings_urlpatterns  # noqa: E402

urlpatterns += settings_urlpatterns
