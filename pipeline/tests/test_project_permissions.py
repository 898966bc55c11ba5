"""Who may write through the project page's pipeline sections: rep's projects on
another rep's and on another team's customer (tests/scenarios.py). The
customer's owner sees the customer, not the project, and the other team's lead
neither: their posts answer 404 and store nothing, exactly like an unknown id.
Every row checks the status AND the stored state."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, BudgetChange, Competitor, StageChange
from projects.models import Milestone, Project
from tests.scenarios import PROJECTS, Write, check_write, write_matrix

pytestmark = pytest.mark.django_db
VIEWERS = {"rep", "lead", "admin"}  # who may open rep's projects (and so change them)


@dataclass(frozen=True)
class SectionWrite(Write):
    """A write whose URL may name the project's competitor (``{competitor}``)."""

    def ids(self, world, key):
        return {**super().ids(world, key), "competitor": world.parts[key]["competitor"].pk}


@pytest.fixture
def world(shared_world):
    for key in PROJECTS:
        project = shared_world.projects[key]
        shared_world.parts[key]["competitor"] = services.competitor_save(
            user=shared_world.personas["rep"], project=project, data={"kind": "external", "name": "用友"}
        )
    return shared_world


def _project(world, key):
    return Project.objects.get(pk=world.projects[key].pk)


def _stage(world, key):
    return (_project(world, key).state.stage_id, StageChange.objects.filter(project=world.projects[key]).count())


def _budget(world, key):
    return (_project(world, key).budget, BudgetChange.objects.filter(project=world.projects[key]).count())


def _competitors(world, key):
    return sorted(Competitor.objects.filter(project=world.projects[key]).values_list("name", "threat", "status"))


def _key_dates(world, key):
    return sorted(Milestone.objects.filter(project=world.projects[key]).values_list("kind", "due_on"))


def _activities(world, key):
    return (Activity.objects.filter(project=world.projects[key]).count(), _project(world, key).next_contact_on)


def _version(world, key):
    return _project(world, key).version


def _competitor_body(world, key, **fields):
    competitor = world.parts[key]["competitor"]
    data = {"kind": "external", "name": "金蝶", "threat": "high", "status": "active", **fields}
    body = {f"competitor-{competitor.pk}-{name}": value for name, value in data.items()}
    return {**body, "version": Competitor.objects.get(pk=competitor.pk).version}


URL = "/projects/{project}/pipeline/"
SOON = (timezone.localdate() + timedelta(days=2)).isoformat()
WRITES = [
    SectionWrite(
        "move", "page", "post", URL + "move/", "project", 302, _stage,
        body=lambda w, k: {"move-stage": "need_confirmed", "version": _version(w, k)},
    ),
    SectionWrite(
        "budget", "page", "post", URL + "budget/", "project", 302, _budget,
        body=lambda w, k: {"budget-budget": "1500000", "version": _version(w, k)},
    ),
    SectionWrite(
        "competitor add", "page", "post", URL + "competitors/", "project", 302, _competitors,
        body=lambda w, k: {"competitor-new-kind": "our_own", "competitor-new-name": "KA 部",
                           "competitor-new-threat": "low", "competitor-new-status": "active"},
    ),
    SectionWrite(
        "competitor edit", "page", "post", URL + "competitors/{competitor}/", "project", 302, _competitors,
        body=_competitor_body,
    ),
    SectionWrite(
        "competitor status", "page", "post", URL + "competitors/{competitor}/status/", "project", 302, _competitors,
        body=lambda w, k: {"status": "eliminated", "version": 1},
    ),
    SectionWrite(
        "key date", "page", "post", URL + "key-dates/payment/", "project", 302, _key_dates,
        body=lambda w, k: {"keydate-payment-due_on": "2027-06-30"},
    ),
    SectionWrite(
        "contact", "page", "post", URL + "activities/", "project", 302, _activities,
        body=lambda w, k: {"activity-kind": "call", "activity-summary": "电话沟通", "activity-next_contact_on": SOON},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("write", "persona", "key"), list(write_matrix(WRITES)))
def test_section_write_permissions(world, client_for, write, persona, key):
    check_write(world, client_for(persona), write, persona, key)


@pytest.mark.parametrize("persona", ["rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"])
@pytest.mark.parametrize("page", ["project_activities", "project_changes"])
def test_load_more_pages_answer_only_who_sees_the_project(world, client_for, persona, page):
    for key in PROJECTS:
        url = reverse(f"pipeline:{page}", args=[world.projects[key].pk])
        expected = 200 if persona in VIEWERS else 404
        assert client_for(persona).get(url).status_code == expected, (persona, key)


def test_an_unknown_project_is_404_like_one_out_of_scope(client_for):
    assert client_for("rep").post("/projects/999999/pipeline/move/", {"move-stage": "won"}).status_code == 404


def test_a_competitor_of_another_project_is_404(world, client_for):
    theirs = world.parts["on_other_teams"]["competitor"]
    url = f"/projects/{world.projects['on_other_reps'].pk}/pipeline/competitors/{theirs.pk}/status/"
    assert client_for("rep").post(url, {"status": "won", "version": 1}).status_code == 404
    assert Competitor.objects.get(pk=theirs.pk).status == "active"


def test_the_customers_owner_sees_no_sections_of_the_project(world, client_for):
    """other_rep owns the customer of rep's project: the project page is not theirs to open."""
    project = world.projects["on_other_reps"]
    assert client_for("other_rep").get(project.get_absolute_url()).status_code == 404
