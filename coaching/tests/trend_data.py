"""Small hand-computed histories for the trend and review tests, entered through the
pipeline's services (so ``ProjectState.<tier>_at`` is what the move service keeps)."""

import datetime

from django.utils import timezone

from coaching.models import CoachingNote, NoteKind
from pipeline import services
from pipeline.models import ProjectState
from projects import services as project_services
from tests.factories import CustomerFactory, ProjectFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def monday(weeks_ago: int) -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday(), weeks=weeks_ago)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Asia/Shanghai."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def open_project(owner, opened_at, stage="prospect", name="智慧园区"):
    return project_services.project_create(
        user=owner,
        customer=CustomerFactory(owner=owner),
        data={"name": name, "opened_at": opened_at, "stage": stage},
    )


def move(owner, project, stage, moment):
    project.refresh_from_db()
    return services.project_move(user=owner, project=project, stage=stage, at=moment)


def write_note(*, lead, rep, moment):
    return CoachingNote.objects.create(
        team=rep.team, rep=rep, author=lead, kind=NoteKind.ONE_ON_ONE, body="一对一辅导", created_at=moment
    )


def bulk_history(owner, *, count: int, start: datetime.date):
    """``count`` projects of ``owner`` whose tier moments fall over the weeks from ``start``
    (set straight on ``ProjectState``: for query budgets, where the values do not matter)."""
    projects = ProjectFactory.create_batch(count, customer=CustomerFactory(owner=owner))
    for i, project in enumerate(projects):
        reached = at(start + datetime.timedelta(days=(i * 3) % 80))
        ProjectState.objects.filter(pk=project.pk).update(
            prospect_at=reached,
            qualified_at=reached + datetime.timedelta(days=2) if i % 2 else None,
            high_intent_at=reached + datetime.timedelta(days=5) if i % 4 == 1 else None,
        )
    return projects
