"""The audit log: what is recorded, who reads it (page and API), and that it is append-only."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from teams import services
from teams.audit import AuditAction, AuditEntry, audit_purge, audit_record
from teams.models import Role

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_login_and_failed_login_are_recorded_with_ip_and_user_agent(client, rep, settings):
    rep.set_password("right-Password-1")
    rep.save()
    AuditEntry.objects.all()  # nothing yet
    client.post(
        reverse("login"),
        {"username": rep.username, "password": "wrong"},
        REMOTE_ADDR="10.0.0.7",
        HTTP_USER_AGENT="TestBrowser/1",
    )
    client.post(reverse("login"), {"username": rep.username, "password": "right-Password-1"}, REMOTE_ADDR="10.0.0.7")
    failed, login = AuditEntry.objects.order_by("id")
    assert failed.action == AuditAction.LOGIN_FAILED
    assert failed.actor is None and failed.summary == rep.username
    assert failed.ip == "10.0.0.7" and failed.user_agent == "TestBrowser/1"
    assert login.action == AuditAction.LOGIN and login.actor == rep


def test_forwarded_for_is_trusted_only_when_configured(rf, admin, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.1")
    settings.PROXY_COUNT = 0
    assert audit_record(actor=admin, action=AuditAction.EXPORT, request=request).ip == "10.0.0.1"
    settings.PROXY_COUNT = 1
    assert audit_record(actor=admin, action=AuditAction.EXPORT, request=request).ip == "203.0.113.9"


def test_role_team_deactivation_and_password_reset_are_recorded(admin, rep, other_team):
    services.user_update(user=rep, role=Role.LEAD, team=other_team, actor=admin)
    services.user_update(user=rep, is_active=False, actor=admin)
    services.user_update(user=rep, is_active=True, password="A-new-Passw0rd!", actor=admin)
    assert actions() == [
        AuditAction.ROLE_CHANGED,
        AuditAction.TEAM_CHANGED,
        AuditAction.USER_DEACTIVATED,
        AuditAction.USER_REACTIVATED,
        AuditAction.PASSWORD_RESET,
    ]
    role = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED)
    assert role.actor == admin and role.detail == {"old": "rep", "new": "lead"}
    assert role.target_repr == str(rep) and role.target_id == str(rep.pk)


def test_token_creation_is_recorded_once(rep):
    rep.set_password("right-Password-1")
    rep.save()
    client = APIClient()
    for _ in range(2):
        response = client.post("/api/v1/auth/token/", {"username": rep.username, "password": "right-Password-1"})
        assert response.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_CREATED, actor=rep).count() == 1


def test_a_deleted_target_still_reads(admin, team):
    services.user_create(username="gone", actor=admin)
    entry = AuditEntry.objects.get(action=AuditAction.USER_CREATED)
    assert entry.target_repr == "gone"


def test_entries_cannot_be_changed_or_deleted_through_the_app(admin):
    entry = audit_record(actor=admin, action=AuditAction.EXPORT, summary="10 rows")
    entry.summary = "0 rows"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "10 rows"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_update_and_delete(admin):
    entry = audit_record(actor=admin, action=AuditAction.EXPORT, summary="10 rows")
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(summary="0 rows"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "10 rows"


def test_purge_deletes_only_entries_past_retention(admin, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = audit_record(actor=admin, action=AuditAction.EXPORT)
    recent = audit_record(actor=admin, action=AuditAction.EXPORT)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # back-date one entry past the trigger, as a DBA would
            cursor.execute("SET LOCAL funnel.audit_purge = 'on'")
            cursor.execute("ALTER TABLE teams_auditentry DISABLE TRIGGER teams_auditentry_append_only")
            cursor.execute(
                "UPDATE teams_auditentry SET at = %s WHERE id = %s",
                [timezone.now() - datetime.timedelta(days=31), old.pk],
            )
            cursor.execute("ALTER TABLE teams_auditentry ENABLE TRIGGER teams_auditentry_append_only")
    else:
        AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=31))
    assert audit_purge() == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.parametrize(
    ("persona", "expected"), [("rep", 403), ("lead", 403), ("other_lead", 403), ("admin", 200), (None, 302)]
)
def test_page_is_for_admins_only(client_for, persona, expected):
    response = client_for(persona).get(reverse("teams:audit_list"))
    assert response.status_code == expected


@pytest.mark.parametrize(("persona", "expected"), [("rep", 403), ("lead", 403), ("admin", 200), (None, 401)])
def test_api_is_for_admins_only(api_for, persona, expected):
    assert api_for(persona).get("/api/v1/audit/").status_code == expected


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("persona", ["rep", "admin"])
def test_api_refuses_writes_and_changes_nothing(api_for, admin, method, persona):
    entry = audit_record(actor=admin, action=AuditAction.EXPORT, summary="10 rows")
    client = api_for(persona)
    url = "/api/v1/audit/" if method == "post" else f"/api/v1/audit/{entry.pk}/"
    response = getattr(client, method)(url, {"summary": "0 rows"}, format="json")
    assert response.status_code in (403, 405)
    assert list(AuditEntry.objects.values_list("pk", "summary")) == [(entry.pk, "10 rows")]


def _entries(admin, rep, count):
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=now - datetime.timedelta(days=index % 10),
            actor=admin if index % 2 else rep,
            actor_repr=str(admin if index % 2 else rep),
            action=AuditAction.EXPORT if index % 3 else AuditAction.LOGIN,
            summary=f"{index} rows",
            ip="10.0.0.1",
        )
        for index in range(count)
    )


def test_api_contract_and_filters(admin_api, admin, rep):
    _entries(admin, rep, 30)
    data = admin_api.get("/api/v1/audit/", {"actor": rep.pk, "action": "login"}).json()
    expected = AuditEntry.objects.filter(actor=rep, action=AuditAction.LOGIN)
    assert data["count"] == expected.count() > 0
    row = data["results"][0]
    assert {"who", "what", "when", "ip", "user_agent", "target", "summary"} <= set(row)
    assert row["who"] == rep.pk and row["what"] == "login" and row["ip"] == "10.0.0.1"
    today = timezone.localdate()
    dated = admin_api.get("/api/v1/audit/", {"start": today.isoformat(), "end": today.isoformat()}).json()
    assert dated["count"] == AuditEntry.objects.filter(at__date=today).count() > 0
    bad = admin_api.get("/api/v1/audit/", {"action": "nonsense"})
    assert bad.status_code == 400 and "action" in bad.json()["errors"]


def test_api_list_queries_do_not_grow_with_rows(admin_api, admin, rep, django_assert_max_num_queries):
    _entries(admin, rep, 120)
    # session-less token auth: count, page of entries (content types come from the cache)
    with django_assert_max_num_queries(4):
        response = admin_api.get("/api/v1/audit/", {"page_size": 100})
    assert len(response.json()["results"]) == 100


def test_page_lists_filters_and_stays_constant_in_queries(admin_client, admin, rep, django_assert_max_num_queries):
    _entries(admin, rep, 120)
    # session, user, count, page of entries, the actor choices of the filter
    with django_assert_max_num_queries(7):
        response = admin_client.get(reverse("teams:audit_list"), {"actor": rep.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50
    assert all(entry.actor_id == rep.pk for entry in response.context["object_list"])
    assert "Audit log" in response.content.decode()
