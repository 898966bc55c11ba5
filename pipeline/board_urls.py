"""Routes of the Board (appended to ``pipeline.urls``)."""

from django.urls import path

from pipeline.views import board

urlpatterns = [
    path("board/", board.BoardView.as_view(), name="board"),
    path("board/projects/<int:pk>/move/", board.BoardMoveView.as_view(), name="board_move"),
]
