"""Structured request logs and /metrics (issue 15 point 7): one line per request with
user id, method, path, status and duration; the query count when LOG_QUERY_COUNT is on
or the request was slower than SLOW_REQUEST_MS (then at WARNING); /metrics only when
METRICS_ENABLED and only for METRICS_ALLOWED_IPS, 404 for everyone else."""

import json
import logging

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from funnel_crm.logs import REQUEST_LOGGER, RequestFormatter

pytestmark = pytest.mark.django_db


LOG_MIDDLEWARE = "funnel_crm.middleware.RequestLogMiddleware"


@pytest.fixture
def request_records(caplog, settings):
    """The records of the request logger (it does not propagate to the root's handlers),
    with the middleware on even where the environment turned it off (REQUEST_LOG=0, as the
    benchmarks run)."""
    if LOG_MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [LOG_MIDDLEWARE, *settings.MIDDLEWARE]
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    yield lambda: [record for record in caplog.records if record.name == REQUEST_LOGGER]
    logger.removeHandler(caplog.handler)


def test_the_request_log_is_the_outermost_middleware_unless_turned_off():
    if django_settings.REQUEST_LOG:
        assert django_settings.MIDDLEWARE[0] == LOG_MIDDLEWARE
    else:
        assert LOG_MIDDLEWARE not in django_settings.MIDDLEWARE


def test_one_line_per_request_names_user_method_path_status_and_time(rep, rep_client, request_records, settings):
    settings.LOG_QUERY_COUNT = False
    settings.SLOW_REQUEST_MS = 60_000
    response = rep_client.get("/customers/", {"q": "宁波"})
    assert response.status_code == 200
    [record] = request_records()
    assert record.levelno == logging.INFO
    fields = record.request_fields
    assert {key: fields[key] for key in ("user_id", "method", "path", "status")} == {
        "user_id": rep.pk,
        "method": "GET",
        "path": "/customers/",
        "status": 200,
    }
    assert isinstance(fields["duration_ms"], float)
    assert fields["duration_ms"] > 0
    assert "queries" not in fields
    assert "slow" not in fields


def test_anonymous_and_failed_requests_are_logged_without_a_user(request_records):
    Client().post("/customers/new/", {"name": "x"})
    Client().get("/no-such-page/")
    records = request_records()
    assert [(r.request_fields["user_id"], r.request_fields["status"]) for r in records] == [(None, 302), (None, 404)]


def test_query_count_when_the_setting_says_so_and_it_matches_the_queries_run(rep_client, request_records, settings):
    settings.LOG_QUERY_COUNT = True
    settings.SLOW_REQUEST_MS = 60_000
    with CaptureQueriesContext(connection) as queries:
        rep_client.get("/customers/")
    [record] = request_records()
    assert record.levelno == logging.INFO
    assert record.request_fields["queries"] == len(queries) > 0


def test_a_slow_request_logs_at_warning_with_its_query_count(rep_client, request_records, settings):
    settings.LOG_QUERY_COUNT = False
    settings.SLOW_REQUEST_MS = 1  # every page that reads the database takes longer than 1 ms
    with CaptureQueriesContext(connection) as queries:
        rep_client.get("/customers/")
    [record] = request_records()
    assert record.levelno == logging.WARNING
    assert record.request_fields["slow"] is True
    assert record.request_fields["queries"] == len(queries) > 0
    assert record.request_fields["duration_ms"] >= 1


def test_lines_are_json_or_logfmt(rep, rep_client, request_records, settings):
    settings.LOG_QUERY_COUNT = True
    rep_client.get("/customers/", {"q": "a b"})
    [record] = request_records()
    line = RequestFormatter("json").format(record)
    parsed = json.loads(line)
    assert "\n" not in line
    assert parsed["user_id"] == rep.pk
    assert parsed["path"] == "/customers/"
    assert parsed["level"] in {"INFO", "WARNING"}
    assert parsed["time"].endswith("+00:00")
    logfmt = RequestFormatter("logfmt").format(record)
    assert f"user_id={rep.pk} method=GET path=/customers/ status=200 duration_ms=" in logfmt
    assert f"queries={parsed['queries']}" in logfmt


def test_logfmt_quotes_values_with_spaces_and_quotes():
    record = logging.LogRecord(REQUEST_LOGGER, logging.INFO, __file__, 1, "x", None, None)
    record.request_fields = {"user_id": None, "path": '/a b/"c"'}
    assert RequestFormatter("logfmt").format(record).endswith('user_id= path="/a b/\\"c\\""')


# --- /metrics -------------------------------------------------------------------------------------

PROMETHEUS = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *django_settings.MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]


def test_metrics_are_off_by_default():
    assert django_settings.METRICS_ENABLED is False
    assert Client().get("/metrics").status_code == 404


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.0.5"]
    settings.MIDDLEWARE = PROMETHEUS
    return settings


def test_metrics_answer_404_to_an_address_not_allowed(metrics_on):
    client = Client()
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    # Behind one proxy the address is the one the proxy appended: a forged first entry does not count.
    metrics_on.PROXY_COUNT = 1
    forged = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.5, 192.0.2.7")
    assert forged.status_code == 404


def test_metrics_for_an_allowed_address_count_requests(metrics_on, rep_client):
    rep_client.get("/customers/")
    response = Client().get("/metrics", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert 'django_http_requests_total_by_method_total{method="GET"}' in body
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert 'view="accounts:customer_list"' in body
    metrics_on.PROXY_COUNT = 1
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.5").status_code == 200
