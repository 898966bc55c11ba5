"""Reads behind the project page's pipeline sections: where the project stands
and what leaving its stage needs, its budget history, competitors, key dates,
the contact log, and the timeline of everything that changed.

Each read costs one query (or a small fixed number), whatever the project's
history holds; lists are capped and continue from a keyset cursor.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, Subquery, When, Window, prefetch_related_objects
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone

from accounts.models import Contact
from pipeline import exit_checks
from pipeline.models import (
    Activity,
    BudgetChange,
    Competitor,
    CompetitorKind,
    ExitCheck,
    ProjectState,
    Stage,
    StageChange,
)
from projects.checklist import active_items, attendees_from_row, related_rows
from projects.models import Conflict, Milestone, MilestoneChange, MilestoneKind, OwnerChange, Project
from teams.config_cache import config
from teams.json_rows import USER_FIELDS, JSONList, Packed, loaded, packed, part, set_prefetched, unpacked
from teams.models import User

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
# The customer's process in the order it happens.
KEY_DATE_ORDER = [MilestoneKind.PROPOSAL_ACCEPTED, MilestoneKind.CONTRACT_REVIEW, MilestoneKind.PAYMENT]
ACTIVITY_PAGE = 20
TIMELINE_PAGE = 50
# The project page shows the newest events of the timeline, the rest on "Load more" (pages of
# ``TIMELINE_PAGE``): most visits look at what changed lately, and each event's rendering was
# a good part of the page's time.
TIMELINE_FIRST = 20


def _micros(moment: datetime.datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _moment(micros: int) -> datetime.datetime:
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
    """``names`` as ``from_db`` takes them: the model's attnames in its own order."""
    return [f.attname for f in model._meta.concrete_fields if f.attname in names]


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
        return f"{_micros(self.occurred_at)}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "ActivityCursor":
        """Raises ValueError for anything but a cursor this module wrote."""
        micros, pk = str(text).split(".")
        return cls(_moment(int(micros)), int(pk))


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


# --- timeline ---------------------------------------------------------------------------------

# Events at the same moment sort by kind (higher first), then by id: a total order, so
# a cursor never skips or repeats an event.
RANK = {
    "conflict_resolved": 8,
    "conflict_detected": 7,
    "owner": 6,
    "stage": 5,
    "budget": 4,
    "key_date": 3,
    "competitor": 2,
    "activity": 1,
}
COMPETITOR_TRACKED = ("kind", "name", "offering", "threat", "status", "notes")
# A back-dated entry shows when it was recorded too; less than this apart is the same moment.
RECORDED_LATER = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class TimelineCursor:
    """Where the next page of the timeline starts: before (when, rank, id)."""

    when: datetime.datetime
    rank: int
    id: int

    def __str__(self):
        return f"{_micros(self.when)}.{self.rank}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "TimelineCursor":
        """Raises ValueError for anything but a cursor this module wrote."""
        micros, rank, pk = str(text).split(".")
        return cls(_moment(int(micros)), int(rank), int(pk))

    def key(self):
        return (self.when, self.rank, self.id)


@dataclass
class Event:
    """One entry of the timeline. ``row`` is the record it comes from; ``recorded``
    is set when the change was recorded noticeably later than it took effect."""

    kind: str
    when: datetime.datetime
    id: int
    row: object
    by: object = None
    recorded: datetime.datetime | None = None
    changes: list = field(default_factory=list)  # competitor edits: (label, before, after)
    template: str = ""  # an event of a higher app's source renders its own <li>

    @property
    def rank(self) -> int:
        return RANK[self.kind]

    @property
    def cursor(self) -> TimelineCursor:
        return TimelineCursor(self.when, self.rank, self.id)

    @property
    def merged_from(self):
        return getattr(self.row, "merged_from", None)


@dataclass
class Timeline:
    events: list[Event]
    next_before: TimelineCursor | None  # None: nothing older


def _ties(kind: str, cursor: TimelineCursor, pk: str = "id") -> Q | None:
    """Of the rows at exactly the cursor's moment, those that sort before it (None: none do)."""
    rank = RANK[kind]
    if rank < cursor.rank:
        return Q()
    if rank > cursor.rank:
        return None
    return Q(**{f"{pk}__lt": cursor.id})


def _before(name: str, kind: str, cursor: TimelineCursor | None, pk: str = "id") -> Q:
    """Rows whose event (at the column ``name``) sorts before the cursor."""
    if cursor is None:
        return Q()
    earlier = Q(**{f"{name}__lt": cursor.when})
    ties = _ties(kind, cursor, pk)
    return earlier if ties is None else earlier | (Q(**{name: cursor.when}) & ties)


