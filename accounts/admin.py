from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Contact, Customer, CustomerImport, Department


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ["name", "kind", "parent"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "owner", "team", "level", "industry", "completeness", "updated_at"]
    list_filter = ["level", "industry", "team"]
    search_fields = ["name", "normalized_name", "credit_code"]
    list_select_related = ["owner", "team"]
    raw_id_fields = ["owner"]
    readonly_fields = ["normalized_name", "core_name", "team", "completeness", "version"]
    inlines = [DepartmentInline]


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "department", "buying_role", "mobile", "has_left"]
    list_filter = ["buying_role", "has_left"]
    search_fields = ["name", "mobile", "email", "customer__name"]
    list_select_related = ["customer", "department"]
    raw_id_fields = ["customer", "department"]


class SpreadsheetImportAdmin(admin.ModelAdmin):
    """Any import's uploads: who, when, what came of it (the file itself stays out of the page)."""

    list_display = ["filename", "user", "status", "created_at", "committed_at"]
    list_filter = ["status"]
    readonly_fields = ["user", "filename", "status", "report", "created_at", "committed_at"]
    exclude = ["content"]


admin.site.register(CustomerImport, SpreadsheetImportAdmin)
