"""The funnel's figures on small histories whose every number is worked out by hand
here, from ARCHITECTURE.md's definitions (not from the code under test)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from coaching.funnel import Period, period_figures, projects_behind, team_funnel
from coaching.stats import significantly_below
from pipeline import services
from pipeline.models import ExitCheck, ProjectState
from projects.services import project_transfer
from tests.factories import UserFactory

from .history import enter, move

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
OCTOBER = Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))


def sh(month, day, hour=10, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _checks_warn_only(db):
    """Exit checks that block would stop histories the tests need; here they only warn."""
    ExitCheck.objects.update(severity="warn")


def transition(figures, key):
    return figures.transitions[key].as_dict()


def test_period_bounds_are_shanghai_midnights():
    start, end = NOVEMBER.bounds()
    assert start == datetime.datetime(2026, 10, 31, 16, 0, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 11, 30, 16, 0, tzinfo=datetime.UTC)
    assert NOVEMBER.previous() == Period(datetime.date(2026, 10, 2), datetime.date(2026, 10, 31))


def test_skipped_tiers_reach_every_tier_below(team, rep):
    # Opened 3 Nov as a prospect, straight to a high-intent stage on 10 Nov: it reached
    # qualified and high intent at that same moment.
    project = enter(rep, sh(11, 3))
    move(rep, project, "proposal_accepted", sh(11, 10))
    team_figures, by_rep = period_figures(team, NOVEMBER)
    assert transition(by_rep[rep.pk], "prospect_to_qualified") == {
        "entered": 1,
        "advanced": 1,
        "rate": 1.0,
        "median_days": 7.0,
    }
    assert transition(by_rep[rep.pk], "qualified_to_high_intent") == {
        "entered": 1,
        "advanced": 1,
        "rate": 1.0,
        "median_days": 0.0,
    }
    assert transition(by_rep[rep.pk], "high_intent_to_won") == {
        "entered": 1,
        "advanced": 0,
        "rate": 0.0,
        "median_days": None,
    }
    assert by_rep[rep.pk].tiers["high_intent"] == 1
    assert team_figures.transitions == by_rep[rep.pk].transitions


def test_a_project_opened_high_reaches_the_lower_tiers_at_its_opening(team, rep):
    enter(rep, sh(11, 4), stage="proposal_accepted")
    _team, by_rep = period_figures(team, NOVEMBER)
    assert transition(by_rep[rep.pk], "prospect_to_qualified")["advanced"] == 1
    assert transition(by_rep[rep.pk], "prospect_to_qualified")["median_days"] == 0.0
    assert transition(by_rep[rep.pk], "qualified_to_high_intent")["entered"] == 1


def test_lost_projects_enter_without_advancing_and_count_as_lost_when_closed_in_the_period(team, rep):
    lost_in_november = enter(rep, sh(11, 2))
    move(rep, lost_in_november, "lost", sh(11, 8), lost_reason="price")
    lost_in_october = enter(rep, sh(10, 2))
    move(rep, lost_in_october, "lost", sh(10, 20), lost_reason="price")
    _team, by_rep = period_figures(team, NOVEMBER)
    figures = by_rep[rep.pk]
    assert transition(figures, "prospect_to_qualified") == {
        "entered": 1,
        "advanced": 0,
        "rate": 0.0,
        "median_days": None,
    }
    # Lost counts only what closed within the period.
    assert figures.tiers == {"prospect": 0, "qualified": 0, "high_intent": 0, "won": 0, "lost": 1}


def test_back_dated_moves_count_when_they_took_effect(team, rep):
    project = enter(rep, sh(10, 28))
    # Recorded today (December), effective 20 November.
    move(rep, project, "need_confirmed", sh(11, 20))
    _team, by_rep = period_figures(team, NOVEMBER)
    assert transition(by_rep[rep.pk], "prospect_to_qualified")["entered"] == 0  # reached prospect in October
    assert transition(by_rep[rep.pk], "qualified_to_high_intent")["entered"] == 1
    _team, october = period_figures(team, OCTOBER)
    # Entered in October, advanced only after October ended.
    assert transition(october[rep.pk], "prospect_to_qualified") == {
        "entered": 1,
        "advanced": 0,
        "rate": 0.0,
        "median_days": None,
    }


def test_a_reopened_project_keeps_the_first_moment_it_reached_each_tier(team, rep):
    project = enter(rep, sh(10, 1))
    move(rep, project, "need_confirmed", sh(10, 5))
    move(rep, project, "lost", sh(10, 10), lost_reason="price")
    move(rep, project, "prospect", sh(11, 5))  # re-opened
    move(rep, project, "need_confirmed", sh(11, 12))
    move(rep, project, "proposal_accepted", sh(11, 14))
    _team, by_rep = period_figures(team, NOVEMBER)
    figures = by_rep[rep.pk]
    assert transition(figures, "prospect_to_qualified")["entered"] == 0
    assert transition(figures, "qualified_to_high_intent")["entered"] == 0  # qualified first on 5 Oct
    assert transition(figures, "high_intent_to_won")["entered"] == 1
    state = ProjectState.objects.get(pk=project.pk)
    assert (state.prospect_at, state.qualified_at, state.high_intent_at, state.won_at) == (
        sh(10, 1),
        sh(10, 5),
        sh(11, 14),
        None,
    )


def test_a_move_at_half_past_eleven_on_the_last_day_belongs_to_that_day(team, rep):
    late = enter(rep, sh(11, 20))
    move(rep, late, "need_confirmed", sh(11, 30, 23, 30))
    early = enter(rep, sh(11, 21))
    move(rep, early, "need_confirmed", sh(12, 1, 0, 10))
    _team, by_rep = period_figures(team, NOVEMBER)
    figures = by_rep[rep.pk]
    assert transition(figures, "prospect_to_qualified")["entered"] == 2
    assert transition(figures, "prospect_to_qualified")["advanced"] == 1
    assert transition(figures, "prospect_to_qualified")["median_days"] == pytest.approx(10 + 13.5 / 24, abs=0.05)
    assert figures.tiers["qualified"] == 1 and figures.tiers["prospect"] == 1


def test_median_days_is_the_middle_of_the_advanced(team, rep):
    for opened, days in ((1, 30), (2, 2), (3, 6), (4, 5)):
        project = enter(rep, sh(11, opened))
        move(rep, project, "need_confirmed", sh(11, opened) + datetime.timedelta(days=days))
    _team, by_rep = period_figures(team, NOVEMBER)
    # Advanced within November: 2, 5 and 6 days (the 30-day one qualified in December).
    assert transition(by_rep[rep.pk], "prospect_to_qualified") == {
        "entered": 4,
        "advanced": 3,
        "rate": 0.75,
        "median_days": 5.0,
    }


def test_an_empty_team_has_zeros_and_no_bottleneck(team, rep, other_rep):
    funnel = team_funnel(team, NOVEMBER)
    body = funnel.as_dict()
    assert body["team"]["transitions"]["prospect_to_qualified"] == {
        "entered": 0,
        "advanced": 0,
        "rate": None,
        "median_days": None,
    }
    assert {entry["user"] for entry in body["reps"]} == {rep.pk, other_rep.pk}
    assert all(entry["bottleneck"] is None and entry["action"] is None for entry in body["reps"])


def test_a_rep_with_one_project_has_no_bottleneck(team, rep, other_rep):
    lost = enter(rep, sh(11, 2))
    move(rep, lost, "lost", sh(11, 3), lost_reason="price")
    for day in range(2, 14):
        project = enter(other_rep, sh(11, day))
        move(other_rep, project, "need_confirmed", sh(11, day, 15))
    funnel = team_funnel(team, NOVEMBER)
    # 0/1 against 12/12: the gap is as large as it gets, the count too small to call.
    assert funnel.by_rep[rep.pk].transitions["prospect_to_qualified"].rate == 0.0
    assert funnel.bottlenecks[rep.pk] is None


def test_a_hand_over_counts_for_the_current_owner(team, lead, rep, other_rep):
    project = enter(rep, sh(11, 2))
    move(rep, project, "need_confirmed", sh(11, 6))
    project.refresh_from_db()
    project_transfer(user=lead, project=project, to_user=other_rep, reason="调岗交接")
    _team, by_rep = period_figures(team, NOVEMBER)
    assert rep.pk not in by_rep
    assert transition(by_rep[other_rep.pk], "prospect_to_qualified")["advanced"] == 1


def test_a_rep_truly_worse_on_one_transition_is_found_with_the_right_action(team, rep):
    peers = [UserFactory(team=team, display_name=f"同事{i}") for i in range(3)]
    for owner, advancing in [(rep, 2), *[(peer, 9) for peer in peers]]:
        for i in range(12):
            project = enter(owner, sh(11, 1 + i))
            if i < advancing:
                move(owner, project, "need_confirmed", sh(11, 2 + i))
    funnel = team_funnel(team, NOVEMBER)
    found = funnel.bottlenecks[rep.pk]
    # Rep 2/12 against the rest 27/36: z = (0.75 − 0.1667) / sqrt(p(1−p)(1/12 + 1/36)), p = 29/48.
    assert found is not None and found.key == "prospect_to_qualified"
    assert found.z == pytest.approx(3.578, abs=0.01)
    entry = next(entry for entry in funnel.as_dict()["reps"] if entry["user"] == rep.pk)
    assert entry["bottleneck"] == "prospect_to_qualified"
    assert "training" in entry["action"]
    assert all(funnel.bottlenecks[peer.pk] is None for peer in peers)
    stuck = projects_behind(team=team, period=NOVEMBER, metric="stuck", key="prospect_to_qualified", owner=rep)
    assert stuck.count() == 10


def test_significance_needs_counts_and_a_real_gap():
    assert significantly_below(0, 4, 30, 30) is None  # too few entered
    assert significantly_below(3, 5, 5, 9) is None  # rest too few
    assert significantly_below(5, 10, 5, 10) is None  # no gap
    assert significantly_below(4, 10, 6, 10) is None  # a gap chance explains
    assert significantly_below(1, 10, 9, 10) == pytest.approx(3.578, abs=0.01)


def test_the_numbers_and_their_projects_agree(team, rep, other_rep):
    for owner in (rep, other_rep):
        for day in range(1, 6):
            project = enter(owner, sh(11, day))
            if day % 2:
                move(owner, project, "need_confirmed", sh(11, day + 1))
    team_figures, by_rep = period_figures(team, NOVEMBER)
    for owner in (rep, other_rep):
        figures = by_rep[owner.pk].transitions["prospect_to_qualified"]
        behind = {
            metric: projects_behind(
                team=team, period=NOVEMBER, metric=metric, key="prospect_to_qualified", owner=owner
            ).count()
            for metric in ("entered", "advanced", "stuck")
        }
        assert behind == {"entered": figures.entered, "advanced": figures.advanced, "stuck": 2}
    reached = projects_behind(team=team, period=NOVEMBER, metric="reached", key="qualified").count()
    assert reached == team_figures.reached["qualified"] == 6


def test_merged_history_does_not_count(team, rep):
    """A merged-away project's changes are kept on the kept project, marked, and ignored."""
    kept = enter(rep, sh(11, 2))
    gone = enter(rep, sh(10, 2))
    move(rep, gone, "need_confirmed", sh(10, 5))
    services.project_pipeline_merge(user=rep, target=kept, source=gone)
    gone.delete()
    _team, by_rep = period_figures(team, NOVEMBER)
    assert transition(by_rep[rep.pk], "prospect_to_qualified")["entered"] == 1
    assert transition(by_rep[rep.pk], "prospect_to_qualified")["advanced"] == 0
    assert by_rep[rep.pk].tiers["prospect"] == 1
