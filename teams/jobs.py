"""Background jobs with progress: the framework every app's long operations use.

A higher app registers a runner in its ``AppConfig.ready``::

    job_kind_register("accounts.import_commit", run_import_commit)

and starts a job from a view or the API with ``job_create(kind=..., created_by=...,
params={...})``: the row is created and one thin Celery task, ``teams.tasks.job_run``,
is enqueued when the transaction commits. The worker calls ``runner(run)`` with a
:class:`JobRun`; the runner reports progress with ``run.set_total(n)`` and
``run.advance(k)`` (written to the cache at most every ``PROGRESS_INTERVAL``
seconds, so a runner inside one all-or-nothing transaction still shows its
progress) and calls ``run.check_cancel()`` only where stopping is safe: before its
all-or-nothing write starts, or between independent batches. It returns the
result (a JSON-able dict; the job page lists ``summary``, a list of lines, and
``links``, a list of ``{"url", "label"}``). A ``DomainError`` ends the job as failed with that
message; any other exception as failed with a generic message (logged). A runner
must be safe to run again after its worker died mid-way (all-or-nothing in one
transaction, or batches that are idempotent): the job then runs again from the start.
"""

import logging
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teams.errors import DomainError
from teams.models import Job, JobStatus

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
PROGRESS_TIMEOUT = 24 * 3600

_registry: dict = {}


class JobCancelled(Exception):
    """Raised by ``JobRun.check_cancel`` when the user asked to stop."""


def job_kind_register(kind: str, runner):
    """Name a runner for ``kind`` (call it from ``AppConfig.ready``)."""
    if _registry.get(kind, runner) is not runner:
        raise ValueError(f"job kind {kind!r} is already registered")
    _registry[kind] = runner


def job_kind_runner(kind: str):
    return _registry.get(kind)


def _progress_key(job_id):
    return f"job-progress:{job_id}"


def job_progress(job: Job) -> tuple[int, int, str]:
    """(done, total, message) of ``job``: live from the cache while it runs, from the row after."""
    if job.status == JobStatus.RUNNING:
        live = cache.get(_progress_key(job.pk))
        if live:
            return live
    return job.progress_done, job.progress_total, job.message


class JobRun:
    """What a runner gets: the job's parameters and user, progress and cancel."""

    def __init__(self, job: Job):
        self.job = job
        self.params = job.params
        self.user = job.created_by
        self.done = 0
        self.total = 0
        self.message = ""
        self._written_at = 0.0

    def set_total(self, total: int, message: str | None = None):
        self.total = total
        self._write(message, force=True)

    def advance(self, n: int = 1, message: str | None = None):
        self.done += n
        self._write(message, force=self.total and self.done >= self.total)

    def _write(self, message, *, force=False):
        if message is not None:
            self.message = message
        now = time.monotonic()
        if force or now - self._written_at >= PROGRESS_INTERVAL:
            self._written_at = now
            cache.set(_progress_key(self.job.pk), (self.done, self.total, self.message), PROGRESS_TIMEOUT)

    def check_cancel(self):
        """Stop here if the user asked to; call only where nothing would be half-done."""
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled


def job_create(*, kind: str, created_by, params: dict | None = None, total: int = 0, message: str = "") -> Job:
    """Queue a job of a registered ``kind``; the worker starts once the caller's transaction commits."""
    if kind not in _registry:
        raise DomainError({"kind": _("Unknown kind of background job.")})
    job = Job.objects.create(
        kind=kind, created_by=created_by, params=params or {}, progress_total=total, message=message
    )
    from teams.tasks import job_run

    # robust: a broker that is down leaves the job queued (logged) and the caller's work saved.
    transaction.on_commit(lambda: job_run.delay(job.pk), robust=True)
    return job


def job_cancel(*, actor, job_id: int) -> Job:
    """Ask a queued or running job to stop; a queued job stops at once. A runner
    honours the request only where stopping is safe, so a job may still finish."""
    with transaction.atomic():
        job = Job.objects.editable_by(actor).select_for_update().filter(pk=job_id).first()
        if job is None:
            raise Job.DoesNotExist
        if job.finished:
            raise DomainError({"status": _("This job has already finished.")})
        job.cancel_requested = True
        fields = ["cancel_requested"]
        if job.status == JobStatus.QUEUED:
            job.status, job.finished_at = JobStatus.CANCELLED, timezone.now()
            fields += ["status", "finished_at"]
        job.save(update_fields=fields)
    return job


def _finish(job: Job, run: JobRun, status: str, **fields):
    job.status = status
    job.finished_at = timezone.now()
    job.progress_done, job.progress_total = run.done, run.total
    if status == JobStatus.DONE and run.total:
        job.progress_done = run.total
    job.message = run.message[:255]
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", "finished_at", "progress_done", "progress_total", "message", *fields])
    cache.delete(_progress_key(job.pk))


# The first key of the PostgreSQL advisory locks a running job holds (the second is its id).
JOB_LOCK_SPACE = 7301


@contextmanager
def _job_lease(job_id: int):
    """Whether this process may run job ``job_id``: on PostgreSQL a session advisory lock,
    held while the job runs and released with the connection when a worker dies, so a
    job marked running whose lock is free was left by a dead worker. Elsewhere (SQLite,
    the laptop default): ``None``, and only a queued job starts."""
    if connection.vendor != "postgresql":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LOCK_SPACE, job_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [JOB_LOCK_SPACE, job_id])


def job_execute(job_id: int):
    """Run one job (the Celery task's body). A queued job starts; so does a running one
    whose worker died (its message comes back: acks_late, reject_on_worker_lost), since
    every runner is all-or-nothing or made of batches safe to run again. A repeated
    message for a job that is running elsewhere, finished, or cancelled while queued
    changes nothing."""
    with _job_lease(job_id) as lease:
        if lease is False:
            return  # another worker holds it: running now
        startable = [JobStatus.QUEUED] if lease is None else [JobStatus.QUEUED, JobStatus.RUNNING]
        started = Job.objects.filter(pk=job_id, status__in=startable).update(
            status=JobStatus.RUNNING, started_at=timezone.now()
        )
        if started:
            _execute(job_id)


def _execute(job_id: int):
    job = Job.objects.select_related("created_by").get(pk=job_id)
    run = JobRun(job)
    run.total = job.progress_total
    runner = _registry.get(job.kind)
    try:
        if runner is None:
            raise DomainError(_("Unknown kind of background job."))
        run.check_cancel()
        result = runner(run)
    except JobCancelled:
        _finish(job, run, JobStatus.CANCELLED)
    except DomainError as error:
        _finish(job, run, JobStatus.FAILED, error=error_text(error))
    except Exception:
        logger.exception("background job %s (%s) failed", job_id, job.kind)
        _finish(
            job,
            run,
            JobStatus.FAILED,
            error=_("The job stopped on an unexpected error. Please try again or tell an admin."),
        )
    else:
        _finish(job, run, JobStatus.DONE, result=result if result is not None else {})


def error_text(error: DomainError) -> str:
    """A DomainError as one readable text: "field: message" lines."""
    if hasattr(error, "error_dict"):
        return "\n".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
