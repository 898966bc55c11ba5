"""Issue 12's "Done when" through the API (the browser's twin:
tests/test_browser_admin_flow.py): an admin's script onboards a team, deactivates a
leaving rep, previews and moves the rep's 150 customers to two new reps in one call,
and reads the audit trail of it."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Customer
from teams.models import Role, User
from tests.factories import TEST_PASSWORD, AdminFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_onboards_a_team_and_moves_a_leaving_reps_book_through_the_api():
    AdminFactory(username="admin")
    leaving = UserFactory(username="leaving", display_name="赵离职", team=TeamFactory(name="华东一组"))
    CustomerFactory.create_batch(150, owner=leaving)
    api = APIClient(HTTP_USER_AGENT="funnel-script/1.0")
    token = api.post("/api/v1/auth/token/", {"username": "admin", "password": TEST_PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    team = api.post("/api/v1/teams/", {"name": "华南三组"}, format="json").json()
    people = {}
    for username, role in [("lead_south", "rep"), ("rep_a", "rep"), ("rep_b", "rep")]:
        body = {"username": username, "password": "Initial-Passw0rd-9", "role": role, "team": team["id"]}
        response = api.post("/api/v1/users/", body, format="json")
        assert response.status_code == 201, response.json()
        people[username] = response.json()["id"]
    response = api.patch(f"/api/v1/teams/{team['id']}/", {"lead": people["lead_south"]}, format="json")
    assert response.status_code == 200 and response.json()["lead"] == people["lead_south"]
    assert User.objects.get(pk=people["lead_south"]).role == Role.LEAD
    assert api.patch(f"/api/v1/users/{leaving.pk}/", {"is_active": False}, format="json").status_code == 200

    move = {"from_user": leaving.pk, "to_users": [people["rep_a"], people["rep_b"]], "reason": "离职交接"}
    preview = api.post("/api/v1/transfers/", {**move, "dry_run": True}, format="json").json()
    assert preview["dry_run"] and len(preview["customers"]) == 150
    assert Customer.objects.filter(owner=leaving).count() == 150  # a preview moves nothing

    report = api.post("/api/v1/transfers/", move, format="json")
    assert report.status_code == 200
    counts = report.json()["counts"]
    assert counts == {
        str(people["rep_a"]): {"customers": 75, "projects": 0},
        str(people["rep_b"]): {"customers": 75, "projects": 0},
    }
    assert not Customer.objects.filter(owner=leaving).exists()

    trail = api.get("/api/v1/audit/", {"action": "transfer"}).json()
    assert trail["count"] == 1
    entry = trail["results"][0]
    assert entry["who"] == User.objects.get(username="admin").pk
    # Written in the language of the request that made it (Chinese by default).
    assert "150" in entry["summary"] and "赵离职" in entry["summary"] and "离职交接" in entry["summary"]
    assert entry["ip"] == "127.0.0.1"
    onboarding = api.get("/api/v1/audit/", {"action": "team_updated"}).json()
    assert onboarding["count"] == 1  # the lead was set
