"""A user moved between teams (issue 7, hole 5): the rep's customers and
projects follow the rep in the same transaction, in bulk, with a history row
each; the old lead loses them, the new lead gets them, on pages and API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.history import customer_history
from accounts.models import Customer
from projects.models import Project
from teams import services
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep, other_rep):
    """Two customers and three projects of ``rep`` (one on other_rep's customer),
    and other_rep's customer, which must stay in team A."""
    first, second = CustomerFactory(owner=rep, name="苏州甲科技有限公司"), CustomerFactory(owner=rep)
    theirs = CustomerFactory(owner=other_rep, name="无锡乙科技有限公司")
    projects = [
        ProjectFactory(customer=first),
        ProjectFactory(customer=second),
        ProjectFactory(customer=theirs, owner=rep),
    ]
    return {"customers": [first, second], "projects": projects, "theirs": theirs}


def _teams_of(model, owner):
    return set(model.objects.filter(owner=owner).values_list("team_id", flat=True))


def move_by_service(rep, other_team, admin, client_for, api_for):
    services.user_update(user=rep, team=other_team)


def move_by_api(rep, other_team, admin, client_for, api_for):
    response = api_for("admin").patch(f"/api/v1/users/{rep.pk}/", {"team": other_team.pk}, format="json")
    assert response.status_code == 200, response.content


def move_by_page(rep, other_team, admin, client_for, api_for):
    data = {
        "username": rep.username,
        "display_name": rep.display_name,
        "email": rep.email,
        "role": "rep",
        "team": other_team.pk,
        "is_active": "on",
    }
    response = client_for("admin").post(f"/manage/users/{rep.pk}/edit/", data)
    assert response.status_code == 302, response.content


def move_by_django_admin(rep, other_team, admin, client_for, api_for):
    data = {
        "username": rep.username,
        "email": rep.email,
        "is_active": "on",
        "role": "rep",
        "display_name": rep.display_name,
        "team": other_team.pk,
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2026-01-05",
        "initial-date_joined_1": "09:00:00",
    }
    response = client_for("admin").post(f"/admin/teams/user/{rep.pk}/change/", data)
    assert response.status_code == 302, response.content


@pytest.mark.parametrize("move", [move_by_service, move_by_api, move_by_page, move_by_django_admin])
def test_moving_a_rep_moves_their_customers_and_projects(
    move, rep, team, other_team, other_lead, admin, book, client_for, api_for
):
    move(rep, other_team, admin, client_for, api_for)
    rep.refresh_from_db()
    assert rep.team_id == other_team.pk
    assert _teams_of(Customer, rep) == {other_team.pk}
    assert _teams_of(Project, rep) == {other_team.pk}
    # Records of the team the rep left, owned by someone else, stay where they were.
    book["theirs"].refresh_from_db()
    assert book["theirs"].team_id == team.pk


def test_the_move_is_in_the_history_of_each_record(rep, other_team, other_lead, admin, book):
    services.user_update(user=rep, team=other_team)
    customer, project = book["customers"][0], book["projects"][0]
    latest = customer.history.order_by("-history_date", "-history_id").first()
    assert latest.history_type == "~" and latest.team_id == other_team.pk
    assert "华东一组 → 华南二组" in latest.history_change_reason
    entry = customer_history(customer)[0]
    assert [(c.old, c.new) for c in entry.changes] == [("华东一组", "华南二组")]
    latest = project.history.order_by("-history_date", "-history_id").first()
    assert latest.team_id == other_team.pk and "华南二组" in latest.history_change_reason


def test_a_rep_made_lead_of_another_team_takes_their_records(rep, lead, team, outsider_rep, admin):
    own = CustomerFactory(owner=outsider_rep)
    project = ProjectFactory(customer=own)
    # outsider_rep leaves team B to lead team A (replacing ``lead``, who stays as a rep).
    services.team_set_lead(team=team, lead=outsider_rep)
    own.refresh_from_db()
    project.refresh_from_db()
    assert (own.team_id, project.team_id) == (team.pk, team.pk)


def test_a_refused_move_changes_no_record(rep, lead, team, other_team, other_lead, book):
    # A rep cannot lead a team whose lead leads another team: nothing moves.
    with pytest.raises(services.DomainError):
        services.team_set_lead(team=other_team, lead=lead)
    assert _teams_of(Customer, rep) == {team.pk}
    assert _teams_of(Customer, lead) <= {team.pk}


def test_the_move_costs_the_same_few_queries_for_a_big_book(
    rep, other_rep, other_team, other_lead, django_assert_max_num_queries
):
    customers = CustomerFactory.create_batch(150, owner=rep)
    Project.objects.bulk_create(
        [Project(customer=customers[i % 150], owner=rep, team=rep.team, name=f"项目{i}") for i in range(300)]
    )
    # 21 with the savepoints: lock the user; validate (team exists, username
    # unique, two constraint checks); save; leadership; the two team names; then
    # per table (customers, projects): UPDATE, SELECT, bulk INSERT of history rows;
    # the audit entry (team changed).
    with django_assert_max_num_queries(21), CaptureQueriesContext(connection) as queries:
        services.user_update(user=rep, team=other_team)
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "team_id" in q["sql"]]
    assert len([sql for sql in updates if 'accounts_customer"' in sql]) == 1
    assert len([sql for sql in updates if 'projects_project"' in sql]) == 1
    assert Customer.objects.filter(owner=rep, team=other_team).count() == 150
    assert Project.objects.filter(owner=rep, team=other_team).count() == 300
    assert Customer.history.filter(owner=rep, team=other_team).count() == 150
    assert Project.history.filter(owner=rep, team=other_team).count() == 300


