import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from projects.models import Project
from teams.notifications.models import Delivery, DeliveryState, Notification, NotificationKind, TaskRun
from teams.tasks import clear_expired_sessions
from tests.celery_worker import celery_beat, celery_worker, new_queue, wait_for
from tests.factories import CustomerFactory, ProjectFactory


@pytest.fixture(scope="module")
def worker_queue(django_db_setup):
    """The queue of one real worker with the default settings, shared by this module's tests
    that need nothing else of it (starting a worker costs seconds); each test waits for its
    own task. The beat test has a worker of its own: beat's leftover messages stay with it."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared server database")
    with celery_worker() as queue:
        yield queue


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_housekeeping_task(worker_queue):
    now = timezone.now()
    Session.objects.create(session_key="e" * 32, session_data="x", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="l" * 32, session_data="x", expire_date=now + timedelta(days=1))
    clear_expired_sessions.apply_async(queue=worker_queue)
    done = wait_for(lambda: not Session.objects.filter(session_key="e" * 32).exists())
    assert done, "the worker did not clear the expired session in time"
    assert Session.objects.filter(session_key="l" * 32).exists()


def test_every_beat_schedule_entry_names_a_registered_task():
    """A typo in a task path would make beat send messages no worker knows: reminders
    would silently stop."""
    from funnel_crm.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscover each app's tasks.py
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names {entry['task']!r}, which is not a task"
    assert "pipeline.tasks.reminder_pass_task" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "teams.tasks.deliveries_sweep" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


def _outside_the_digest_minute():
    """The digests start at DIGEST_TIME (23:59 Shanghai here, so none go out during the
    test): a run that starts in the last minutes of the Shanghai day waits for midnight,
    or the morning digests would join the one reminder e-mail the test counts."""
    now = timezone.localtime()
    if (now.hour, now.minute) >= (23, 50):  # the test takes up to ~5 min on a loaded machine
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
        time.sleep((midnight - now).total_seconds())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_beat_and_worker_remind_an_overdue_next_contact_once_by_email(rep, tmp_path):
    """The reminder path end to end: beat's own schedule entries (every second here),
    a real worker, the test database and Redis: one reminder, one e-mail, whatever
    the number of beat ticks."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared server database")
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    Project.objects.filter(pk=project.pk).update(next_contact_on=timezone.localdate() - timedelta(days=2))
    project.refresh_from_db()
    mail_dir = tmp_path / "mail"
    _outside_the_digest_minute()
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DIGEST_TIME": "23:59",
        "SITE_URL": "http://crm.test:8123",
    }
    queue = new_queue()
    with (
        celery_worker(queue=queue, env=env),
        celery_beat(queue=queue, schedule_file=tmp_path / "beat-schedule", env=env),
    ):
        sent = wait_for(lambda: Delivery.objects.filter(state=DeliveryState.SENT).exists(), timeout=60)
        passes = wait_for(lambda: TaskRun.objects.filter(finished_at__isnull=False).count() >= 3, timeout=30)
    assert sent and passes, (getattr(celery_worker, "last_output", ""), getattr(celery_beat, "last_output", ""))
    told = Notification.objects.get(kind=NotificationKind.OVERDUE)
    assert (told.user, told.target_id, told.due_on) == (rep, project.pk, project.next_contact_on)
    assert Delivery.objects.count() == 1
    files = list(mail_dir.iterdir())
    assert len(files) == 1
    assert f"http://crm.test:8123/projects/{project.pk}/" in files[0].read_text()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_background_job_to_its_result(worker_queue, admin, rep):
    """The checklist recompute as a background job: a real worker, the test database
    and Redis; the row ends done with its result and the scores follow."""
    from projects.models import ChecklistItem
    from teams.models import Job, JobStatus
    from teams.tasks import job_run

    ChecklistItem.objects.all().delete()
    ChecklistItem.objects.create(key="scope", label="需求范围", rule="scope")
    projects = ProjectFactory.create_batch(3, customer=CustomerFactory(owner=rep), scope="统一客户数据")
    Project.objects.update(checklist_score=0)
    job = Job.objects.create(kind="projects.checklist_scores", created_by=admin)
    job_run.apply_async(args=[job.pk], queue=worker_queue)
    done = wait_for(lambda: Job.objects.get(pk=job.pk).finished)
    assert done, "the worker did not finish the job in time"
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["changed"] == 3
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert {p.checklist_score for p in Project.objects.filter(pk__in=[p.pk for p in projects])} == {100}
