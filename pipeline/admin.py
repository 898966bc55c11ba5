"""Django admin, read-only: the pipeline settings (pipelines, stages, exit checks,
lost reasons, team defaults) are changed on the settings pages (/settings/pipelines/),
whose services keep their rules (a pipeline keeps a won and a lost stage, one
company default…) and log every change; a project's stage, its history and its
budget history change only through ``pipeline.services``, which writes its stage
or budget change."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import SpreadsheetImportAdmin
from pipeline.models import (
    Activity,
    BudgetChange,
    Competitor,
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectImport,
    ProjectState,
    SettingsChange,
    Stage,
    StageChange,
    TeamPipeline,
)


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class ExitCheckInline(ReadOnly, admin.TabularInline):
    model = ExitCheck
    fields = ["requirement", "checklist_item", "severity"]
    extra = 0


class StageInline(ReadOnly, admin.TabularInline):
    model = Stage
    fields = ["key", "name_zh", "name_en", "tier", "order", "probability", "expected_days", "is_archived"]
    extra = 0
    show_change_link = True


@admin.register(Pipeline)
class PipelineAdmin(ReadOnlyAdmin):
    list_display = ["name_zh", "name_en", "key", "kind", "is_default", "is_archived"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(ReadOnlyAdmin):
    list_display = ["name_zh", "name_en", "key", "pipeline", "tier", "order", "probability", "is_archived"]
    list_filter = ["pipeline", "tier", "is_archived"]
    inlines = [ExitCheckInline]


@admin.register(LostReason)
class LostReasonAdmin(ReadOnlyAdmin):
    list_display = ["name_zh", "name_en", "key", "order", "is_active"]


@admin.register(TeamPipeline)
class TeamPipelineAdmin(ReadOnlyAdmin):
    list_display = ["team", "pipeline"]


@admin.register(SettingsChange)
class SettingsChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "by", "kind", "action", "name_zh", "pipeline"]
    list_filter = ["kind", "action"]
    list_select_related = ["by", "pipeline"]


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
