"""Django admin, for emergencies: stages and lost reasons may be edited here
(the settings pages are the everyday way); a project's stage, its history and
its budget history are read-only, because every change must go through
``pipeline.services`` and leave its stage or budget change."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import SpreadsheetImportAdmin
from pipeline import exit_checks
from pipeline.models import (
    Activity,
    BudgetChange,
    Competitor,
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectImport,
    ProjectState,
    Stage,
    StageChange,
    TeamPipeline,
)


class ExitCheckForm(forms.ModelForm):
    requirement = forms.ChoiceField(required=False, choices=lambda: [("", "—"), *exit_checks.requirement_choices()])

    class Meta:
        model = ExitCheck
        fields = ["requirement", "checklist_item", "severity"]


class ExitCheckInline(admin.TabularInline):
    model = ExitCheck
    form = ExitCheckForm
    extra = 0


class StageInline(admin.TabularInline):
    model = Stage
    fields = ["key", "name_zh", "name_en", "tier", "order", "probability", "expected_days", "is_archived"]
    extra = 0
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return False  # a stage in use is archived, never deleted


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "key", "kind", "is_default", "is_archived"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "key", "pipeline", "tier", "order", "probability", "is_archived"]
    list_filter = ["pipeline", "tier", "is_archived"]
    inlines = [ExitCheckInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "key", "order", "is_active"]
    list_editable = ["order", "is_active"]


admin.site.register(TeamPipeline)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectState)
class ProjectStateAdmin(ReadOnlyAdmin):
    list_display = ["project", "stage", "tier", "entered_at"]
    list_select_related = ["project", "stage"]
    raw_id_fields = ["project"]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["project", "from_stage", "to_stage", "at", "recorded_at", "by"]
    list_select_related = ["project", "from_stage", "to_stage", "by"]


@admin.register(BudgetChange)
class BudgetChangeAdmin(ReadOnlyAdmin):
    list_display = ["project", "old", "new", "effective_on", "by", "reason"]
    list_select_related = ["project", "by"]


@admin.register(Competitor)
class CompetitorAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "threat", "status", "project"]
    list_select_related = ["project"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "customer", "project", "by"]
    list_select_related = ["customer", "project", "by"]


admin.site.register(ProjectImport, SpreadsheetImportAdmin)
