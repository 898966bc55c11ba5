"""The project's timeline ("What changed"): every kind of change on the project, newest first,
read in ONE query (``UNION ALL`` of each kind's newest rows, its SQL compiled once per shape:
``teams.compiled``), continued from a keyset cursor; higher apps add kinds of their own
(``timeline_source_register``). ``pipeline.timeline_html`` renders the events.
"""

import datetime
from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Case, F, Q, When, Window
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone

from pipeline.models import Activity, BudgetChange, Competitor, StageChange
from pipeline.selectors.project import micros_of, moment_of
from projects.models import Conflict, MilestoneChange, OwnerChange, Project
from teams.compiled import INT_LIST, CompiledQuery
from teams.json_rows import USER_FIELDS, loaded, packed, part, unpacked

TIMELINE_PAGE = 50
# The project page shows the newest events of the timeline, the rest on "Load more" (pages of
# ``TIMELINE_PAGE``): most visits look at what changed lately, and each event's rendering was
# a good part of the page's time.
TIMELINE_FIRST = 20


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
        return f"{micros_of(self.when)}.{self.rank}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "TimelineCursor":
        """Raises ValueError for anything but a cursor this module wrote."""
        micros, rank, pk = str(text).split(".")
        if int(rank) not in RANK.values():  # it keys the compiled SQL: only the kinds' own
            raise ValueError(f"no kind of event has rank {rank}")
        return cls(moment_of(int(micros)), int(rank), int(pk))

    def key(self):
        return (self.when, self.rank, self.id)

    @property
    def day(self) -> datetime.date:
        """The local day of its moment (a budget change sits on its effective day)."""
        return timezone.localtime(self.when).date()

    @property
    def at_day_end(self) -> bool:
        """Is its moment the very end of a local day (where a back-dated budget change sits)?"""
        return timezone.localtime(self.when).time() == datetime.time.max


@dataclass(frozen=True)
class _ShapeCursor:
    """A cursor for compiling a later page's SQL (``teams.compiled``): the values are
    sentinels, what changes the SQL (its rank, whether its moment ends a day) is real."""

    when: datetime.datetime
    rank: int
    id: int
    day: datetime.date
    at_day_end: bool


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
    same_day = Q(recorded_at__lt=cursor.when)
    ties = _ties("budget", cursor)
    if ties is not None:
        same_day |= Q(recorded_at=cursor.when) & ties
        if cursor.at_day_end:
            same_day |= Q(recorded_at__gt=cursor.when) & ties
    return Q(effective_on__lt=cursor.day) | (Q(effective_on=cursor.day) & same_day)


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
    # The budget section's rows: the newest changes of the project (``already_read`` checks there are enough).
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


def _union(sources, project, cursor, limit):
    parts = [source.rows(project, cursor, limit) for source in sources]
    return parts[0].union(*parts[1:], all=True)


def _probe(project_id: int, competitors: list[int]) -> Project:
    """A project to compile the SQL from: its id and its competitors' ids (what the parts read
    of it) are the sentinels ``CompiledQuery`` passes."""
    probe = Project(pk=project_id)
    rows = Competitor.objects.none()
    rows._result_cache, rows._prefetch_done = [Competitor(pk=pk) for pk in competitors], True
    probe._prefetched_objects_cache = {"competitors": rows}
    return probe


@lru_cache(maxsize=256)  # the shapes are few; a bound all the same
def _compiled(kinds: tuple, limit: int, rank: int | None, at_day_end: bool) -> CompiledQuery:
    """The ``UNION ALL`` of the parts of ``kinds``, compiled once per shape: the first page
    (``rank`` None) or a later one (its cursor's rank, and whether its moment ends a day)."""
    sources = [next(source for source in TIMELINE_SOURCES if source.kind == kind) for kind in kinds]
    if rank is None:

        def first(project, competitors):
            return _union(sources, _probe(project, competitors), None, limit)

        return CompiledQuery(first, Project, project=int, competitors=INT_LIST)

    def later(project, competitors, when, day, tie_id):
        cursor = _ShapeCursor(when=when, rank=rank, id=tie_id, day=day, at_day_end=at_day_end)
        return _union(sources, _probe(project, competitors), cursor, limit)

    # The cursor's id only breaks ties with the kind of its own rank: a shape without it has none.
    kinds_ = {"project": int, "competitors": INT_LIST, "when": datetime.datetime, "day": datetime.date, "tie_id": int}
    return CompiledQuery(later, Project, optional=("tie_id",), **kinds_)


def _read_parts(project, cursor, sources, limit):
    """(kind, packed row) of every source's rows: one ``UNION ALL`` query, its SQL compiled once
    per shape (``teams.compiled``), or (SQLite) one query per part."""
    if not sources:
        return []
    if not connections[router.db_for_read(Project)].features.supports_slicing_ordering_in_compound:
        parts = [source.rows(project, cursor, limit) for source in sources]
        return [(row["t_kind"], row["t_row"]) for query in parts for row in query]
    kinds = tuple(source.kind for source in sources)
    competitors = [competitor.pk for competitor in project.competitors.all()]  # prefetched by the page
    if cursor is None:
        query = _compiled(kinds, limit, None, False)
        return query.tuples(None, project=project.pk, competitors=competitors)
    query = _compiled(kinds, limit, cursor.rank, cursor.at_day_end)
    values = {"when": cursor.when, "day": cursor.day, "tie_id": cursor.id}
    return query.tuples(None, project=project.pk, competitors=competitors, **values)


def project_timeline(project: Project, before=None, limit: int = TIMELINE_PAGE) -> Timeline:
    """Everything that changed on the project, newest first: stage changes, budget
    changes, competitor changes, key-date changes (and slips), activities, owner
    changes, conflicts detected and resolved, and what higher apps registered. ONE
    query: each kind's newest ``limit + 1`` rows before the cursor, the kinds joined by
    ``UNION ALL``, merged and cut here (kinds the page read already come from its rows);
    ``before`` (a cursor, or its text) continues an earlier page. Raises ValueError for a
    cursor it did not write."""
    cursor = TimelineCursor.parse(before) if isinstance(before, str) else before
    events, sources = [], {}
    for source in TIMELINE_SOURCES:
        read = source.read(project, limit + 1) if source.read is not None and cursor is None else None
        if read is not None:
            events += read
        else:
            sources[source.kind] = source
    for kind, data in _read_parts(project, cursor, list(sources.values()), limit + 1):
        events += sources[kind].events(data)
    if cursor is not None:
        events = [event for event in events if (event.when, event.rank, event.id) < cursor.key()]
    events.sort(key=lambda event: (event.when, event.rank, event.id), reverse=True)
    if len(events) <= limit:
        return Timeline(events, None)
    return Timeline(events[:limit], events[limit - 1].cursor)
