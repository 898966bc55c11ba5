"""The return rules, and the stored ``Customer.returns_on`` they produce.

A customer in a book returns to its pool on the earliest day any enabled rule gives:

- no activity for N days (N by the customer's level A/B/C), counted from its latest
  logged contact or from when its owner took it, whichever is later;
- no stage progress for N days on its open projects (per level; off when empty),
  from the latest stage change of an open project or the taking;
- no open project for N days (off when empty), from the taking or the last close.

Won customers (any won project) and locked ones never return (``returns_on`` None).
``returns_on_refresh`` is called in the same transaction as every write that moves one
of those dates (activity, stage move, project created, claim, hand-over, lock, pool
settings), so the countdown is a plain indexed column and the nightly pass a range scan.
"""

import datetime

from django.db.models import BooleanField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Customer, Pool
from pipeline.models import Activity, ProjectState, Tier
from projects.models import Project

CHUNK = 2_000


def home_pools() -> dict[int, int]:
    """team id → the live pool a customer of that team returns to (the first by name)."""
    found = {}
    for team_id, pool_id in (
        Pool.objects.live().filter(teams__isnull=False).order_by("name", "id").values_list("teams", "id")
    ):
        found.setdefault(team_id, pool_id)
    return found


def pool_id_of(customer, homes: dict[int, int]) -> int | None:
    """The id of the pool a customer sits in or returns to: its own, else its team's home pool
    (``homes``: ``home_pools()``)."""
    return customer.pool_id or homes.get(customer.team_id)


def pool_of(customer) -> Pool | None:
    """The pool a customer sits in or returns to: its own, else its team's home pool."""
    pool_id = pool_id_of(customer, home_pools())
    return Pool.objects.filter(pk=pool_id).first() if pool_id else None


def in_pool(pool: Pool) -> Q:
    """Customers whose pool (``pool_of``) is ``pool``: their own, or none and a team at home there."""
    teams = [team_id for team_id, pool_id in home_pools().items() if pool_id == pool.pk]
    return Q(pool=pool) | Q(pool__isnull=True, team_id__in=teams)


def _local_date(moment) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def last_activity_at():
    """The outer customer's latest logged contact (the ``activity_customer_recent`` index)."""
    return Subquery(
        Activity.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(latest=Max("occurred_at"))
        .values("latest")[:1]
    )


def countdown_facts() -> dict:
    """What ``returns_on_for`` needs of the outer customer, as expressions for ``annotate``."""
    projects = Project.objects.filter(customer=OuterRef("pk"))
    open_projects = projects.filter(closed_at__isnull=True)
    return {
        "last_activity": last_activity_at(),
        "last_progress": Subquery(
            ProjectState.objects.filter(project__customer=OuterRef("pk"), project__closed_at__isnull=True)
            .order_by()
            .values("project__customer")
            .annotate(latest=Max("entered_at"))
            .values("latest")[:1]
        ),
        "last_closed": Subquery(
            projects.order_by().values("customer").annotate(latest=Max("closed_at")).values("latest")[:1]
        ),
        "has_open": row_exists(open_projects),
        "has_won": won_exists(),
    }


def returns_on_for(customer, pool: Pool | None) -> datetime.date | None:
    """The day ``customer`` (annotated with ``countdown_facts``) returns to ``pool`` under its rules."""
    if pool is None or pool.archived or customer.owner_id is None or customer.locked or customer.has_won:
        return None
    base = customer.taken_at or customer.created_at
    level = customer.level
    days = []
    activity = max(filter(None, [base, customer.last_activity]))
    days.append(_local_date(activity) + datetime.timedelta(days=pool.activity_days(level)))
    progress_days = pool.progress_days(level)
    if customer.has_open and progress_days:
        progress = max(filter(None, [base, customer.last_progress]))
        days.append(_local_date(progress) + datetime.timedelta(days=progress_days))
    if not customer.has_open and pool.no_project_days:
        since = max(filter(None, [base, customer.last_closed]))
        days.append(_local_date(since) + datetime.timedelta(days=pool.no_project_days))
    return min(days)


def returns_on_refresh(*, customers) -> int:
    """Recompute and store ``pool`` (the home pool, when none yet) and ``returns_on`` of the
    owned customers in ``customers`` (a queryset or ids). Answers how many changed."""
    if hasattr(customers, "model"):
        ids = list(customers.filter(owner__isnull=False).order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(customers))  # a few ids from a write: no query to list them
    if not ids:
        return 0
    homes = home_pools()
    pools = {pool.pk: pool for pool in Pool.objects.all()}
    changed = 0
    for start in range(0, len(ids), CHUNK):
        rows = []
        owned = Customer.objects.filter(pk__in=ids[start : start + CHUNK], owner__isnull=False)
        batch = owned.annotate(**countdown_facts()).only(
            "pk", "owner_id", "team_id", "pool_id", "level", "locked", "taken_at", "created_at", "returns_on"
        )
        for customer in batch:
            pool_id = customer.pool_id or homes.get(customer.team_id)
            day = returns_on_for(customer, pools.get(pool_id))
            if day != customer.returns_on or pool_id != customer.pool_id:
                customer.returns_on, customer.pool_id = day, pool_id
                rows.append(customer)
        Customer.objects.bulk_update(rows, ["returns_on", "pool"], batch_size=1_000)
        changed += len(rows)
    return changed


def row_exists(queryset):
    """Whether ``queryset`` (correlated to the outer row) has a row, as a boolean expression that
    PostgreSQL answers per row from an index: ``LIMIT 1`` keeps the planner from turning an
    ``EXISTS`` into a hash of every matching row of the table (270 ms at 120k projects)."""
    return Coalesce(
        Subquery(queryset.order_by().annotate(found=Value(True)).values("found")[:1]),
        Value(False),
        output_field=BooleanField(),
    )


def high_intent_exists():
    """Whether the outer customer has an open project in the high_intent tier."""
    return row_exists(
        ProjectState.objects.filter(
            project__customer=OuterRef("pk"), project__closed_at__isnull=True, tier=Tier.HIGH_INTENT
        )
    )


def has_high_intent(customer_id: int) -> bool:
    return ProjectState.objects.filter(
        Q(project__customer_id=customer_id) & Q(project__closed_at__isnull=True) & Q(tier=Tier.HIGH_INTENT)
    ).exists()


def won_exists():
    """Whether the outer customer has a won project."""
    return row_exists(ProjectState.objects.filter(project__customer=OuterRef("pk"), tier=Tier.WON))
