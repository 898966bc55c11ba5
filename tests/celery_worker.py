"""Run a real Celery worker process against the test database and Redis."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[1]


def test_database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def new_queue():
    return f"test-{uuid.uuid4().hex[:12]}"


@contextmanager
def celery_worker(*, queue=None, env=None, name=None):
    """Yield the name of a queue served by a fresh worker process; stop it afterwards.
    ``env`` adds settings for that worker (e.g. its e-mail backend); several workers
    may serve one ``queue``. The process is ``celery_worker.process`` while it runs."""
    queue = queue or new_queue()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_CONN_MAX_AGE": "0",
        **(env or {}),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "funnel_crm",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{name or queue}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_worker.process = worker
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        celery_worker.last_output = output


def wait_for(predicate, *, timeout=45.0, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


BEAT_SCRIPT = """
import os, sys
from datetime import timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")
from django.conf import settings
from funnel_crm.celery import app
queue, schedule_file, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
app.conf.task_default_queue = queue
app.conf.beat_schedule = {
    name: {**entry, "schedule": timedelta(seconds=seconds)} for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
}
app.Beat(schedule=schedule_file, loglevel="INFO", max_interval=1).run()
"""


@contextmanager
def celery_beat(*, queue, schedule_file, seconds=1.0, env=None):
    """A real beat process sending the entries of ``CELERY_BEAT_SCHEDULE`` (same names,
    same task names) every ``seconds`` to ``queue`` instead of minutes apart."""
    env = {**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, **(env or {})}
    beat = subprocess.Popen(
        [sys.executable, "-c", BEAT_SCRIPT, queue, str(schedule_file), str(seconds)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield beat
    finally:
        beat.terminate()
        try:
            output, _ = beat.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            beat.kill()
            output, _ = beat.communicate()
        celery_beat.last_output = output
