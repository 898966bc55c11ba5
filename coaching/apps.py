from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"

    def ready(self):
        from coaching import stats  # noqa: F401  (registers the SQLite median)

        # The targets block on the start page: a rep's own, a lead's team's (after My day).
        from coaching.targets_views import targets_section
        from teams.views import HOME_SECTIONS

        if targets_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(targets_section)
