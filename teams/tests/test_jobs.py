"""Background jobs: the framework (teams.jobs), its page, partial and API."""

import pytest
from django.core.cache import cache

from teams.errors import DomainError
from teams.jobs import JobCancelled, job_cancel, job_create, job_execute, job_kind_register
from teams.models import Job, JobStatus

pytestmark = pytest.mark.django_db

SEEN = {}


def _counting(run):
    run.set_total(3, "Counting")
    for _ in range(3):
        run.check_cancel()
        run.advance(1)
    SEEN["live"] = cache.get(f"job-progress:{run.job.pk}")
    return {"counted": 3, "summary": ["Counted three things."]}


def _refusing(run):
    raise DomainError({"to_users": ["This user is inactive."]})


def _crashing(run):
    raise RuntimeError("boom")


def _cancelled_midway(run):
    run.set_total(2)
    run.advance(1)
    Job.objects.filter(pk=run.job.pk).update(cancel_requested=True)
    run.check_cancel()
    raise AssertionError("check_cancel did not stop the runner")


job_kind_register("test.counting", _counting)
job_kind_register("test.refusing", _refusing)
job_kind_register("test.crashing", _crashing)
job_kind_register("test.cancelled", _cancelled_midway)


def _run(kind, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(kind=kind, created_by=user)
    job.refresh_from_db()
    return job


def test_a_job_runs_on_commit_and_keeps_its_result_and_progress(rep, eager_celery, django_capture_on_commit_callbacks):
    job = _run("test.counting", rep, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.result["counted"] == 3
    assert job.started_at and job.finished_at
    assert SEEN["live"] == (3, 3, "Counting")  # progress readable by others while the runner works
    # A repeated message changes nothing: only a queued job starts.
    job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_nothing_runs_before_the_creating_transaction_commits(rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_create(kind="test.counting", created_by=rep)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_an_unknown_kind_is_refused(rep):
    with pytest.raises(DomainError) as error:
        job_create(kind="nope", created_by=rep)
    assert "kind" in error.value.message_dict
    assert not Job.objects.exists()


def test_a_domain_error_fails_the_job_with_its_message(rep, eager_celery, django_capture_on_commit_callbacks):
    job = _run("test.refusing", rep, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.error == "to_users: This user is inactive."


def test_a_crash_fails_the_job_with_a_generic_message(rep, eager_celery, django_capture_on_commit_callbacks):
    job = _run("test.crashing", rep, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert "boom" not in job.error and job.error


def test_cancel_stops_a_queued_job_at_once_and_a_running_one_where_it_checks(
    rep, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        queued = job_create(kind="test.counting", created_by=rep)
    job_cancel(actor=rep, job_id=queued.pk)
    job_execute(queued.pk)
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED and queued.result is None
    with pytest.raises(DomainError):
        job_cancel(actor=rep, job_id=queued.pk)
    midway = _run("test.cancelled", rep, django_capture_on_commit_callbacks)
    assert midway.status == JobStatus.CANCELLED
    assert (midway.progress_done, midway.progress_total) == (1, 2)


def test_check_cancel_raises_only_when_asked(rep):
    from teams.jobs import JobRun

    job = Job.objects.create(kind="test.counting", created_by=rep)
    JobRun(job).check_cancel()
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    with pytest.raises(JobCancelled):
        JobRun(job).check_cancel()


def test_only_the_creator_and_admins_see_a_job(client, rep, other_rep, lead, admin):
    job = Job.objects.create(kind="test.counting", created_by=rep)
    for user, status in ((rep, 200), (admin, 200), (other_rep, 404), (lead, 404)):
        client.force_login(user)
        assert client.get(f"/jobs/{job.pk}/").status_code == status, user
        assert client.get(f"/jobs/{job.pk}/progress/").status_code == status, user
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == status, user
    client.force_login(other_rep)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.cancel_requested is False and job.status == JobStatus.QUEUED
    assert client.get("/jobs/999999/").status_code == 404


def test_the_partial_polls_while_running_and_stops_when_finished(client, rep):
    job = Job.objects.create(kind="test.counting", created_by=rep, status=JobStatus.RUNNING, progress_total=4)
    cache.set(f"job-progress:{job.pk}", (1, 4, "Moving customers"), 60)
    client.force_login(rep)
    body = client.get(f"/jobs/{job.pk}/progress/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert 'value="25"' in body and "Moving customers" in body
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, progress_done=4, result={"summary": ["Moved 4 customers."]}
    )
    body = client.get(f"/jobs/{job.pk}/progress/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "hx-trigger" not in body
    assert 'value="100"' in body and "Moved 4 customers." in body
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="to_users: This user is inactive.")
    body = client.get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The job failed." in body and "This user is inactive." in body and 'hx-trigger="every' not in body


def test_the_api_answers_status_progress_and_result(client, rep):
    job = Job.objects.create(
        kind="test.counting",
        created_by=rep,
        status=JobStatus.DONE,
        progress_done=3,
        progress_total=3,
        result={"counted": 3},
    )
    client.force_login(rep)
    data = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert data["status"] == "done"
    assert data["progress"] == {"done": 3, "total": 3}
    assert data["result"] == {"counted": 3}


def test_cancel_through_the_page(client, rep):
    job = Job.objects.create(kind="test.counting", created_by=rep)
    client.force_login(rep)
    response = client.post(f"/jobs/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.cancel_requested


def _job_left_running(user):
    """A job a worker had started when it died: marked running, its lock gone with its connection."""
    job = Job.objects.create(kind="test.counting", created_by=user, status=JobStatus.RUNNING)
    return job


def test_a_job_left_running_by_a_dead_worker_runs_again_when_its_message_comes_back(rep):
    job = _job_left_running(rep)
    job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["counted"] == 3


def test_a_job_running_in_a_live_worker_is_not_started_twice(rep):
    """The live worker's connection holds the job's advisory lock: a repeated message leaves it alone."""
    import psycopg2
    from django.db import connection

    from teams.jobs import JOB_LOCK_SPACE

    job = _job_left_running(rep)
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)  # the "live worker": a separate session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [JOB_LOCK_SPACE, job.pk])
        job_execute(job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert job.result in ({}, None)
    finally:
        other.close()
    # Its worker gone: the server drops the session's locks once the backend has exited.
    import time

    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
                [JOB_LOCK_SPACE, job.pk],
            )
            if not cursor.fetchone()[0]:
                break
        time.sleep(0.05)
    # The next delivery runs it.
    job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
