"""The board: a scope's projects by stage of one pipeline — the /board/ page and
``GET /api/v1/board/`` both read this one selector and show the same thing.

A rep sees their own projects, a lead the team's (optionally one member's), an
admin one team at a time (or one rep's). Open projects show in their stage; won
and lost columns hold only projects closed in the last ``CLOSED_DAYS`` days. Each
column carries its count, budget sum and weighted sum (budget × the stage's win
probability) from one aggregate query, and at most ``CARDS_PER_COLUMN`` cards
(taken per column by a window function; ``expand`` shows more of one column: all
of it, or its first ``expand_cards``), so the query count does not grow with the
number of projects, nor the page with the size of the team: a lead's board of
1,200 open projects shows a screenful a column and "show more" under each.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from pipeline.models import CLOSED_TIERS, OPEN_TIERS, Pipeline, Stage, TeamPipeline
from projects.models import Project
from teams.models import Team, User

# Won and lost columns show what closed recently; the whole past would bury the open work.
CLOSED_DAYS = 30
# A screenful and then some: what a rep works through in a column at a sitting. More is
# one "show more" away (``expand``); the column's figures always count every project.
CARDS_PER_COLUMN = 25


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    budget: Decimal = Decimal("0")
    cards: list = field(default_factory=list)

    @property
    def weighted(self) -> Decimal:
        """The column's budget × its win probability, in yuan and fen."""
        return (self.budget * self.stage.probability / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def is_closed(self) -> bool:
        return self.stage.tier in CLOSED_TIERS

    @property
    def hidden(self) -> int:
        """Cards of the column not on the board (beyond ``CARDS_PER_COLUMN``)."""
        return self.count - len(self.cards)

    @property
    def next_batch(self) -> int:
        """How many more cards "show more" brings (a column's worth, or what is left)."""
        return min(self.hidden, CARDS_PER_COLUMN)

    @property
    def shown_after_more(self) -> int:
        """The column's cards once "show more" was clicked (``expand_cards``)."""
        return len(self.cards) + CARDS_PER_COLUMN


@dataclass
class Board:
    pipeline: Pipeline | None
    columns: list[BoardColumn]
    team: Team | None
    owner: User | None
    # The pipelines one may pick, and those holding projects of this scope (the
    # picker is offered when there are several).
    pipelines: list[Pipeline]
    pipelines_in_use: list[Pipeline]
    today: datetime.date
    # Won and lost columns hold what closed since then.
    closed_since: datetime.datetime

    @cached_property
    def stages(self) -> list[Stage]:
        """The stages a project may be moved into from the board."""
        return [column.stage for column in self.columns if not column.stage.is_archived]

    @property
    def total(self) -> int:
        return sum(column.count for column in self.columns)


def board_team(*, user: User, team: Team | None = None, owner: User | None = None) -> Team | None:
    """The team whose board ``user`` sees: an admin's pick (else the rep's team, else
    the first team), a lead's pick or own team (a team outside their scope shows no
    projects), none for a rep (a rep's board is their own projects)."""
    if user.is_admin:
        if team is None and owner is not None:
            return owner.team
        return team or Team.objects.order_by("name", "id").first()
    if user.is_lead:
        # Read afresh rather than through ``user.team``, so the board costs the same
        # queries whether or not the user object has met its team before.
        return team or Team.objects.filter(pk=user.team_id).first()
    return None


def board_projects(
    *, user: User, owner: User | None = None, team: Team | None = None, search: str = "", since: datetime.datetime
):
    """The projects of the board's scope (``team`` as ``board_team`` gave it), open or
    closed since ``since``, always within what ``user`` may see."""
    projects = Project.objects.visible_to(user)
    projects = projects.filter(owner=user) if user.is_rep else projects.filter(team=team)
    if owner is not None:
        projects = projects.filter(owner=owner)
    return projects.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since)).search(search)


