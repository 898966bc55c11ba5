"""Background work of the pipeline (thin: each task calls the service)."""

from celery import shared_task
from django.db import OperationalError

from pipeline import reminders


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reminder_pass_task():
    """Every 15 minutes on the beat schedule: the same code as ``manage.py send_reminders``.
    Safe to run twice at once or again after a crash: what is told is in the database."""
    return reminders.reminder_pass()


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pool_return_pass_task():
    """Nightly on the beat schedule: the same code as ``manage.py pool_return_pass``. Safe to
    re-run: returned customers are out of the scan, warnings are unique per due date."""
    from pipeline.pools.services import pool_return_pass

    return pool_return_pass()
