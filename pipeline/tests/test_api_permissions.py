"""Who may do what on the pipeline's endpoints: the matrix (endpoint × persona ×
whose record), generated from a table like projects/tests/test_api.py, with the
stored state checked after every refused write; the writes of a rep who sees a
customer only through a project (tests/scenarios.py); and the board per role."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, Competitor, ProjectState
from pipeline.tests.api_support import in_days
from projects import services as project_services
from projects.models import Project
from tests.factories import CustomerFactory
from tests.scenarios import Write, check_write, write_matrix

pytestmark = pytest.mark.django_db

OWNERS = ["rep", "other_rep", "outsider_rep"]
PERSONAS = [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"]
# Whose projects (and their competitors and activities) each persona sees and changes.
SEES = {
    None: set(),
    "rep": {"rep"},
    "other_rep": {"other_rep"},
    "outsider_rep": {"outsider_rep"},
    "lead": {"rep", "other_rep"},
    "other_lead": {"outsider_rep"},
    "admin": set(OWNERS),
}


@dataclass
class World:
    personas: dict
    projects: dict
    competitors: dict
    activities: dict


@pytest.fixture
def world(personas):
    """Each owner's project (opened a month ago, budget 1,000,000) with a competitor and a logged call."""
    projects, competitors, activities = {}, {}, {}
    for who in OWNERS:
        user = personas[who]
        project = project_services.project_create(
            user=user,
            customer=CustomerFactory(owner=user),
            data={"name": f"{who}的项目", "opened_at": timezone.now() - timedelta(days=30), "budget": "1000000"},
        )
        competitors[who] = services.competitor_save(
            user=user, project=project, data={"kind": "external", "name": "某厂商"}
        )
        activities[who] = services.activity_log(
            user=user,
            project=project,
            kind="call",
            occurred_at=timezone.now() - timedelta(days=1),
            summary="电话沟通",
            next_contact_on=timezone.localdate() + timedelta(days=3),
        )
        projects[who] = project
    return World(personas, projects, competitors, activities)


