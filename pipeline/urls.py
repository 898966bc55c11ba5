"""The pipeline's pages; each area keeps its routes in its own module."""

from pipeline.board_urls import urlpatterns as board_urlpatterns
from pipeline.settings_urls import urlpatterns as settings_urlpatterns

app_name = "pipeline"

# The Board: projects by stage, moved by drag or a card's "move to" menu.
# Settings (admins): pipelines, stages, exit checks, lost reasons, the change log.
urlpatterns = [*board_urlpatterns, *settings_urlpatterns]
