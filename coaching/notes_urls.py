"""Coaching notes: the pages (included from ``coaching.urls`` under /coaching/) and the
API (``api_urlpatterns``, included from funnel_crm/urls.py under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from coaching import notes_api, notes_views

urlpatterns = [
    path("notes/", notes_views.TeamNotesView.as_view(), name="note_list"),
    path("notes/mine/", notes_views.MyNotesView.as_view(), name="note_mine"),
    path("notes/new/", notes_views.NoteCreateView.as_view(), name="note_new"),
    path("notes/<int:pk>/", notes_views.NoteOpenView.as_view(), name="note_open"),
    path("notes/<int:pk>/edit/", notes_views.NoteEditView.as_view(), name="note_edit"),
    path("notes/<int:pk>/delete/", notes_views.NoteDeleteView.as_view(), name="note_delete"),
]

router = SimpleRouter()
router.register("coaching/notes", notes_api.CoachingNoteViewSet, basename="coaching-note")
api_urlpatterns = router.urls
