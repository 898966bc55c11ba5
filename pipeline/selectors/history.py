"""A project's history for the API: stage, budget, owner and key-date changes,
newest first, each with who and when (effective and recorded).

The order is decided in SQL over the four kinds at once (``UNION ALL`` of their
ids), so a page costs the same few queries however long the history is: the
count, the page's references, and one query per kind on the page.
"""

import datetime

from django.db.models import CharField, DateTimeField, F, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from pipeline.models import BudgetChange, StageChange
from projects.models import MilestoneChange, MilestoneKind, OwnerChange, Project

STAGE, BUDGET, OWNER, KEY_DATE = "stage", "budget", "owner", "key_date"

# Sorts a back-dated budget change after everything else of its day: it took
# effect at the day's start, and dates carry no time.
_START_OF_DAY = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _refs(queryset, kind, *, day, at, recorded):
    return (
        queryset.order_by()
        .annotate(
            h_kind=Value(kind, output_field=CharField()),
            h_id=F("pk"),
            h_day=day,
            h_at=at,
            h_recorded=recorded,
        )
        .values_list("h_kind", "h_id", "h_day", "h_at", "h_recorded")
    )


def project_history(*, project: Project):
    """References ``(kind, id, day, at, recorded)`` to every change of the project,
    newest first by when it took effect (a queryset: paginate it, then pass the
    page to :func:`project_history_entries`)."""
    stages = _refs(
        StageChange.objects.filter(project=project),
        STAGE,
        day=TruncDate("at"),
        at=F("at"),
        recorded=F("recorded_at"),
    )
    budgets = _refs(
        BudgetChange.objects.filter(project=project),
        BUDGET,
        day=F("effective_on"),
        at=Value(_START_OF_DAY, output_field=DateTimeField()),
        recorded=F("recorded_at"),
    )
    owners = _refs(
        OwnerChange.objects.filter(project=project),
        OWNER,
        day=TruncDate("changed_at"),
        at=F("changed_at"),
        recorded=F("changed_at"),
    )
    key_dates = _refs(
        MilestoneChange.objects.filter(milestone__project=project).exclude(milestone__kind=MilestoneKind.OTHER),
        KEY_DATE,
        day=TruncDate("changed_at"),
        at=F("changed_at"),
        recorded=F("changed_at"),
    )
    return stages.union(budgets, owners, key_dates, all=True).order_by("-h_day", "-h_at", "-h_recorded", "-h_id")


def _user(user):
    return (user.pk, user.name) if user is not None else (None, None)


def _budget_at(change):
    """A budget change took effect when it was recorded if that was on its
    effective day; otherwise at the start of that day (company time)."""
    if timezone.localtime(change.recorded_at).date() == change.effective_on:
        return change.recorded_at
    start = datetime.datetime.combine(change.effective_on, datetime.time.min)
    return timezone.make_aware(start, timezone.get_default_timezone())


def _entry(kind, row, *, at, recorded_at, by):
    by_id, by_name = _user(by)
    return {
        "kind": kind,
        "id": row.pk,
        "at": at,
        "recorded_at": recorded_at,
        "by": by_id,
        "by_name": by_name,
        "stage_change": row if kind == STAGE else None,
        "budget_change": row if kind == BUDGET else None,
        "owner_change": row if kind == OWNER else None,
        "key_date_change": row if kind == KEY_DATE else None,
    }


def project_history_entries(refs) -> list[dict]:
    """The entries of a page of :func:`project_history`, in its order: one query per kind present."""
    ids = {}
    for kind, pk, *_rest in refs:
        ids.setdefault(kind, []).append(pk)
    rows = {}
    if STAGE in ids:
        for change in StageChange.objects.filter(pk__in=ids[STAGE]).select_related(
            "by", "from_stage", "to_stage", "lost_reason"
        ):
            rows[STAGE, change.pk] = _entry(STAGE, change, at=change.at, recorded_at=change.recorded_at, by=change.by)
    if BUDGET in ids:
        for change in BudgetChange.objects.filter(pk__in=ids[BUDGET]).select_related("by"):
            rows[BUDGET, change.pk] = _entry(
                BUDGET, change, at=_budget_at(change), recorded_at=change.recorded_at, by=change.by
            )
    if OWNER in ids:
        for change in OwnerChange.objects.filter(pk__in=ids[OWNER]).select_related(
            "from_user", "to_user", "changed_by"
        ):
            rows[OWNER, change.pk] = _entry(
                OWNER, change, at=change.changed_at, recorded_at=change.changed_at, by=change.changed_by
            )
    if KEY_DATE in ids:
        for change in MilestoneChange.objects.filter(pk__in=ids[KEY_DATE]).select_related("milestone", "changed_by"):
            rows[KEY_DATE, change.pk] = _entry(
                KEY_DATE, change, at=change.changed_at, recorded_at=change.changed_at, by=change.changed_by
            )
    return [rows[kind, pk] for kind, pk, *_rest in refs if (kind, pk) in rows]
