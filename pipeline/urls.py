from django.urls import path

from pipeline.views import board

app_name = "pipeline"

# Each page module appends its routes.
urlpatterns = []

urlpatterns += [
    path("board/", board.BoardView.as_view(), name="board"),
    path("board/projects/<int:pk>/move/", board.BoardMoveView.as_view(), name="board_move"),
]
