"""Reads behind the project page's pipeline sections: where the project stands
and what leaving its stage needs, its budget history, competitors, key dates and
the contact log (the timeline of everything that changed: ``pipeline.selectors.timeline``).

Each read costs one query (or a small fixed number), whatever the project's
history holds; lists are capped and continue from a keyset cursor.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects

from accounts.models import Contact
from pipeline import exit_checks
from pipeline.models import (
    Activity,
    BudgetChange,
    CompetitorKind,
    ExitCheck,
    ProjectState,
    Stage,
)
from projects.checklist import active_items, attendees_from_row, related_rows
from projects.models import Milestone, MilestoneKind, Project
from teams.config_cache import config
from teams.json_rows import USER_FIELDS, JSONList, Packed, set_prefetched
from teams.models import User

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
# The customer's process in the order it happens.
KEY_DATE_ORDER = [MilestoneKind.PROPOSAL_ACCEPTED, MilestoneKind.CONTRACT_REVIEW, MilestoneKind.PAYMENT]
ACTIVITY_PAGE = 20


def micros_of(moment: datetime.datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


# A cursor's moment lies within these (a day of margin for the local time of either end).
LATEST_MICROS = micros_of(datetime.datetime(9999, 12, 30, tzinfo=datetime.UTC))
EARLIEST_MICROS = micros_of(datetime.datetime(1, 1, 2, tzinfo=datetime.UTC))


def moment_of(micros: int) -> datetime.datetime:
    """The moment a cursor wrote as microseconds since 1970. Raises ValueError out of range
    (a hand-made cursor), so the views answer it as a bad cursor, not an error."""
    if not EARLIEST_MICROS <= micros <= LATEST_MICROS:
        raise ValueError(f"a cursor's moment out of range: {micros}")
    return EPOCH + datetime.timedelta(microseconds=micros)


# --- stage ------------------------------------------------------------------------------------


@dataclass
class StageStanding:
    state: ProjectState
    stages: list[Stage]  # the pipeline's stages in order (an archived current one included)
    days: int
    stale: bool
    failing: list[exit_checks.Result]  # what a forward move from here still lacks

    @property
    def blocked(self) -> bool:
        return any(result.blocks for result in self.failing)


def load_stages() -> dict[int, list[Stage]]:
    """Every pipeline's stages in order (archived ones too), each with its exit checks
    (``stage.exit_checks.all()``, their checklist items joined): two queries."""
    checks = Prefetch("exit_checks", ExitCheck.objects.select_related("checklist_item"))
    stages = {}
    for stage in Stage.objects.prefetch_related(checks).order_by("pipeline_id", "order", "id"):
        stages.setdefault(stage.pipeline_id, []).append(stage)
    return stages


def pipeline_stages() -> dict[int, list[Stage]]:
    """``load_stages()`` as this process keeps it (``teams.config_cache``: read again when a
    pipeline, stage, exit check or checklist item is saved). Shared: do not change the rows."""
    return config("pipeline_stages")


def project_stage_standing(*, project: Project, now: datetime.datetime | None = None) -> StageStanding:
    """The project's stage, tier and days in it, the pipeline's stages, and the exit checks of
    the current stage that fail: no query when the project was read with its
    ``state__stage__pipeline`` and ``state__lost_reason`` and this process keeps the stages
    (``pipeline_stages``), else one each."""
    state = getattr(project, "state", None) if Project.state.is_cached(project) else None
    if state is None:
        state = ProjectState.objects.select_related("stage__pipeline", "lost_reason").get(pk=project.pk)
    pipeline = pipeline_stages().get(state.stage.pipeline_id, [])
    stages = [stage for stage in pipeline if not stage.is_archived or stage.pk == state.stage_id]
    checks = next((list(stage.exit_checks.all()) for stage in pipeline if stage.pk == state.stage_id), [])
    failing = (
        [] if state.stage.is_closed else exit_checks.evaluate(project, state.stage, checks=checks, items=active_items())
    )
    return StageStanding(
        state=state, stages=stages, days=state.days_in_stage(now), stale=state.is_stale(now), failing=failing
    )


# --- budget -----------------------------------------------------------------------------------


@dataclass
class BudgetHistory:
    """A project's budget changes: ``days``, every change as (effective_on, new, merged_from),
    oldest first (what the chart draws); ``newest``, the newest ones as rows, newest first
    (``by`` with ``USER_FIELDS``)."""

    days: list[tuple[datetime.date, Decimal, int | None]]
    newest: list[BudgetChange]


def _fields_in_order(model, names) -> list[str]:
    """``names`` (field names or attnames) as ``from_db`` takes them: the model's attnames in its
    own order. An unknown name raises FieldDoesNotExist rather than being left out."""
    wanted = {model._meta.get_field(name).attname for name in names}
    return [f.attname for f in model._meta.concrete_fields if f.attname in wanted]


@cache
def _budget_columns():
    return [f.attname for f in BudgetChange._meta.concrete_fields], _fields_in_order(User, USER_FIELDS)


def project_budget_changes(*, project: Project, rows: int | None = None) -> BudgetHistory:
    """Every budget change of the project (one query); those of a merged-away project carry
    ``merged_from`` and are kept for the record, not counted. Only the newest ``rows`` (all
    without it) are built as rows: a project re-budgeted a hundred times needs the rest for
    its chart only, and building them was most of the budget section's time."""
    change_fields, user_fields = _budget_columns()
    queryset = BudgetChange.objects.filter(project=project).order_by("-effective_on", "-recorded_at", "-id")
    values = list(queryset.values_list(*change_fields, *(f"by__{name}" for name in user_fields)))
    width = len(change_fields)
    at = {name: index for index, name in enumerate(change_fields)}
    newest = []
    for row in values[:rows]:
        change = BudgetChange.from_db(queryset.db, change_fields, row[:width])
        by = row[width:]
        change.by = None if by[0] is None else User.from_db(queryset.db, user_fields, by)
        newest.append(change)
    day, new, merged_from = at["effective_on"], at["new"], at["merged_from"]
    return BudgetHistory([(row[day], row[new], row[merged_from]) for row in reversed(values)], newest)