def _recorded(when, recorded):
    return recorded if recorded is not None and recorded - when >= RECORDED_LATER else None


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _budget_when(change: BudgetChange) -> datetime.datetime:
    """A budget change sits on its effective day: at the moment it was recorded if
    that was the same day, else at the very end of that day."""
    return min(change.recorded_at, _end_of_day(change.effective_on))


def _budget_before(cursor: TimelineCursor | None) -> Q:
    """``_budget_when(row) < cursor`` in SQL: an earlier effective day, or the same day
    recorded earlier (or, at the end of the day, recorded on a later day)."""
    if cursor is None:
        return Q()
    local = timezone.localtime(cursor.when)
    same_day = Q(recorded_at__lt=cursor.when)
    ties = _ties("budget", cursor)
    if ties is not None:
        same_day |= Q(recorded_at=cursor.when) & ties
        if local.time() == datetime.time.max:
            same_day |= Q(recorded_at__gt=cursor.when) & ties
    return Q(effective_on__lt=local.date()) | (Q(effective_on=local.date()) & same_day)


# Each kind of event is a ``TimelineSource``: its rows before a cursor, newest first, capped,
# in the common shape of ``teams.json_rows`` (``rows``), and the events one
# such row makes (``events``). ``project_timeline`` reads every kind in ONE query (``UNION
# ALL`` of the parts, each still its own index range with its own ORDER BY and LIMIT); SQLite,
# the embedded default, cannot limit the parts of a compound query: one query per kind there.
# ``read``, when given, answers the first page from rows the project page read already.


@dataclass(frozen=True)
class TimelineSource:
    kind: str
    rows: object  # (project, cursor, limit) -> the part's queryset (``timeline_rows.part``)
    events: object  # (row: dict) -> list[Event]
    read: object = None  # (project, limit) -> list[Event] | None, for the first page


def already_read(project, name, cursor, limit):
    """Rows of the project the page has read already, for the first page of the timeline:
    ``project.page_rows[name]``, all of the project's rows or ``(the newest, how many were
    asked for)``; None when there are none or fewer than ``limit`` of more (then read them).
    Sorting them newest first is the caller's."""
    found = getattr(project, "page_rows", {}).get(name) if cursor is None else None
    if found is None:
        return None
    rows, cap = found if isinstance(found, tuple) else (found, None)
    if cap is not None and len(rows) == cap < limit:
        return None
    return rows


STAGE_RELATED = {
    "from_stage": ("id", "name_zh", "name_en"),
    "to_stage": ("id", "name_zh", "name_en"),
    "by": USER_FIELDS,
    "lost_reason": ("id", "name_zh", "name_en"),
}


def _stage_rows(project, cursor, limit):
    rows = StageChange.objects.filter(project=project).filter(_before("at", "stage", cursor))
    return part(rows.order_by("-at", "-id")[:limit], "stage", packed(StageChange, related=STAGE_RELATED))


def _stage_events(data):
    row = unpacked(StageChange, data, related=STAGE_RELATED)
    return [Event("stage", row.at, row.pk, row, row.by, _recorded(row.at, row.recorded_at))]


BY = {"by": USER_FIELDS}


def _budget_rows(project, cursor, limit):
    rows = BudgetChange.objects.filter(project=project).filter(_budget_before(cursor))
    rows = rows.order_by("-effective_on", "-recorded_at", "-id")[:limit]
    return part(rows, "budget", packed(BudgetChange, related=BY))


def _budget_event(row):
    recorded = row.recorded_at if timezone.localtime(row.recorded_at).date() != row.effective_on else None
    return Event("budget", _budget_when(row), row.pk, row, row.by, recorded)


def _budget_read(project, limit):
    rows = already_read(project, "budget_changes", None, limit)
    if rows is None:
        return None
    # The budget section's rows: every change of the project.
    rows = sorted(rows, key=lambda row: (row.effective_on, row.recorded_at, row.pk), reverse=True)[:limit]
    return [_budget_event(row) for row in rows]


HISTORY_RELATED = {"history_user": USER_FIELDS}


@cache
def _competitor_history():
    """The competitors' history model (``Competitor.history`` builds a manager on each access)."""
    return Competitor.history.model


