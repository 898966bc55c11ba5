from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from projects import checklist, services
from projects.models import ChecklistItem, Conflict, OwnerChange, ProcurementItem, Project, Stakeholder


class ChecklistItemForm(forms.ModelForm):
    rule = forms.ChoiceField(required=False, choices=checklist.rule_choices)

    class Meta:
        model = ChecklistItem
        fields = ["key", "label", "help_text", "rule", "order", "is_active"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """Admins shape the project checklist; stored scores follow on save."""

    form = ChecklistItemForm
    list_display = ["label", "key", "rule", "order", "is_active"]
    list_editable = ["order", "is_active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute_scores(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute_scores(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._recompute_scores(request)

    def _recompute_scores(self, request):
        """Every project's score follows, in the background (a million projects do not
        fit in a request); once per request, however many items the changelist saved."""
        if getattr(request, "_checklist_scores_queued", False):
            return
        request._checklist_scores_queued = True
        job = services.checklist_scores_schedule(actor=request.user)
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Project checklist scores are being recomputed in the background."),
                job.get_absolute_url(),
                _("Follow the progress"),
            ),
        )


class ProcurementInline(admin.TabularInline):
    model = ProcurementItem
    extra = 0


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    extra = 0
    raw_id_fields = ["contact"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "owner", "kind", "checklist_score", "closed_at", "updated_at"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer", "owner", "lead_contact"]
    readonly_fields = ["team", "checklist_score", "version", "closed_at"]
    inlines = [ProcurementInline, StakeholderInline]


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ["kind", "project_a", "project_b", "created_at", "resolution", "resolved_at"]
    list_filter = ["kind", "resolution"]
    raw_id_fields = ["project_a", "project_b", "contact", "resolved_by"]


@admin.register(OwnerChange)
class OwnerChangeAdmin(admin.ModelAdmin):
    list_display = ["project", "from_user", "to_user", "changed_by", "changed_at", "reason"]
    raw_id_fields = ["project", "from_user", "to_user", "changed_by"]
