"""Releases and returns to the public pool per rep, for the lead's dashboard: a rep who
releases many prospects is a training signal. One query over ``PoolEvent``'s
(team, kind, at) index."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import PoolEvent, PoolEventKind


def _bounds(period):
    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def team_pool_moves(*, team, reps, period) -> list[dict]:
    """Per rep of ``reps`` (in order), then the team: released, returned by the rules, claimed."""
    start, end = _bounds(period)
    rows = (
        PoolEvent.objects.filter(team=team, at__gte=start, at__lt=end)
        .values("rep")
        .annotate(
            released=Count("pk", filter=Q(kind=PoolEventKind.RELEASED)),
            returned=Count("pk", filter=Q(kind=PoolEventKind.RETURNED)),
            claimed=Count("pk", filter=Q(kind=PoolEventKind.CLAIMED)),
        )
        .order_by()
    )
    by_rep = {row["rep"]: row for row in rows}
    empty = {"released": 0, "returned": 0, "claimed": 0}
    result = [{"rep": rep, "name": rep.name, **{k: by_rep.get(rep.pk, empty)[k] for k in empty}} for rep in reps]
    return result
