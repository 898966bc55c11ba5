from django.urls import path

from teams import audit_views, tokens_views, views, views_teams, views_users

app_name = "teams"

urlpatterns = [
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/", views_teams.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/archive/", views_teams.TeamArchiveView.as_view(), name="team_archive"),
    path("teams/<int:pk>/restore/", views_teams.TeamArchiveView.as_view(restore=True), name="team_restore"),
    path("teams/<int:pk>/edit/", views.TeamUpdateView.as_view(), name="team_update"),
    path("teams/<int:pk>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/<slug:action>/", views_users.UserActionView.as_view(), name="user_action"),
    path("audit/", audit_views.AuditListView.as_view(), name="audit_list"),
    path("tokens/", tokens_views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:user>/revoke/", tokens_views.TokenRevokeView.as_view(), name="token_revoke"),
]
