from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"

    def ready(self):
        from coaching import stats  # noqa: F401  (registers the SQLite median)

        # The rep's own funnel on the rep's start page, after the day's work.
        from coaching.home import my_funnel_section
        from teams.views import HOME_SECTIONS

        if my_funnel_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(my_funnel_section)
