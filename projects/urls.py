from django.urls import path

from projects import views, views_checklist
from projects.views_transfers import BookTransferView

app_name = "projects"

urlpatterns = [
    path("transfers/new/", BookTransferView.as_view(), name="book_transfer"),
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project_update"),
    path("projects/<int:pk>/history/", views.ProjectHistoryView.as_view(), name="project_history"),
    path("projects/<int:pk>/transfer/", views.ProjectTransferView.as_view(), name="project_transfer"),
    path("projects/<int:pk>/procurement/", views.ProcurementItemCreateView.as_view(), name="procurement_create"),
    path(
        "projects/<int:pk>/procurement/<int:item_pk>/delete/",
        views.ProcurementItemDeleteView.as_view(),
        name="procurement_delete",
    ),
    path("projects/<int:pk>/milestones/", views.MilestoneCreateView.as_view(), name="milestone_create"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_pk>/delete/",
        views.MilestoneDeleteView.as_view(),
        name="milestone_delete",
    ),
    path("projects/<int:pk>/stakeholders/", views.StakeholderCreateView.as_view(), name="stakeholder_create"),
    path(
        "projects/<int:pk>/stakeholders/<int:stakeholder_pk>/",
        views.StakeholderUpdateView.as_view(),
        name="stakeholder_update",
    ),
    path(
        "projects/<int:pk>/stakeholders/<int:stakeholder_pk>/delete/",
        views.StakeholderDeleteView.as_view(),
        name="stakeholder_delete",
    ),
    path("projects/<int:pk>/checklist/<int:item_pk>/", views.ChecklistTickView.as_view(), name="checklist_tick"),
    path("settings/checklist/", views_checklist.ChecklistSettingsView.as_view(), name="settings_checklist"),
    path("settings/checklist/<int:pk>/", views_checklist.ChecklistItemView.as_view(), name="settings_checklist_item"),
    path("conflicts/", views.ConflictListView.as_view(), name="conflict_list"),
    path("conflicts/<int:pk>/resolve/", views.ConflictResolveView.as_view(), name="conflict_resolve"),
]
