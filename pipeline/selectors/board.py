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

from pipeline.models import CLOSED_TIERS, OPEN_TIERS, Pipeline, Stage
from pipeline.selectors.configuration import board_configuration
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
    # The reasons a card moved to lost may be given.
    lost_reasons: list = field(default_factory=list)

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


def _chosen_pipeline(*, pipelines, in_use, requested, team_default):
    """The pipeline asked for; else the team's or the company's default when it holds
    projects of the scope; else the first that does; else the default."""
    by_key = {pipeline.key: pipeline for pipeline in pipelines}
    if requested in by_key:
        return by_key[requested]
    company_default = next((pipeline.pk for pipeline in pipelines if pipeline.is_default), None)
    for preferred in (team_default, company_default):
        if preferred is not None and preferred in in_use:
            return next(pipeline for pipeline in pipelines if pipeline.pk == preferred)
    first_in_use = next((pipeline for pipeline in pipelines if pipeline.pk in in_use), None)
    fallback = team_default or company_default
    return first_in_use or next((p for p in pipelines if p.pk == fallback), None) or next(iter(pipelines), None)


# The columns a card is read from (``_cards``): the project's, its customer's name,
# its owner's names and its state. Plain rows, not model instances: a lead's board reads
# ~175 cards, and four model instances a card were a fifth of the page's time.
CARD_COLUMNS = (
    "pk",
    "name",
    "budget",
    "next_contact_on",
    "closed_at",
    "version",
    "customer__name",
    "owner_id",
    "owner__username",
    "owner__display_name",
    "owner__first_name",
    "owner__last_name",
    "state__stage_id",
    "state__tier",
    "state__entered_at",
)


@dataclass(eq=False)
class Card:
    """A project on the board, with its marks (the page adds its links and texts)."""

    pk: int
    name: str
    budget: Decimal | None
    next_contact_on: datetime.date | None
    closed_at: datetime.datetime | None
    version: int
    customer_name: str
    owner_id: int
    owner_name: str
    stage: Stage
    tier: str
    entered_at: datetime.datetime
    days_in_stage: int = 0
    is_stale: bool = False
    is_overdue: bool = False

    @property
    def id(self) -> int:
        return self.pk


def _owner_name(username, display_name, first_name, last_name) -> str:
    """``User.name`` from the columns the card query reads."""
    return User(username=username, display_name=display_name, first_name=first_name, last_name=last_name).name


def _ranked(projects, *, expanded: int | None, expand_cards: int | None):
    """Per stage of every pipeline, the first ``CARDS_PER_COLUMN`` projects of the scope in
    the board's order (more of the ``expanded`` stage) and, on each row, the stage's count and
    budget sum over all its projects: ``(pk, stage_id, count, budget)`` rows, one query.
    The window runs over the projects and their states alone (narrow rows); the figures
    come from the same pass, so a column's count is never that of its capped cards."""
    stage = F("state__stage_id")
    ranked = projects.annotate(
        position=Window(
            RowNumber(),
            partition_by=[stage],
            order_by=[
                F("closed_at").desc(nulls_last=True),
                F("next_contact_on").asc(nulls_first=True),
                F("state__entered_at").asc(),
                F("pk").asc(),
            ],
        ),
        stage_count=Window(Count("pk"), partition_by=[stage]),
        stage_budget=Window(Sum("budget"), partition_by=[stage]),
    )
    keep = Q(position__lte=CARDS_PER_COLUMN)
    if expanded is not None:
        more = Q(state__stage_id=expanded)
        if expand_cards is not None:
            more &= Q(position__lte=expand_cards)
        keep |= more
    return (
        ranked.filter(keep)
        .order_by("state__stage_id", "position")
        .values_list("pk", "state__stage_id", "stage_count", "stage_budget")
    )