def _competitor_rows(project, cursor, limit):
    """The competitors' history rows with the values before each change (a window over
    each competitor's rows: the cursor keeps every older row, so each row still sees
    its predecessor), so an edit shows what changed without a query per row."""
    history = _competitor_history()
    previous = {
        f"previous_{name}": Window(Lag(name), partition_by=[F("id")], order_by=[F("history_date"), F("history_id")])
        for name in COMPETITOR_TRACKED
    }
    # A competitor moved over by a project merge keeps its older history rows under the merged-away id.
    # The ids as a list (the page's rows, or one small query), not ``id IN (SELECT …)``: with the
    # subquery PostgreSQL cannot OR the two index scans in a bitmap and read the whole history
    # table (0.6 s at 1.5 million rows). ``= ANY(ARRAY(SELECT …))`` would not work on SQLite.
    ids = [competitor.pk for competitor in project.competitors.all()]  # prefetched by the page
    rows = (
        history.objects.filter(Q(project_id=project.pk) | Q(id__in=ids))
        .filter(_before("history_date", "competitor", cursor, pk="history_id"))
        .order_by("-history_date", "-history_id")[:limit]
    )
    return part(rows, "competitor", packed(history, related=HISTORY_RELATED, extra=previous))


def _competitor_events(data):
    history = _competitor_history()
    data = loaded(data)
    row = unpacked(history, data, related=HISTORY_RELATED)
    changes = []
    if row.history_type == "~":
        for name in COMPETITOR_TRACKED:
            old, new = data.get(f"previous_{name}"), getattr(row, name)
            if old is not None and old != new:
                label = Competitor._meta.get_field(name).verbose_name
                changes.append((label, _display(name, old), _display(name, new)))
    return [Event("competitor", row.history_date, row.history_id, row, row.history_user, changes=changes)]


def _display(name, value):
    field_ = Competitor._meta.get_field(name)
    return dict(field_.choices).get(value, value) if field_.choices else value


KEY_DATE_RELATED = {"milestone": ("id", "project", "kind", "name", "due_on", "done_on"), "changed_by": USER_FIELDS}


def _key_date_rows(project, cursor, limit):
    rows = MilestoneChange.objects.filter(milestone__project=project).filter(_before("changed_at", "key_date", cursor))
    rows = rows.order_by("-changed_at", "-id")[:limit]
    return part(rows, "key_date", packed(MilestoneChange, related=KEY_DATE_RELATED))


def _key_date_events(data):
    row = unpacked(MilestoneChange, data, related=KEY_DATE_RELATED)
    return [Event("key_date", row.changed_at, row.pk, row, row.changed_by)]


ACTIVITY_FIELDS = (
    "id",
    "project",
    "kind",
    "occurred_at",
    "summary",
    "next_contact_on",
    "by",
    "created_at",
    "merged_from",
)


def _activity_rows(project, cursor, limit):
    rows = Activity.objects.filter(project=project).filter(_before("occurred_at", "activity", cursor))
    rows = rows.order_by("-occurred_at", "-id")[:limit]
    return part(rows, "activity", packed(Activity, fields=ACTIVITY_FIELDS, related=BY))


def _activity_event(row):
    return Event("activity", row.occurred_at, row.pk, row, row.by, _recorded(row.occurred_at, row.created_at))


def _activity_read(project, limit):
    rows = already_read(project, "activities", None, limit)  # the contact log's newest
    return None if rows is None else [_activity_event(row) for row in rows[:limit]]


OWNER_RELATED = {"from_user": USER_FIELDS, "to_user": USER_FIELDS, "changed_by": USER_FIELDS}


def _owner_rows(project, cursor, limit):
    rows = OwnerChange.objects.filter(project=project).filter(_before("changed_at", "owner", cursor))
    rows = rows.order_by("-changed_at", "-id")[:limit]
    return part(rows, "owner", packed(OwnerChange, related=OWNER_RELATED))


def _owner_event(row):
    return Event("owner", row.changed_at, row.pk, row, row.changed_by)


def _owner_read(project, limit):
    rows = already_read(project, "owner_changes", None, limit)  # the page's newest, if it read them
    return None if rows is None else [_owner_event(row) for row in rows[:limit]]


CONFLICT_FIELDS = ("id", "kind", "project_a", "project_b", "created_at", "resolution", "resolved_by", "resolved_at")
CONFLICT_RELATED = {"resolved_by": USER_FIELDS}


def _conflict_rows(project, cursor, limit):
    """Each conflict is two events: detected (by the system) and, once handled,
    resolved. Rows come newest event first, so the cap keeps the newest events."""
    rows = Conflict.objects.filter(Q(project_a=project) | Q(project_b=project))
    if cursor is None:
        latest = Coalesce("resolved_at", "created_at")
    else:
        # A resolution after the cursor is on an earlier page: such a row's latest event here is its detection.
        rows = rows.filter(_before("created_at", "conflict_detected", cursor))
        latest = Case(When(resolved_at__lt=cursor.when, then=F("resolved_at")), default=F("created_at"))
    rows = rows.annotate(latest=latest).order_by("-latest", "-id")[:limit]
    fields = (*CONFLICT_FIELDS, "resolution_note")
    return part(rows, "conflict", packed(Conflict, fields=fields, related=CONFLICT_RELATED))


