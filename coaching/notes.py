"""Coaching notes: what a lead writes to coach a rep — for a 1:1, or on one of the
team's projects or its logged contacts — and the reads behind the pages, the API,
the project timeline and the trend chart.

Writes (``note_write``, ``note_edit``, ``note_delete``) are services: the lead of
the rep's team or an admin writes; only the author or an admin changes or deletes.
``@username`` or ``@显示名`` in the body mentions a member of the rep's team or of the
author's team; the rep and every mentioned user are notified once (kind ``mention``).
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from coaching.models import CoachingNote, NoteKind
from pipeline.models import Activity
from pipeline.selectors.timeline import Event, before_cursor
from projects.models import Project
from teams.errors import DomainError, validated
from teams.json_rows import USER_FIELDS, JSONList, Packed, loaded, packed, part, set_prefetched, unpacked
from teams.models import Role, User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify
from teams.versioning import check_version

TIMELINE_KIND = "coaching_note"
TIMELINE_RANK = 9  # at the same moment as a change, the note about it shows first
EXCERPT_CHARS = 120

# --- mentions ---------------------------------------------------------------------------------

_AT = re.compile(r"[@＠]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_.\-]")


def mention_spans(body: str, people) -> list[tuple[int, int, User]]:
    """Where ``body`` mentions one of ``people``: (start, end, user) of each ``@name``, the
    name being a username (any case) or a display name. The longest name wins (``@张伟华``
    before ``@张伟``); a name ending in a Latin letter or digit must end there (``@rep``
    does not match ``@rep2``), a Chinese name need not (``@张伟请跟进``). An ``@`` inside a
    word (an e-mail address) mentions nobody."""
    found = {}
    for person in people:
        for name in (person.username, person.display_name):
            if name:
                found[name.casefold(), person.pk] = person
    names = sorted(found.items(), key=lambda item: -len(item[0][0]))
    folded = body.casefold()
    spans = []
    position = 0
    while match := _AT.search(body, position):
        start = match.start()
        position = start + 1
        if start > 0 and _ASCII_WORD.match(body[start - 1]):
            continue
        for (name, _pk), person in names:
            end = position + len(name)
            if folded.startswith(name, position) and not (
                _ASCII_WORD.match(name[-1]) and end < len(body) and _ASCII_WORD.match(body[end])
            ):
                spans.append((start, end, person))
                position = end
                break
    return spans


def body_html(note: CoachingNote) -> str:
    """The note's text, escaped, with its mentions marked (``note.mentions`` prefetched)."""
    body = note.body
    parts, position = [], 0
    for start, end, _person in mention_spans(body, note.mentions.all()):
        parts += [escape(body[position:start]), f'<mark class="mention">{escape(body[start:end])}</mark>']
        position = end
    parts.append(escape(body[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


def _mention_candidates(*, rep: User, author: User):
    """Who may be mentioned: the active members of the rep's team and of the author's team."""
    teams = {team for team in (rep.team_id, author.team_id) if team is not None}
    return list(User.objects.filter(team_id__in=teams, is_active=True).only("id", "username", "display_name"))


def _mentioned(body: str, *, rep: User, author: User) -> set[User]:
    return {person for _start, _end, person in mention_spans(body, _mention_candidates(rep=rep, author=author))}


def _notify(note: CoachingNote, users, *, mentioned) -> None:
    """Tell each of ``users`` once (never the author) where the note is: "mentioned you"
    to those in ``mentioned``, "wrote you a coaching note" to the others (the rep of a
    1:1 note without an @mention)."""
    data = {"author": note.author.name, "rep": note.rep.name, "excerpt": Truncator(note.body).chars(EXCERPT_CHARS)}
    mentioned_ids = {person.pk for person in mentioned}
    for user in sorted({user.pk: user for user in users}.values(), key=lambda user: user.pk):
        if user.pk != note.author_id:
            title = "mentioned" if user.pk in mentioned_ids else "wrote"
            notify(user=user, kind=NotificationKind.MENTION, target=note, data={**data, "title": title})


# --- writes -----------------------------------------------------------------------------------


def may_write_on(*, author: User, team_id: int | None) -> bool:
    """Whether ``author`` writes coaching notes on the team ``team_id``: its lead, or an admin."""
    if author.is_admin:
        return team_id is not None
    return author.is_lead and team_id is not None and author.team_id == team_id


def _clean_body(body) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError({"body": _("Write the note: it is empty.")})
    return body


@transaction.atomic
def note_write(
    *,
    author: User,
    rep: User | None = None,
    project: Project | None = None,
    activity: Activity | None = None,
    body: str,
) -> CoachingNote:
    """A note by the rep's lead (or an admin): a 1:1 note on ``rep``, or a note on a
    project (its rep: the project's owner unless given) or on one of its logged contacts.
    The lead must see the project and it must be the lead's team's. Raises
    ``PermissionDenied`` for anyone else, ``DomainError`` naming the field for bad input."""
    if not (author.is_lead or author.is_admin):
        raise PermissionDenied(_("Only the team's lead or an admin writes coaching notes."))
    body = _clean_body(body)
    if activity is not None:
        if activity.project_id is None:
            raise DomainError({"activity": _("This contact was logged without a project: write the note on the rep.")})
        if project is not None and project.pk != activity.project_id:
            raise DomainError({"activity": _("This contact belongs to another project.")})
        project = activity.project
    if project is not None:
        if not Project.objects.visible_to(author).filter(pk=project.pk).exists() or not may_write_on(
            author=author, team_id=project.team_id
        ):
            raise PermissionDenied(_("Coaching notes go on your own team's projects."))
        if rep is None:
            rep = project.owner
        elif rep.team_id != project.team_id:
            raise DomainError({"rep": _("The rep must be on the project's team.")})
    if rep is None:
        raise DomainError({"rep": _("Choose the rep the note is about.")})
    if rep.is_admin or rep.team_id is None:
        raise DomainError({"rep": _("Coaching notes are about a member of a team.")})
    if not may_write_on(author=author, team_id=rep.team_id):
        raise PermissionDenied(_("Coaching notes are written by the rep's own lead or an admin."))
    kind = NoteKind.ACTIVITY if activity else NoteKind.PROJECT if project else NoteKind.ONE_ON_ONE
    note = CoachingNote(
        team_id=rep.team_id, rep=rep, author=author, kind=kind, project=project, activity=activity, body=body
    )
    validated(note, exclude=["team", "rep", "author", "project", "activity"])
    note.save()
    mentioned = _mentioned(body, rep=rep, author=author)
    note.mentions.set(mentioned)
    _notify(note, {rep, *mentioned}, mentioned=mentioned)
    return note


@transaction.atomic
def note_edit(*, user: User, note: CoachingNote, body: str, version: int | None = None) -> CoachingNote:
    """The author (or an admin) rewrites the note; a stale ``version`` answers 409.
    People mentioned for the first time are notified; nobody is told twice."""
    note = CoachingNote.objects.select_for_update().select_related("rep", "author").get(pk=note.pk)
    if not (user.is_admin or note.author_id == user.pk):
        raise PermissionDenied(_("Only the author or an admin changes a coaching note."))
    check_version(current=note.version, expected=version, current_data={"body": note.body})
    note.body = _clean_body(body)
    validated(note, exclude=["team", "rep", "author", "project", "activity"])
    note.edited_at = timezone.now()
    note.version += 1
    note.save()
    before = set(note.mentions.values_list("pk", flat=True))
    mentioned = _mentioned(note.body, rep=note.rep, author=note.author)
    note.mentions.set(mentioned)
    newly = [person for person in mentioned if person.pk not in before and person.pk != note.rep_id]
    _notify(note, newly, mentioned=newly)
    return note


@transaction.atomic
def note_delete(*, user: User, note: CoachingNote) -> None:
    if not (user.is_admin or note.author_id == user.pk):
        raise PermissionDenied(_("Only the author or an admin deletes a coaching note."))
    note.delete()


def notes_project_merge(*, user: User, target: Project, source: Project) -> None:
    """Registered in ``projects.services.PROJECT_MERGE_HOOKS``: the notes on a merged-away
    project stay, on the kept one."""
    CoachingNote.objects.filter(project=source).update(project=target)


# --- reads ------------------------------------------------------------------------------------


def notes_for_display(queryset):
    """What a list of notes shows: author, rep, project; the mentioned people in one more query."""
    return queryset.select_related("author", "rep", "project").prefetch_related(
        Prefetch("mentions", queryset=User.objects.only("id", "username", "display_name"))
    )


def my_notes(*, user: User):
    """The notes on ``user`` or @mentioning them, newest first."""
    mine = CoachingNote.objects.filter(rep=user).values("pk").order_by()
    mentioning = CoachingNote.mentions.through.objects.filter(user_id=user.pk).values("coachingnote_id")
    return notes_for_display(CoachingNote.objects.visible_to(user).filter(pk__in=mine.union(mentioning)))


def team_notes(*, user: User, team_id: int | None = None):
    """The notes of a team (a lead's own; an admin's chosen team, or all) that ``user`` sees."""
    notes = CoachingNote.objects.visible_to(user)
    if user.is_lead:
        team_id = user.team_id
    if team_id is not None:
        notes = notes.filter(team_id=team_id)
    return notes_for_display(notes)


def reps_without_one_on_one(*, team_id: int, weeks: int, now: datetime.datetime | None = None) -> list[User]:
    """The team's active reps with no 1:1 note in the last ``weeks`` weeks, the longest
    without one first; each carries ``last_one_on_one`` (None: never). One query."""
    since = (now or timezone.now()) - datetime.timedelta(weeks=weeks)
    reps = (
        User.objects.filter(team_id=team_id, role=Role.REP, is_active=True)
        .annotate(last_one_on_one=Max("coaching_notes__created_at", filter=Q(coaching_notes__kind=NoteKind.ONE_ON_ONE)))
        .filter(Q(last_one_on_one__isnull=True) | Q(last_one_on_one__lt=since))
    )
    return sorted(reps, key=lambda rep: (rep.last_one_on_one is not None, rep.last_one_on_one or 0, rep.pk))


def one_on_one_weeks(value=None) -> int:
    """The N of "no 1:1 note in the last N weeks": a query parameter, else the setting."""
    try:
        weeks = int(value)
    except (TypeError, ValueError):
        weeks = settings.COACHING_ONE_ON_ONE_WEEKS
    return min(max(weeks, 1), 52)


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weeks_with_notes(team, reps, weeks: int, *, today: datetime.date | None = None) -> dict[int, set]:
    """{rep id: the Mondays of the weeks (of the last ``weeks``, this one included, in the
    company's time zone) in which a note was written for the rep} — the trend chart marks
    them. Every rep of ``reps`` has an entry (an empty set: no note). One query."""
    rep_ids = [getattr(rep, "pk", rep) for rep in reps]
    first = week_start(today or timezone.localdate()) - datetime.timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    found = {pk: set() for pk in rep_ids}
    rows = (
        CoachingNote.objects.filter(team_id=getattr(team, "pk", team), rep_id__in=rep_ids, created_at__gte=start)
        .annotate(week=TruncWeek("created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("rep_id", "week")
        .distinct()
        .order_by()
    )
    for rep_id, week in rows:
        found[rep_id].add(week.date() if isinstance(week, datetime.datetime) else week)
    return found


NOTE_FIELDS = (
    "id",
    "team",
    "rep",
    "author",
    "kind",
    "project",
    "activity",
    "body",
    "created_at",
    "edited_at",
    "version",
)
NOTE_RELATED = {"author": USER_FIELDS, "rep": USER_FIELDS}
MENTION_FIELDS = ("id", "username", "display_name")


def note_timeline_rows(project, cursor, limit):
    """The project's notes for its timeline (``pipeline.selectors.timeline``), newest first, in
    the timeline's common shape: with author, rep and the mentioned people (a JSON list) in the
    one row, so the notes cost no query of their own."""
    mentioned = CoachingNote.mentions.through.objects.filter(coachingnote_id=OuterRef("pk")).values(
        people=JSONList(Packed(id="user_id", username="user__username", display_name="user__display_name"))
    )
    rows = CoachingNote.objects.filter(project=project).filter(before_cursor("created_at", TIMELINE_KIND, cursor))
    rows = rows.order_by("-created_at", "-id")[:limit]
    row = packed(CoachingNote, fields=NOTE_FIELDS, related=NOTE_RELATED, extra={"mentioned": Subquery(mentioned)})
    return part(rows, TIMELINE_KIND, row)


def note_timeline_events(data):
    """The timeline's event of one row of ``note_timeline_rows``."""
    data = loaded(data)
    note = unpacked(CoachingNote, data, fields=NOTE_FIELDS, related=NOTE_RELATED)
    set_prefetched(note, "mentions", User, data.get("mentioned"), MENTION_FIELDS)  # what ``body_html`` reads
    template = "coaching/notes/timeline_note.html"
    return [Event(TIMELINE_KIND, note.created_at, note.pk, note, note.author, template=template)]
