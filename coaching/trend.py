"""The weekly trend: each transition's rate week by week (Monday to Sunday, Asia/Shanghai,
the current week included) for every rep of a team and for the team, so a lead sees
whether coaching works; and the weeks in which a coaching note was written on each rep.

Each week is a funnel period of its own (``coaching.funnel``'s definitions): *entered*
= projects that reached X within the week, *advanced* = those of them that reached Y
by the end of that week. One query computes every week × every owner × every
transition (conditional counts over the ``ProjectState.<tier>_at`` columns, grouped by
owner; the team's figures are the sum over owners, as ``period_figures`` counts every
project of the team) and one more finds the note weeks — two queries whatever the
number of reps or the length of the history.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Value, When

from coaching.funnel import TRANSITION_KEYS, TRANSITIONS, Period, Transition, team_reps
from coaching.models import CoachingNote
from pipeline.models import REACHED_FIELDS, ProjectState

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


def _week_aggregates(weeks: list[Period]) -> dict:
    aggregates = {}
    for i, week in enumerate(weeks):
        start, end = week.bounds()
        for key, source, target in TRANSITIONS:
            column = REACHED_FIELDS[source]
            entered = Q(**{f"{column}__gte": start, f"{column}__lt": end})
            aggregates[f"e{i}_{key}"] = Count("pk", filter=entered)
            aggregates[f"a{i}_{key}"] = Count("pk", filter=entered & Q(**{f"{REACHED_FIELDS[target]}__lt": end}))
    return aggregates


def _weekly_rows(team, weeks: list[Period]) -> list[dict]:
    """One row per owner of the team's projects: entered and advanced per week and transition."""
    first, _end = weeks[0].bounds()
    # A project counts in a week only when it reached a transition's source tier from the first week on.
    recent = Q()
    for _key, source, _target in TRANSITIONS:
        recent |= Q(**{f"{REACHED_FIELDS[source]}__gte": first})
    return list(
        ProjectState.objects.filter(recent, project__team=team)
        .values("project__owner_id")
        .annotate(**_week_aggregates(weeks))
        .order_by()
    )


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
    rows = {row["project__owner_id"]: row for row in _weekly_rows(team, periods)}
    team_lines = _lines()
    rep_trends = {rep.pk: RepTrend(rep=rep) for rep in reps}
    for i in range(len(periods)):
        for key in TRANSITION_KEYS:
            entered = advanced = 0
            for owner_id, row in rows.items():
                week = Transition(entered=row[f"e{i}_{key}"], advanced=row[f"a{i}_{key}"])
                entered += week.entered
                advanced += week.advanced
                if owner_id in rep_trends:
                    rep_trends[owner_id].lines[key].append(week)
            team_lines[key].append(Transition(entered=entered, advanced=advanced))
            for rep_id, rep_trend in rep_trends.items():
                if rep_id not in rows:
                    rep_trend.lines[key].append(Transition())
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
