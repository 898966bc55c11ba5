"""Scratch PostgreSQL databases beside the test database, for tests that run
manage.py or the deploy scripts against a database of their own (backup/restore,
migration reversibility). Named after the test database and the xdist worker, so
parallel runs and other checkouts on the same server never share one."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.db import connections
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parents[1]


def _server():
    settings = connections["default"].settings_dict
    if not settings["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (./scripts/test.sh does)")
    return settings


def scratch_name(purpose: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{_server()['NAME']}_{purpose}_{worker}"[:63]


def database_url(name: str) -> str:
    server = _server()
    auth = quote(server["USER"] or "", safe="")
    if server.get("PASSWORD"):
        auth += ":" + quote(server["PASSWORD"], safe="")
    return f"postgres://{auth}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{name}"


def _admin_execute(statement):
    server = _server()
    conn = psycopg2.connect(
        dbname="postgres",
        user=server["USER"],
        password=server.get("PASSWORD") or None,
        host=server["HOST"] or "127.0.0.1",
        port=server["PORT"] or 5432,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def drop_database(name: str):
    _admin_execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _create_database(name: str, template: str | None = None):
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    _admin_execute(statement)


def keep_migrated_copy() -> str | None:
    """Called right after pytest-django has migrated the test database (conftest.py),
    before any test writes to it: a copy of it as it is then, every migration and
    what the data migrations installed, for ``scratch_database(..., migrated=True)``
    to clone in a second or two instead of running ``migrate`` from scratch (half a
    minute). None where the tests do not run on PostgreSQL."""
    if not connections["default"].settings_dict["ENGINE"].endswith("postgresql"):
        return None
    connections.close_all()  # a template database must have no other session
    name = scratch_name("migrated")
    drop_database(name)
    _create_database(name, template=connections["default"].settings_dict["NAME"])
    return name


@contextlib.contextmanager
def scratch_database(purpose: str, *, create=True, migrated=False):
    """A fresh, empty database (``migrated=True``: migrated, a clone of the test database
    as it was before the first test; ``create=False``: only its name, nothing there
    yet); dropped afterwards."""
    name = scratch_name(purpose)
    drop_database(name)
    if create:
        _create_database(name, template=scratch_name("migrated") if migrated else None)
    try:
        yield name
    finally:
        drop_database(name)


def manage(url: str, *args: str, code: str | None = None, timeout=600) -> str:
    """``manage.py ARGS`` (or ``manage.py shell -c CODE``) against ``url``, as a deploy runs it."""
    command = [sys.executable, "manage.py", *(args if code is None else ("shell", "-c", code))]
    # Tasks run inline: nothing it queues may reach a worker serving another database.
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "CELERY_TASK_ALWAYS_EAGER": "true"}
    for name in ("DATABASE_REPLICA_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command[:4])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout
