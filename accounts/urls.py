from django.urls import include, path

from accounts.views import customers

app_name = "accounts"

urlpatterns = [
    path("customers/", customers.CustomerListView.as_view(), name="customer_list"),
    path("customers/new/", customers.CustomerCreateView.as_view(), name="customer_create"),
    path("customers/merge/", customers.CustomerMergeView.as_view(), name="customer_merge"),
    path("customers/autocomplete/", customers.CustomerAutocompleteView.as_view(), name="customer_autocomplete"),
    path("customers/regions.json", customers.regions_json, name="regions"),
    path("customers/<int:pk>/", customers.CustomerDetailView.as_view(), name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.CustomerUpdateView.as_view(), name="customer_update"),
    path("customers/<int:pk>/transfer/", customers.CustomerTransferView.as_view(), name="customer_transfer"),
    path("customers/<int:pk>/contacts/new/", customers.ContactCreateView.as_view(), name="contact_create"),
    path("customers/<int:pk>/departments/new/", customers.DepartmentCreateView.as_view(), name="department_create"),
    path("contacts/<int:pk>/edit/", customers.ContactUpdateView.as_view(), name="contact_update"),
    path("contacts/<int:pk>/delete/", customers.ContactDeleteView.as_view(), name="contact_delete"),
    path("departments/<int:pk>/edit/", customers.DepartmentUpdateView.as_view(), name="department_update"),
    path("departments/<int:pk>/delete/", customers.DepartmentDeleteView.as_view(), name="department_delete"),
    path("", include("accounts.urls_imports")),
]
