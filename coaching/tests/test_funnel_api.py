"""``GET /api/v1/coaching/funnel/`` per ARCHITECTURE.md: who may ask, what comes back,
and a query count that does not grow with the team's history."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from coaching.funnel import Period, team_funnel
from pipeline.models import ExitCheck
from tests.factories import UserFactory

from .history import enter, move

URL = "/api/v1/coaching/funnel/"
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


def sh(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _checks_warn_only(db):
    ExitCheck.objects.update(severity="warn")


def history(rep, projects, *, start_day=1):
    for i in range(projects):
        project = enter(rep, sh(11, start_day + i % 20))
        if i % 2 == 0:
            move(rep, project, "need_confirmed", sh(11, start_day + i % 20, 15))
        if i % 4 == 0:
            move(rep, project, "proposal_accepted", sh(11, start_day + i % 20, 16))


def test_the_lead_gets_the_team_funnel_in_the_contract_shape(api_for, team, lead, rep, other_rep):
    history(rep, 4)
    response = api_for("lead").get(URL, NOVEMBER)
    assert response.status_code == 200
    body = response.json()
    assert body["team"]["id"] == team.pk
    assert set(body["team"]) >= {"tiers", "transitions", "change"}
    assert set(body["team"]["transitions"]) == {
        "prospect_to_qualified",
        "qualified_to_high_intent",
        "high_intent_to_won",
    }
    mine = next(entry for entry in body["reps"] if entry["user"] == rep.pk)
    assert set(mine) >= {"user", "display_name", "tiers", "transitions", "bottleneck", "action", "change"}
    # Worked out by hand: 4 entered, projects 0 and 2 qualified, project 0 went on to high intent.
    assert mine["transitions"]["prospect_to_qualified"] == {
        "entered": 4,
        "advanced": 2,
        "rate": 0.5,
        "median_days": pytest.approx(5 / 24, abs=0.05),
    }
    assert mine["tiers"] == {"prospect": 2, "qualified": 1, "high_intent": 1, "won": 0, "lost": 0}
    assert mine["change"]["start"] == "2026-10-02" and mine["change"]["end"] == "2026-10-31"
    assert mine["change"]["transitions"]["prospect_to_qualified"]["entered"] == 0
    assert body["test"]["name"] == "one_sided_two_proportion_z_test"
    assert body["test"]["confidence"] == 0.9
    # The page and the API read the same code.
    november = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert body["team"]["transitions"] == team_funnel(team, november).as_dict()["team"]["transitions"]


def test_the_lead_needs_no_team_parameter(api_for, team, lead):
    response = api_for("lead").get(URL)
    assert response.status_code == 200
    assert response.json()["team"]["id"] == team.pk


@pytest.mark.parametrize("persona", ["rep", "other_lead"])
def test_a_team_outside_the_scope_answers_404_like_an_unknown_one(api_for, persona, team):
    client = api_for(persona)
    hidden = client.get(URL, {"team": team.pk, **NOVEMBER})
    unknown = client.get(URL, {"team": 987654, **NOVEMBER})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()


def test_an_admin_names_the_team(api_for, team, other_team):
    client = api_for("admin")
    missing = client.get(URL, {**NOVEMBER}, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 400
    assert "team" in missing.json()["errors"]
    assert client.get(URL, {"team": other_team.pk, **NOVEMBER}).json()["team"]["id"] == other_team.pk


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"start": "2025-01-01", "end": "2026-11-01"}, "end"),
        ({"start": "2026-11-01"}, "end"),
        ({"start": "30/11/2026", "end": "2026-12-01"}, "start"),
    ],
)
def test_bad_periods_name_the_field(api_for, team, lead, query, field):
    response = api_for("lead").get(URL, query, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_query_count_holds_as_the_team_and_its_history_grow(
    api_for, team, lead, rep, other_rep, django_assert_max_num_queries
):
    client = api_for("lead")
    history(rep, 3)
    with django_assert_max_num_queries(12):
        small = client.get(URL, NOVEMBER)
    for i in range(4):
        history(UserFactory(team=team, display_name=f"新人{i}"), 6, start_day=3)
    history(other_rep, 12)
    with django_assert_max_num_queries(12):
        large = client.get(URL, NOVEMBER)
    assert len(large.json()["reps"]) == len(small.json()["reps"]) + 4
