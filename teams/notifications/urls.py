from django.urls import path

from teams.notifications import robot_views, views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="list"),
    path("notifications/bell/", views.BellView.as_view(), name="bell"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="read_all"),
    path("notifications/settings/", views.PreferenceView.as_view(), name="preferences"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="open"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="read"),
    path("manage/teams/<int:pk>/robots/", robot_views.RobotsView.as_view(), name="robots"),
]
