from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions():
    """Daily housekeeping on the beat schedule."""
    call_command("clearsessions")
