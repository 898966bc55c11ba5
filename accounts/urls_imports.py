"""Customer import and export pages (included by accounts/urls.py, namespace "accounts")."""

from django.urls import path

from accounts.views import imports

urlpatterns = [
    path("customers/import/", imports.ImportStartView.as_view(), name="import_start"),
    path("customers/import/template/", imports.ImportTemplateView.as_view(), name="import_template"),
    path("customers/import/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("customers/import/<int:pk>/commit/", imports.ImportCommitView.as_view(), name="import_commit"),
    path("customers/import/<int:pk>/failed-rows/", imports.ImportFailedRowsView.as_view(), name="import_failed_rows"),
    path("customers/export/", imports.CustomerExportView.as_view(), name="customer_export"),
]
