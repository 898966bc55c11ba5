from django.urls import path

from pipeline.pools import views, views_limits

app_name = "pools"

urlpatterns = [
    path("", views.PoolListView.as_view(), name="pool_list"),
    path("new/", views.PoolSettingsView.as_view(), name="pool_create"),
    path("<int:pk>/", views.PoolDetailView.as_view(), name="pool_detail"),
    path("<int:pk>/settings/", views.PoolSettingsView.as_view(), name="pool_settings"),
    path("<int:pk>/capacity/", views_limits.PoolCapacityView.as_view(), name="pool_capacity"),
    path("locks/", views_limits.LockOverviewView.as_view(), name="locks"),
    path("<int:pk>/history/", views.PoolHistoryView.as_view(), name="pool_history"),
    path("customers/<int:pk>/", views.PoolCustomerView.as_view(), name="pool_customer"),
    path("customers/<int:pk>/claim/", views.ClaimView.as_view(), name="claim"),
    path("customers/<int:pk>/release/", views.ReleaseView.as_view(), name="release"),
    path("customers/<int:pk>/lock/", views.LockView.as_view(), name="lock"),
]
