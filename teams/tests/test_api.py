import pytest
from rest_framework.test import APIClient

from teams.models import Team, User

pytestmark = pytest.mark.django_db


def test_token_login_then_token_auth(rep):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "Funnel-test-pass-2026"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(f"/api/v1/users/{rep.pk}/")
    assert me.status_code == 200
    assert me.json()["username"] == "rep"


def test_token_with_wrong_password_is_400_naming_password(rep):
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_token_without_username_names_the_field(rep):
    response = APIClient().post("/api/v1/auth/token/", {"password": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "username" in body["errors"]
    assert body["detail"].startswith(("用户名：", "Username: "))  # the label, not the raw field name


def test_bad_json_is_a_400_with_a_message(admin_api):
    response = admin_api.post("/api/v1/teams/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_missing_required_field_is_named(admin_api):
    response = admin_api.post("/api/v1/users/", {"username": "x1", "role": "rep"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["password"]


def test_validation_messages_follow_the_users_language(admin_api):
    response = admin_api.post("/api/v1/teams/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["errors"]["name"] == ["该字段是必填项。"]


def test_admin_creates_a_user_with_password_and_can_log_in(admin_api, team):
    response = admin_api.post(
        "/api/v1/users/",
        {"username": "zhaolei", "display_name": "赵磊", "password": "Sales-Star-88x", "role": "rep", "team": team.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    assert User.objects.get(username="zhaolei").check_password("Sales-Star-88x")


def test_admin_creating_a_lead_for_a_led_team_gets_the_team_field_named(admin_api, team, lead):
    response = admin_api.post(
        "/api/v1/users/",
        {"username": "boss", "password": "Boss-pass-2026", "role": "lead", "team": team.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "team" in response.json()["errors"]


def test_team_payload_lists_members_and_lead(admin_api, team, lead, rep, other_rep):
    body = admin_api.get(f"/api/v1/teams/{team.pk}/").json()
    assert body["lead"] == lead.pk
    assert sorted(body["members"]) == sorted([lead.pk, rep.pk, other_rep.pk])


def test_admin_sets_a_new_lead_through_the_api(admin_api, team, lead, rep):
    response = admin_api.patch(f"/api/v1/teams/{team.pk}/", {"lead": rep.pk}, format="json")
    assert response.status_code == 200
    assert Team.objects.get(pk=team.pk).lead_id == rep.pk


def test_page_size_is_capped_at_200(admin_api, team):
    from tests.factories import UserFactory

    UserFactory.create_batch(205, team=team)
    body = admin_api.get("/api/v1/users/?page_size=1000").json()
    assert body["count"] == User.objects.count()
    assert len(body["results"]) == 200
    assert body["next"]


def test_user_list_query_count_does_not_grow(admin_api, team, django_assert_max_num_queries):
    from tests.factories import UserFactory

    UserFactory.create_batch(120, team=team)
    # 1 count, 1 page of users. (Auth is forced, so no session/token query.)
    with django_assert_max_num_queries(2):
        response = admin_api.get("/api/v1/users/?page_size=200")
    assert len(response.json()["results"]) == User.objects.count()


def test_team_list_query_count_does_not_grow(admin_api, django_assert_max_num_queries):
    from tests.factories import TeamFactory, UserFactory

    for team in TeamFactory.create_batch(30):
        UserFactory.create_batch(4, team=team)
    # 1 count, 1 page of teams, 1 prefetch of members.
    with django_assert_max_num_queries(3):
        response = admin_api.get("/api/v1/teams/?page_size=200")
    assert len(response.json()["results"]) == Team.objects.count() >= 30


def test_openapi_schema_and_docs_are_served(admin_client):
    schema = admin_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/users/" in schema.content
    docs = admin_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
