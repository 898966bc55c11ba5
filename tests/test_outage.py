"""PostgreSQL or Redis going away (issue 15, outage drills; deploy/drills/ runs the real thing).

PostgreSQL down: a page answers the friendly 503 in the user's language, the API JSON
``{"detail": ...}``, /healthz names the database; after the connection was killed the next
request works without a restart. Redis down: the cache answers "not cached", pages work.
The database is made unreachable for real (a closed port), never mocked."""

import json
import socket
from contextlib import contextmanager
from wsgiref.util import setup_testing_defaults

import psycopg2
import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import Client

from funnel_crm.outage import ForgivingRedisCache


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nobody listens once the socket is closed


@contextmanager
def database_down(django_db_blocker):
    """The default connection points at a port nobody listens on (no test transaction open)."""
    settings_dict = connections["default"].settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    with django_db_blocker.unblock():
        connections["default"].close()
        settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(closed_port())
        try:
            yield
        finally:
            connections["default"].close()
            settings_dict["HOST"], settings_dict["PORT"] = saved


@pytest.fixture
def down(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    with database_down(django_db_blocker):
        yield


def page(path, language, **headers):
    # A session cookie makes the request look the user up: the database is needed.
    client = Client(raise_request_exception=False, headers=headers)
    client.cookies["sessionid"] = "x" * 32
    if language:
        client.cookies["django_language"] = language
    return client.get(path)


@pytest.mark.parametrize(
    ("language", "accept", "expected"),
    [
        ("zh-hans", "en", "zh-hans"),
        ("en", "zh-CN", "en"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "zh-CN,zh;q=0.9", "zh-hans"),
    ],
)
def test_a_page_answers_the_friendly_503_in_the_users_language(down, language, accept, expected):
    """The language cookie first, then Accept-Language (no user lookup: the database is down).
    The Chinese text is in locale/pending-ops.po until the catalogs are merged."""
    response = page("/customers/", language, accept_language=accept)
    assert response.status_code == 503
    assert response["Content-Language"] == expected
    assert response["Retry-After"].isdigit()
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{expected}">' in html
    if expected == "en":
        assert "The database is not answering. Your work so far is saved" in html
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_api_answers_json_detail(down):
    response = page("/api/v1/customers/", "en", accept_language="en")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database is not answering. Your work so far is saved; please try again in a minute."
    }


def test_healthz_names_the_database(down):
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["status"] == "down"


def wsgi_get(path):
    """One request through Django's real WSGI handler, as gunicorn makes it (the test
    client switches off the connection checks a server runs at each request's start)."""
    environ = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, HTTP_HOST="testserver", SERVER_NAME="testserver")
    statuses = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    return int(statuses[0].split()[0]), body


@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_is_replaced_on_the_next_request():
    """CONN_HEALTH_CHECKS: the kept connection is terminated between two requests (as a
    PostgreSQL restart does); the next request opens a new one and answers, no restart."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    status, body = wsgi_get("/healthz")
    assert status == 200, body
    killed_pid = connection.connection.info.backend_pid  # kept open for the next request
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [killed_pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()
    status, body = wsgi_get("/healthz")
    assert status == 200, body
    assert json.loads(body)["database"] == "ok"
    assert connection.connection.info.backend_pid != killed_pid


def test_the_cache_treats_redis_down_as_a_miss(settings):
    cache = ForgivingRedisCache(
        f"redis://127.0.0.1:{closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    assert cache.get_many(["a", "b"]) == {}


def test_the_configured_cache_still_works_when_redis_is_up(settings):
    cache = caches["default"]
    if not isinstance(cache, ForgivingRedisCache):
        pytest.skip("REDIS_URL not set")
    cache.set("outage-test", {"n": 1}, 5)
    assert cache.get("outage-test") == {"n": 1}
    cache.delete("outage-test")
