"""Routes of the trend and weekly-review pages (included by ``coaching.urls``) and of
their API (``api_urlpatterns``, included by ``coaching.api_urls``)."""

from django.urls import path

from coaching import review_views, trend_views

urlpatterns = [
    path("trend/", trend_views.TrendView.as_view(), name="trend"),
    path("review/", review_views.ReviewView.as_view(), name="review"),
    path("review/export.xlsx", review_views.ReviewExportView.as_view(), name="review_export"),
]

api_urlpatterns = [
    path("coaching/trend/", trend_views.TrendAPIView.as_view(), name="api-coaching-trend"),
]
