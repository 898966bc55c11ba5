from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions():
    """Daily housekeeping on the beat schedule."""
    call_command("clearsessions")


@shared_task(acks_late=True, ignore_result=True)
def deliver_notification(delivery_id):
    """Send one delivery (e-mail or chat robot). Failures are recorded on the row
    and retried by the sweep after their backoff: the row, not this message,
    holds the state, so a lost or repeated message changes nothing."""
    from teams.notifications.delivery import deliver

    deliver(delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def deliveries_sweep():
    """Every minute on the beat schedule: send what is due (new, or retrying)."""
    from teams.notifications.delivery import deliveries_sweep as sweep

    return sweep()


@shared_task(acks_late=True, ignore_result=True)
def job_run(job_id):
    """Run one background job; the row, not this message, holds its state."""
    from teams.jobs import job_execute

    job_execute(job_id)


@shared_task(ignore_result=True)
def audit_purge_task():
    """Daily on the beat schedule: drop audit entries past AUDIT_RETENTION_DAYS."""
    from teams.audit import audit_purge

    return audit_purge()
