"""The data gaps read the team's projects and look each one's rows up by index: the
EXISTS of the decision makers, competitors and slipped key dates carry ``OFFSET 0``
(``coaching.stats.PerRowExists``). Without it PostgreSQL ran them as hashed sets built
from sequential scans of the whole stakeholder and milestone tables (0.6 s at 1M
projects, growing with the database; benchmarks/README.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.funnel import named_period
from coaching.gaps import team_gaps

pytestmark = pytest.mark.django_db


def test_the_data_gaps_look_each_projects_rows_up(team, rep):
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        team_gaps(team=team, period=named_period("this_month", today), today=today, now=timezone.now())
    [query] = captured.captured_queries
    assert query["sql"].count("EXISTS(") == 3
    assert query["sql"].count("LIMIT 1 OFFSET 0)") == 3
