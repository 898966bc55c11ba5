"""The team funnel, exactly as ARCHITECTURE.md defines it, from the first moment
each project reached each tier (``ProjectState.<tier>_at``, kept by every stage
change) and, for where projects stood at the end of a period, from the stage
history itself.

For a period ``[start, end]`` (dates inclusive, Asia/Shanghai) and a transition
X → Y: *entered* = projects that reached X within the period; *advanced* =
those of them that reached Y by the end of the period; *rate* = advanced /
entered (``None`` when nothing entered); *median days* = the median of the days
from reaching X to reaching Y among the advanced. A project counts for its
current owner; the team's figures are those of every project of the team.

Every figure is a SQL aggregate over one team's projects — a fixed number of
queries whatever the team's size or the length of its history — and every
figure has the query of the projects behind it (:func:`projects_behind`), so a
number and its list always agree.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching import compiled
from coaching.stats import DaysBetween, Median, significantly_below, test_description
from pipeline.models import REACHED_FIELDS, TIER_RANK, StageChange, Tier
from projects.models import Project

ORDERED_TIERS = (Tier.PROSPECT, Tier.QUALIFIED, Tier.HIGH_INTENT, Tier.WON)
TRANSITIONS = (
    ("prospect_to_qualified", Tier.PROSPECT, Tier.QUALIFIED),
    ("qualified_to_high_intent", Tier.QUALIFIED, Tier.HIGH_INTENT),
    ("high_intent_to_won", Tier.HIGH_INTENT, Tier.WON),
)
TRANSITION_KEYS = tuple(key for key, _from, _to in TRANSITIONS)
TRANSITION_LABELS = {
    "prospect_to_qualified": _("Prospect → qualified"),
    "qualified_to_high_intent": _("Qualified → high intent"),
    "high_intent_to_won": _("High intent → won"),
}
# PRODUCT.md, "The funnel and who fixes each step".
ACTIONS = {
    "prospect_to_qualified": _(
        "The rep's own step: send them to training and check the basics — qualify the need and reach a key person."
    ),
    "qualified_to_high_intent": _(
        "The lead's core job: 1:1 coaching, ride-along visits and a demonstration with the rep."
    ),
    "high_intent_to_won": _("Nobody wants to lose these: step into the deals personally."),
}
TIER_COLUMNS = tuple(tier.value for tier in (*ORDERED_TIERS, Tier.LOST))


@dataclass(frozen=True)
class Period:
    """Dates inclusive, in Asia/Shanghai."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of equal length just before this one."""
        return Period(self.start - datetime.timedelta(days=self.days), self.start - datetime.timedelta(days=1))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[from, to): midnight of the first day to midnight after the last, in the company's time zone."""
        zone = timezone.get_default_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        return start, end


PERIODS = (
    ("this_week", _("This week")),
    ("last_week", _("Last week")),
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("custom", _("Custom range")),
)
DEFAULT_PERIOD = "this_month"


def named_period(name: str, today: datetime.date) -> Period:
    """A calendar period around ``today`` (Asia/Shanghai); weeks start on Monday."""
    if name == "this_week":
        start = today - datetime.timedelta(days=today.weekday())
        return Period(start, start + datetime.timedelta(days=6))
    if name == "last_week":
        return named_period("this_week", today).previous()
    if name == "this_month":
        return Period(today.replace(day=1), _month_end(today))
    if name == "last_month":
        last = today.replace(day=1) - datetime.timedelta(days=1)
        return Period(last.replace(day=1), last)
    if name == "this_quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return Period(first, _month_end(first.replace(month=first.month + 2)))
    raise KeyError(name)


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


@dataclass
class Transition:
    entered: int = 0
    advanced: int = 0
    median_days: float | None = None

    @property
    def rate(self) -> float | None:
        return self.advanced / self.entered if self.entered else None

    def as_dict(self) -> dict:
        return {
            "entered": self.entered,
            "advanced": self.advanced,
            "rate": None if self.rate is None else round(self.rate, 4),
            "median_days": None if self.median_days is None else round(self.median_days, 1),
        }


