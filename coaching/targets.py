"""Targets (业绩目标): what a lead or an admin sets per rep and per team per month,
and the actuals and forecast they are read against.

Actuals, all in Asia/Shanghai:

* won — the budget of the projects won in the period: the project stands in the
  won tier now and first reached it (``ProjectState.won_at``) in the period; it
  counts for its current owner and its team (``project.team``);
* payment collected — the budget of the projects whose payment key date
  (``Milestone`` of kind ``payment``) was done in the period (there is no
  separate payment amount);
* weighted forecast — open projects' budget × their stage's win probability;
  "in the period" narrows it to those whose payment is planned in the period.

Each figure is one grouped query for the whole team (by owner and month), so a
grid or a summary costs the same queries whatever the number of reps or projects.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import DateField, DecimalField, ExpressionWrapper, F, FilteredRelation, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from coaching import compiled
from coaching.models import Target
from pipeline.models import Tier
from projects.models import MAX_BUDGET, Milestone, MilestoneKind, Project
from teams.errors import ConflictError, DomainError, validated
from teams.models import Role, Team, User
from teams.templatetags.ui import money
from teams.versioning import check_version

ZONE = ZoneInfo(settings.TIME_ZONE)
ZERO = Decimal("0")
AMOUNT_FIELDS = ("won_amount", "payment_amount")
PERIODS = ("month", "quarter", "year")

# --- months and periods ------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_bounds(period: str, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first month of the ``period`` (month, quarter, year) holding ``on`` and the
    first month after it."""
    if period == "year":
        start = datetime.date(on.year, 1, 1)
        return start, add_months(start, 12)
    if period == "quarter":
        start = datetime.date(on.year, (on.month - 1) // 3 * 3 + 1, 1)
        return start, add_months(start, 3)
    start = month_start(on)
    return start, add_months(start, 1)


def _moment(day: datetime.date) -> datetime.datetime:
    """Midnight starting ``day`` in Asia/Shanghai."""
    return datetime.datetime(day.year, day.month, day.day, tzinfo=ZONE)


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


def parse_month(value, *, field_name: str = "month") -> datetime.date:
    """A month as a date (its first day) from a date or "2026-03" / "2026-03-01"."""
    error = DomainError({field_name: _("Enter a month, e.g. 2026-03 (or its first day, 2026-03-01).")})
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        day = value
    else:
        match = _MONTH.match(str(value or "").strip())
        if match is None:
            raise error
        year, month, day_of_month = (int(part) if part else 1 for part in match.groups())
        try:
            day = datetime.date(year, month, day_of_month)
        except ValueError:
            raise error from None
    if day.day != 1 or not 2000 <= day.year <= 2100:
        raise error
    return day


def parse_amount(value, *, field_name: str) -> Decimal:
    """A target amount in yuan: not negative, at most MAX_BUDGET, whole cents."""
    try:
        amount = Decimal(str(value if value is not None else "").replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise DomainError({field_name: _("Enter the amount in yuan, e.g. 1200000.")}) from None
    if not amount.is_finite():
        raise DomainError({field_name: _("Enter the amount in yuan, e.g. 1200000.")})
    if amount < 0:
        raise DomainError({field_name: _("A target cannot be negative.")})
    if amount > MAX_BUDGET:
        raise DomainError({field_name: _("A target cannot exceed 1,000,000,000,000 yuan.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError({field_name: _("Use at most two decimal places.")})
    return amount


# --- setting a target -------------------------------------------------------------------------


def may_set_targets(user: User, team: Team) -> bool:
    """The team's lead or an admin."""
    return user.is_active and (user.is_admin or (user.is_lead and team.lead_id == user.pk))


def target_data(target: Target) -> dict:
    return {
        "month": target.month.isoformat(),
        "won_amount": str(target.won_amount),
        "payment_amount": str(target.payment_amount),
    }


@transaction.atomic
def target_set(
    *,
    user: User,
    team: Team,
    rep: User | None = None,
    month,
    won_amount,
    payment_amount,
    version: int | None = None,
) -> Target:
    """Create or change the target of ``rep`` (None: the team) for ``month``.

    ``version`` is the version the caller saw: 0 for "there was none yet"; a
    stale one raises ConflictError (409) with the stored target; None skips the
    check. Only the team's lead or an admin may set targets (PermissionDenied);
    the caller has already answered 404 for a team the user does not see.
    Every change is kept in the target's history."""
    if not may_set_targets(user, team):
        raise PermissionDenied(_("Only the team's lead or an admin sets targets."))
    errors = {}
    values = {}
    try:
        values["month"] = parse_month(month)
    except DomainError as error:
        errors.update(error.message_dict)
    for name, value in (("won_amount", won_amount), ("payment_amount", payment_amount)):
        try:
            values[name] = parse_amount(value, field_name=name)
        except DomainError as error:
            errors.update(error.message_dict)
    if rep is not None and (rep.team_id != team.pk or rep.role != Role.REP or not rep.is_active):
        errors["user"] = [_("Choose an active rep of the team %(team)s.") % {"team": team.name}]
    if errors:
        raise DomainError(errors)
    scope = Target.objects.editable_by(user).order_by().select_for_update(of=("self",))
    existing = scope.filter(team=team, user=rep, month=values["month"]).first()
    if existing is None:
        if version not in (None, 0, "0", ""):
            # The target the caller edited is gone from their scope (e.g. the rep changed teams).
            raise ConflictError(_("This target no longer exists. Reload the page."), code="gone")
        target = Target(team=team, user=rep, month=values["month"])
    else:
        check_version(current=existing.version, expected=version, current_data=target_data(existing))
        target = existing
        target.version += 1
    target.won_amount = values["won_amount"]
    target.payment_amount = values["payment_amount"]
    target.set_by = user
    target.updated_at = timezone.now()
    validated(target, validate_constraints=False)
    target._history_user = user
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        # Someone created the same month's target between our read and our write.
        stored = Target.objects.get(team=team, user=rep, month=values["month"])
        check_version(current=stored.version, expected=0, current_data=target_data(stored))
        raise
    return target


# --- actuals ------------------------------------------------------------------------------------


def _monthly(rows, key) -> dict:
    return {(row["owner"], _month_of(row["month"])): row[key] or ZERO for row in rows}


def _month_of(moment: datetime.datetime) -> datetime.date:
    # The SQL's DATE_TRUNC(... AT TIME ZONE Asia/Shanghai) is naive, in Shanghai (as read
    # through coaching.compiled); the ORM made it aware in that zone.
    return moment.date() if timezone.is_naive(moment) else timezone.localtime(moment, ZONE).date()


# won, paid and the forecast: their SQL compiled once per process (coaching.compiled).


def _grouped_rows(build, *, team, owner, dates: tuple, shape=(), moments=False) -> list[dict]:
    """The rows of ``build(team id, owner id or None, dates)`` (``moments``: the dates are
    midnights in Shanghai, ``_moment``)."""
    using = Project.objects.db
    return compiled.query_rows(
        (build.__name__, owner is None, len(dates), shape),
        lambda arguments: build(*arguments),
        (team.pk if isinstance(team, Team) else team, getattr(owner, "pk", owner), dates),
        slots=_slots,
        stand_ins=tuple(_stand_in(variant, owner is None, len(dates), moments) for variant in (0, 1)),
        using=using,
    )


def _slots(arguments) -> list:
    team, owner, dates = arguments
    return [team, *([] if owner is None else [owner]), *dates]


def _stand_in(variant: int, no_owner: bool, count: int, moments: bool) -> tuple:
    first = datetime.date(1901, 1, 1) + datetime.timedelta(days=100 * variant)
    owner = None if no_owner else -864_209_741 - variant
    dates = (first + datetime.timedelta(days=10 * index) for index in range(count))
    return (-864_209_731 - variant, owner, tuple(_moment(day) if moments else day for day in dates))


def _of_owner(owner: User | None, field: str = "owner") -> Q:
    """Narrowed to one rep's rows (a rep's own figures), or the whole team's."""
    return Q() if owner is None else Q(**{field: owner})


def won_by_month(*, team: Team, start: datetime.date, end: datetime.date, owner: User | None = None) -> dict:
    """{(owner id, month): budget won}: projects of the team now won that first reached
    the won tier in [start, end) — one grouped query."""
    rows = _grouped_rows(_won_query, team=team, owner=owner, dates=(_moment(start), _moment(end)), moments=True)
    return _monthly(rows, "amount")


def _won_query(team, owner, moments):
    start, end = moments
    return (
        Project.objects.filter(
            _of_owner(owner),
            team=team,
            state__tier=Tier.WON,
            state__won_at__gte=start,
            state__won_at__lt=end,
        )
        .annotate(month=TruncMonth("state__won_at", tzinfo=ZONE))
        .values("owner", "month")
        .annotate(amount=Sum("budget"))
        .order_by()
    )


def paid_by_month(*, team: Team, start: datetime.date, end: datetime.date, owner: User | None = None) -> dict:
    """{(owner id, month): budget of the projects whose payment was done in the month}.
    From the team's projects, each one's payment key date (one per project:
    ``milestone_key_date_once``) looked up by that index: the cost follows the team's
    projects, not every team's milestones (a scan of all of them at 1M projects)."""
    rows = _grouped_rows(_paid_query, team=team, owner=owner, dates=(start, end))
    # DATE_TRUNC of a date is a timestamp (read raw); the ORM took its date, as here.
    return {(row["owner"], _day(row["month"])): row["amount"] or ZERO for row in rows}


def _day(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _paid_query(team, owner, dates):
    start, end = dates
    paid_on = Subquery(
        Milestone.objects.filter(
            project=OuterRef("pk"), kind=MilestoneKind.PAYMENT, done_on__gte=start, done_on__lt=end
        ).values("done_on")[:1]
    )
    return (
        Project.objects.filter(_of_owner(owner), team=team)
        .annotate(month=TruncMonth(paid_on, output_field=DateField()))
        .filter(month__isnull=False)
        .values("owner", "month")
        .annotate(amount=Sum("budget"))
        .order_by()
    )


_WEIGHTED = ExpressionWrapper(
    F("budget") * F("state__stage__probability") / Decimal(100),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


def forecasts_by_owner(
    *, team: Team, periods: dict[str, tuple[datetime.date, datetime.date]], owner: User | None = None
) -> dict:
    """{owner id: {"now": open budget × stage probability, name: the same narrowed to
    the projects whose payment is planned (and not done) in [start, end) of each named
    period}} for the team's open projects — one grouped query whatever the number of
    periods. A project has at most one payment milestone (``milestone_key_date_once``), so
    it is joined by that unique index rather than tested per period by an EXISTS, which
    PostgreSQL ran as a scan of every payment milestone of the company per period; open
    is ``closed_at IS NULL`` (pipeline sets it exactly when a move leaves the open tiers),
    the predicate of the team's and the owner's partial indexes."""
    names = tuple(periods)
    dates = tuple(day for name in names for day in periods[name])
    rows = _grouped_rows(_forecast_query(names), team=team, owner=owner, dates=dates, shape=names)
    return {
        row["owner"]: {name: (row[name] or ZERO).quantize(Decimal("0.01")) for name in ("now", *names)} for row in rows
    }


def _forecast_query(names: tuple):
    def forecast_query(team, owner, dates):
        sums = {"now": Sum(_WEIGHTED)}
        for index, name in enumerate(names):
            start, end = dates[2 * index], dates[2 * index + 1]
            planned = Q(payment__done_on__isnull=True, payment__due_on__gte=start, payment__due_on__lt=end)
            sums[name] = Sum(_WEIGHTED, filter=planned)
        return (
            Project.objects.filter(_of_owner(owner), team=team, closed_at__isnull=True)
            .annotate(payment=FilteredRelation("milestones", condition=Q(milestones__kind=MilestoneKind.PAYMENT)))
            .values("owner")
            .annotate(**sums)
            .order_by()
        )

    return forecast_query


def forecast_of(forecasts: dict, name: str, owner_id=None) -> Decimal:
    """One owner's forecast ``name`` from ``forecasts_by_owner`` (None: the team's sum)."""
    if owner_id is None:
        return sum((figures[name] for figures in forecasts.values()), ZERO)
    return forecasts.get(owner_id, {}).get(name, ZERO)


def team_reps(team: Team):
    """The rows of a team's targets: its active reps, by name."""
    return User.objects.filter(team=team, role=Role.REP, is_active=True).order_by("display_name", "username")


# --- figures: a month, a quarter, a year ------------------------------------------------------


def percent(actual: Decimal, target: Decimal | None) -> int | None:
    if not target:
        return None
    return int((actual * 100 / target).to_integral_value())


@dataclass
class Figures:
    """Target against actual for one rep (or the team) over some months."""

    won_target: Decimal | None = None
    payment_target: Decimal | None = None
    won: Decimal = ZERO
    payment: Decimal = ZERO
    target: Target | None = None  # a single month's stored target (for editing)
    month: datetime.date | None = None

    @property
    def won_percent(self):
        return percent(self.won, self.won_target)

    @property
    def payment_percent(self):
        return percent(self.payment, self.payment_target)

    @property
    def has_target(self):
        return self.won_target is not None or self.payment_target is not None

    @cached_property
    def html(self) -> str:
        """``{{ f.html }}``: the cell — actual against target and the share reached, for won
        and for payment. Built here, not by an included template: the grid shows ~300
        (row and phone card), which was most of its CPU time."""
        return format_html(
            '<dl class="target-figures">{}{}</dl>',
            _figure_line(pgettext("target figure", "Won"), self.won, self.won_target, self.won_percent),
            _figure_line(pgettext("target figure", "Paid"), self.payment, self.payment_target, self.payment_percent),
        )

    def add(self, other: "Figures") -> "Figures":
        def plus(a, b):
            return b if a is None else a if b is None else a + b

        return Figures(
            won_target=plus(self.won_target, other.won_target),
            payment_target=plus(self.payment_target, other.payment_target),
            won=self.won + other.won,
            payment=self.payment + other.payment,
        )


def _figure_line(label, actual, target, share) -> str:
    return format_html(
        '<div class="{}"><dt>{}</dt><dd><span class="actual">{}</span> / <span class="target">{}</span>{}</dd></div>',
        "reached" if share is not None and share >= 100 else "",
        label,
        money(actual),
        "—" if target is None else money(target),
        "" if share is None else format_html(' <span class="pct">{}%</span>', share),
    )


def _sum(figures) -> Figures:
    total = Figures()
    for item in figures:
        total = total.add(item)
    return total


@dataclass
class Row:
    """One row of the grid: a rep (``rep`` None: the team)."""

    rep: User | None
    months: list[Figures]
    forecast: Decimal = ZERO
    forecast_in_period: Decimal | None = None
    forecasts: dict = field(default_factory=dict)  # forecast in each of team_figures' forecast_periods
    quarters: list[Figures] = field(default_factory=list)
    year: Figures = field(default_factory=Figures)

    def __post_init__(self):
        self.quarters = [_sum(self.months[index : index + 3]) for index in range(0, len(self.months), 3)]
        self.year = _sum(self.months)

    @property
    def total(self) -> Figures:
        """All the row's months: a period's figures."""
        return self.year

    @property
    def columns(self) -> list[tuple[str, Figures]]:
        """The grid's cells in order: three months, their quarter, ..., the year ("month",
        "quarter" or "year", figures)."""
        cells = []
        for index, month in enumerate(self.months):
            cells.append(("month", month))
            if index % 3 == 2:
                cells.append(("quarter", self.quarters[index // 3]))
        return [*cells, ("year", self.year)]

    @property
    def key(self):
        return self.rep.pk if self.rep is not None else "team"


def team_figures(
    *,
    team: Team,
    start: datetime.date,
    end: datetime.date,
    reps=None,
    with_forecast=False,
    forecast_periods=None,
    owner: User | None = None,
) -> list[Row]:
    """One row per rep of ``reps`` (default: the team's active reps) and the team's last,
    each with its months from ``start`` to ``end`` (exclusive). Queries: the reps, the
    targets, won, paid (and one for the forecast, now and in the period — and in each of
    ``forecast_periods``, returned in ``row.forecasts``): the same whatever the number of
    reps, projects or months. With ``owner`` (a rep's own figures) every query reads only
    that rep's projects and targets, and the team row sums theirs alone."""
    reps = list(team_reps(team) if reps is None else reps)
    months = []
    month = start
    while month < end:
        months.append(month)
        month = add_months(month, 1)
    targets = {
        (target.user_id, target.month): target
        for target in Target.objects.filter(_of_owner(owner, "user"), team=team, month__gte=start, month__lt=end)
    }
    won = won_by_month(team=team, start=start, end=end, owner=owner)
    paid = paid_by_month(team=team, start=start, end=end, owner=owner)
    team_won, team_paid = {}, {}
    for (_owner, month), amount in won.items():
        team_won[month] = team_won.get(month, ZERO) + amount
    for (_owner, month), amount in paid.items():
        team_paid[month] = team_paid.get(month, ZERO) + amount

    def cells(user_id, won_of, paid_of):
        result = []
        for month in months:
            target = targets.get((user_id, month))
            result.append(
                Figures(
                    won_target=target.won_amount if target else None,
                    payment_target=target.payment_amount if target else None,
                    won=won_of(month),
                    payment=paid_of(month),
                    target=target,
                    month=month,
                )
            )
        return result

    rows = [
        Row(
            rep=rep,
            months=cells(
                rep.pk, lambda m, pk=rep.pk: won.get((pk, m), ZERO), lambda m, pk=rep.pk: paid.get((pk, m), ZERO)
            ),
        )
        for rep in reps
    ]
    rows.append(Row(rep=None, months=cells(None, lambda m: team_won.get(m, ZERO), lambda m: team_paid.get(m, ZERO))))
    if with_forecast:
        periods = {"period": (start, end), **(forecast_periods or {})}
        forecasts = forecasts_by_owner(team=team, periods=periods, owner=owner)
        for row in rows:
            owner_id = None if row.rep is None else row.rep.pk
            row.forecast = forecast_of(forecasts, "now", owner_id)
            row.forecast_in_period = forecast_of(forecasts, "period", owner_id)
            row.forecasts = {name: forecast_of(forecasts, name, owner_id) for name in forecast_periods or {}}
    return rows


def target_grid(*, team: Team, year: int) -> list[Row]:
    """The lead's grid: reps and the team × the twelve months of ``year``, with quarters."""
    start = datetime.date(year, 1, 1)
    return team_figures(team=team, start=start, end=add_months(start, 12))


def period_summary(*, user: User, team: Team, period: str, on: datetime.date) -> dict:
    """Target, actual and forecast for ``period`` holding ``on``: per rep and for the
    team. A rep gets their own row only (the team's figures sum colleagues' projects)."""
    start, end = period_bounds(period, on)
    reps = [user] if user.is_rep else None
    rows = team_figures(
        team=team, start=start, end=end, reps=reps, with_forecast=True, owner=user if user.is_rep else None
    )
    if user.is_rep:
        rows = rows[:1]
    return {
        "team": team,
        "period": period,
        "start": start,
        "end": end - datetime.timedelta(days=1),
        "reps": [row for row in rows if row.rep is not None],
        "team_row": next((row for row in rows if row.rep is None), None),
    }


def targets_summary(user: User, *, team: Team | None = None, today: datetime.date | None = None) -> dict | None:
    """The compact block for the coaching dashboard and the start page: this month and
    this quarter — target, actual, % reached, weighted forecast. A rep's own, a lead's
    team's, or ``team``'s (the dashboard's, already checked visible to a lead or admin);
    None for users without a team (an admin picks one on the dashboard or the grid)."""
    if team is None or user.is_rep:
        if user.is_admin or user.team_id is None:
            return None
        team = user.team
    today = today or timezone.localdate()
    quarter_start, quarter_end = period_bounds("quarter", today)
    month, month_end = period_bounds("month", today)
    # The rep's row (or, for a lead, the team's) over the quarter; the month is one of its months.
    rows = team_figures(
        team=team,
        start=quarter_start,
        end=quarter_end,
        reps=[user] if user.is_rep else [],
        with_forecast=True,
        owner=user if user.is_rep else None,
        forecast_periods={"month": (month, month_end)},
    )
    row = rows[0]
    month_forecast = row.forecasts["month"]
    this_month = row.months[(month.month - quarter_start.month)]
    return {
        "team": team,
        "own": user.is_rep,
        "forecast": row.forecast,
        "periods": [
            {
                "period": "month",
                "start": month,
                "end": month_end - datetime.timedelta(days=1),
                "figures": this_month,
                "forecast_in_period": month_forecast,
            },
            {
                "period": "quarter",
                "start": quarter_start,
                "end": quarter_end - datetime.timedelta(days=1),
                "figures": row.quarters[0],
                "forecast_in_period": row.forecast_in_period,
            },
        ],
        "may_set": may_set_targets(user, team),
    }
