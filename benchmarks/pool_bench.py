"""The public pool (issue 13) at benchmark scale, on a COPY of a seeded benchmark database:

    createdb -h 127.0.0.1 -U postgres -T funnel_crm_bench funnel_pool_bench   # once, nobody connected
    .venv/bin/python benchmarks/pool_bench.py --db funnel_pool_bench --repeat 9

It migrates that database, then (once; ``--prepare`` again to redo) puts customers into a pool
with bulk UPDATEs (the customer table's secondary indexes dropped first and built again after,
in the same transaction): a pool serving one benchmark team, ``--in-pool`` (100,000) customers of other
teams moved into it (owner NULL), and every owned customer given a stored ``returns_on``
spread over the next 1,000 days with 0.5 % already due. Then it prints, each a median of
``--repeat`` runs:

- the nightly return pass: EXPLAIN (ANALYZE, BUFFERS) of its scan (``returns_on <= today`` over
  the owned customers: the partial index ``customer_returns_owned``), the scan's wall time and
  rows, and the whole pass (warnings, returns, events, audit) in a transaction rolled back after
  each run, so every run does the same work;
- the pool page (``/pools/<id>/``) and its API list for a rep of the served team: wall ms and
  queries, with ``--in-pool`` customers waiting (target ≤ 50 ms, constant queries);
- a claim (``customer_claim``), rolled back each time (target ≤ 20 ms): wall, CPU, db ms, queries.

Never point it at a database others use: it changes customers' owners (that is the point).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="The database (a copy made for this benchmark).")
    parser.add_argument("--repeat", type=int, default=9, help="Timed runs per figure (default 9).")
    parser.add_argument("--in-pool", type=int, default=100_000, help="Customers to put into the pool (100,000).")
    parser.add_argument("--prepare", action="store_true", help="Put customers into the pool again.")
    return parser.parse_args()


# The seeded originals others copy from: this script writes, so it refuses them.
ORIGINALS = {"funnel_crm_bench", "funnel_bench100", "funnel_crm"}


def setup(db):
    if db in ORIGINALS:
        sys.exit(f"{db} is an original benchmark database: make a copy (createdb -T {db} …) and pass that.")
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/funnel_crm")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def secondary_indexes(cursor, table):
    """``(name, CREATE INDEX …)`` of ``table``'s indexes that back no constraint: all but the
    primary key here (the partial unique index on the credit code is an index, not a constraint)."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    )
    return cursor.fetchall()


def prepare(in_pool):
    """The pool and its customers, with bulk UPDATEs. At a million customers an UPDATE of 900k rows
    that keeps the table's ~17 secondary indexes (two trigram GINs among them) up to date row by row
    did not finish in 30 minutes; so, in the same transaction, they are dropped first and built
    again after the UPDATEs (a failure rolls everything back, indexes included)."""
    from django.db import connection, transaction

    from accounts.models import Customer, Pool
    from teams.models import Team

    team = Team.objects.filter(name__startswith="基准测试").order_by("name").first() or Team.objects.first()
    customer = Customer._meta.db_table
    started = time.monotonic()
    with transaction.atomic():
        pool, _created = Pool.objects.get_or_create(
            name="基准公海", defaults={"daily_claim_limit": 10_000, "capacity_rep": 100_000, "capacity_lead": 100_000}
        )
        pool.teams.set([team])
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # The foreign keys are deferred: checked as each row is written, not queued to the
            # commit (a table with pending checks cannot be indexed in the same transaction).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            indexes = secondary_indexes(cursor, customer)
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            dropped = time.monotonic()
            cursor.execute(
                f"UPDATE {customer} SET owner_id = NULL, team_id = NULL, pool_id = %s, previous_owner_id = owner_id, "  # noqa: S608
                f"released_at = now() - (id %% 30) * interval '1 day', returns_on = NULL "
                f"WHERE id IN (SELECT id FROM {customer} WHERE owner_id IS NOT NULL AND team_id <> %s "
                f"ORDER BY id LIMIT %s)",
                [pool.pk, team.pk, in_pool],
            )
            moved = cursor.rowcount
            cursor.execute(
                f"UPDATE {customer} SET pool_id = %s, "  # noqa: S608
                f"returns_on = (now() AT TIME ZONE 'Asia/Shanghai')::date + (id %% 1000)::int - 4 "
                f"WHERE owner_id IS NOT NULL",
                [pool.pk],
            )
            countdowns = cursor.rowcount
            updated = time.monotonic()
            for _name, definition in indexes:
                cursor.execute(definition)
            rebuilt = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {customer}")
    print(
        f"prepared in {time.monotonic() - started:.0f} s: {moved:,} customers into pool {pool.pk} "
        f"(serving {team.name}), {countdowns:,} countdowns stored; {len(indexes)} secondary indexes "
        f"of {customer} dropped ({dropped - started:.0f} s), UPDATEs {updated - dropped:.0f} s, "
        f"indexes rebuilt {rebuilt - updated:.0f} s, VACUUM ANALYZE {time.monotonic() - rebuilt:.0f} s"
    )
    return pool, team


