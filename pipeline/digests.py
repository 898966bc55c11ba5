"""The morning digests: each rep's day (the projects overdue, due today and
stale, as My day shows them) and each lead's team (overdue next contacts by
rep, with days overdue), each listing its projects with links — at most
``CAP`` a section, the rest one "and N more" link away.

A fixed number of grouped queries whatever the number of teams and reps: one
per section over every open project (the first ``CAP`` of each owner by a
window function, with the owner's total), one for the team figures by rep,
one for the teams and their leads, one for the reps, then the bulk insert of
the notifications. The texts are rendered when each message is sent, in the
recipient's language (``teams.notifications.texts``).
"""

import datetime

from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from pipeline.selectors.my_day import ORDERING, section_q
from projects.models import Project
from teams.models import Role, Team, User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify_many, preferences_for, preferences_load

# Projects listed per section of a rep's digest, and per rep in a lead's.
CAP = 20
LEAD_CAP = 10
SECTIONS = ("overdue", "today", "stale")
ROW_FIELDS = (
    "pk",
    "name",
    "owner_id",
    "team_id",
    "customer__name",
    "state__stage__name_zh",
    "state__stage__name_en",
    "next_contact_on",
    "state__entered_at",
    "total",
)


def _project_path():
    """pk → the project page's path, without a ``reverse`` per row (thousands of rows)."""
    prefix, suffix = reverse("projects:project_detail", args=[0]).rsplit("0", 1)
    return lambda pk: f"{prefix}{pk}{suffix}"


def section_rows(key: str, *, today: datetime.date, now: datetime.datetime, owners: Q | None = None) -> list[dict]:
    """The first ``CAP`` open projects of each owner in a My day section, in My day's
    order, each with the owner's ``total`` in the section: one query for everyone."""
    by_owner = {"partition_by": [F("owner_id")]}
    return list(
        Project.objects.open()
        .filter(section_q(key, today=today, now=now))
        .filter(owners or Q())
        .annotate(
            rank=Window(RowNumber(), order_by=list(ORDERING[key]), **by_owner),
            total=Window(Count("pk"), **by_owner),
        )
        .filter(rank__lte=CAP)
        .order_by("owner_id", "rank")
        .values(*ROW_FIELDS)
    )


def _item(row, *, key, today, now, path) -> dict:
    """What a digest keeps of one project (names as they were; both stage names, the
    text picks the reader's language)."""
    days = None
    if key == "overdue":
        days = (today - row["next_contact_on"]).days
    elif key == "stale":
        days = (now - row["state__entered_at"]).days
    return {
        "customer": row["customer__name"],
        "project": row["name"],
        "stage_zh": row["state__stage__name_zh"],
        "stage_en": row["state__stage__name_en"],
        "days": days,
        "path": path(row["pk"]),
    }


def _section_path(key: str, **query) -> str:
    path = reverse("pipeline:my_day_section", args=[key])
    return f"{path}?{urlencode(query)}" if query else path


def digests_send(*, now: datetime.datetime) -> int:
    """Each rep who has something to do gets their day; each lead the team's overdue
    next contacts by rep. Once a day each (the due date is today). Answers how many
    digests were created."""
    today = timezone.localdate(now)
    path = _project_path()
    reps_only = Q(owner__is_active=True, owner__role=Role.REP)
    rows = {
        # Overdue for every owner: the lead's digest lists those of inactive owners and leads too.
        "overdue": section_rows("overdue", today=today, now=now),
        "today": section_rows("today", today=today, now=now, owners=reps_only),
        "stale": section_rows("stale", today=today, now=now, owners=reps_only),
    }
    return _rep_digests(rows, today=today, now=now, path=path) + _team_digests(
        rows["overdue"], today=today, now=now, path=path
    )


def _rep_digests(rows, *, today, now, path) -> int:
    sections = {}  # owner id → section key → {"total", "items"}
    for key in SECTIONS:
        for row in rows[key]:
            section = sections.setdefault(row["owner_id"], {}).setdefault(key, {"total": row["total"], "items": []})
            section["items"].append(_item(row, key=key, today=today, now=now, path=path))
    reps = User.objects.filter(pk__in=list(sections), is_active=True, role=Role.REP)
    digests = []
    for rep in reps:
        mine = sections[rep.pk]
        data = {key: mine.get(key, {}).get("total", 0) for key in SECTIONS}
        data["sections"] = [
            {"key": key, "total": mine[key]["total"], "items": mine[key]["items"], "path": _section_path(key)}
            for key in SECTIONS
            if key in mine
        ]
        digests.append({"user": rep, "target": rep, "due_on": today, "data": data})
    return len(notify_many(kind=NotificationKind.DIGEST, rows=digests))


def _team_digests(overdue_rows, *, today, now, path) -> int:
    teams = {team.pk: team for team in Team.objects.filter(lead__is_active=True).select_related("lead")}
    if not teams:
        return 0
    items = {}  # (team id, owner id) → the owner's first overdue projects
    for row in overdue_rows:
        listed = items.setdefault((row["team_id"], row["owner_id"]), [])
        if len(listed) < LEAD_CAP:
            listed.append(_item(row, key="overdue", today=today, now=now, path=path))
    by_team = {}
    figures = (
        Project.objects.open()
        .filter(next_contact_on__lt=today, team_id__in=list(teams))
        .values("team_id", "owner_id", "owner__display_name", "owner__username")
        .annotate(count=Count("pk"), oldest=Min("next_contact_on"))
        .order_by("team_id", "-count", "owner_id")
    )
    for line in figures:
        by_team.setdefault(line["team_id"], []).append(
            {
                "rep": line["owner__display_name"] or line["owner__username"],
                "count": line["count"],
                "days": (today - line["oldest"]).days,
                "path": _section_path("overdue", owner=line["owner_id"]),
                "items": items.get((line["team_id"], line["owner_id"]), []),
            }
        )
    preferences_load([teams[pk].lead for pk in by_team])
    digests = []
    for team_id, reps in by_team.items():
        lead = teams[team_id].lead
        # The one-line summary (the in-app text) is written in the lead's language now;
        # the e-mail's list of projects is rendered when it is sent.
        with translation.override(preferences_for(lead).language):
            summary = "；".join(
                _("%(rep)s: %(count)s (oldest %(days)s days)") % {k: rep[k] for k in ("rep", "count", "days")}
                for rep in reps
            )
        data = {"overdue": sum(rep["count"] for rep in reps), "summary": summary, "reps": reps}
        digests.append({"user": lead, "target": teams[team_id], "due_on": today, "data": data})
    return len(notify_many(kind=NotificationKind.TEAM_DIGEST, rows=digests))
