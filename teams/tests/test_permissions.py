"""Permission matrix for the users and teams API: (method, persona, target, status).

Targets name a persona's user row or a team: ``team`` (team A, of rep, other_rep
and lead) and ``other_team`` (team B, of outsider_rep and other_lead).
"""

import pytest

pytestmark = pytest.mark.django_db

USER_READS = [
    # persona, target user, expected
    ("rep", "rep", 200),
    ("rep", "other_rep", 200),
    ("rep", "lead", 200),
    ("rep", "outsider_rep", 404),
    ("rep", "admin", 404),
    ("lead", "other_rep", 200),
    ("lead", "other_lead", 404),
    ("other_lead", "outsider_rep", 200),
    ("other_lead", "rep", 404),
    ("admin", "rep", 200),
    ("admin", "outsider_rep", 200),
    (None, "rep", 401),
]


@pytest.mark.parametrize(("persona", "target", "expected"), USER_READS)
def test_user_detail_visibility(api_for, personas, persona, target, expected):
    response = api_for(persona).get(f"/api/v1/users/{personas[target].pk}/")
    assert response.status_code == expected


USER_WRITES = [
    # method, persona, target ("new" for create), expected
    ("post", "rep", "new", 403),
    ("post", "lead", "new", 403),
    ("post", "admin", "new", 201),
    ("post", None, "new", 401),
    ("patch", "rep", "rep", 403),
    ("patch", "lead", "rep", 403),
    ("patch", "admin", "rep", 200),
    ("put", "lead", "other_rep", 403),
    ("delete", "admin", "rep", 405),
    ("delete", "lead", "rep", 403),
]


@pytest.mark.parametrize(("method", "persona", "target", "expected"), USER_WRITES)
def test_user_write_permissions(api_for, personas, team, method, persona, target, expected):
    if target == "new":
        url = "/api/v1/users/"
        payload = {"username": "newrep", "password": "Xy7-long-enough", "role": "rep", "team": team.pk}
    else:
        url = f"/api/v1/users/{personas[target].pk}/"
        payload = {"display_name": "新名字"}
    response = getattr(api_for(persona), method)(url, payload, format="json")
    assert response.status_code == expected


TEAM_CASES = [
    ("get", "rep", "team", 200),
    ("get", "rep", "other_team", 404),
    ("get", "lead", "other_team", 404),
    ("get", "other_lead", "other_team", 200),
    ("get", "admin", "other_team", 200),
    ("get", None, "team", 401),
    ("patch", "rep", "team", 403),
    ("patch", "lead", "team", 403),
    ("patch", "admin", "team", 200),
    ("delete", "lead", "team", 403),
    ("delete", "admin", "team", 400),  # a team with members cannot be deleted
]


@pytest.mark.parametrize(("method", "persona", "target", "expected"), TEAM_CASES)
def test_team_permissions(api_for, personas, team, other_team, method, persona, target, expected):
    obj = {"team": team, "other_team": other_team}[target]
    response = getattr(api_for(persona), method)(f"/api/v1/teams/{obj.pk}/", {"name": "改名组"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(("persona", "expected"), [("rep", 403), ("lead", 403), ("other_lead", 403), ("admin", 201)])
def test_only_admin_creates_teams(api_for, personas, persona, expected):
    response = api_for(persona).post("/api/v1/teams/", {"name": "西北组"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("rep", {"rep", "other_rep", "lead"}),
        ("lead", {"rep", "other_rep", "lead"}),
        ("other_lead", {"other_lead", "outsider_rep"}),
        ("outsider_rep", {"other_lead", "outsider_rep"}),
        ("admin", {"rep", "other_rep", "lead", "other_lead", "outsider_rep", "admin"}),
    ],
)
def test_user_list_is_scoped(api_for, personas, persona, visible):
    response = api_for(persona).get("/api/v1/users/?page_size=200")
    assert response.status_code == 200
    assert {row["username"] for row in response.json()["results"]} == visible


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("rep", {"华东一组"}), ("other_lead", {"华南二组"}), ("admin", {"华东一组", "华南二组"})],
)
def test_team_list_is_scoped(api_for, personas, persona, visible):
    response = api_for(persona).get("/api/v1/teams/")
    assert {row["name"] for row in response.json()["results"]} == visible


PAGE_CASES = [
    # persona, url name, expected
    ("rep", "teams:team_list", 403),
    ("lead", "teams:team_list", 403),
    ("admin", "teams:team_list", 200),
    ("rep", "teams:user_list", 403),
    ("lead", "teams:user_create", 403),
    ("admin", "teams:user_create", 200),
    (None, "teams:team_list", 302),
    (None, "home", 302),
    ("rep", "home", 200),
    ("lead", "home", 200),
    ("admin", "home", 200),
]


@pytest.mark.parametrize(("persona", "url_name", "expected"), PAGE_CASES)
def test_page_permissions(client_for, personas, persona, url_name, expected):
    from django.urls import reverse

    assert client_for(persona).get(reverse(url_name)).status_code == expected


def test_team_edit_page_of_unknown_team_is_404(client_for, personas):
    assert client_for("admin").get("/manage/teams/999999/edit/").status_code == 404
