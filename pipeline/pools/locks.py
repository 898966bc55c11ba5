"""The lead's overview of locks: per person of a team, the customers locked against the lock limit
and those returning soonest (the ones a lead may want to lock). Five queries for any team size."""

from collections import Counter

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from accounts.models import Customer, Pool
from pipeline.pools.rules import home_pools, pool_id_of
from teams.models import Role, User

SOONEST = 3


def lock_overview(*, team) -> dict:
    """``pool`` (the team's home pool: its ``lock_limit``), and ``people``: the team's active reps,
    then its lead, each with ``locked_customers``, ``soonest`` (the next ``SOONEST`` to return,
    each with ``lockable``: whether its own pool's limit leaves room, as ``customer_lock``
    decides), ``locked_count`` and ``at_limit`` (both against the home pool)."""
    homes = home_pools()
    pool_id = homes.get(team.pk)
    people = list(
        User.objects.filter(team=team, is_active=True, role__in=[Role.REP, Role.LEAD]).order_by("-role", "username")
    )
    owners = [person.pk for person in people]
    locked, soonest = {}, {}
    for customer in Customer.objects.filter(owner__in=owners, locked=True).order_by("name", "pk"):
        locked.setdefault(customer.owner_id, []).append(customer)
    ranked = (
        Customer.objects.filter(owner__in=owners, locked=False, returns_on__isnull=False)
        .annotate(rank=Window(RowNumber(), partition_by=F("owner"), order_by=[F("returns_on").asc(), F("pk").asc()]))
        .filter(rank__lte=SOONEST)
        .order_by("owner", "rank")
    )
    for customer in ranked:
        soonest.setdefault(customer.owner_id, []).append(customer)
    # The home pool and the pools of the customers shown, in one query.
    shown = [customer for rows in soonest.values() for customer in rows]
    pools = Pool.objects.in_bulk({pool_id, *(pool_id_of(customer, homes) for customer in shown)} - {None})
    pool = pools.get(pool_id)
    limit = pool.lock_limit if pool is not None else None
    for person in people:
        person.locked_customers = locked.get(person.pk, [])
        person.soonest = soonest.get(person.pk, [])
        # Each pool's limit counts the person's locks in that pool (as ``customer_lock`` counts).
        in_each = Counter(pool_id_of(customer, homes) for customer in person.locked_customers)
        person.locked_count = in_each[pool_id] if pool_id else len(person.locked_customers)
        person.at_limit = limit is not None and person.locked_count >= limit
        for customer in person.soonest:
            its = pools.get(pool_id_of(customer, homes))
            customer.lockable = its is None or in_each[its.pk] < its.lock_limit
    return {"pool": pool, "lock_limit": limit, "people": people}