@dataclass
class Figures:
    """One rep's (or the team's) funnel for one period."""

    transitions: dict[str, Transition] = field(default_factory=lambda: {key: Transition() for key in TRANSITION_KEYS})
    # How many projects stood in each tier at the end of the period (won and lost: closed within it).
    tiers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIER_COLUMNS, 0))
    # Projects that reached each ordered tier within the period, their budget and weighted budget.
    reached: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REACHED_FIELDS, 0))
    budget: dict[str, float] = field(default_factory=lambda: dict.fromkeys(REACHED_FIELDS, 0.0))
    weighted: dict[str, float] = field(default_factory=lambda: dict.fromkeys(REACHED_FIELDS, 0.0))

    def as_dict(self) -> dict:
        return {
            "tiers": dict(self.tiers),
            "transitions": {key: value.as_dict() for key, value in self.transitions.items()},
            "reached": {
                str(tier): {
                    "projects": self.reached[tier],
                    "budget": _money(self.budget[tier]),
                    "weighted_budget": _money(self.weighted[tier]),
                }
                for tier in REACHED_FIELDS
            },
        }


def _money(value) -> str:
    return f"{value:.2f}"


def _reached_in(column, start, end) -> Q:
    return Q(**{f"{column}__gte": start, f"{column}__lt": end})


# The conditions below are on ``Project`` (its state through ``state__``): the counts and
# the lists of projects behind them are built from the same ones.


def entered_q(key: str, period: Period) -> Q:
    start, end = period.bounds()
    _key, source, _target = _transition(key)
    return _reached_in(f"state__{REACHED_FIELDS[source]}", start, end)


def advanced_q(key: str, period: Period) -> Q:
    _key, _source, target = _transition(key)
    return entered_q(key, period) & Q(**{f"state__{REACHED_FIELDS[target]}__lt": period.bounds()[1]})


def reached_q(tier: str, period: Period) -> Q:
    start, end = period.bounds()
    return _reached_in(f"state__{REACHED_FIELDS[tier]}", start, end)


def _transition(key):
    for transition in TRANSITIONS:
        if transition[0] == key:
            return transition
    raise KeyError(key)


def _team_projects(team):
    # From the team's projects to their states (one primary-key lookup each): the
    # planner then reads the team's rows, never the whole state table.
    return Project.objects.filter(team=team)


def _reach_aggregates(period: Period, prefix: str, *, medians: bool, counts: bool) -> dict:
    weight = ExpressionWrapper(
        F("budget") * F("state__stage__probability") / 100, output_field=DecimalField(max_digits=20, decimal_places=4)
    )
    aggregates = {}
    for tier in REACHED_FIELDS:
        inside = reached_q(tier, period)
        if counts:
            aggregates[f"{prefix}reached_{tier}"] = Count("pk", filter=inside)
            aggregates[f"{prefix}budget_{tier}"] = Sum("budget", filter=inside)
            aggregates[f"{prefix}weighted_{tier}"] = Sum(weight, filter=inside)
    for key, source, target in TRANSITIONS:
        advanced = advanced_q(key, period)
        if counts:
            aggregates[f"{prefix}advanced_{key}"] = Count("pk", filter=advanced)
        if medians:
            days = DaysBetween(f"state__{REACHED_FIELDS[source]}", f"state__{REACHED_FIELDS[target]}")
            aggregates[f"{prefix}days_{key}"] = Median(days, filter=advanced)
    return aggregates


def _fill_counts(figures: Figures, row: dict, prefix: str) -> None:
    """Add one owner's counts and sums (the team's are the sum of its owners')."""
    for tier in REACHED_FIELDS:
        figures.reached[tier] += row[f"{prefix}reached_{tier}"]
        figures.budget[tier] += float(row[f"{prefix}budget_{tier}"] or 0)
        figures.weighted[tier] += float(row[f"{prefix}weighted_{tier}"] or 0)
    for key, source, _target in TRANSITIONS:
        transition = figures.transitions[key]
        transition.entered += row[f"{prefix}reached_{source}"]
        transition.advanced += row[f"{prefix}advanced_{key}"]


def _fill_medians(figures: Figures, row: dict, prefix: str) -> None:
    for key in TRANSITION_KEYS:
        days = row[f"{prefix}days_{key}"]
        figures.transitions[key].median_days = None if days is None else float(days)


