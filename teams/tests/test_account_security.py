"""Account security: admin rules, sessions and tokens ending, token list/revoke/expiry."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from teams import services
from teams.audit import AuditAction, AuditEntry
from teams.errors import DomainError
from teams.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "Right-Passw0rd-1"


def _with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def _token(user) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


def _token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _logged_in(user):
    client = Client()  # through the login page: django-axes needs the request
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_nobody_raises_their_own_role(lead):
    with pytest.raises(DomainError, match="own role"):
        services.user_update(user=lead, role=Role.ADMIN, actor=lead)
    lead.refresh_from_db()
    assert lead.role == Role.LEAD


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(admin, team):
    for change in ({"is_active": False}, {"role": Role.REP, "team": team}):
        with pytest.raises(DomainError, match="last active admin"):
            services.user_update(user=admin, actor=admin, **change)
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.ADMIN
    second = services.user_create(username="second", role=Role.ADMIN)
    services.user_update(user=admin, is_active=False, actor=second)
    assert not User.objects.get(pk=admin.pk).is_active


def test_api_refuses_the_last_admins_deactivation_and_changes_nothing(admin_api, admin):
    response = admin_api.patch(f"/api/v1/users/{admin.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400 and "is_active" in response.json()["errors"]
    assert User.objects.get(pk=admin.pk).is_active


def test_deactivation_ends_sessions_and_tokens_at_once(admin, rep):
    _with_password(rep)
    key = _token(rep)
    session = _logged_in(rep)
    assert session.get(reverse("home")).status_code == 200
    services.user_update(user=rep, is_active=False, actor=admin)
    assert not Token.objects.filter(user=rep).exists()
    assert _token_client(key).get("/api/v1/users/").status_code == 401
    assert session.get(reverse("home")).status_code == 302  # back to the login page


def test_password_reset_ends_other_sessions_and_rotates_the_token(admin, rep):
    _with_password(rep)
    old_key = _token(rep)
    session = _logged_in(rep)
    services.user_update(user=rep, password="Another-Passw0rd-2", actor=admin)
    assert _token_client(old_key).get("/api/v1/users/").status_code == 401
    assert session.get(reverse("home")).status_code == 302
    # A password an admin set must be changed before any token is issued (403); then a new key.
    response = APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": "Another-Passw0rd-2"})
    assert response.status_code == 403
    services.password_change_record(user=rep)
    response = APIClient().post("/api/v1/auth/token/", {"username": rep.username, "password": "Another-Passw0rd-2"})
    assert response.json()["token"] != old_key


def test_own_password_change_keeps_this_session_ends_the_others_and_the_token(rep):
    _with_password(rep)
    old_key = _token(rep)
    this, other = _logged_in(rep), _logged_in(rep)
    response = this.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-Passw0rd-2", "new_password2": "Another-Passw0rd-2"},
    )
    assert response.status_code == 302
    assert this.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302
    assert _token_client(old_key).get("/api/v1/users/").status_code == 401
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=rep).exists()


def test_tokens_expire_after_the_ttl(rep, settings):
    _with_password(rep)
    key = _token(rep)
    settings.TOKEN_TTL_DAYS = 30
    assert _token_client(key).get("/api/v1/users/").status_code == 200
    Token.objects.filter(key=key).update(created=Token.objects.get(key=key).created - datetime.timedelta(days=31))
    assert _token_client(key).get("/api/v1/users/").status_code == 401
    assert _token(rep) != key  # a new request issues a new token


@pytest.mark.parametrize(
    ("persona", "owner", "expected"),
    [("rep", "rep", 204), ("rep", "other_rep", 404), ("lead", "rep", 404), ("admin", "rep", 204), (None, "rep", 401)],
)
def test_token_revocation_matrix(api_for, personas, persona, owner, expected):
    Token.objects.create(user=personas[owner])
    response = api_for(persona).delete(f"/api/v1/tokens/{personas[owner].pk}/")
    assert response.status_code == expected
    assert Token.objects.filter(user=personas[owner]).exists() == (expected != 204)
    if expected == 204:
        assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKED, target_id=str(personas[owner].pk)).exists()


def test_token_list_shows_own_or_all_never_the_key(api_for, personas, django_assert_max_num_queries):
    for user in personas.values():
        Token.objects.create(user=user)
    mine = api_for("rep").get("/api/v1/tokens/").json()
    assert [row["user"] for row in mine["results"]] == [personas["rep"].pk]
    # count; tokens with their users
    with django_assert_max_num_queries(2):
        everyone = api_for("admin").get("/api/v1/tokens/").json()
    assert everyone["count"] == len(personas)
    keys = set(Token.objects.values_list("key", flat=True))
    assert not any(row["key_prefix"].rstrip("…") in keys for row in everyone["results"])
    assert "key" not in everyone["results"][0]


@pytest.mark.parametrize(("persona", "owner", "expected"), [("rep", "other_rep", 404), ("admin", "rep", 302)])
def test_token_page_revoke(client_for, personas, persona, owner, expected):
    Token.objects.create(user=personas[owner])
    client = client_for(persona)
    page = client.get(reverse("teams:token_list"))
    assert page.status_code == 200
    response = client.post(reverse("teams:token_revoke", args=[personas[owner].pk]))
    assert response.status_code == expected
    assert Token.objects.filter(user=personas[owner]).exists() == (expected != 302)


def test_an_initial_password_from_an_admin_is_changed_at_first_login(admin, team):
    user = services.user_create(username="fresh", password=PASSWORD, team=team, actor=admin)
    assert user.must_change_password
    client = _logged_in(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get("/api/v1/users/").status_code == 403  # the browser's API calls too
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Own-Passw0rd-9", "new_password2": "Own-Passw0rd-9"},
    )
    assert not User.objects.get(pk=user.pk).must_change_password
    assert client.get(reverse("home")).status_code == 200
