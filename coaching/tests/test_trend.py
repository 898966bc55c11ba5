"""The weekly trend: hand-computed weeks, the same numbers as the funnel's period figures,
coaching-note weeks, who may see which trend, and query budgets that hold as data grows."""

import datetime
import re

import pytest
from django.utils import timezone

from coaching.funnel import TRANSITION_KEYS, Period, period_figures
from coaching.templatetags.coaching_charts import rate_change, sparkline_context, week_labels
from coaching.tests.trend_data import at, bulk_history, monday, write_note
from coaching.trend import team_trend, trend_weeks
from tests.factories import UserFactory

TREND_URL = "/coaching/trend/"
API_URL = "/api/v1/coaching/trend/"


def _week(trend, start):
    return [week.start for week in trend.weeks].index(start)


def _counts(line, i):
    return (line[i].entered, line[i].advanced)


def test_weeks_run_monday_to_sunday_and_end_with_the_current_week():
    weeks = trend_weeks(datetime.date(2026, 12, 2), 12)  # a Wednesday
    assert len(weeks) == 12
    assert weeks[-1] == Period(datetime.date(2026, 11, 30), datetime.date(2026, 12, 6))
    assert weeks[0] == Period(datetime.date(2026, 9, 14), datetime.date(2026, 9, 20))
    assert all(week.start.weekday() == 0 and week.days == 7 for week in weeks)


def test_weekly_counts_match_the_hand_computed_history(history, team, rep, other_rep):
    trend = team_trend(team, today=timezone.localdate())
    w, w1 = _week(trend, history), _week(trend, history + datetime.timedelta(days=7))
    lines = {each.rep.pk: each.lines for each in trend.reps}
    team_lines = trend.team_lines
    # Week W: P1, P2, P5 entered prospect → qualified; P1 advanced (Sunday 23:30 is still W).
    assert _counts(team_lines["prospect_to_qualified"], w) == (3, 1)
    assert _counts(lines[rep.pk]["prospect_to_qualified"], w) == (2, 1)
    assert _counts(lines[other_rep.pk]["prospect_to_qualified"], w) == (1, 0)
    assert _counts(team_lines["qualified_to_high_intent"], w) == (1, 0)
    assert _counts(team_lines["high_intent_to_won"], w) == (0, 0)
    assert team_lines["high_intent_to_won"][w].rate is None
    # Week W+1: P3 and P4 entered prospect → qualified, P3 advanced; P2, P3, P5 reached qualified, P3 went on.
    assert _counts(team_lines["prospect_to_qualified"], w1) == (2, 1)
    assert _counts(lines[other_rep.pk]["prospect_to_qualified"], w1) == (1, 0)
    assert _counts(team_lines["qualified_to_high_intent"], w1) == (3, 1)
    assert _counts(lines[rep.pk]["qualified_to_high_intent"], w1) == (2, 1)
    assert _counts(lines[other_rep.pk]["qualified_to_high_intent"], w1) == (1, 0)
    assert _counts(team_lines["high_intent_to_won"], w1) == (1, 0)
    # Nothing in the other weeks.
    for i in set(range(12)) - {w, w1}:
        assert all(_counts(team_lines[key], i) == (0, 0) for key in TRANSITION_KEYS)


def test_every_week_equals_the_funnel_for_that_week_as_a_period(history, team, rep, other_rep):
    trend = team_trend(team, today=timezone.localdate())
    for i, week in enumerate(trend.weeks):
        team_figures, by_owner = period_figures(team, week)
        for key in TRANSITION_KEYS:
            expected = team_figures.transitions[key]
            assert _counts(trend.team_lines[key], i) == (expected.entered, expected.advanced), (week, key)
            for rep_trend in trend.reps:
                mine = by_owner.get(rep_trend.rep.pk)
                expected = (mine.transitions[key].entered, mine.transitions[key].advanced) if mine else (0, 0)
                assert _counts(rep_trend.lines[key], i) == expected, (week, key, rep_trend.rep)


def test_weeks_with_a_coaching_note_are_marked_per_rep(history, team, rep, other_rep, lead):
    write_note(lead=lead, rep=rep, moment=at(history + datetime.timedelta(days=2)))
    write_note(lead=lead, rep=rep, moment=at(history + datetime.timedelta(days=3)))
    # Sunday 23:30 in Shanghai is still that week (Sunday 15:30 UTC).
    write_note(lead=lead, rep=other_rep, moment=at(history + datetime.timedelta(days=13), 23, 30))
    write_note(lead=lead, rep=other_rep, moment=at(history - datetime.timedelta(weeks=20)))  # before the 12 weeks
    trend = team_trend(team, today=timezone.localdate())
    notes = {each.rep.pk: each.note_weeks for each in trend.reps}
    assert notes[rep.pk] == {_week(trend, history)}
    assert notes[other_rep.pk] == {_week(trend, history + datetime.timedelta(days=7))}


def test_sparkline_draws_gaps_marks_and_says_the_numbers_in_words():
    weeks = trend_weeks(datetime.date(2026, 12, 2), 4)
    values, marks, team = [0.5, None, 1.0, 0.0], [False, True, False, False], [0.4, 0.4, None, 0.2]
    chart = sparkline_context(values, marks, reference=team, title="t", labels=week_labels(weeks))
    # Two pieces: the first point alone (a dot), then weeks 3–4 joined.
    assert chart["path"].count("M") == 2 and chart["path"].count("L") == 1
    assert len(chart["dots"]) == 1
    assert len(chart["marks"]) == 1
    assert "50%" in chart["description"] and "100%" in chart["description"] and "—" in chart["description"]
    assert "coaching note" in chart["description"]
    assert rate_change(0.13) == "↑ 13 pts" and rate_change(-0.5) == "↓ 50 pts" and rate_change(None) == "—"


