"""The board: a scope's projects by stage of one pipeline, with each column's
count, budget sum and weighted sum (budget × the stage's win probability).

Used by the board page and ``GET /api/v1/board/``; both get plain data (dicts,
lists, ``Decimal``, dates), the same whatever renders it.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from pipeline.models import CLOSED_TIERS, Pipeline, Stage
from pipeline.services import pipeline_for
from projects.models import Project
from teams.errors import DomainError
from teams.models import Team, User

# Won and lost columns show what closed recently; the whole past would bury the open work.
CLOSED_DAYS = 30

_MONEY = DecimalField(max_digits=20, decimal_places=2)


def _pipeline(*, user: User, owner: User | None, team: Team | None, pipeline) -> Pipeline:
    if isinstance(pipeline, Pipeline):
        return pipeline
    if pipeline:
        found = Pipeline.objects.filter(key=str(pipeline).strip()).first()
        if found is None:
            raise DomainError({"pipeline": _("Unknown pipeline “%(key)s”.") % {"key": pipeline}})
        return found
    if owner is not None:
        return pipeline_for(owner=owner)
    return pipeline_for(team_id=team.pk if team is not None else user.team_id)


def board_projects(*, user: User, owner: User | None = None, team: Team | None = None):
    """The projects a board shows: the user's scope (rep: own; lead: the team's;
    admin: all), narrowed to one owner and/or one team."""
    projects = Project.objects.visible_to(user)
    if owner is not None:
        projects = projects.filter(owner=owner)
    if team is not None:
        projects = projects.filter(team=team)
    return projects


def board(
    *,
    user: User,
    owner: User | None = None,
    team: Team | None = None,
    pipeline: Pipeline | str | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """The board of ``user``'s scope, narrowed to ``owner`` and/or ``team``, for
    ``pipeline`` (a Pipeline or its key; default: the owner's, else the team's,
    else the user's team default). An admin names a team or an owner (the
    whole company is no board). Callers check that ``owner`` and ``team`` are
    in the user's scope; anything else simply shows no projects.

    Open projects, and those won or lost in the last ``CLOSED_DAYS`` days. Each
    column: its stage (key, name, tier, probability, expected days), ``count``,
    ``budget_sum``, ``weighted_sum`` (SQL aggregates) and its ``cards``, longest
    in the stage first. Archived stages appear only while projects sit in them.

    Four queries whatever the number of projects (plus the default pipeline's
    lookup when none is named): the pipelines, the stages, the aggregates, the cards."""
    if user.is_admin and owner is None and team is None:
        raise DomainError({"team": _("Choose a team (or a rep) to see a board.")})
    now = now or timezone.now()
    chosen = _pipeline(user=user, owner=owner, team=team, pipeline=pipeline)
    pipelines = list(Pipeline.objects.filter(Q(is_archived=False) | Q(pk=chosen.pk)))
    stages = {stage.pk: stage for stage in Stage.objects.filter(pipeline=chosen).order_by("order", "id")}
    since = now - datetime.timedelta(days=CLOSED_DAYS)
    projects = (
        board_projects(user=user, owner=owner, team=team)
        .filter(state__stage__in=list(stages))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
    )
    weighted = Sum(ExpressionWrapper(F("budget") * F("state__stage__probability"), output_field=_MONEY)) / 100
    totals = {
        row["state__stage"]: row
        for row in projects.order_by()
        .values("state__stage")
        .annotate(
            count=Count("pk"),
            budget_sum=Coalesce(Sum("budget"), Value(Decimal("0")), output_field=_MONEY),
            weighted_sum=Coalesce(
                Round(weighted, 2),
                Value(Decimal("0")),
                output_field=_MONEY,
            ),
        )
    }
    cards = {pk: [] for pk in stages}
    rows = (
        projects.select_related("customer", "owner", "state")
        .only(
            "name",
            "budget",
            "next_contact_on",
            "closed_at",
            "version",
            "customer__name",
            "owner__username",
            "owner__display_name",
            "owner__first_name",
            "owner__last_name",
            "state__stage_id",
            "state__tier",
            "state__entered_at",
        )
        .order_by("state__entered_at", "id")
    )
    for project in rows:
        state = project.state
        stage = state.stage = stages[state.stage_id]
        cards[stage.pk].append(
            {
                "id": project.pk,
                "name": project.name,
                "customer_name": project.customer.name,
                "owner": project.owner_id,
                "owner_name": project.owner.name,
                "stage": stage.key,
                "budget": project.budget,
                "next_contact_on": project.next_contact_on,
                "entered_at": state.entered_at,
                "days_in_stage": state.days_in_stage(now),
                "is_stale": state.is_stale(now),
                "version": project.version,
            }
        )
    columns = []
    for stage in stages.values():
        if stage.is_archived and not cards[stage.pk]:
            continue
        total = totals.get(stage.pk, {})
        columns.append(
            {
                "stage": stage.key,
                "name": stage.name,
                "tier": stage.tier,
                "tier_name": stage.get_tier_display(),
                "probability": stage.probability,
                "expected_days": stage.expected_days,
                "is_closed": stage.tier in CLOSED_TIERS,
                "is_archived": stage.is_archived,
                "count": total.get("count", 0),
                "budget_sum": total.get("budget_sum", Decimal("0")),
                "weighted_sum": total.get("weighted_sum", Decimal("0")),
                "cards": cards[stage.pk],
            }
        )
    return {
        "pipeline": {"key": chosen.key, "name": chosen.name},
        "pipelines": [{"key": p.key, "name": p.name} for p in pipelines],
        "owner": owner.pk if owner is not None else None,
        "team": team.pk if team is not None else None,
        "closed_since": since,
        "columns": columns,
    }
