"""Customer import and export pages (included by accounts/urls.py, namespace "accounts")."""

from django.urls import path

from accounts.views import imports

urlpatterns = [
    *imports.CUSTOMER_IMPORT_PAGES.urlpatterns("customers/import/"),
    path("customers/export/", imports.CustomerExportView.as_view(), name="customer_export"),
]