def _cell(html, rep_id, week, key):
    section = html.split(f'id="rep-{rep_id}"', 1)[1].split("</section>", 1)[0]
    found = re.search(
        rf'data-week="{week.isoformat()}" data-transition="{key}" data-entered="(\d+)" data-advanced="(\d+)"', section
    )
    return (int(found[1]), int(found[2]))


def test_lead_sees_each_rep_line_with_numbers_and_note_marks(history, lead_client, lead, rep, other_rep):
    write_note(lead=lead, rep=rep, moment=at(history + datetime.timedelta(days=2)))
    response = lead_client.get(TREND_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert _cell(html, rep.pk, history, "prospect_to_qualified") == (2, 1)
    assert _cell(html, other_rep.pk, history + datetime.timedelta(days=7), "qualified_to_high_intent") == (1, 0)
    assert f'data-note-week="{history.isoformat()}"' in html.split(f'id="rep-{rep.pk}"')[1].split("</section>")[0]
    assert "data-note-week" not in html.split(f'id="rep-{other_rep.pk}"')[1].split("</section>")[0]
    assert html.count('class="sparkline"') == 3 + 2 * 3
    assert html.count('class="spark-mark"') == 3 + 1  # the legend's and rep's week on each of three charts


def test_rep_sees_only_their_own_line(history, rep_client, rep, other_rep):
    response = rep_client.get(TREND_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="rep-{rep.pk}"' in html
    assert f'id="rep-{other_rep.pk}"' not in html and other_rep.name not in html
    # The team's line is the dashed reference on the rep's own charts (plus the legend's sample).
    assert 'id="team-trend"' not in html and html.count('class="spark-reference"') == 1 + 3
    assert rep_client.get(f"{TREND_URL}?rep={other_rep.pk}").status_code == 404
    assert rep_client.get(f"{TREND_URL}?rep={rep.pk}").status_code == 200


@pytest.mark.parametrize(
    ("persona", "target", "status"),
    [
        ("lead", "team", 200),
        ("lead", "other_team", 404),
        ("other_lead", "team", 404),
        ("rep", "other_team", 404),
        ("outsider_rep", "team", 404),
        ("admin", "team", 200),
        ("admin", "other_team", 200),
        (None, "team", 302),
    ],
)
def test_trend_page_permissions(client_for, personas, team, other_team, persona, target, status):
    chosen = {"team": team, "other_team": other_team}[target]
    response = client_for(persona).get(f"{TREND_URL}?team={chosen.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    if status == 404:
        assert chosen.name not in response.content.decode()


def test_lead_cannot_ask_for_a_rep_of_another_team(lead_client, outsider_rep, rep):
    assert lead_client.get(f"{TREND_URL}?rep={outsider_rep.pk}").status_code == 404
    assert lead_client.get(f"{API_URL}?rep={outsider_rep.pk}").status_code == 404
    assert lead_client.get(f"{TREND_URL}?rep={rep.pk}").status_code == 200


def test_admin_picks_the_team(admin_client, team, other_team, outsider_rep, rep):
    response = admin_client.get(f"{TREND_URL}?team={other_team.pk}", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert f'id="rep-{outsider_rep.pk}"' in html and f'id="rep-{rep.pk}"' not in html
    assert f'<option value="{team.pk}"' in html


def test_api_returns_weeks_rates_and_note_weeks(history, lead_api, lead, rep, other_rep, team):
    write_note(lead=lead, rep=other_rep, moment=at(history + datetime.timedelta(days=1)))
    response = lead_api.get(f"{API_URL}?team={team.pk}&weeks=12")
    assert response.status_code == 200
    body = response.json()
    assert len(body["weeks"]) == 12 and body["weeks"][-1]["start"] == monday(0).isoformat()
    week = next(w for w in body["team"]["transitions"]["prospect_to_qualified"] if w["week_start"] == str(history))
    assert week == {"week_start": history.isoformat(), "entered": 3, "advanced": 1, "rate": 0.3333}
    reps = {entry["user"]: entry for entry in body["reps"]}
    assert set(reps) == {rep.pk, other_rep.pk}
    assert reps[other_rep.pk]["note_weeks"] == [history.isoformat()]
    assert reps[rep.pk]["note_weeks"] == []


def test_api_for_a_rep_holds_only_their_line(history, rep_api, rep, other_team):
    body = rep_api.get(API_URL).json()
    assert [entry["user"] for entry in body["reps"]] == [rep.pk]
    assert rep_api.get(f"{API_URL}?team={other_team.pk}").status_code == 404


@pytest.mark.parametrize("weeks", ["0", "1", "27", "x"])
def test_api_names_the_weeks_field_when_it_is_wrong(lead_api, weeks):
    response = lead_api.get(f"{API_URL}?weeks={weeks}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["weeks"]


def _grow(team, *, reps: int, projects: int):
    start = monday(11)
    for _i in range(reps):
        member = UserFactory(team=team)
        bulk_history(member, count=projects, start=start)


def _measure(client, url, django_assert_max_num_queries, bound):
    with django_assert_max_num_queries(bound) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [TREND_URL, API_URL])
def test_query_count_holds_when_reps_and_history_double(
    url, lead_client, lead_api, lead, team, django_assert_max_num_queries
):
    client = lead_client if url == TREND_URL else lead_api
    # session + user, the team, the reps, the weekly counts (all weeks × owners × transitions),
    # the note weeks; the page adds the navigation's and the bell's nothing (no queries).
    _grow(team, reps=2, projects=6)
    small = _measure(client, url, django_assert_max_num_queries, 8)
    _grow(team, reps=2, projects=12)
    large = _measure(client, url, django_assert_max_num_queries, 8)
    assert small == large