def _tiers_at_end(team, periods: list[Period]):
    """Rows of (owner, the tier at the end of each period, projects): where a project
    stood is its last own stage change by then; won and lost only when that change
    falls within the period (else nothing). One query for all the periods.

    The last own stage change is also what ``ProjectState`` holds (``stage``/``tier``/
    ``entered_at`` are written with every change, at its ``at``; merged-in history is not
    the project's own and leaves the state alone): when the state was entered before
    the period's end, nothing moved the project after that, so its tier is the state's.
    Only the projects moved since (the previous period: those moved in this one; a
    period ending today: none) look their history up, through ``stage_change_project``;
    CASE evaluates that subquery for those rows only."""
    annotations = {}
    for index, period in enumerate(periods):
        start, end = period.bounds()
        closed_before = Q(to_tier__in=[Tier.WON, Tier.LOST], at__lt=start)
        last = (
            StageChange.objects.filter(project=OuterRef("pk"), merged_from__isnull=True, at__lt=end)
            .order_by("-at", "-id")
            .annotate(counted=Case(When(closed_before, then=Value("")), default=F("to_tier")))
            .values("counted")[:1]
        )
        annotations[f"tier_{index}"] = Case(
            When(
                state__entered_at__lt=end,
                then=Case(
                    When(state__tier__in=[Tier.WON, Tier.LOST], state__entered_at__lt=start, then=Value("")),
                    default=F("state__tier"),
                ),
            ),
            default=Subquery(last),
        )
    names = list(annotations)
    return (
        _team_projects(team)
        .annotate(**annotations)
        .values("owner_id", *names)
        .annotate(projects=Count("pk"))
        .order_by()
    )


# How Django groups ``.values("owner_id")`` on PostgreSQL: by the first column.
_OWNER_GROUP = " GROUP BY 1"


def _aggregates(periods: list[Period]) -> tuple[dict, dict]:
    """(per-owner counts, sums and medians; the team's medians) of every period."""
    counts, medians = {}, {}
    for index, period in enumerate(periods):
        counts.update(_reach_aggregates(period, f"p{index}_", medians=True, counts=True))
        medians.update(_reach_aggregates(period, f"p{index}_", medians=True, counts=False))
    return counts, medians


def _grouped_sql(team, periods: list[Period], using: str) -> tuple[str, list]:
    """The per-owner figures with the team's row added by ``GROUP BY ROLLUP (owner)``
    (owner NULL; also on no rows at all): one pass over the team's projects (PostgreSQL)."""
    counts, _medians = _aggregates(periods)
    grouped = _team_projects(team).values("owner_id").annotate(**counts).order_by()
    sql, params = grouped.query.get_compiler(using=using).as_sql()
    if not sql.endswith(_OWNER_GROUP):
        raise ValueError(f"The funnel's query is not grouped by owner alone: …{sql[-80:]}")
    return sql.removesuffix(_OWNER_GROUP) + " GROUP BY ROLLUP (1)", params


def _tiers_sql(team, periods: list[Period], using: str) -> tuple[str, list]:
    return _tiers_at_end(team, periods).query.get_compiler(using=using).as_sql()


def _slots(arguments) -> list:
    team, periods = arguments
    return [getattr(team, "pk", team), *(bound for period in periods for bound in period.bounds())]


def _stand_ins(count: int) -> tuple:
    """Two (team, periods) of ``count`` periods that no team or query constant has, every
    bound distinct (``coaching.compiled``)."""
    first = datetime.date(1901, 1, 1)
    return tuple(
        (
            -864_209_731 - variant,
            [
                Period(
                    first + datetime.timedelta(days=100 * variant + 10 * index),
                    first + datetime.timedelta(days=100 * variant + 10 * index + 4),
                )
                for index in range(count)
            ],
        )
        for variant in (0, 1)
    )


def _filled(build, team, periods: list[Period], using: str) -> tuple[str, list]:
    """The SQL of ``build``, compiled once per process and number of periods (the ORM's work
    on ~40 filtered aggregates was a third of the dashboard's CPU), with this call's values."""
    return compiled.filled_sql(
        (build.__name__, len(periods)),
        lambda arguments: build(*arguments, using),
        (team, periods),
        slots=_slots,
        stand_ins=_stand_ins(len(periods)),
        using=using,
    )


def _by_owner_and_team(team, periods: list[Period]) -> tuple[list[dict], dict]:
    """Each owner's counts, sums and medians for every period, and the team's medians (which
    do not add up): one query on PostgreSQL; elsewhere (SQLite) a second one for the team."""
    projects = _team_projects(team)
    using = projects.db
    if connections[using].vendor != "postgresql":
        counts, medians = _aggregates(periods)
        grouped = projects.values("owner_id").annotate(**counts).order_by()
        return list(grouped), projects.aggregate(**medians)
    rows = compiled.rows(*_filled(_grouped_sql, team, periods, using), using)
    owners = [row for row in rows if row["owner_id"] is not None]
    # ROLLUP's total row comes even without rows; its medians are NULL then.
    [team_row] = [row for row in rows if row["owner_id"] is None]
    return owners, team_row


