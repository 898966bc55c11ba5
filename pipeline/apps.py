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
        # The stages and exit checks every project page shows, kept per process until changed.
        from pipeline.models import ExitCheck, Pipeline, Stage
        from pipeline.selectors.project import load_stages
        from projects.models import ChecklistItem
        from teams.config_cache import config_register

        config_register(name="pipeline_stages", load=load_stages, models=(Pipeline, Stage, ExitCheck, ChecklistItem))
        # What the board reads on every request (pipelines, stages, teams' defaults, lost reasons), the same way.
        from pipeline.selectors import configuration

        configuration.register()
        from pipeline.views.importing import PROJECT_IMPORT_PAGES, project_import_job
        from teams.jobs import job_kind_register

        job_kind_register(PROJECT_IMPORT_PAGES.job_kind, project_import_job)
        # A customer's owner changing (created, handed over, transferred) restarts its countdown.
        from accounts.services import CUSTOMER_OWNER_HOOKS
        from pipeline.pools.rules import returns_on_refresh

        if returns_on_refresh not in CUSTOMER_OWNER_HOOKS:
            CUSTOMER_OWNER_HOOKS.append(returns_on_refresh)
        if project_start_hook not in PROJECT_CREATE_HOOKS:
            PROJECT_CREATE_HOOKS.append(project_start_hook)
        if project_pipeline_merge not in PROJECT_MERGE_HOOKS:
            PROJECT_MERGE_HOOKS.append(project_pipeline_merge)
        if project_bulk_hook not in PROJECT_BULK_HOOKS:
            PROJECT_BULK_HOOKS.append(project_bulk_hook)

        # My day leads the start page: a rep's day (a lead's: the team's, per rep) before the other sections.
        from pipeline.home import escalations_section, my_day_section
        from teams.views import HOME_SECTIONS

        if my_day_section not in HOME_SECTIONS:
            HOME_SECTIONS.insert(0, my_day_section)
        if escalations_section not in HOME_SECTIONS:
            HOME_SECTIONS.insert(1, escalations_section)
        # The project page: the pipeline's sections and the new-project form's fields.
        from pipeline.project_forms import project_start_fields
        from pipeline.views.project_sections import SECTIONS
        from projects.forms import PROJECT_FORM_EXTENSIONS
        from projects.views import PROJECT_PAGE_RELATED, PROJECT_SECTIONS

        for section in SECTIONS.values():
            if section not in PROJECT_SECTIONS:
                PROJECT_SECTIONS.append(section)
        for related in ("state__stage__pipeline", "state__lost_reason"):  # the stage standing's (no query of its own)
            if related not in PROJECT_PAGE_RELATED:
                PROJECT_PAGE_RELATED.append(related)
        if project_start_fields not in PROJECT_FORM_EXTENSIONS:
            PROJECT_FORM_EXTENSIONS.append(project_start_fields)
