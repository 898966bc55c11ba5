from django.urls import path  # noqa: F401  (each page module adds its routes below)

app_name = "pipeline"

urlpatterns = []

# The Board: projects by stage, moved by drag or a card's "move to" menu.
from pipeline.board_urls import urlpatterns as board_urlpatterns  # noqa: E402

urlpatterns += board_urlpatterns