def _tiers_rows(team, periods: list[Period]) -> list[dict]:
    using = _team_projects(team).db
    if connections[using].vendor != "postgresql":
        return list(_tiers_at_end(team, periods))
    return compiled.rows(*_filled(_tiers_sql, team, periods, using), using)


def figures_for(team, periods: list[Period]) -> list[tuple[Figures, dict]]:
    """For each period, the team's figures and each owner's: two queries on PostgreSQL
    (three elsewhere) whatever the number of periods, projects or stage changes."""
    results = [(Figures(), {}) for _period in periods]
    owner_rows, team_row = _by_owner_and_team(team, periods)
    for row in owner_rows:
        for index, (team_figures, by_owner) in enumerate(results):
            figures = by_owner[row["owner_id"]] = Figures()
            _fill_counts(figures, row, f"p{index}_")
            _fill_medians(figures, row, f"p{index}_")
            _fill_counts(team_figures, row, f"p{index}_")
    for row in _tiers_rows(team, periods):
        for index, (team_figures, by_owner) in enumerate(results):
            tier = row[f"tier_{index}"]
            if tier:
                by_owner.setdefault(row["owner_id"], Figures()).tiers[tier] += row["projects"]
                team_figures.tiers[tier] += row["projects"]
    for index, (team_figures, _by_owner) in enumerate(results):
        _fill_medians(team_figures, team_row, f"p{index}_")
    return results


