from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from teams import services
from teams.errors import DomainError
from teams.models import AuditEntry, Team, User
from teams.team_moves import user_records_rescope


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active"]
    search_fields = ["username", "display_name", "email"]
    list_select_related = ["team"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Funnel CRM", {"fields": ["role", "display_name", "team"]}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Funnel CRM", {"fields": ["role", "display_name", "team"]}))

    def save_model(self, request, obj, form, change):
        old_team_id = User.objects.filter(pk=obj.pk).values_list("team_id", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        # Keep Team.lead in step with the user's role, and the user's records
        # in their team, as the pages and API do (the admin saves in one transaction).
        services.sync_leadership(obj)
        if change:
            user_records_rescope(user=obj, old_team_id=old_team_id)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "created_at"]
    search_fields = ["name"]
    list_select_related = ["lead"]

    def save_model(self, request, obj, form, change):
        lead = form.cleaned_data.get("lead")
        obj.lead = None if not change else Team.objects.get(pk=obj.pk).lead
        super().save_model(request, obj, form, change)
        try:
            if lead is not None:
                services.team_set_lead(team=obj, lead=lead)
        except DomainError as error:
            messages.error(request, " ".join(error.messages))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (the database refuses changes too)."""

    list_display = ["at", "actor_repr", "action", "target_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_repr", "target_repr", "summary"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