def _project_state(world, target):
    project = Project.objects.get(pk=world.projects[target].pk)
    return (
        ProjectState.objects.get(pk=project.pk).stage_id,
        project.budget,
        project.next_contact_on,
        project.version,
        list(Competitor.objects.filter(project=project).values_list("name", "status")),
        Activity.objects.filter(project=project).count(),
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str  # formatted with the target's project, competitor and activity ids
    ok: int
    body: object = None  # callable (world, target) -> dict
    out_of_scope: int = 404
    writes: bool = True


ENDPOINTS = [
    Endpoint("move", "post", "/api/v1/projects/{project}/move/", 200, body=lambda w, t: {"stage": "need_confirmed"}),
    Endpoint("history", "get", "/api/v1/projects/{project}/history/", 200, writes=False),
    Endpoint(
        "budget change",
        "patch",
        "/api/v1/projects/{project}/",
        200,
        body=lambda w, t: {"budget": "1200000"},
    ),
    Endpoint(
        "next contact", "patch", "/api/v1/projects/{project}/", 200, body=lambda w, t: {"next_contact_on": in_days(9)}
    ),
    Endpoint("competitor retrieve", "get", "/api/v1/competitors/{competitor}/", 200, writes=False),
    Endpoint(
        "competitor patch",
        "patch",
        "/api/v1/competitors/{competitor}/",
        200,
        body=lambda w, t: {"status": "eliminated"},
    ),
    Endpoint("competitor delete", "delete", "/api/v1/competitors/{competitor}/", 204),
    Endpoint(
        "competitor create",
        "post",
        "/api/v1/competitors/",
        201,
        body=lambda w, t: {"project": w.projects[t].pk, "kind": "our_own", "name": "KA 部"},
    ),
    Endpoint("activity retrieve", "get", "/api/v1/activities/{activity}/", 200, writes=False),
    Endpoint(
        "activity create",
        "post",
        "/api/v1/activities/",
        201,
        body=lambda w, t: {
            "project": w.projects[t].pk,
            "kind": "visit",
            "occurred_at": timezone.now().isoformat(),
            "summary": "上门拜访",
            "next_contact_on": in_days(5),
        },
    ),
    Endpoint(
        "activity patch",
        "patch",
        "/api/v1/activities/{activity}/",
        405,
        body=lambda w, t: {"summary": "改"},
        out_of_scope=405,
    ),
]


def _expected(endpoint, persona, target):
    if persona is None:
        return 401
    return endpoint.ok if target in SEES[persona] else endpoint.out_of_scope


def _matrix():
    for endpoint in ENDPOINTS:
        for persona in PERSONAS:
            for target in OWNERS:
                expected = _expected(endpoint, persona, target)
                yield pytest.param(endpoint, persona, target, expected, id=f"{endpoint.name}-{persona}-{target}")


@pytest.mark.parametrize(("endpoint", "persona", "target", "expected"), list(_matrix()))
def test_permission_matrix(api_for, world, endpoint, persona, target, expected):
    ids = {
        "project": world.projects[target].pk,
        "competitor": world.competitors[target].pk,
        "activity": world.activities[target].pk,
    }
    before = _project_state(world, target)
    body = endpoint.body(world, target) if endpoint.body else None
    response = getattr(api_for(persona), endpoint.method)(endpoint.url.format(**ids), body, format="json")
    assert response.status_code == expected, response.content
    changed = _project_state(world, target) != before
    assert changed == (endpoint.writes and expected in (200, 201, 204)), (before, _project_state(world, target))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("resource", ["competitors", "activities"])
def test_lists_show_only_the_scope(api_for, world, persona, resource):
    response = api_for(persona).get(f"/api/v1/{resource}/")
    if persona is None:
        assert response.status_code == 401
        return
    rows = world.competitors if resource == "competitors" else world.activities
    assert {row["id"] for row in response.json()["results"]} == {rows[who].pk for who in SEES[persona]}


# --- a rep who sees a customer only through a project --------------------------------------------


def _rep_project_state(world, key):
    project = Project.objects.get(pk=world.projects[key].pk)
    return (
        ProjectState.objects.get(pk=project.pk).stage_id,
        project.budget,
        project.next_contact_on,
        Competitor.objects.filter(project=project).count(),
        Activity.objects.filter(project=project).count(),
    )


THROUGH_A_PROJECT = [
    Write(
        "move",
        "api",
        "post",
        "/api/v1/projects/{project}/move/",
        "project",
        200,
        _rep_project_state,
        body=lambda w, k: {"stage": "need_confirmed"},
    ),
    Write(
        "budget",
        "api",
        "patch",
        "/api/v1/projects/{project}/",
        "project",
        200,
        _rep_project_state,
        body=lambda w, k: {"budget": "300000"},
    ),
    Write(
        "competitor create",
        "api",
        "post",
        "/api/v1/competitors/",
        "project",
        201,
        _rep_project_state,
        body=lambda w, k: {"project": w.projects[k].pk, "kind": "customer_internal", "name": "渠道部"},
    ),
    Write(
        "activity create",
        "api",
        "post",
        "/api/v1/activities/",
        "project",
        201,
        _rep_project_state,
        body=lambda w, k: {
            "project": w.projects[k].pk,
            "kind": "call",
            "occurred_at": timezone.now().isoformat(),
            "summary": "电话",
            "next_contact_on": in_days(2),
        },
    ),
]


@pytest.mark.parametrize(("write", "persona", "key"), list(write_matrix(THROUGH_A_PROJECT)))
def test_writes_on_a_project_on_someone_elses_customer(shared_world, api_for, write, persona, key):
    """rep's projects on other_rep's and outsider_rep's customers: rep, lead and
    admin change them; the customers' owners (who see the customer, not the
    project) and everyone else get 404 and nothing changes."""
    check_write(shared_world, api_for(persona), write, persona, key)


# --- the board ------------------------------------------------------------------------------------


def _board_ids(response):
    return {card["id"] for column in response.json()["columns"] for card in column["cards"]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_board_shows_the_personas_scope(api_for, world, persona):
    response = api_for(persona).get("/api/v1/board/")
    if persona is None:
        assert response.status_code == 401
        return
    if persona == "admin":
        assert response.status_code == 400
        assert "team" in response.json()["errors"]
        return
    assert response.status_code == 200, response.content
    assert _board_ids(response) == {world.projects[who].pk for who in SEES[persona]}


def test_a_lead_narrows_to_a_rep_an_admin_picks_a_team(api_for, world, personas):
    response = api_for("lead").get("/api/v1/board/", {"owner": personas["other_rep"].pk})
    assert _board_ids(response) == {world.projects["other_rep"].pk}
    response = api_for("admin").get("/api/v1/board/", {"team": personas["outsider_rep"].team_id})
    assert _board_ids(response) == {world.projects["outsider_rep"].pk}


@pytest.mark.parametrize(
    ("persona", "param", "value"),
    [
        ("rep", "team", "other_team"),
        ("lead", "owner", "outsider_rep"),
        ("lead", "team", "other_team"),
        ("rep", "pipeline", "no-such-pipeline"),
        ("rep", "owner", "abc"),
    ],
)
def test_a_board_filter_outside_the_view_answers_400_naming_it(api_for, personas, other_team, persona, param, value):
    value = {"other_team": other_team.pk, "outsider_rep": personas["outsider_rep"].pk}.get(value, value)
    response = api_for(persona).get("/api/v1/board/", {param: value})
    assert response.status_code == 400
    assert param in response.json()["errors"]


def test_the_board_answers_columns_and_cards(api_for, world):
    response = api_for("rep").get("/api/v1/board/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.json()
    assert body["pipeline"] == {"key": "new_business", "name": "New business"}
    prospect = body["columns"][0]
    assert {key: prospect[key] for key in ("stage", "name", "tier", "tier_name", "probability", "count")} == {
        "stage": "prospect",
        "name": "Prospect",
        "tier": "prospect",
        "tier_name": "Prospect",
        "probability": 10,
        "count": 1,
    }
    assert (prospect["budget_sum"], prospect["weighted_sum"]) == ("1000000.00", "100000.00")
    card = prospect["cards"][0]
    assert (card["budget"], card["days_in_stage"], card["is_stale"], card["version"]) == ("1000000.00", 30, False, 1)
    assert card["owner_name"] == world.personas["rep"].name


@pytest.mark.parametrize("persona", ["rep", "lead"])
def test_the_board_costs_the_same_queries_for_5_or_40_projects(
    api_for, personas, persona, django_assert_max_num_queries
):
    def create(n):
        owner = personas["rep"] if n % 2 else personas["other_rep"]
        project_services.project_create(
            user=owner,
            customer=CustomerFactory(owner=owner),
            data={"name": f"项目{n}", "budget": "1000", "stage": "need_confirmed" if n % 3 else "prospect"},
        )

    def get():
        # 1 the lead's team, 2 the projects ranked per stage with each stage's count and
        # budget sum, 3 the cards. The pipelines, stages and teams' defaults are configuration
        # a process keeps (pipeline.selectors.configuration).
        with django_assert_max_num_queries(3) as captured:
            response = api_for(persona).get("/api/v1/board/")
        assert response.status_code == 200
        return len(captured.captured_queries), sum(column["count"] for column in response.json()["columns"])

    for n in range(5):
        create(n)
    assert api_for(persona).get("/api/v1/board/").status_code == 200  # a warm process
    few, shown = get()
    for n in range(5, 40):
        create(n)
    many, shown_many = get()
    assert few == many
    assert shown_many > shown
