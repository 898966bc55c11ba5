"""Data gaps per rep: what is missing or late in a team's projects — open projects
without a budget, without a decision maker on the buying committee, without
competitors, without a next contact; overdue next contacts; stale projects (longer
in their stage than its expected days); key dates that slipped (a milestone's
planned date moved later) within the period.

Every kind is one condition on ``Project`` (:func:`gap_q`): the counts per owner
are ONE grouped query (``Count(filter=...)`` per kind) and the projects behind a
count are the same condition as a queryset (:func:`gap_projects`), so a count and
its list always agree. Conditions on other tables are ``EXISTS`` subqueries: no
join multiplies a project; each is checked row by row through the other table's
index on the project (``PerRowExists``), so the cost follows the team's projects.
"""

import datetime

from django.db.models import Count, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole
from coaching import compiled
from coaching.funnel import Period
from coaching.stats import PerRowExists
from pipeline.models import Competitor
from pipeline.selectors.my_day import section_q
from projects.models import MilestoneChange, Project, Stakeholder

GAP_LABELS = {
    "no_budget": _("No budget"),
    "no_decision_maker": _("No decision maker"),
    "no_competitors": _("No competitors"),
    "no_next_contact": _("No next contact"),
    "overdue": _("Next contact overdue"),
    "stale": _("Stale"),
    "slipped": _("Key date slipped"),
}
GAP_KINDS = tuple(GAP_LABELS)
GAP_HELP = {
    "no_budget": _("Open projects whose customer budget is not entered."),
    "no_decision_maker": _("Open projects with no decision maker on the buying committee."),
    "no_competitors": _("Open projects with no competitor recorded."),
    "no_next_contact": _("Open projects with no next contact planned."),
    "overdue": _("Open projects whose next contact date has passed."),
    "stale": _("Open projects longer in their stage than its expected days."),
    "slipped": _("Projects with a key date moved later within the period."),
}


def gap_q(kind: str, *, period: Period, today: datetime.date, now: datetime.datetime) -> Q:
    """Which of ``team``'s projects have the gap ``kind`` (the caller starts from the team's projects)."""
    if kind == "slipped":
        start, end = period.bounds()
        slips = MilestoneChange.objects.filter(
            milestone__project=OuterRef("pk"), is_slip=True, changed_at__gte=start, changed_at__lt=end
        )
        return Q(PerRowExists(slips))
    open_ = Q(closed_at__isnull=True)
    if kind == "no_budget":
        return open_ & Q(budget__isnull=True)
    if kind == "no_decision_maker":
        makers = Stakeholder.objects.filter(project=OuterRef("pk"), role=BuyingRole.DECISION_MAKER)
        return open_ & ~Q(PerRowExists(makers))
    if kind == "no_competitors":
        return open_ & ~Q(PerRowExists(Competitor.objects.filter(project=OuterRef("pk"))))
    if kind == "no_next_contact":
        return open_ & section_q("unplanned", today=today, now=now)
    if kind == "overdue":
        return open_ & section_q("overdue", today=today, now=now)
    if kind == "stale":
        return open_ & section_q("stale", today=today, now=now)
    raise KeyError(kind)


def _counts(arguments):
    team, period, today, now = arguments
    aggregates = {kind: Count("pk", filter=gap_q(kind, period=period, today=today, now=now)) for kind in GAP_KINDS}
    return Project.objects.filter(team=team).values("owner_id").annotate(**aggregates).order_by()


def _slots(arguments) -> list:
    team, period, today, now = arguments
    return [getattr(team, "pk", team), *period.bounds(), today, now]


# Two sets of values no team, period or constant of the query has (coaching.compiled).
_STAND_INS = tuple(
    (
        -864_209_731 - variant,
        Period(datetime.date(1901, 1, 1 + variant), datetime.date(1901, 2, 1 + variant)),
        datetime.date(1901, 3, 1 + variant),
        datetime.datetime(1901, 4, 1 + variant, 12, tzinfo=datetime.UTC),
    )
    for variant in (0, 1)
)


def team_gaps(*, team, period: Period, today: datetime.date, now: datetime.datetime) -> tuple[dict, dict]:
    """``(team totals {kind: n}, {owner id: {kind: n}})`` in one grouped query (its SQL
    compiled once per process: ``coaching.compiled``)."""
    using = Project.objects.db
    found = compiled.query_rows(
        "gaps", _counts, (team, period, today, now), slots=_slots, stand_ins=_STAND_INS, using=using
    )
    by_owner = {}
    totals = dict.fromkeys(GAP_KINDS, 0)
    for row in found:
        by_owner[row["owner_id"]] = {kind: row[kind] for kind in GAP_KINDS}
        for kind in GAP_KINDS:
            totals[kind] += row[kind]
    return totals, by_owner


def gap_projects(*, team, kind: str, period: Period, today: datetime.date, now: datetime.datetime, owner=None):
    """The projects behind one gap count: the same condition as :func:`team_gaps`."""
    projects = Project.objects.filter(team=team).filter(gap_q(kind, period=period, today=today, now=now))
    return projects if owner is None else projects.filter(owner=owner)
