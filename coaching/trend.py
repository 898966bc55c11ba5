"""The weekly trend: each transition's rate week by week (Monday to Sunday, Asia/Shanghai,
the current week included) for every rep of a team and for the team, so a lead sees
whether coaching works; and the weeks in which a coaching note was written on each rep.

Each week is a funnel period of its own (``coaching.funnel``'s definitions): *entered*
= projects that reached X within the week, *advanced* = those of them that reached Y
by the end of that week. One query computes every week × every owner × every
transition (conditional counts over the ``ProjectState.<tier>_at`` columns, grouped by
owner and week; the team's figures are the sum over owners, as ``period_figures`` counts
every project of the team) and one more finds the note weeks — two queries whatever the
number of reps or the length of the history.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, Count, IntegerField, Value, When

from coaching.funnel import TRANSITION_KEYS, TRANSITIONS, Period, Transition, team_reps
from coaching.models import CoachingNote
from pipeline.models import REACHED_FIELDS, ProjectState
from projects.models import Project

WEEKS = 12
MAX_WEEKS = 26


def trend_weeks(today: datetime.date, weeks: int = WEEKS) -> list[Period]:
    """The last ``weeks`` weeks, oldest first, the one holding ``today`` last."""
    monday = today - datetime.timedelta(days=today.weekday())
    first = monday - datetime.timedelta(weeks=weeks - 1)
    return [
        Period(first + datetime.timedelta(weeks=i), first + datetime.timedelta(weeks=i, days=6)) for i in range(weeks)
    ]


def _lines() -> dict[str, list[Transition]]:
    return {key: [] for key in TRANSITION_KEYS}


@dataclass
class RepTrend:
    rep: object
    lines: dict[str, list[Transition]] = field(default_factory=_lines)
    # Index (into ``Trend.weeks``) of every week in which a coaching note was written on the rep.
    note_weeks: set[int] = field(default_factory=set)

    def rates(self, key) -> list[float | None]:
        return [week.rate for week in self.lines[key]]

    def marks(self) -> list[bool]:
        return [i in self.note_weeks for i in range(len(next(iter(self.lines.values()))))]


@dataclass
class Trend:
    team: object
    weeks: list[Period]
    team_lines: dict[str, list[Transition]]
    reps: list[RepTrend]

    def team_rates(self, key) -> list[float | None]:
        return [week.rate for week in self.team_lines[key]]


def _weekly_rows(team, weeks: list[Period]) -> list[dict]:
    """One row per owner of the team's projects and week in which anything entered: the
    entered and advanced counts of each transition (``e_<key>``, ``a_<key>``).

    Written as SQL because the ORM's form of it (a filtered count per week, transition and
    measure: 72 aggregates) costs more to build in Python than to run: the weeks are a
    small derived table, each project joins the weeks in which it reached a source tier,
    and the counts are grouped by owner and week. Portable (PostgreSQL and SQLite)."""
    connection = connections[ProjectState.objects.db]
    quote = connection.ops.quote_name
    params = []
    for i, week in enumerate(weeks):
        start, end = week.bounds()
        params += [i, connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)]
    weeks_table = " UNION ALL ".join(["SELECT %s AS i, %s AS starts, %s AS ends"] * len(weeks))
    counts, joins = [], []
    for key, source, target in TRANSITIONS:
        reached, then = f"s.{quote(REACHED_FIELDS[source])}", f"s.{quote(REACHED_FIELDS[target])}"
        inside = f"{reached} >= w.starts AND {reached} < w.ends"
        counts.append(f"SUM(CASE WHEN {inside} THEN 1 ELSE 0 END) AS e_{key}")
        counts.append(f"SUM(CASE WHEN {inside} AND {then} < w.ends THEN 1 ELSE 0 END) AS a_{key}")
        joins.append(f"({inside})")
    sql = (
        f"SELECT p.{quote('owner_id')} AS owner_id, w.i AS week, {', '.join(counts)} "  # noqa: S608 (identifiers; values as parameters)
        f"FROM {quote(ProjectState._meta.db_table)} s "
        f"JOIN {quote(Project._meta.db_table)} p ON p.{quote('id')} = s.{quote('project_id')} "
        f"JOIN ({weeks_table}) w ON {' OR '.join(joins)} "
        f"WHERE p.{quote('team_id')} = %s GROUP BY p.{quote('owner_id')}, w.i"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, team.pk])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def note_weeks(team, weeks: list[Period], rep_ids) -> dict[int, set[int]]:
    """rep id → indexes of the weeks in which a coaching note was written on them: one query."""
    bounds = [week.bounds() for week in weeks]
    bucket = Case(
        *(When(created_at__gte=start, created_at__lt=end, then=Value(i)) for i, (start, end) in enumerate(bounds)),
        output_field=IntegerField(),
    )
    rows = (
        CoachingNote.objects.filter(
            team=team, rep_id__in=rep_ids, created_at__gte=bounds[0][0], created_at__lt=bounds[-1][1]
        )
        .annotate(week=bucket)
        .values("rep_id", "week")
        .annotate(notes=Count("pk"))
        .order_by()
    )
    found: dict[int, set[int]] = {}
    for row in rows:
        found.setdefault(row["rep_id"], set()).add(row["week"])
    return found


def team_trend(team, *, today: datetime.date, weeks: int = WEEKS, reps=None) -> Trend:
    """The team's and each rep's weekly lines (``reps``: the ones to show; default all the
    team's reps). Three queries: the reps (unless given), the weekly counts, the note weeks."""
    periods = trend_weeks(today, weeks)
    reps = team_reps(team) if reps is None else list(reps)
    counts = {}  # (owner id, week index) → row
    for row in _weekly_rows(team, periods):
        counts[(row["owner_id"], int(row["week"]))] = row
    team_lines = _lines()
    rep_trends = {rep.pk: RepTrend(rep=rep) for rep in reps}
    for i in range(len(periods)):
        rows = [row for (_owner, week), row in counts.items() if week == i]
        for key in TRANSITION_KEYS:
            team_lines[key].append(
                Transition(
                    entered=sum(int(row[f"e_{key}"]) for row in rows),
                    advanced=sum(int(row[f"a_{key}"]) for row in rows),
                )
            )
            for rep_id, rep_trend in rep_trends.items():
                row = counts.get((rep_id, i))
                week = Transition(entered=int(row[f"e_{key}"]), advanced=int(row[f"a_{key}"])) if row else Transition()
                rep_trend.lines[key].append(week)
    for rep_id, found in note_weeks(team, periods, list(rep_trends)).items():
        rep_trends[rep_id].note_weeks = found
    return Trend(team=team, weeks=periods, team_lines=team_lines, reps=list(rep_trends.values()))


def trend_as_dict(trend: Trend) -> dict:
    """The API's shape: each line a list of weeks with their start, entered, advanced and rate."""

    def line(weeks: list[Transition]) -> list[dict]:
        return [
            {
                "week_start": period.start.isoformat(),
                "entered": week.entered,
                "advanced": week.advanced,
                "rate": week.as_dict()["rate"],
            }
            for period, week in zip(trend.weeks, weeks, strict=True)
        ]

    return {
        "weeks": [{"start": week.start.isoformat(), "end": week.end.isoformat()} for week in trend.weeks],
        "team": {
            "id": trend.team.pk,
            "name": trend.team.name,
            "transitions": {key: line(trend.team_lines[key]) for key in TRANSITION_KEYS},
        },
        "reps": [
            {
                "user": rep_trend.rep.pk,
                "display_name": rep_trend.rep.name,
                "transitions": {key: line(rep_trend.lines[key]) for key in TRANSITION_KEYS},
                "note_weeks": [trend.weeks[i].start.isoformat() for i in sorted(rep_trend.note_weeks)],
            }
            for rep_trend in trend.reps
        ],
    }
