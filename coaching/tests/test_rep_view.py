"""The rep's own view (the rep's start page's "My funnel" and /coaching/me/) reads
``coaching.funnel.team_transitions``: for everything it shows — each owner's and the
team's entered and advanced this period and the one before, the rep's median days, the
bottlenecks, the team's median of the reps' rates — the same figures as the dashboard's
``team_funnel``, from one grouped query instead of the whole funnel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching.funnel import TRANSITION_KEYS, Figures, Period, team_funnel, team_transitions
from coaching.rep_view import RepView
from pipeline.models import ExitCheck
from tests.factories import UserFactory

from .history import enter, move


@pytest.fixture(autouse=True)
def _checks_warn_only(db):
    """Exit checks that block would stop histories the test needs; here they only warn."""
    ExitCheck.objects.update(severity="warn")


def _days_ago(days):
    return timezone.now() - timedelta(days=days)


def _history(owner, opened, *moves, lost_reason=None):
    project = enter(owner, _days_ago(opened))
    for stage, days in moves:
        project = move(owner, project, stage, _days_ago(days), lost_reason=lost_reason if stage == "lost" else None)
    return project


@pytest.fixture
def third_rep(team):
    return UserFactory(username="third_rep", display_name="赵敏", team=team)


@pytest.fixture
def mixed_team(team, rep, other_rep, third_rep, lead):
    """Every transition in this period (the last 30 days) and the one before, skipped tiers,
    a lost deal, a lead's own project (the team's, no rep's), old history outside both
    periods, and enough prospects for a bottleneck (rep 2 of 10 qualified, other_rep 8 of 10)."""
    _history(rep, 50, ("need_confirmed", 45), ("proposal_accepted", 20), ("won", 5))
    _history(rep, 25, ("need_confirmed", 10))
    _history(rep, 55, ("proposal_accepted", 40))
    _history(other_rep, 28, ("need_confirmed", 26), ("proposal_accepted", 15))
    _history(other_rep, 40, ("need_confirmed", 35))
    _history(other_rep, 20, ("lost", 3), lost_reason="price")
    _history(third_rep, 15, ("need_confirmed", 14), ("proposal_accepted", 13), ("won", 2))
    _history(third_rep, 200, ("need_confirmed", 150))
    _history(lead, 18, ("need_confirmed", 8))
    for index in range(10):
        _history(rep, 22 - index, *([("need_confirmed", 12 - index)] if index < 2 else []))
        _history(other_rep, 21 - index, *([("need_confirmed", 11 - index)] if index < 8 else []))
    return team


def _counts(figures):
    return {key: (figures.transitions[key].entered, figures.transitions[key].advanced) for key in TRANSITION_KEYS}


@pytest.mark.parametrize("who", ["rep", "other_rep", "third_rep"])
def test_the_reps_view_shows_the_team_funnels_figures(mixed_team, request, who):
    member = request.getfixturevalue(who)
    today = timezone.localdate()
    period = Period(today - timedelta(days=29), today)
    full = team_funnel(mixed_team, period)
    light = team_transitions(mixed_team, period, rep=member)
    assert full.team_figures.transitions["prospect_to_qualified"].entered > 20  # the history is there
    assert full.previous_team.transitions["qualified_to_high_intent"].entered > 0
    assert _counts(light.team_figures) == _counts(full.team_figures)
    assert _counts(light.previous_team) == _counts(full.previous_team)
    for owner in {*full.by_rep, *light.by_rep}:
        assert _counts(light.by_rep.get(owner, Figures())) == _counts(full.by_rep.get(owner, Figures()))
        assert _counts(light.previous_by_rep.get(owner, Figures())) == _counts(
            full.previous_by_rep.get(owner, Figures())
        )
    mine, theirs = light.by_rep.get(member.pk, Figures()), full.by_rep.get(member.pk, Figures())
    assert [mine.transitions[key].median_days for key in TRANSITION_KEYS] == [
        theirs.transitions[key].median_days for key in TRANSITION_KEYS
    ]
    assert light.bottlenecks == full.bottlenecks
    assert full.bottlenecks[mixed_team.members.get(username="rep").pk] is not None
    # What the page shows: the same steps, medians of the reps' rates and step to practise.
    view = RepView(rep=member, period=period, today=today, now=timezone.now())
    reference = RepView(rep=member, period=period, today=today, now=timezone.now())
    reference.__dict__["funnel"] = full
    assert view.steps == reference.steps
    assert view.weakest == reference.weakest


def test_the_reps_view_costs_two_queries(mixed_team, rep, django_assert_max_num_queries):
    today = timezone.localdate()
    view = RepView(rep=rep, period=Period(today - timedelta(days=29), today), today=today, now=timezone.now())
    # the team's reps; each owner's counts for both periods with the rep's median days.
    with django_assert_max_num_queries(2):
        assert view.steps and view.weakest
