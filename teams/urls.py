from django.urls import path

from teams import audit_views, tokens_views, views

app_name = "teams"

urlpatterns = [
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/edit/", views.TeamUpdateView.as_view(), name="team_update"),
    path("teams/<int:pk>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user_update"),
    path("audit/", audit_views.AuditListView.as_view(), name="audit_list"),
    path("tokens/", tokens_views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:user>/revoke/", tokens_views.TokenRevokeView.as_view(), name="token_revoke"),
]
