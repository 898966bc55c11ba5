"""The read-replica router (funnel_crm/db_router.py, issue 15 point 4): with a
``replica`` alias — here a second connection to the same test database — the pages
marked read-only (coaching dashboard and trend, weekly review and its export, the
customer export) and the API views (coaching funnel and trend, customer export) read
there, while their writes (the audit entry of an export), the API's token check and
every unmarked page stay on ``default``; without the alias nothing changes."""

import datetime

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Customer
from funnel_crm.db_router import REPLICA, use_replica
from projects import services as project_services
from teams.audit_models import AuditEntry
from teams.tokens import token_obtain
from tests.factories import CustomerFactory

pytestmark = [
    # Committed rows, so the replica's own connection sees them.
    pytest.mark.django_db(transaction=True),
    # The replica fixture adds the alias to DATABASES the way settings.py does when DATABASE_REPLICA_URL is set.
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def replica(settings):
    """A ``replica`` alias with its own connection to the test database, as
    DATABASE_REPLICA_URL would add one (built by hand: Django's test case only
    lets a test open the aliases it knew when it started)."""
    conf = {**connections["default"].settings_dict}
    settings.DATABASES = {**settings.DATABASES, REPLICA: conf}
    connections[REPLICA] = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, REPLICA)
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]


@pytest.fixture
def team_history(rep, other_rep, lead):
    for owner in (rep, other_rep):
        for days_ago in (3, 10):
            project_services.project_create(
                user=owner,
                customer=CustomerFactory(owner=owner, name=f"宁波{owner.username}{days_ago}有限公司"),
                data={
                    "name": f"项目{owner.username}{days_ago}",
                    "stage": "prospect",
                    "budget": "100000",
                    "opened_at": timezone.now() - datetime.timedelta(days=days_ago),
                },
            )


def _sql(captured):
    return [query["sql"] for query in captured.captured_queries]


def _writes(sqls):
    return [sql for sql in sqls if sql.lstrip().upper().startswith(WRITES) or "FOR UPDATE" in sql]


def _get(client, url, replica, **params):
    with CaptureQueriesContext(connections["default"]) as on_default, CaptureQueriesContext(replica) as on_replica:
        response = client.get(url, params)
        content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, content[:500]
    return content, _sql(on_default), _sql(on_replica)


def test_dashboard_reads_its_figures_from_the_replica(team_history, lead_client, replica):
    _content, on_default, on_replica = _get(lead_client, "/coaching/", replica)
    assert any('"projects_project"' in sql for sql in on_replica)
    assert not any('"projects_project"' in sql or '"pipeline_' in sql for sql in on_default), on_default
    assert _writes(on_replica) == []
    # The signed-in user and their session were read from default (a fresh session may not be on the replica yet).
    assert any('"django_session"' in sql for sql in on_default)
    assert not any('"django_session"' in sql for sql in on_replica)


def test_weekly_review_and_its_export_read_from_the_replica(team_history, lead_client, replica):
    for url in ("/coaching/review/", "/coaching/review/export.xlsx"):
        _content, on_default, on_replica = _get(lead_client, url, replica)
        assert any('"projects_project"' in sql for sql in on_replica), url
        assert not any('"projects_project"' in sql for sql in on_default), url
        assert _writes(on_replica) == [], url


def test_trend_page_reads_from_the_replica(team_history, lead_client, replica):
    _content, on_default, on_replica = _get(lead_client, "/coaching/trend/", replica)
    assert any('"pipeline_' in sql for sql in on_replica), [sql[:300] for sql in on_replica]
    assert not any('"pipeline_' in sql or '"projects_project"' in sql for sql in on_default), on_default
    assert _writes(on_replica) == []


@pytest.fixture
def token_api():
    """An API client signed in with a token, as an integration calls the API."""

    def signed_in(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_obtain(user=user).key}")
        return client

    return signed_in


@pytest.mark.parametrize("url", ["/api/v1/coaching/funnel/", "/api/v1/coaching/trend/"])
def test_coaching_api_reads_from_the_replica_and_checks_the_token_on_default(
    team_history, lead, token_api, replica, url
):
    content, on_default, on_replica = _get(token_api(lead), url, replica)
    assert b"prospect" in content or b"weeks" in content
    assert any('"pipeline_stagechange"' in sql or '"projects_project"' in sql for sql in on_replica), url
    assert not any('"pipeline_' in sql or '"projects_project"' in sql for sql in on_default), on_default
    assert _writes(on_replica) == []
    # A token issued a moment ago may not have replicated: it is checked on default.
    assert any('"authtoken_token"' in sql for sql in on_default)
    assert not any('"authtoken_token"' in sql for sql in on_replica)


@pytest.mark.parametrize("url", ["/customers/export/", "/api/v1/customers/export/"])
def test_customer_export_streams_rows_from_the_replica_and_audits_on_default(
    team_history, rep, rep_client, token_api, replica, url
):
    client = token_api(rep) if url.startswith("/api/") else rep_client
    audits = AuditEntry.objects.count()
    content, on_default, on_replica = _get(client, url, replica, format="csv")
    assert "宁波rep3有限公司" in content.decode("utf-8-sig")
    assert any('"accounts_customer"' in sql for sql in on_replica)
    assert not any('FROM "accounts_customer"' in sql for sql in on_default), on_default
    assert _writes(on_replica) == []
    assert any(sql.startswith('INSERT INTO "teams_auditentry"') for sql in on_default)
    assert AuditEntry.objects.count() == audits + 1
    if url.startswith("/api/"):
        assert any('"authtoken_token"' in sql for sql in on_default)


def test_unmarked_pages_never_touch_the_replica(team_history, rep_client, replica):
    with CaptureQueriesContext(replica) as on_replica:
        assert rep_client.get("/customers/").status_code == 200
        assert rep_client.post("/customers/new/", {"name": ""}).status_code in {200, 400}
    assert on_replica.captured_queries == []


def test_a_write_inside_use_replica_goes_to_default(team_history, replica):
    default = connections["default"]
    with CaptureQueriesContext(default) as on_default, CaptureQueriesContext(replica) as on_replica, use_replica():
        customer = Customer.objects.order_by("pk").first()
        customer.address = "宁波市鄞州区"
        customer.save(update_fields=["address"])
        Customer.objects.filter(pk=customer.pk).update(level="A")
    assert customer._state.db == "default"
    assert _sql(on_replica)[0].startswith('SELECT "accounts_customer"')
    assert all(sql.startswith("SELECT") for sql in _sql(on_replica))
    assert [sql.split()[0] for sql in _writes(_sql(on_default)) if '"accounts_customer"' in sql.split("SET")[0]] == [
        "UPDATE",
        "UPDATE",
    ]
    customer.refresh_from_db()
    assert (customer.address, customer.level) == ("宁波市鄞州区", "A")


def test_without_a_replica_marked_pages_read_from_default(team_history, lead_client, settings):
    assert REPLICA not in settings.DATABASES
    with CaptureQueriesContext(connections["default"]) as on_default:
        assert lead_client.get("/coaching/").status_code == 200
    assert any('"projects_project"' in sql for sql in _sql(on_default))