def _cards(projects, ids: list[int], *, stages: dict, now, today) -> dict[int, Card]:
    """The cards of the projects ``ids`` within ``projects`` (the board's scope, read again:
    a project moved out of it since the ranking is not shown), by primary key: one query
    of index lookups."""
    names, cards = {}, {}
    rows = projects.filter(pk__in=ids).order_by().values_list(*CARD_COLUMNS)
    for pk, name, budget, next_on, closed_at, version, customer, owner_id, *owner, stage_id, tier, entered in rows:
        if owner_id not in names:
            names[owner_id] = _owner_name(*owner)
        stage = stages.get(stage_id)
        if stage is None:
            continue
        days = (now - entered).days
        expected = stage.expected_days
        open_ = tier in OPEN_TIERS
        cards[pk] = Card(
            pk=pk,
            name=name,
            budget=budget,
            next_contact_on=next_on,
            closed_at=closed_at,
            version=version,
            customer_name=customer,
            owner_id=owner_id,
            owner_name=names[owner_id],
            stage=stage,
            tier=tier,
            entered_at=entered,
            days_in_stage=days,
            # ``ProjectState.days_in_stage`` / ``is_stale``, for a row rather than an instance.
            is_stale=bool(expected) and open_ and days > expected,
            is_overdue=open_ and next_on is not None and next_on < today,
        )
    return cards


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
    is a :class:`Card` with ``days_in_stage``, ``is_stale`` and ``is_overdue``.
    ``expand`` (a stage key) shows every card of that column, or its first
    ``expand_cards`` when given (the page's "show more" adds a column's worth).

    Queries: the ranked projects with the per-stage figures, and the cards (and an admin's
    first team when none is picked) — whatever the number of projects. The pipelines, their
    stages, the teams' default pipelines and the lost reasons are configuration this process
    keeps (``pipeline.selectors.configuration``)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=CLOSED_DAYS)
    team = board_team(user=user, team=team, owner=owner)
    projects = board_projects(user=user, owner=owner, team=team, search=search, since=since)
    configuration = board_configuration()
    pipelines, stage_of = configuration.pipelines, configuration.stage_of
    figures, ranked = {}, []
    expanded = next((stage.pk for stage in stage_of.values() if stage.key == expand), None) if expand else None
    for pk, stage_id, count, budget in _ranked(projects, expanded=expanded, expand_cards=expand_cards):
        figures[stage_id] = (count, budget)
        ranked.append((pk, stage_id))
    in_use = {stage_of[stage_id].pipeline_id for stage_id in figures if stage_id in stage_of}
    team_id = team.pk if team is not None else user.team_id
    team_default = configuration.team_pipelines.get(team_id) if team_id is not None else None
    chosen = _chosen_pipeline(pipelines=pipelines, in_use=in_use, requested=pipeline, team_default=team_default)
    today = timezone.localdate(now)
    result = Board(
        pipeline=chosen,
        columns=[],
        team=team,
        owner=owner,
        pipelines=pipelines,
        pipelines_in_use=[p for p in pipelines if p.pk in in_use],
        today=today,
        closed_since=since,
        lost_reasons=configuration.lost_reasons,
    )
    if chosen is None:
        return result
    in_chosen = configuration.stages.get(chosen.pk, [])
    stages = [stage for stage in in_chosen if not stage.is_archived or stage.pk in figures]
    columns = {stage.pk: BoardColumn(stage=stage) for stage in stages}
    for stage_id, (count, budget) in figures.items():
        if stage_id in columns:
            columns[stage_id].count = count
            columns[stage_id].budget = budget or Decimal("0")
    result.columns = list(columns.values())
    shown = [pk for pk, stage_id in ranked if stage_id in columns]
    if not shown:
        return result
    cards = _cards(projects, shown, stages=stage_of, now=now, today=today)
    for pk in shown:
        # A project deleted or moved out of the board between the two queries is left out.
        card = cards.get(pk)
        if card is not None and card.stage.pk in columns:
            columns[card.stage.pk].cards.append(card)
    return result
