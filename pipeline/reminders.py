"""The reminder pass: overdue next contacts reach their owner exactly once per
due date, those overdue for long reach the lead, and each morning the digests
go out. Driven by the data, not by the clock: whatever is overdue and not yet
told is told on the next run (a pass missed overnight catches up), and the
database's uniqueness on (user, kind, target, due date) makes a second beat,
a racing worker, a retried task or a re-run create nothing twice.

Run by Celery beat every 15 minutes (``pipeline.tasks.reminder_pass_task``) and
by ``python manage.py send_reminders`` — the same function.
"""

import datetime
import logging
import time

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DateTimeField, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.models import Project
from teams.models import Role, Team, User
from teams.notifications.models import Notification, NotificationKind, TaskRun
from teams.notifications.services import notify_many, preferences_for

log = logging.getLogger(__name__)

PASS_NAME = "reminder_pass"
CHUNK = 2_000


def _not_yet_told(kind, user_path):
    project_type = ContentType.objects.get_for_model(Project)
    return ~Exists(
        Notification.objects.filter(
            user_id=OuterRef(user_path),
            kind=kind,
            target_type=project_type,
            target_id=OuterRef("pk"),
            due_on=OuterRef("next_contact_on"),
        )
    )


def overdue_untold(*, today: datetime.date):
    """Open projects of active owners whose next contact is before ``today`` and
    whose owner has not been told of that due date (index: open projects by
    next contact)."""
    return (
        Project.objects.open()
        .filter(next_contact_on__lt=today, owner__is_active=True)
        .filter(_not_yet_told(NotificationKind.OVERDUE, "owner_id"))
        .select_related("owner", "customer")
        .only("pk", "name", "next_contact_on", "owner", "customer__name", "team_id")
        .order_by("pk")
    )


def _overdue_data(project, today):
    return {
        "project": project.name,
        "customer": project.customer.name,
        "due": project.next_contact_on.isoformat(),
        "days": (today - project.next_contact_on).days,
    }


def _escalations(*, today, days):
    """Projects overdue by more than ``days`` whose team lead has not been told."""
    leads = Team.objects.filter(pk=OuterRef("team_id")).values("lead_id")
    return (
        Project.objects.open()
        .filter(next_contact_on__lt=today - datetime.timedelta(days=days), team__lead__is_active=True)
        .annotate(lead_id=leads)
        .filter(_not_yet_told(NotificationKind.ESCALATION, "lead_id"))
        .select_related("owner", "customer", "team__lead")
        .only("pk", "name", "next_contact_on", "owner__display_name", "owner__username", "customer__name", "team")
        .order_by("pk")
    )


def reminder_pass(*, now: datetime.datetime | None = None) -> dict:
    """Remind owners of overdue next contacts, escalate the long-overdue to
    leads, and send the morning digests once their time has come."""
    started = time.monotonic()
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = TaskRun.objects.create(name=PASS_NAME, started_at=now)
    summary = {"scanned": 0, "reminders": 0, "escalations": 0, "digests": 0}
    while True:
        # Each chunk's rows are told before the next query, so the next chunk starts after them.
        chunk = list(overdue_untold(today=today)[:CHUNK])
        if not chunk:
            break
        summary["scanned"] += len(chunk)
        rows = [
            {"user": p.owner, "target": p, "due_on": p.next_contact_on, "data": _overdue_data(p, today)} for p in chunk
        ]
        created = len(notify_many(kind=NotificationKind.OVERDUE, rows=rows))
        summary["reminders"] += created
        if len(chunk) < CHUNK or not created:
            break
    while True:
        chunk = list(_escalations(today=today, days=settings.ESCALATION_DAYS)[:CHUNK])
        if not chunk:
            break
        rows = [
            {
                "user": p.team.lead,
                "target": p,
                "due_on": p.next_contact_on,
                "data": {**_overdue_data(p, today), "rep": p.owner.name},
            }
            for p in chunk
        ]
        created = len(notify_many(kind=NotificationKind.ESCALATION, rows=rows))
        summary["escalations"] += created
        if len(chunk) < CHUNK or not created:
            break
    if timezone.localtime(now).time() >= settings.DIGEST_TIME:
        summary["digests"] = digests_send(now=now)
    summary["seconds"] = round(time.monotonic() - started, 3)
    run.finished_at = timezone.now()
    run.summary = summary
    run.save(update_fields=["finished_at", "summary"])
    log.info(
        "reminder pass: %(scanned)s overdue scanned, %(reminders)s reminders, %(escalations)s escalations, "
        "%(digests)s digests in %(seconds)ss",
        summary,
    )
    return summary


def _stale_limit():
    """When a project becomes stale: it entered its stage, plus the stage's expected days."""
    days = ExpressionWrapper(
        F("state__stage__expected_days") * Value(datetime.timedelta(days=1)), output_field=DurationField()
    )
    return ExpressionWrapper(F("state__entered_at") + days, output_field=DateTimeField())


def digests_send(*, now) -> int:
    """Each rep who opted in gets their day; each lead the team's overdue next
    contacts by rep. Once a day each (the due date is today)."""
    today = timezone.localdate(now)
    sent = 0
    per_rep = {
        row["owner"]: row
        for row in Project.objects.open()
        .filter(owner__is_active=True, owner__role=Role.REP)
        .alias(stale_limit=_stale_limit())
        .values("owner")
        .annotate(
            overdue=Count("pk", filter=Q(next_contact_on__lt=today)),
            today=Count("pk", filter=Q(next_contact_on=today)),
            stale=Count("pk", filter=Q(stale_limit__lt=now)),
        )
    }
    reps = User.objects.filter(pk__in=list(per_rep), is_active=True)
    rows = []
    for rep in reps:
        counts = per_rep[rep.pk]
        if not (counts["overdue"] or counts["today"] or counts["stale"]):
            continue
        rows.append(
            {
                "user": rep,
                "target": rep,
                "due_on": today,
                "data": {"overdue": counts["overdue"], "today": counts["today"], "stale": counts["stale"]},
            }
        )
    sent += len(notify_many(kind=NotificationKind.DIGEST, rows=rows))
    rows = []
    for team in Team.objects.filter(lead__is_active=True).select_related("lead"):
        lines = list(
            Project.objects.open()
            .filter(team=team, next_contact_on__lt=today)
            .values("owner__display_name", "owner__username")
            .annotate(count=Count("pk"), oldest=Min("next_contact_on"))
            .order_by("-count")
        )
        if not lines:
            continue
        with translation.override(preferences_for(team.lead).language):
            summary = "；".join(
                _("%(rep)s: %(count)s (oldest %(days)s days)")
                % {
                    "rep": line["owner__display_name"] or line["owner__username"],
                    "count": line["count"],
                    "days": (today - line["oldest"]).days,
                }
                for line in lines
            )
        rows.append(
            {
                "user": team.lead,
                "target": team,
                "due_on": today,
                "data": {"overdue": sum(line["count"] for line in lines), "summary": summary},
            }
        )
    sent += len(notify_many(kind=NotificationKind.TEAM_DIGEST, rows=rows))
    return sent


def last_pass() -> TaskRun | None:
    return TaskRun.objects.filter(name=PASS_NAME, finished_at__isnull=False).order_by("-finished_at").first()
