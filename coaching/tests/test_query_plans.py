"""The coaching queries read the team's projects and look each one's rows up by index,
so their cost follows the team, not the database (benchmarks/README.md, coaching).

The data gaps' EXISTS of the decision makers, competitors and slipped key dates carry
``OFFSET 0`` (``coaching.stats.PerRowExists``). Without it PostgreSQL ran them as hashed
sets built from sequential scans of the whole stakeholder and milestone tables (0.6 s at
1M projects, growing with the database). The targets' forecast joins each project's one
payment milestone by its unique index."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching import targets
from coaching.funnel import figures_for, named_period
from coaching.gaps import team_gaps

pytestmark = pytest.mark.django_db


def test_the_data_gaps_look_each_projects_rows_up(team, rep):
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        team_gaps(team=team, period=named_period("this_month", today), today=today, now=timezone.now())
    [query] = captured.captured_queries
    assert query["sql"].count("EXISTS(") == 3
    assert query["sql"].count("LIMIT 1 OFFSET 0)") == 3


def test_the_targets_look_each_projects_payment_up(team, rep):
    # The forecast's planned payments per project (now, the month and the quarter), and the
    # payments done from the team's projects: no scan of every team's milestones.
    today = datetime.date(2025, 3, 12)
    with CaptureQueriesContext(connection) as captured:
        targets.targets_summary(rep, today=today)
    forecast = next(q["sql"] for q in captured.captured_queries if '"probability"' in q["sql"])
    # The one payment milestone a project may have, joined by its unique index; no EXISTS per period.
    assert 'LEFT OUTER JOIN "projects_milestone" payment ON' in forecast
    assert "EXISTS" not in forecast
    paid = next(q["sql"] for q in captured.captured_queries if '"done_on" >=' in q["sql"])
    assert 'FROM "projects_milestone" INNER JOIN' not in paid


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GROUP BY ROLLUP: PostgreSQL only")
def test_the_funnel_reads_owners_and_team_in_one_pass(team, rep):
    period = named_period("this_month", timezone.localdate())
    with CaptureQueriesContext(connection) as captured:
        figures_for(team, [period, period.previous()])
    grouped, tiers = (query["sql"] for query in captured.captured_queries)
    assert "GROUP BY ROLLUP (1)" in grouped and "PERCENTILE_CONT" in grouped
    # The tier at each period's end from the project's state, its history only for projects moved since.
    assert tiers.count('"pipeline_projectstate"."entered_at" <') >= 2 and "ELSE (SELECT" in tiers
