"""The audit log at 10 million entries: its page and ``GET /api/v1/audit/``, unfiltered and
filtered by actor, action and date, median server time and query count.

    .venv/bin/python benchmarks/admin_bench.py --keep                 # 10M entries; keep them for next time
    .venv/bin/python benchmarks/admin_bench.py --entries 1000000      # a quicker run

Uses its own PostgreSQL database (``--db``, default ``funnel_admin_bench``) on the server of
``DATABASE_URL``: migrates it, creates 50 users, and fills the log with ``INSERT ... SELECT
generate_series`` (entries spread over two years, 50 actors, every action), then ``VACUUM
ANALYZE`` and measures in-process with Django's test client. See benchmarks/README.md.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts_bench import create_database, database_exists, database_urls, drop_database, setup_django


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000_000, help="Audit entries (default 10,000,000).")
    parser.add_argument("--db", default="funnel_admin_bench", help="Database name (default funnel_admin_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database first.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed requests per figure (default 5).")
    return parser.parse_args()


def seed(entries):
    from django.core.management import call_command
    from django.db import connection

    from teams.audit import AuditAction
    from teams.models import Role, User

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="bench_admin").exists():
        User.objects.create_user(username="bench_admin", password="bench-Passw0rd", role=Role.ADMIN)
        User.objects.bulk_create([User(username=f"bench_user{n:02d}", role=Role.REP) for n in range(49)])
    have = connection.cursor()
    have.execute("SELECT count(*) FROM teams_auditentry")
    missing = entries - have.fetchone()[0]
    if missing > 0:
        started = time.perf_counter()
        ids = list(User.objects.order_by("id").values_list("id", flat=True))
        actions = [choice.value for choice in AuditAction]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO teams_auditentry (at, actor_id, actor_repr, action, target_id, target_repr,
                                              summary, detail, ip, user_agent)
                SELECT now() - (n %% 730) * interval '1 day' - (n %% 86400) * interval '1 second',
                       (%(ids)s::bigint[])[1 + n %% %(users)s], 'user ' || (n %% %(users)s),
                       (%(actions)s::text[])[1 + n %% %(kinds)s], (n %% 100000)::text, 'target ' || (n %% 100000),
                       n || ' rows', '{}'::jsonb, '10.0.0.1'::inet, 'bench'
                FROM generate_series(1, %(missing)s) AS n
                """,
                {"ids": ids, "users": len(ids), "actions": actions, "kinds": len(actions), "missing": missing},
            )
            cursor.execute("VACUUM ANALYZE teams_auditentry")
        print(f"seeded {missing:,} entries in {time.perf_counter() - started:.0f} s")


def measure(client, url, params, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(times), queries


def main():
    args = parse_args()
    url, server = database_urls(args.db)
    if args.fresh and database_exists(server, args.db):
        drop_database(server, args.db)
    if not database_exists(server, args.db):
        create_database(server, args.db)
    setup_django(url)
    try:
        seed(args.entries)
        from django.conf import settings
        from django.test import Client
        from django.utils import timezone

        from teams.audit import AuditEntry
        from teams.models import User

        settings.ALLOWED_HOSTS = ["*"]
        admin = User.objects.get(username="bench_admin")
        actor = User.objects.exclude(pk=admin.pk).order_by("id").first()
        page = Client()
        page.force_login(admin)
        api = Client()
        api.force_login(admin)
        today = timezone.localdate().isoformat()
        total = AuditEntry.objects.count()
        print(f"audit entries: {total:,}  (median of {args.repeat} requests, server time in-process)")
        cases = [
            ("unfiltered", {}),
            ("page 100", {"page": 100}),
            ("actor", {"actor": actor.pk}),
            ("action", {"action": "export"}),
            ("actor+action+day", {"actor": actor.pk, "action": "export", "start": today, "end": today}),
            ("one day", {"start": today, "end": today}),
        ]
        print(f"{'what':<10} {'filter':<18} {'ms':>9} {'queries':>8}")
        for label, base in (("page", "/manage/audit/"), ("api", "/api/v1/audit/")):
            for name, params in cases:
                ms, queries = measure(page if label == "page" else api, base, params, args.repeat)
                print(f"{label:<10} {name:<18} {ms:>9.0f} {queries:>8}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server, args.db)


if __name__ == "__main__":
    main()
