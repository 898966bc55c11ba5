"""Personas shared by every app's tests.

team A: ``lead`` leads ``rep`` and ``other_rep``; team B: ``other_lead`` leads
``outsider_rep``; ``admin`` is in no team. Each has a logged-in page client
(``rep_client`` ...) and API client (``rep_api`` ...).
"""

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from tests.browser import browser, page_for, playwright  # noqa: F401  (one Playwright per run, for every app's browser tests)
from tests.factories import AdminFactory, TeamFactory, UserFactory, make_lead

# Scenarios built on the personas (tests/scenarios.py), for every app's tests.
pytest_plugins = ["tests.scenarios"]

PERSONAS = ["rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database and, on PostgreSQL, a copy of it as migrated, before
    any test writes, for the tests that need a migrated database of their own
    (tests/pg_scratch.py: cloned instead of migrated from scratch)."""
    from tests import pg_scratch

    with django_db_blocker.unblock():
        copy = pg_scratch.keep_migrated_copy()
    yield
    if copy:
        with django_db_blocker.unblock():
            pg_scratch.drop_database(copy)


@pytest.fixture(scope="session", autouse=True)
def _flush_by_deleting_what_is_there():
    """After each transactional test (browser tests, real workers) Django's flush empties every
    table with one TRUNCATE of all of them: on PostgreSQL that makes new files for each table and
    index and costs seconds on a busy machine even when nearly all are empty. Here the flush
    deletes the rows of the tables that hold any instead, in one transaction: the same empty
    tables afterwards, sequences left as TRUNCATE left them, post_migrate as before. The foreign
    keys are deferred (Django's are DEFERRABLE INITIALLY DEFERRED, so the order does not matter);
    the audit log's append-only trigger lets the delete through as it does for the retention
    purge (teams/migrations/0003_audit_log.py)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:  # a subset of tables (available_apps): TRUNCATE CASCADE
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        quoted = [self.quote_name(table) for table in tables]
        with self.connection.cursor() as cursor:
            probe = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {name})" for name in quoted)
            cursor.execute(probe, quoted)
            filled = [row[0] for row in cursor.fetchall()]
        return [
            "SET CONSTRAINTS ALL DEFERRED",
            "SET LOCAL funnel.audit_purge = 'on'",
            *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(name)};" for name in filled),
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly (services, validators) speaks the source language in
    tests; requests still pick their language through LocaleMiddleware."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_kept_configuration():
    """Each test's rows are rolled back after it: what the process kept of them must go too;
    and a version of its own per test process (other workers' saves share the cache)."""
    import os

    from teams import config_cache

    config_cache.VERSION_KEY = f"config-cache:version:test-{os.getpid()}"
    config_cache.config_forget()
    yield
    config_cache.config_forget()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    return TeamFactory(name="华东一组")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="华南二组")


@pytest.fixture
def lead(team):
    return make_lead(team=team, username="lead", display_name="王主管")


@pytest.fixture
def rep(team, lead):
    return UserFactory(username="rep", display_name="张伟", team=team)


@pytest.fixture
def other_rep(team, lead):
    return UserFactory(username="other_rep", display_name="李娜", team=team)


@pytest.fixture
def other_lead(other_team):
    return make_lead(team=other_team, username="other_lead", display_name="陈主管")


@pytest.fixture
def outsider_rep(other_team, other_lead):
    return UserFactory(username="outsider_rep", display_name="刘洋", team=other_team)


@pytest.fixture
def admin(db):
    return AdminFactory(username="admin", display_name="管理员")


@pytest.fixture
def personas(rep, other_rep, outsider_rep, lead, other_lead, admin):
    return {
        "rep": rep,
        "other_rep": other_rep,
        "outsider_rep": outsider_rep,
        "lead": lead,
        "other_lead": other_lead,
        "admin": admin,
    }


def _page_client(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


def _api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def client_for(personas):
    """A logged-in page client for a persona name (None: anonymous)."""
    return lambda name: Client() if name is None else _page_client(Client, personas[name])


@pytest.fixture
def api_for(personas):
    """A logged-in API client for a persona name (None: anonymous)."""
    return lambda name: APIClient() if name is None else _api_client(personas[name])


@pytest.fixture
def rep_client(client_for):
    return client_for("rep")


@pytest.fixture
def lead_client(client_for):
    return client_for("lead")


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


@pytest.fixture
def rep_api(api_for):
    return api_for("rep")


@pytest.fixture
def lead_api(api_for):
    return api_for("lead")


@pytest.fixture
def admin_api(api_for):
    return api_for("admin")


@pytest.fixture
def eager_celery():
    """Run queued tasks in-process, as a worker would, so their effect can be checked."""
    from funnel_crm.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def run_jobs(eager_celery, django_capture_on_commit_callbacks):
    """``with run_jobs(): ...``: background jobs queued inside the block run at its end, in this process, as
    a worker would once the request's transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