# --- competitors ------------------------------------------------------------------------------


def project_competitors(*, project: Project) -> list[dict]:
    """The competitors grouped by kind, every kind listed (one query): active ones
    first, the most threatening first."""
    threat_order = {"high": 0, "medium": 1, "low": 2}
    status_order = {"active": 0, "won": 1, "eliminated": 2}
    competitors = sorted(
        project.competitors.all(),  # the rows the page prefetched for the checklist, if it did
        key=lambda c: (status_order.get(c.status, 9), threat_order.get(c.threat, 9), c.name, c.pk),
    )
    return [
        {"kind": kind, "label": label, "competitors": [c for c in competitors if c.kind == kind]}
        for kind, label in CompetitorKind.choices
    ]


# --- key dates --------------------------------------------------------------------------------


def project_key_dates(*, project: Project) -> list[dict]:
    """The three key dates of the customer's process in order, each with its
    milestone (or None), the people present and how often it slipped (none when the page
    read the milestones: ``checklist.prefetch``; else two queries)."""
    read = related_rows(project, "milestones")  # the page's (checklist.prefetch), with their slips
    if read is not None and all(hasattr(milestone, "slips") for milestone in read):
        rows = [milestone for milestone in read if milestone.kind in KEY_DATE_ORDER]
        if not all(attendees_from_row(milestone) for milestone in rows):
            prefetch_related_objects(rows, "attendees")  # no query without key dates
    else:
        rows = (
            Milestone.objects.filter(project=project, kind__in=KEY_DATE_ORDER)
            .annotate(slips=Count("changes", filter=Q(changes__is_slip=True)))
            .prefetch_related("attendees")
        )
    milestones = {milestone.kind: milestone for milestone in rows}
    return [
        {"kind": kind, "label": kind.label, "milestone": milestones.get(kind)}
        for kind in (MilestoneKind(value) for value in KEY_DATE_ORDER)
    ]


# --- people -----------------------------------------------------------------------------------


# --- contact log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityCursor:
    """Where the next page of the contact log starts: before (occurred_at, id)."""

    occurred_at: datetime.datetime
    id: int

    def __str__(self):
        return f"{micros_of(self.occurred_at)}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "ActivityCursor":
        """Raises ValueError for anything but a cursor this module wrote."""
        micros, pk = str(text).split(".")
        return cls(moment_of(int(micros)), int(pk))


def project_activities(
    *, project: Project, before: ActivityCursor | None = None, limit: int = ACTIVITY_PAGE, read: int = 0
) -> tuple[list[Activity], ActivityCursor | None]:
    """The project's contact log, newest first, ``limit`` at a time (one query: the
    activities with who logged them and their people): the page and the cursor
    of the next one (None at the end). ``read``: the newest to read at least, left in
    ``project.page_rows["activities"]`` (the project page: the timeline's first page)."""
    # The people of each activity in its row (a JSON list), not one more query.
    people = Activity.contacts.through.objects.filter(activity_id=OuterRef("pk")).values(
        people=JSONList(Packed(id="contact_id", name="contact__name", customer_id="contact__customer_id"))
    )
    activities = Activity.objects.filter(project=project).select_related("by").annotate(people=Subquery(people))
    if before is not None:
        activities = activities.filter(
            Q(occurred_at__lt=before.occurred_at) | Q(occurred_at=before.occurred_at, id__lt=before.id)
        )
    asked = max(limit + 1, read)
    rows = list(activities.order_by("-occurred_at", "-id")[:asked])
    for row in rows:
        set_prefetched(row, "contacts", Contact, row.people, ("id", "name", "customer_id"))
    if read:
        project.page_rows = {**getattr(project, "page_rows", {}), "activities": (rows, asked)}
    rows = rows[: limit + 1]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], ActivityCursor(last.occurred_at, last.pk)
