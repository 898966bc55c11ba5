"""Routes of the targets pages (included by ``coaching.urls``)."""

from django.urls import path

from coaching import targets_views

urlpatterns = [
    path("coaching/targets/", targets_views.TargetGridView.as_view(), name="targets"),
    path("coaching/targets/set/", targets_views.TargetEditView.as_view(), name="target_set"),
]
