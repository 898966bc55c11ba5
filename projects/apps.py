from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from accounts.services import CUSTOMER_MERGE_HOOKS
        from accounts.views.customers import CUSTOMER_SECTIONS
        from projects import visibility
        from projects.checklist import load_active_items
        from projects.home import projects_section
        from projects.home_books import BOOK_COLUMNS, member_book_sizes, orphaned_books_section
        from projects.models import ChecklistItem, Project
        from projects.services import checklist_scores_job, projects_recheck_after_customer_merge
        from projects.transfers import book_transfer_job
        from projects.views import customer_projects_section
        from teams.books import register_book_sizes
        from teams.config_cache import config_register
        from teams.jobs import job_kind_register
        from teams.team_moves import register_owned_model
        from teams.views import HOME_SECTIONS

        config_register(name="checklist_items", load=load_active_items, models=(ChecklistItem,))
        job_kind_register("projects.checklist_scores", checklist_scores_job)
        job_kind_register("projects.book_transfer", book_transfer_job)
        visibility.register()
        register_book_sizes(member_book_sizes, BOOK_COLUMNS)
        register_owned_model(Project)
        if projects_recheck_after_customer_merge not in CUSTOMER_MERGE_HOOKS:
            CUSTOMER_MERGE_HOOKS.append(projects_recheck_after_customer_merge)
        if customer_projects_section not in CUSTOMER_SECTIONS:
            CUSTOMER_SECTIONS.append(customer_projects_section)
        if projects_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(projects_section)
        if orphaned_books_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(orphaned_books_section)
