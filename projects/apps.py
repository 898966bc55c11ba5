from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from accounts.views.customers import CUSTOMER_SECTIONS
        from projects import visibility
        from projects.views import customer_projects_section

        visibility.register()
        if customer_projects_section not in CUSTOMER_SECTIONS:
            CUSTOMER_SECTIONS.append(customer_projects_section)
