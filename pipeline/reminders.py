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

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pipeline.digests import digests_send
from projects.models import Project
from teams.company_settings import company_settings
from teams.models import Team
from teams.notifications.models import Notification, NotificationKind, TaskRun
from teams.notifications.services import notify_many

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
    company = company_settings()  # the admins' times and days (/settings/)
    local_time = timezone.localtime(now).time()
    while local_time >= company.reminder_time:
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
    while local_time >= company.reminder_time:
        chunk = list(_escalations(today=today, days=company.escalation_days)[:CHUNK])
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
    if local_time >= company.digest_time:
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


def last_pass() -> TaskRun | None:
    return TaskRun.objects.filter(name=PASS_NAME, finished_at__isnull=False).order_by("-finished_at").first()
