from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from teams.tasks import clear_expired_sessions
from tests.celery_worker import celery_worker, wait_for


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_housekeeping_task():
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared server database")
    now = timezone.now()
    Session.objects.create(session_key="e" * 32, session_data="x", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="l" * 32, session_data="x", expire_date=now + timedelta(days=1))
    with celery_worker() as queue:
        clear_expired_sessions.apply_async(queue=queue)
        done = wait_for(lambda: not Session.objects.filter(session_key="e" * 32).exists())
    assert done, getattr(celery_worker, "last_output", "")
    assert Session.objects.filter(session_key="l" * 32).exists()
