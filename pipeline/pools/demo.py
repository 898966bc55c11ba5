"""The public pool's part of ``seed_demo``: a pool per region serving the demo team, some
customers released by their reps (with reasons, over the last weeks), the nightly pass run
once (customers nobody followed up go back; high-intent ones wait for the lead), and a few
claimed by other reps — so the pool page, the countdowns and the coaching figures have data."""

import random
import time
from datetime import timedelta

from django.utils import timezone

from accounts.models import Customer, Pool, PoolEvent, PoolEventKind
from pipeline.pools import services
from pipeline.pools.rules import high_intent_exists
from teams.errors import DomainError

POOLS = [
    # (name, activity days A/B/C, the home pool of the demo team first)
    ("华东公海", (90, 60, 45)),
    ("华南公海", (120, 90, 60)),
]
RELEASED_PER_REP = 4
CLAIMED = 6
# A book this small (the other apps' seed tests) gets no pool: it would empty it.
MIN_PER_REP = 50


def seed(*, stdout, team, reps, admin, per_rep=150):
    if per_rep < MIN_PER_REP:
        stdout.write(f"Public pools: none for {per_rep} customers per rep (from {MIN_PER_REP}).")
        return
    if Pool.objects.filter(name=POOLS[0][0]).exists():
        stdout.write("Public pools: already there, left as they are.")
        return
    started = time.monotonic()
    rng = random.Random(2026)
    pools = [
        services.pool_save(
            user=admin,
            data={
                "name": name,
                "activity_days_a": a,
                "activity_days_b": b,
                "activity_days_c": c,
                "no_project_days": 120,
                "daily_claim_limit": 10,
                "capacity_rep": 200,
                "capacity_lead": 100,
            },
            teams=[team],
        )
        for name, (a, b, c) in POOLS
    ]
    home = pools[0]
    # Some released by their reps, with a reason, over the last three weeks.
    now = timezone.now()
    released = []
    for rep in reps:
        candidates = list(
            Customer.objects.filter(owner=rep, returns_on__gt=timezone.localdate())
            .annotate(high_intent=high_intent_exists())
            .filter(high_intent=False)
            .order_by("pk")[:40]
        )
        for customer in rng.sample(candidates, min(RELEASED_PER_REP, len(candidates))):
            pool = rng.choice(pools)
            services.customer_release(user=rep, customer=customer, pool=pool, reason=rng.choice(pool.release_reasons))
            when = now - timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 8))
            Customer.objects.filter(pk=customer.pk).update(released_at=when)
            PoolEvent.objects.filter(customer=customer, kind=PoolEventKind.RELEASED).update(at=when)
            released.append(customer.pk)
    # The nightly pass, once: whoever nobody followed up goes back.
    summary = services.pool_return_pass()
    # A few claimed by other reps (not their previous owner), within the limits.
    claimed = 0
    waiting = list(Customer.objects.filter(owner__isnull=True, pool=home).order_by("-released_at", "pk")[:40])
    for customer in waiting:
        if claimed >= CLAIMED:
            break
        taker = rng.choice([rep for rep in reps if rep.pk != customer.previous_owner_id])
        try:
            services.customer_claim(user=taker, customer_id=customer.pk)
        except DomainError:
            continue
        claimed += 1
    in_pool = Customer.objects.filter(owner__isnull=True).count()
    stdout.write(
        f"Public pools {', '.join(p.name for p in pools)}: {len(released)} released by reps, "
        f"{summary['returned']} returned by the rules ({summary['held_for_consent']} high-intent ones held for "
        f"the lead), {summary['warned']} owners warned, {claimed} claimed; {in_pool} waiting "
        f"in {time.monotonic() - started:.1f} s."
    )
