"""coaching.compiled: a query's SQL compiled once, each call's values put where the
stand-ins were — the same SQL and parameters as the ORM compiles for those values, and a
refusal when a parameter is derived from an argument in Python (it would stay a stand-in's)."""

import datetime

import pytest
from django.db.models import Count, Q

from coaching import compiled
from coaching.funnel import Period, _grouped_sql, _stand_ins, _tiers_sql
from coaching.gaps import _STAND_INS, _counts
from coaching.gaps import _slots as gap_slots
from projects.models import Project

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)
NOW = datetime.datetime(2026, 12, 3, 6, 30, tzinfo=datetime.UTC)


def _orm(build, arguments):
    built = build(arguments)
    sql, params = built if isinstance(built, tuple) else built.query.get_compiler(using="default").as_sql()
    return sql, list(params)


@pytest.mark.parametrize("build", [_grouped_sql, _tiers_sql])
def test_the_funnel_sql_is_the_orms_for_each_teams_periods(team, other_team, build):
    periods = [Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))]
    periods.append(periods[0].previous())
    for each, chosen in ((team, periods), (other_team.pk, periods[:1]), (team, [Period(TODAY, TODAY)] * 2)):

        def shaped(arguments):
            return build(*arguments, "default")

        filled = compiled.filled_sql(
            ("test", build.__name__, len(chosen)),
            shaped,
            (each, chosen),
            slots=lambda arguments: (
                [getattr(arguments[0], "pk", arguments[0])]
                + [bound for period in arguments[1] for bound in period.bounds()]
            ),
            stand_ins=_stand_ins(len(chosen)),
            using="default",
        )
        assert filled == _orm(shaped, (each, chosen))


def test_the_gaps_sql_is_the_orms(team, other_team):
    for arguments in (
        (team, Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)), TODAY, NOW),
        (other_team, Period(TODAY, TODAY), TODAY - datetime.timedelta(days=3), NOW - datetime.timedelta(hours=5)),
    ):
        filled = compiled.filled_sql(
            ("test", "gaps"), _counts, arguments, slots=gap_slots, stand_ins=_STAND_INS, using="default"
        )
        assert filled == _orm(_counts, arguments)


def test_a_value_derived_in_python_is_refused(team):
    def derived(arguments):
        team_id, day = arguments
        return (
            Project.objects.filter(team=team_id)
            .values("owner_id")
            .annotate(n=Count("pk", filter=Q(next_contact_on__lt=day + datetime.timedelta(days=1))))
            .order_by()
        )

    stand_ins = ((-1_000_001, datetime.date(1901, 1, 1)), (-1_000_002, datetime.date(1901, 6, 1)))
    with pytest.raises(ValueError, match="not exactly one argument's value"):
        compiled.filled_sql(
            ("test", "derived"), derived, (team.pk, TODAY), slots=list, stand_ins=stand_ins, using="default"
        )
