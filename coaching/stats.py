"""The statistics behind the funnel: the median in SQL (PostgreSQL's
``percentile_cont``; on the embedded SQLite default a ``median`` aggregate this
module registers) and the test that decides whether a rep's rate is really below
the rest of the team's."""

import math
import statistics
from statistics import NormalDist

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, Exists, FloatField, Func
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

# The bottleneck test (stated on the dashboard and in the API response).
CONFIDENCE = 0.90
MIN_REP_ENTERED = 5
MIN_REST_ENTERED = 10
# Each rep is tested on the three transitions and the worst is named, so each test
# runs at (1 − confidence) / 3 (Bonferroni): with 8 reps an average rep is not flagged
# by chance on one of 24 tests.
TESTS_PER_REP = 3
Z_CRITICAL = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / TESTS_PER_REP)  # ≈ 1.834, one-sided
TEST_NAME = "one_sided_two_proportion_z_test"


def test_description() -> dict:
    """What the API says about the test it used."""
    return {
        "name": TEST_NAME,
        "confidence": CONFIDENCE,
        "bonferroni_tests_per_rep": TESTS_PER_REP,
        "z_critical": round(Z_CRITICAL, 4),
        "min_rep_entered": MIN_REP_ENTERED,
        "min_rest_entered": MIN_REST_ENTERED,
        "description": str(TEST_TEXT) % {"rep": MIN_REP_ENTERED, "rest": MIN_REST_ENTERED},
    }


TEST_TEXT = _(
    "A bottleneck is the transition where the rep's rate is furthest below the rest of the team's, among those where "
    "a one-sided two-proportion z-test (pooled) says the rep is lower with 90%% confidence over the three transitions "
    "(Bonferroni: each at 3.3%%, z ≥ 1.83), tested only when the rep entered at least %(rep)d projects and the rest "
    "of the team at least %(rest)d. Smaller counts are not alarms."
)


def significantly_below(advanced: int, entered: int, rest_advanced: int, rest_entered: int) -> float | None:
    """z when the rep's rate (advanced/entered) is below the rest's with the
    confidence above, else None (also None when the counts are too small)."""
    if entered < MIN_REP_ENTERED or rest_entered < MIN_REST_ENTERED:
        return None
    mine, rest = advanced / entered, rest_advanced / rest_entered
    if mine >= rest:
        return None
    pooled = (advanced + rest_advanced) / (entered + rest_entered)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / entered + 1 / rest_entered))
    if spread == 0:
        return None
    z = (rest - mine) / spread
    return z if z >= Z_CRITICAL else None


class PerRowExists(Exists):
    """``EXISTS`` that PostgreSQL checks for each of the outer rows through an index.
    Given a plain EXISTS inside ``COUNT(...) FILTER`` or ``SUM(...) FILTER``, it may instead
    build one hashed set of the whole other table first: at 1M projects the data gaps'
    decision makers and slipped key dates were parallel sequential scans of 825,000
    stakeholders and 775,000 milestones (0.6 s, growing with the database), and the
    targets' planned payments two scans of every milestone. ``OFFSET 0`` keeps it from
    turning the subquery into that set (PostgreSQL's ``simplify_EXISTS_query`` leaves a
    query with an OFFSET alone); SQLite reads it as written."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


class DaysBetween(Func):
    """Days (fractional) from one timestamp column to another."""

    output_field = FloatField()

    def __init__(self, start, end, **extra):
        super().__init__(start, end, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)", (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return f"(julianday({end}) - julianday({start}))", (*end_params, *start_params)


class Median(Aggregate):
    """The median (the mean of the two middle values for an even count, as
    ``statistics.median``)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra):
        median = self.copy()
        median.function, median.template = "MEDIAN", "%(function)s(%(expressions)s)"
        return median.as_sql(compiler, connection, **extra)


class _SQLiteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


@receiver(connection_created)
def _sqlite_median(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SQLiteMedian)
