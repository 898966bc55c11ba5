"""Background work on projects (thin: each task calls a service)."""

from celery import shared_task
from django.db import OperationalError

from projects import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def checklist_scores_refresh_task() -> int:
    """Recompute every project's checklist score after an admin changed the checklist."""
    return services.checklist_scores_refresh()