# --- the personas' view after the move: rep goes from team A (lead) to team B (other_lead) ---


@pytest.fixture
def moved(rep, other_team, other_lead, admin, book):
    services.user_update(user=rep, team=other_team)
    return book


def test_old_lead_no_longer_sees_the_moved_book(moved, client_for, api_for):
    customer, project = moved["customers"][0], moved["projects"][0]
    page, api = client_for("lead"), api_for("lead")
    assert page.get(f"/customers/{customer.pk}/").status_code == 404
    assert page.get(f"/projects/{project.pk}/").status_code == 404
    assert api.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    listed = {row["id"] for row in api.get("/api/v1/customers/").json()["results"]}
    assert listed == {moved["theirs"].pk}
    assert "苏州甲科技有限公司" not in page.get("/customers/").content.decode()
    assert api.get("/api/v1/projects/").json()["count"] == 0


def test_old_lead_cannot_edit_the_moved_book(moved, client_for, api_for):
    customer, project = moved["customers"][0], moved["projects"][0]
    page, api = client_for("lead"), api_for("lead")
    assert page.post(f"/customers/{customer.pk}/edit/", {"name": "改名", "level": "A"}).status_code == 404
    assert page.post(f"/projects/{project.pk}/edit/", {"name": "改名", "kind": "new"}).status_code == 404
    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"address": "改了", "version": 1}, format="json")
    assert response.status_code == 404
    response = api.patch(f"/api/v1/projects/{project.pk}/", {"scope": "改了", "version": 1}, format="json")
    assert response.status_code == 404
    customer_before, project_before = customer.address, project.scope
    customer.refresh_from_db()
    project.refresh_from_db()
    assert (customer.name, customer.address, customer.version) == ("苏州甲科技有限公司", customer_before, 1)
    assert (project.scope, project.version) == (project_before, 1) and project.name != "改名"


def test_new_lead_sees_and_edits_the_moved_book(moved, client_for, api_for):
    customer, project = moved["customers"][0], moved["projects"][0]
    page, api = client_for("other_lead"), api_for("other_lead")
    assert page.get(f"/customers/{customer.pk}/").status_code == 200
    assert page.get(f"/projects/{project.pk}/").status_code == 200
    assert "苏州甲科技有限公司" in page.get("/customers/").content.decode()
    listed = {row["id"] for row in api.get("/api/v1/customers/").json()["results"]}
    assert {c.pk for c in moved["customers"]} <= listed
    assert api.get("/api/v1/projects/").json()["count"] == 3
    response = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"address": "园区星湖街 1 号", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    response = api.patch(f"/api/v1/projects/{project.pk}/", {"scope": "新范围", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    project.refresh_from_db()
    assert (customer.address, project.scope) == ("园区星湖街 1 号", "新范围")


def test_the_moved_rep_keeps_their_own_book(moved, api_for):
    api = api_for("rep")
    assert api.get("/api/v1/projects/").json()["count"] == 3
    customer = moved["customers"][0]
    assert api.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
