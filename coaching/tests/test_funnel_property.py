"""Property: on random stage histories written through the services, the SQL funnel
equals a plain-Python reading of ARCHITECTURE.md's definitions applied to the
stage history itself (not to the first-reached columns the SQL reads)."""

import datetime
import statistics
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.funnel import TIER_COLUMNS, TRANSITIONS, Period, period_figures
from pipeline.models import TIER_RANK, ExitCheck, StageChange
from pipeline.models import Tier as T

from .history import enter, move

# 150 days back, so the latest generated move (40 days + 4 × 20 days after BASE)
# is still in the past: moves may not take effect in the future.
_SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE = datetime.datetime.combine(
    datetime.datetime.now(_SHANGHAI).date() - datetime.timedelta(days=150), datetime.time(9), tzinfo=_SHANGHAI
)
OPEN_STAGES = ["prospect", "need_confirmed", "proposal_accepted", "contract_legal", "payment"]
STAGES = [*OPEN_STAGES, "won", "lost"]

project_histories = st.lists(
    st.tuples(
        st.integers(0, 1),  # owner
        st.integers(0, 40 * 24),  # opened, hours after BASE
        st.sampled_from(OPEN_STAGES[:3]),  # the stage it starts in
        st.lists(st.tuples(st.sampled_from(STAGES), st.integers(0, 20 * 24)), max_size=4),  # (stage, hours later)
    ),
    min_size=1,
    max_size=6,
)
periods = st.tuples(st.integers(0, 85), st.integers(0, 45))  # (start: days after BASE, length - 1)


class Rollback(Exception):
    pass


def reference(projects, period):
    """The definitions, read from each project's own stage changes, in plain Python."""
    start, end = period.bounds()
    figures = {}
    for project_id, owner_id in projects:
        changes = list(StageChange.objects.filter(project_id=project_id, merged_from__isnull=True).order_by("at", "id"))
        reached = {}
        for tier, rank in TIER_RANK.items():
            moments = [c.at for c in changes if c.to_tier in TIER_RANK and TIER_RANK[c.to_tier] >= rank]
            reached[tier] = min(moments) if moments else None
        for key in (owner_id, "team"):
            mine = figures.setdefault(key, {"tiers": dict.fromkeys(TIER_COLUMNS, 0), "days": {}, "counts": {}})
            for transition, source, target in TRANSITIONS:
                entered = reached[source] is not None and start <= reached[source] < end
                advanced = entered and reached[target] is not None and reached[target] < end
                counts = mine["counts"].setdefault(transition, [0, 0])
                counts[0] += entered
                counts[1] += advanced
                if advanced:
                    days = (reached[target] - reached[source]).total_seconds() / 86400
                    mine["days"].setdefault(transition, []).append(days)
            before_end = [c for c in changes if c.at < end]
            if before_end:
                last = before_end[-1]
                if last.to_tier not in (T.WON, T.LOST) or last.at >= start:
                    mine["tiers"][last.to_tier] += 1
    return figures


def assert_same(computed, expected):
    assert computed.tiers == expected["tiers"]
    for key, _source, _target in TRANSITIONS:
        entered, advanced = expected["counts"][key]
        got = computed.transitions[key]
        assert (got.entered, got.advanced) == (entered, advanced), key
        days = expected["days"].get(key)
        if days:
            assert got.median_days == pytest.approx(statistics.median(days), abs=1e-6)
        else:
            assert got.median_days is None


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=project_histories, period=periods)
def test_sql_funnel_matches_the_definitions(team, rep, other_rep, histories, period):
    ExitCheck.objects.update(severity="warn")
    owners = [rep, other_rep]
    start = BASE.date() + datetime.timedelta(days=period[0])
    chosen = Period(start, start + datetime.timedelta(days=period[1]))
    try:
        with transaction.atomic():
            projects = []
            for owner_index, opened_hours, first_stage, moves in histories:
                owner = owners[owner_index]
                at = BASE + datetime.timedelta(hours=opened_hours)
                project = enter(owner, at, stage=first_stage)
                current = first_stage
                for stage, gap in moves:
                    at += datetime.timedelta(hours=gap)
                    if stage == current:
                        continue
                    project = move(owner, project, stage, at, lost_reason="price" if stage == "lost" else None)
                    current = stage
                projects.append((project.pk, owner.pk))
            expected = reference(projects, chosen)
            team_figures, by_rep = period_figures(team, chosen)
            assert_same(team_figures, expected["team"])
            for owner in owners:
                if owner.pk in expected:
                    assert_same(by_rep[owner.pk], expected[owner.pk])
            raise Rollback
    except Rollback:
        pass
