from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"

    def ready(self):
        from coaching import stats  # noqa: F401  (registers the SQLite median)