def _conflict_pairs(row):
    events = [Event("conflict_detected", row.created_at, row.pk, row)]
    if row.resolved_at is not None:
        events.append(Event("conflict_resolved", row.resolved_at, row.pk, row, row.resolved_by))
    return events


def _conflict_read(project, limit):
    read = already_read(project, "conflicts", None, limit)  # the page's: every conflict of the project
    if read is None:
        return None
    rows = sorted(read, key=lambda row: (row.resolved_at or row.created_at, row.pk), reverse=True)[:limit]
    return [event for row in rows for event in _conflict_pairs(row)]


TIMELINE_SOURCES = [
    TimelineSource("stage", _stage_rows, _stage_events),
    TimelineSource(
        "budget", _budget_rows, lambda data: [_budget_event(unpacked(BudgetChange, data, related=BY))], _budget_read
    ),
    TimelineSource("competitor", _competitor_rows, _competitor_events),
    TimelineSource("key_date", _key_date_rows, _key_date_events),
    TimelineSource(
        "activity",
        _activity_rows,
        lambda data: [_activity_event(unpacked(Activity, data, fields=ACTIVITY_FIELDS, related=BY))],
        _activity_read,
    ),
    TimelineSource(
        "owner",
        _owner_rows,
        lambda data: [_owner_event(unpacked(OwnerChange, data, related=OWNER_RELATED))],
        _owner_read,
    ),
    TimelineSource(
        "conflict",
        _conflict_rows,
        lambda data: _conflict_pairs(
            unpacked(Conflict, data, fields=(*CONFLICT_FIELDS, "resolution_note"), related=CONFLICT_RELATED)
        ),
        _conflict_read,
    ),
]


def before_cursor(name: str, kind: str, cursor: TimelineCursor | None) -> Q:
    """For a registered source: its rows whose moment (the column ``name``) sorts before ``cursor``."""
    return _before(name, kind, cursor)


def timeline_source_register(*, kind: str, rank: int, rows, events) -> None:
    """Let a higher app add its events to the timeline (coaching: the notes on the project),
    in its ``AppConfig.ready``. ``rows(project, cursor, limit)`` answers at most ``limit`` rows
    of ``kind``, newest first, all before ``cursor`` (``before_cursor``), in the common shape
    (``teams.json_rows.part``: read with the other kinds in one query);
    ``events(row)`` the ``Event``s of one row, each with the ``template`` that renders its
    ``<li>``. ``rank`` orders its events among others at the same moment and must be its own.
    Idempotent (ready may run twice)."""
    if RANK.get(kind, rank) != rank or (kind not in RANK and rank in RANK.values()):
        raise ImproperlyConfigured(f"Timeline kind {kind!r} needs a rank of its own, not {rank}.")
    RANK[kind] = rank
    if all(source.kind != kind for source in TIMELINE_SOURCES):
        TIMELINE_SOURCES.append(TimelineSource(kind, rows, events))


def _read_parts(parts):
    """The rows of every part: one ``UNION ALL`` query, or (SQLite) one query per part."""
    if not parts:
        return []
    if not connections[parts[0].db].features.supports_slicing_ordering_in_compound:
        return [row for query in parts for row in query]
    return list(parts[0].union(*parts[1:], all=True))


def project_timeline(project: Project, before=None, limit: int = TIMELINE_PAGE) -> Timeline:
    """Everything that changed on the project, newest first: stage changes, budget
    changes, competitor changes, key-date changes (and slips), activities, owner
    changes, conflicts detected and resolved, and what higher apps registered. ONE
    query: each kind's newest ``limit + 1`` rows before the cursor, the kinds joined by
    ``UNION ALL``, merged and cut here (kinds the page read already come from its rows);
    ``before`` (a cursor, or its text) continues an earlier page. Raises ValueError for a
    cursor it did not write."""
    cursor = TimelineCursor.parse(before) if isinstance(before, str) else before
    events, parts, sources = [], [], {}
    for source in TIMELINE_SOURCES:
        read = source.read(project, limit + 1) if source.read is not None and cursor is None else None
        if read is not None:
            events += read
        else:
            parts.append(source.rows(project, cursor, limit + 1))
            sources[source.kind] = source
    for row in _read_parts(parts):
        events += sources[row["t_kind"]].events(row["t_row"])
    if cursor is not None:
        events = [event for event in events if (event.when, event.rank, event.id) < cursor.key()]
    events.sort(key=lambda event: (event.when, event.rank, event.id), reverse=True)
    if len(events) <= limit:
        return Timeline(events, None)
    return Timeline(events[:limit], events[limit - 1].cursor)
