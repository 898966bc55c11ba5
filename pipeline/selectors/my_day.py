"""My day: the open projects that need a contact now, in four sections —
next contacts overdue (oldest first), due today, stale projects (furthest past
their stage's expected days first) and open projects with no next contact.

Each section is ONE query over the open projects of the scope (a rep's own, a
lead's team's): ``owner = … AND closed_at IS NULL`` or ``team = … AND
closed_at IS NULL`` is the predicate of the partial indexes
``project_owner_next_open`` / ``project_team_next_open`` (owner or team,
next_contact_on), so the overdue, due-today and no-next-contact sections are
range scans of those indexes; the stale section is a range scan of
``project_owner_stale_open`` / ``project_team_stale_open`` (owner or team,
``stale_at``: the moment the project turns stale, kept by the pipeline's moves
and stage edits). The section's total comes with its rows (a scalar subquery
PostgreSQL runs once), so a capped section needs no second query to say how
many there are.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import (
    CharField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from projects.models import Project
from teams.models import User

SECTIONS = ("overdue", "today", "stale", "unplanned")
# Rows shown per section; the rest are one "show all" link away (a paginated list).
CAP = 50
# Rows per section on a lead's whole-team day: the per-rep counts above say where the work is,
# each section shows its worst rows and links to all of them; a rep picked in the filter gets CAP.
TEAM_CAP = 20

ORDERING = {
    "overdue": ("next_contact_on", "id"),  # the oldest promise first
    "today": (F("last_contact_at").asc(nulls_first=True), "id"),  # the longest silence first
    "stale": ("stale_at", "id"),  # the furthest past its stage's expected days first
    "unplanned": (F("last_contact_at").asc(nulls_first=True), "id"),
}


def _silence(project):
    return (project.last_contact_at is not None, project.last_contact_at or 0, project.pk)


# The same orders in Python, for rows that come back from one UNION ALL (which promises none).
PYTHON_ORDERING = {
    "overdue": lambda project: (project.next_contact_on, project.pk),
    "today": _silence,
    "stale": lambda project: (project.stale_at, project.pk),
    "unplanned": _silence,
}


def open_projects(*, user: User) -> QuerySet:
    """The open projects My day may show ``user``: a rep's own, a lead's team's,
    an admin's all (the page narrows an admin to one team)."""
    return Project.objects.visible_to(user).open()


def section_q(key: str, *, today: datetime.date, now: datetime.datetime) -> Q:
    """Which open projects belong to a section."""
    if key == "overdue":
        return Q(next_contact_on__lt=today)
    if key == "today":
        return Q(next_contact_on=today)
    if key == "unplanned":
        return Q(next_contact_on__isnull=True)
    if key == "stale":
        # ProjectState.is_stale, stored: Project.stale_at is when the project's whole days in
        # its stage first exceed the stage's expected days (none when it never goes stale).
        return Q(stale_at__lte=now)
    raise ValueError(f"unknown My day section {key!r}")


def _count(projects: QuerySet) -> Subquery:
    """``SELECT COUNT(id) …`` of ``projects`` as a subquery (correlated or not)."""
    return Subquery(
        projects.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField()
    )


# What a row shows (and ``with_days`` reads): a lead's day builds 200 rows of five models
# each, so the rest of their columns (the project's ~40, the customer's and the user's) stay unread.
ROW_FIELDS = (
    "id",
    "name",
    "next_contact_on",
    "last_contact_at",
    "stale_at",
    "customer__name",
    "customer__owner_id",
    "customer__returns_on",
    "customer__locked",
    "owner__username",
    "owner__display_name",
    "owner__first_name",
    "owner__last_name",
    "state__entered_at",
    "state__stage__name_zh",
    "state__stage__name_en",
    "state__stage__expected_days",
)


def section_queryset(projects: QuerySet, key: str, *, today: datetime.date, now: datetime.datetime) -> QuerySet:
    """A section's projects in display order, with what a row shows."""
    return (
        projects.filter(section_q(key, today=today, now=now))
        .select_related("customer", "owner", "state__stage")
        .only(*ROW_FIELDS)
        .order_by(*ORDERING[key])
    )


@dataclass
class Section:
    key: str
    rows: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def with_days(rows, *, today: datetime.date, now: datetime.datetime):
    """Give each row the day counts it shows (how late, how long in the stage, since the last contact)."""
    for project in rows:
        project.days_overdue = (today - project.next_contact_on).days if project.next_contact_on else None
        project.days_in_stage = project.state.days_in_stage(now)
        project.expected_days = project.state.stage.expected_days
        last = project.last_contact_at
        project.days_since_contact = (today - timezone.localtime(last).date()).days if last else None
    return rows


def _section_rows(
    projects: QuerySet, key: str, *, today: datetime.date, now: datetime.datetime, limit: int | None
) -> QuerySet:
    """A section's first ``limit`` rows (``CAP``), each with the section's total and key."""
    # The total as an uncorrelated scalar subquery (PostgreSQL runs it once, on the index)
    # rather than COUNT(*) OVER (), which would join every row of the section before the LIMIT.
    total = _count(projects.filter(section_q(key, today=today, now=now)))
    rows = section_queryset(projects, key, today=today, now=now)
    return rows.annotate(section_total=total, section_key=Value(key, output_field=CharField()))[: limit or CAP]


def _as_section(key: str, rows: list, *, today: datetime.date, now: datetime.datetime) -> Section:
    return Section(key=key, rows=with_days(rows, today=today, now=now), total=rows[0].section_total if rows else 0)


def section(
    projects: QuerySet, key: str, *, today: datetime.date, now: datetime.datetime, limit: int | None = None
) -> Section:
    """One section: its first ``limit`` rows (``CAP``) and its total, in one query."""
    rows = list(_section_rows(projects, key, today=today, now=now, limit=limit))
    return _as_section(key, rows, today=today, now=now)


def my_day(
    projects: QuerySet, *, today: datetime.date, now: datetime.datetime, limit: int | None = None
) -> list[Section]:
    """All four sections for the open projects of a scope (``open_projects``, maybe narrowed):
    one query, the sections' own (each still a range scan of its index, in order, limited)
    joined by ``UNION ALL``; a section without rows has a total of 0. SQLite (the embedded
    default) cannot limit the parts of a compound query: one query per section there."""
    parts = [_section_rows(projects, key, today=today, now=now, limit=limit) for key in SECTIONS]
    if not connections[projects.db].features.supports_slicing_ordering_in_compound:
        return [_as_section(key, list(part), today=today, now=now) for key, part in zip(SECTIONS, parts, strict=True)]
    by_key = {key: [] for key in SECTIONS}
    for project in parts[0].union(*parts[1:], all=True):
        by_key[project.section_key].append(project)
    return [
        _as_section(key, sorted(rows, key=PYTHON_ORDERING[key]), today=today, now=now) for key, rows in by_key.items()
    ]


def member_counts(*, team, today: datetime.date, now: datetime.datetime) -> QuerySet:
    """The team's active members, each with how many of their open projects are
    in each section (and open at all), the busiest with overdue contacts first:
    one query, each count a subquery on the member's open projects (the
    ``project_owner_next_open`` index; a project's team is its owner's)."""
    mine = Project.objects.filter(owner=OuterRef("pk"), closed_at__isnull=True)
    counts = {key: _count(mine.filter(section_q(key, today=today, now=now))) for key in SECTIONS}
    return (
        User.objects.filter(team=team, is_active=True)
        .annotate(open_projects=_count(mine), **counts)
        .order_by("-overdue", "-today", "display_name", "id")
    )
