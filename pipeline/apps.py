from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self):
        from pipeline import rules, signals  # noqa: F401  (signals: connects the receivers)
        from pipeline.seeding import project_bulk_hook
        from pipeline.services import project_pipeline_merge, project_start_hook
        from projects.services import PROJECT_BULK_HOOKS, PROJECT_CREATE_HOOKS, PROJECT_MERGE_HOOKS

        rules.register()
        if project_start_hook not in PROJECT_CREATE_HOOKS:
            PROJECT_CREATE_HOOKS.append(project_start_hook)
        if project_pipeline_merge not in PROJECT_MERGE_HOOKS:
            PROJECT_MERGE_HOOKS.append(project_pipeline_merge)
        if project_bulk_hook not in PROJECT_BULK_HOOKS:
            PROJECT_BULK_HOOKS.append(project_bulk_hook)