@dataclass
class TeamFunnel:
    """A team's funnel for a period: the team's figures, each rep's, and the same for the previous period."""

    team: object
    period: Period
    team_figures: Figures
    reps: list
    by_rep: dict
    previous_team: Figures
    previous_by_rep: dict
    bottlenecks: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The ``/api/v1/coaching/funnel/`` response (ARCHITECTURE.md's contract)."""
        previous = self.period.previous()

        def change(figures: Figures) -> dict:
            return {"start": previous.start, "end": previous.end, **figures.as_dict()}

        reps = []
        for rep in self.reps:
            found = self.bottlenecks.get(rep.pk)
            reps.append(
                {
                    "user": rep.pk,
                    "display_name": rep.name,
                    **self.by_rep.get(rep.pk, Figures()).as_dict(),
                    "bottleneck": found.key if found else None,
                    "action": str(found.action) if found else None,
                    "bottleneck_detail": found.as_dict() if found else None,
                    "change": change(self.previous_by_rep.get(rep.pk, Figures())),
                }
            )
        return {
            "period": {"start": self.period.start, "end": self.period.end},
            "team": {
                "id": self.team.pk,
                "name": self.team.name,
                **self.team_figures.as_dict(),
                "change": change(self.previous_team),
            },
            "reps": reps,
            "test": test_description(),
        }

    def rest_of_team(self, rep_id, key) -> Transition:
        mine = self.by_rep.get(rep_id, Figures()).transitions[key]
        team = self.team_figures.transitions[key]
        return Transition(entered=team.entered - mine.entered, advanced=team.advanced - mine.advanced)


def period_figures(team, period: Period) -> tuple[Figures, dict]:
    """The team's figures and each owner's, for one period."""
    return figures_for(team, [period])[0]


def coachable_teams(user):
    """The teams whose funnel a user may see by rep: an admin any, a lead their own, a rep none
    (a rep sees only their own figures against the team's). Hidden and unknown teams alike: 404."""
    from teams.models import Team

    teams = Team.objects.visible_to(user)
    if user.is_admin:
        return teams
    if user.is_lead and user.team_id:
        return teams.filter(pk=user.team_id)
    return teams.none()


def team_reps(team):
    """The reps of a team: its active members who are reps, by name."""
    from teams.models import Role, User

    return list(User.objects.filter(team=team, role=Role.REP, is_active=True).order_by("display_name", "username"))


def team_funnel(team, period: Period) -> TeamFunnel:
    """Everything the dashboard and the funnel API show for one team: a fixed number of queries."""
    reps = team_reps(team)
    return _with_bottlenecks(team, period, reps, figures_for(team, [period, period.previous()]))


def _with_bottlenecks(team, period: Period, reps, results) -> TeamFunnel:
    """The funnel of ``results`` (this period's and the previous one's figures) and each rep's bottleneck."""
    (team_figures, by_rep), (previous_team, previous_by_rep) = results
    funnel = TeamFunnel(
        team=team,
        period=period,
        team_figures=team_figures,
        reps=reps,
        by_rep=by_rep,
        previous_team=previous_team,
        previous_by_rep=previous_by_rep,
    )
    for rep in reps:
        funnel.bottlenecks[rep.pk] = bottleneck(funnel, rep.pk)
    return funnel


def team_transitions(team, period: Period, *, rep) -> TeamFunnel:
    """What a rep's own view needs of ``team_funnel`` — each owner's and the team's entered
    and advanced on the three transitions for the period and the one before, the
    bottlenecks, and ``rep``'s own median days — in one grouped query (and the reps'): no
    tiers, budgets or anyone else's medians, and only the projects that reached a tier
    within the two periods are read. Its figures are ``team_funnel``'s for those fields;
    the others stay empty, so it is not a dashboard's funnel."""
    reps = team_reps(team)
    periods = [period, period.previous()]
    aggregates = {}
    for index, counted in enumerate(periods):
        for key, source, _target in TRANSITIONS:
            aggregates[f"p{index}_reached_{source}"] = Count("pk", filter=entered_q(key, counted))
            aggregates[f"p{index}_advanced_{key}"] = Count("pk", filter=advanced_q(key, counted))
    for key, source, target in TRANSITIONS:
        days = DaysBetween(f"state__{REACHED_FIELDS[source]}", f"state__{REACHED_FIELDS[target]}")
        aggregates[f"p0_days_{key}"] = Median(days, filter=advanced_q(key, period) & Q(owner=rep))
    start, end = periods[-1].bounds()[0], period.bounds()[1]
    reached = Q()
    for _key, source, _target in TRANSITIONS:
        reached |= _reached_in(f"state__{REACHED_FIELDS[source]}", start, end)
    rows = _team_projects(team).filter(reached).values("owner_id").annotate(**aggregates).order_by()
    results = [(Figures(), {}) for _period in periods]
    for row in rows:
        for index, (team_figures, by_owner) in enumerate(results):
            figures = by_owner[row["owner_id"]] = Figures()
            for key, source, _target in TRANSITIONS:
                for transition in (figures.transitions[key], team_figures.transitions[key]):
                    transition.entered += row[f"p{index}_reached_{source}"]
                    transition.advanced += row[f"p{index}_advanced_{key}"]
            if index == 0 and row["owner_id"] == rep.pk:
                _fill_medians(figures, row, "p0_")
    return _with_bottlenecks(team, period, reps, results)


@dataclass(frozen=True)
class Bottleneck:
    key: str
    rep_rate: float
    rest_rate: float
    z: float

    @property
    def gap(self) -> float:
        return self.rest_rate - self.rep_rate

    def as_dict(self) -> dict:
        return {"rate": round(self.rep_rate, 4), "rest_of_team_rate": round(self.rest_rate, 4), "z": round(self.z, 2)}

    @property
    def action(self):
        return ACTIONS[self.key]

    @property
    def label(self):
        return TRANSITION_LABELS[self.key]


def bottleneck(funnel: TeamFunnel, rep_id) -> Bottleneck | None:
    """The transition where the rep falls furthest below the rest of the team among
    those where the gap is significant (``coaching.stats.significantly_below``)."""
    found = None
    for key in TRANSITION_KEYS:
        mine = funnel.by_rep.get(rep_id, Figures()).transitions[key]
        rest = funnel.rest_of_team(rep_id, key)
        z = significantly_below(mine.advanced, mine.entered, rest.advanced, rest.entered)
        if z is None:
            continue
        candidate = Bottleneck(key=key, rep_rate=mine.rate, rest_rate=rest.rate, z=z)
        if found is None or candidate.gap > found.gap or (math.isclose(candidate.gap, found.gap) and z > found.z):
            found = candidate
    return found


def projects_behind(*, team, period: Period, metric: str, key: str, owner=None):
    """The projects behind one number of the funnel, as a ``Project`` queryset: ``metric``
    is ``entered`` / ``advanced`` (``key`` a transition), ``reached`` (``key`` a tier) or
    ``stuck`` (entered and not advanced: the ones to look at for a bottleneck)."""
    projects = _team_projects(team).filter(behind_q(metric, key, period))
    return projects if owner is None else projects.filter(owner=owner)


def behind_q(metric: str, key: str, period: Period) -> Q:
    """The condition on a team's projects of :func:`projects_behind`."""
    if metric == "reached":
        if key not in REACHED_FIELDS:
            raise KeyError(key)
        return reached_q(key, period)
    if metric == "entered":
        return entered_q(key, period)
    if metric == "advanced":
        return advanced_q(key, period)
    if metric == "stuck":
        return entered_q(key, period) & ~advanced_q(key, period)
    raise KeyError(metric)


def tier_rank(tier) -> int:
    return TIER_RANK.get(tier, -1)
