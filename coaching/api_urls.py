from django.urls import path

from coaching import api

urlpatterns = [
    path("coaching/funnel/", api.FunnelView.as_view(), name="api-coaching-funnel"),
]