def median_ms(samples):
    return f"{statistics.median(samples) * 1000:.1f} ms (min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f})"


class Rollback(Exception):
    pass


def rolled_back(call):
    """Run ``call`` in a transaction that is rolled back; answers (seconds, result)."""
    from django.db import transaction

    outcome = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            outcome["result"] = call()
            outcome["seconds"] = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return outcome["seconds"], outcome["result"]


def nightly(repeat):
    from django.db import connection
    from django.utils import timezone

    from pipeline.pools.services import due_customers, pool_return_pass

    today = timezone.localdate()
    scan = due_customers(today).filter(locked=False).order_by("returns_on", "pk").values_list("pk", flat=True)
    sql, params = scan.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\nEXPLAIN of the nightly scan:")
        for (line,) in cursor.fetchall():
            print("   ", line)
    samples, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(list(scan.all()))  # .all(): a fresh query each time, not the cached result
        samples.append(time.perf_counter() - started)
    print(f"nightly scan: {rows:,} customers due, {median_ms(samples)}")
    samples, summary = [], {}
    for _ in range(repeat):
        seconds, summary = rolled_back(lambda: pool_return_pass(today=today))
        samples.append(seconds)
    print(f"nightly pass (rolled back each run): {summary}, {median_ms(samples)}")


def pool_page(pool, team, repeat):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.models import Customer
    from teams.models import Role, User

    rep = User.objects.filter(team=team, role=Role.REP, is_active=True).order_by("pk").first()
    waiting = Customer.objects.claimable_by(rep).filter(pool=pool).count()
    page, api = Client(), APIClient()
    page.force_login(rep)
    api.force_authenticate(rep)
    for label, client, url in (
        ("pool page", page, f"/pools/{pool.pk}/"),
        ("pool page, level B", page, f"/pools/{pool.pk}/?level=B"),
        ("pool API list", api, f"/api/v1/pools/{pool.pk}/customers/"),
    ):
        samples, cpu, db, queries = [], [], [], set()
        client.get(url)  # warm
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url, HTTP_HOST="localhost")
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 200, response.status_code
            queries.add(len(captured.captured_queries))
            db.append(sum(float(q["time"]) for q in captured.captured_queries))
        print(
            f"{label} for {rep.username} with {waiting:,} waiting: wall {median_ms(samples)}; "
            f"this process's CPU {statistics.median(cpu) * 1000:.1f} ms, db {statistics.median(db) * 1000:.1f} ms; "
            f"queries {sorted(queries)}"
        )
    return rep


def claim(pool, rep, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Customer
    from pipeline.pools.services import customer_claim

    ids = list(
        Customer.objects.filter(pool=pool, owner__isnull=True)
        .order_by("-released_at", "-id")
        .values_list("pk", flat=True)[: repeat + 1]
    )
    samples, cpu, db, queries = [], [], [], set()
    for index, pk in enumerate(ids):

        def one(pk=pk):
            with CaptureQueriesContext(connection) as captured:
                cpu_started = time.process_time()
                customer = customer_claim(user=rep, customer_id=pk)
                spent = time.process_time() - cpu_started
            return customer, spent, captured.captured_queries

        seconds, (customer, spent, captured) = rolled_back(one)
        assert customer.owner_id == rep.pk
        if index == 0:
            continue  # warm: the first claim of a process compiles its query
        samples.append(seconds)
        cpu.append(spent)
        db.append(sum(float(q["time"]) for q in captured))
        queries.add(len(captured))
    print(
        f"claim (rolled back): wall {median_ms(samples)}; this process's CPU {statistics.median(cpu) * 1000:.1f} ms, "
        f"db {statistics.median(db) * 1000:.1f} ms; queries {sorted(queries)} (with the customer's open projects)"
    )


def main():
    args = parse_args()
    setup(args.db)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from accounts.models import Customer, Pool

    print(f"database {args.db}: {Customer.objects.count():,} customers (machine shared with other engineers)")
    pool = Pool.objects.filter(name="基准公海").first()
    if pool is None or args.prepare:
        pool, team = prepare(args.in_pool)
    else:
        team = pool.teams.first()
    nightly(args.repeat)
    rep = pool_page(pool, team, args.repeat)
    claim(pool, rep, args.repeat)


if __name__ == "__main__":
    main()
