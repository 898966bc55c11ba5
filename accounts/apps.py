from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Customers")

    def ready(self):
        from accounts.home import customers_section
        from accounts.models import Customer
        from accounts.views.imports import (
            CUSTOMER_IMPORT_PAGES,
            USER_IMPORT_PAGES,
            customer_import_job,
            user_import_job,
        )
        from teams.jobs import job_kind_register
        from teams.team_moves import register_owned_model
        from teams.views import HOME_SECTIONS

        register_owned_model(Customer)
        job_kind_register(CUSTOMER_IMPORT_PAGES.job_kind, customer_import_job)
        job_kind_register(USER_IMPORT_PAGES.job_kind, user_import_job)

        if customers_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(customers_section)