def _chosen_pipeline(*, pipelines, in_use, requested, team_id):
    """The pipeline asked for; else the team's or the company's default when it holds
    projects of the scope; else the first that does; else the default."""
    by_key = {pipeline.key: pipeline for pipeline in pipelines}
    if requested in by_key:
        return by_key[requested]
    team_default = None
    if team_id is not None:
        team_default = TeamPipeline.objects.filter(team_id=team_id).values_list("pipeline_id", flat=True).first()
    company_default = next((pipeline.pk for pipeline in pipelines if pipeline.is_default), None)
    for preferred in (team_default, company_default):
        if preferred is not None and preferred in in_use:
            return next(pipeline for pipeline in pipelines if pipeline.pk == preferred)
    first_in_use = next((pipeline for pipeline in pipelines if pipeline.pk in in_use), None)
    fallback = team_default or company_default
    return first_in_use or next((p for p in pipelines if p.pk == fallback), None) or next(iter(pipelines), None)


def board(
    *,
    user: User,
    owner: User | None = None,
    team: Team | None = None,
    pipeline: str | None = None,
    search: str = "",
    expand: str | None = None,
    expand_cards: int | None = None,
    now: datetime.datetime | None = None,
) -> Board:
    """The board for ``user``: one column per active stage of the pipeline (plus
    an archived stage that still holds projects), each with its figures and cards —
    open columns with what needs a contact first (none planned, then the most
    overdue, then longest in the stage), closed ones latest closed first. Each card
    is a project with ``days_in_stage``, ``is_stale`` and ``is_overdue``.
    ``expand`` (a stage key) shows every card of that column, or its first
    ``expand_cards`` when given (the page's "show more" adds a column's worth).

    Queries: the pipelines, the team's default pipeline (lead, admin, a rep in a
    team), the per-stage figures, the stages, the cards — whatever the number of
    projects."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=CLOSED_DAYS)
    team = board_team(user=user, team=team, owner=owner)
    projects = board_projects(user=user, owner=owner, team=team, search=search, since=since)
    pipelines = list(Pipeline.objects.filter(is_archived=False).order_by("order", "id"))
    figures = {
        row["state__stage_id"]: row
        for row in projects.order_by()
        .values("state__stage_id", "state__stage__pipeline_id")
        .annotate(count=Count("pk"), budget=Sum("budget"))
    }
    in_use = {row["state__stage__pipeline_id"] for row in figures.values()}
    team_id = team.pk if team is not None else user.team_id
    chosen = _chosen_pipeline(pipelines=pipelines, in_use=in_use, requested=pipeline, team_id=team_id)
    result = Board(
        pipeline=chosen,
        columns=[],
        team=team,
        owner=owner,
        pipelines=pipelines,
        pipelines_in_use=[p for p in pipelines if p.pk in in_use],
        today=timezone.localdate(now),
        closed_since=since,
    )
    if chosen is None:
        return result
    stages = list(
        Stage.objects.filter(pipeline=chosen)
        .filter(Q(is_archived=False) | Q(pk__in=list(figures)))
        .order_by("order", "id")
    )
    columns = {stage.pk: BoardColumn(stage=stage) for stage in stages}
    for stage_id, row in figures.items():
        if stage_id in columns:
            columns[stage_id].count = row["count"]
            columns[stage_id].budget = row["budget"] or Decimal("0")
    result.columns = list(columns.values())
    if not any(column.count for column in result.columns):
        return result
    expanded = next((s.pk for s in stages if s.key == expand), None)
    ranked = (
        projects.filter(state__stage__in=[stage.pk for stage in stages])
        .select_related("customer", "owner", "state")
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
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("state__stage_id")],
                order_by=[
                    F("closed_at").desc(nulls_last=True),
                    F("next_contact_on").asc(nulls_first=True),
                    F("state__entered_at").asc(),
                    F("pk").asc(),
                ],
            )
        )
    )
    more = Q(state__stage=expanded)
    if expand_cards is not None:
        more &= Q(position__lte=expand_cards)
    cards = ranked.filter(Q(position__lte=CARDS_PER_COLUMN) | more).order_by("state__stage_id", "position")
    for project in cards:
        state = project.state
        state.stage = columns[state.stage_id].stage
        project.days_in_stage = state.days_in_stage(now)
        project.is_stale = state.is_stale(now)
        project.is_overdue = (
            state.tier in OPEN_TIERS and project.next_contact_on is not None and project.next_contact_on < result.today
        )
        columns[state.stage_id].cards.append(project)
    return result
