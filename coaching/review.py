"""The weekly review (周会): what a lead takes into the team meeting — the team's funnel
for the period, then per rep their figures against the team's, the change since the
previous period, their bottleneck and the action for it, their stalest open projects,
their overdue next contacts and their weekly trend. The page and the Excel export read
the same :class:`Review`, built from ``coaching.funnel.team_funnel`` and
``coaching.trend.team_trend`` plus two window-function queries for the project lists:
a fixed number of queries whatever the team's size."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from coaching.funnel import TIER_COLUMNS, TRANSITION_KEYS, Bottleneck, Figures, Period, named_period, team_funnel
from coaching.trend import RepTrend, Trend, team_trend
from projects.models import Project

LIST_LENGTH = 5  # stalest projects and overdue next contacts shown per rep
# What the lists show of a project: its link and name, its customer, its stage, how long in it
# and whether that is stale, its next contact (the rest of its ~40 columns and its customer's unread).
LIST_FIELDS = (
    "id",
    "name",
    "owner_id",
    "next_contact_on",
    "customer__name",
    "state__entered_at",
    "state__tier",
    "state__stage__name_zh",
    "state__stage__name_en",
    "state__stage__expected_days",
)


def default_period(today: datetime.date) -> Period:
    """Last week, Monday to Sunday: the week the meeting looks back on."""
    return named_period("last_week", today)


@dataclass
class Line:
    """One transition of one rep (or the team) in the review: now, the team's, before."""

    key: str
    entered: int
    advanced: int
    rate: float | None
    median_days: float | None
    team_rate: float | None
    previous_rate: float | None
    previous_entered: int

    @property
    def change(self) -> float | None:
        if self.rate is None or self.previous_rate is None:
            return None
        return self.rate - self.previous_rate


def lines(figures: Figures, previous: Figures, team: Figures) -> list[Line]:
    found = []
    for key in TRANSITION_KEYS:
        now, before = figures.transitions[key], previous.transitions[key]
        found.append(
            Line(
                key=key,
                entered=now.entered,
                advanced=now.advanced,
                rate=now.rate,
                median_days=now.median_days,
                team_rate=team.transitions[key].rate,
                previous_rate=before.rate,
                previous_entered=before.entered,
            )
        )
    return found


@dataclass
class RepReview:
    rep: object
    figures: Figures
    lines: list[Line]
    bottleneck: Bottleneck | None
    trend: RepTrend
    stalest: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    overdue_count: int = 0

    @property
    def tier_counts(self) -> list[tuple[str, int]]:
        return tier_counts(self.figures)


@dataclass
class Review:
    team: object
    period: Period
    today: datetime.date
    team_figures: Figures
    team_lines: list[Line]
    trend: Trend
    reps: list[RepReview]


def _ranked(queryset, order):
    """Each owner's first ``LIST_LENGTH`` projects in ``order``, with how many each owner has."""
    return (
        queryset.annotate(
            rank=Window(RowNumber(), partition_by=[F("owner_id")], order_by=order),
            owner_total=Window(Count("pk"), partition_by=[F("owner_id")]),
        )
        .filter(rank__lte=LIST_LENGTH)
        .select_related("customer", "state__stage")
        .only(*LIST_FIELDS)
        .order_by("owner_id", "rank")
    )


def _open_projects(team, reps):
    return Project.objects.filter(team=team, owner__in=reps, closed_at__isnull=True)


def stalest_projects(team, reps) -> dict:
    """owner id → their open projects longest in the current stage first: one query."""
    by_owner = {}
    for project in _ranked(_open_projects(team, reps), [F("state__entered_at").asc(), F("pk").asc()]):
        by_owner.setdefault(project.owner_id, []).append(project)
    return by_owner


def overdue_projects(team, reps, today: datetime.date) -> dict:
    """owner id → (their open projects whose next contact is past, the oldest promise first; how many): one query."""
    by_owner = {}
    queryset = _open_projects(team, reps).filter(next_contact_on__lt=today)
    for project in _ranked(queryset, [F("next_contact_on").asc(), F("pk").asc()]):
        project.days_overdue = (today - project.next_contact_on).days
        projects, _total = by_owner.get(project.owner_id, ([], 0))
        by_owner[project.owner_id] = ([*projects, project], project.owner_total)
    return by_owner


def weekly_review(team, period: Period, *, today: datetime.date) -> Review:
    """Everything the review page and its Excel export show: a fixed number of queries."""
    funnel = team_funnel(team, period)
    trend = team_trend(team, today=min(period.end, today), reps=funnel.reps)
    trends = {rep_trend.rep.pk: rep_trend for rep_trend in trend.reps}
    stalest = stalest_projects(team, funnel.reps)
    overdue = overdue_projects(team, funnel.reps, today)
    reps = []
    for rep in funnel.reps:
        figures = funnel.by_rep.get(rep.pk, Figures())
        previous = funnel.previous_by_rep.get(rep.pk, Figures())
        overdue_list, overdue_count = overdue.get(rep.pk, ([], 0))
        reps.append(
            RepReview(
                rep=rep,
                figures=figures,
                lines=lines(figures, previous, funnel.team_figures),
                bottleneck=funnel.bottlenecks.get(rep.pk),
                trend=trends[rep.pk],
                stalest=stalest.get(rep.pk, []),
                overdue=overdue_list,
                overdue_count=overdue_count,
            )
        )
    return Review(
        team=team,
        period=period,
        today=today,
        team_figures=funnel.team_figures,
        team_lines=lines(funnel.team_figures, funnel.previous_team, funnel.team_figures),
        trend=trend,
        reps=reps,
    )


def tier_counts(figures: Figures) -> list[tuple[str, int]]:
    return [(tier, figures.tiers[tier]) for tier in TIER_COLUMNS]
