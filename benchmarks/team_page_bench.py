"""The team page (/manage/teams/<id>/): members with their book sizes (customers, open
projects, overdue next contacts) at company scale: median server time and query count.

    .venv/bin/python benchmarks/team_page_bench.py --repeat 9                  # 8 reps × 150 customers
    .venv/bin/python benchmarks/team_page_bench.py --members 60 --repeat 9 --keep

Uses its own PostgreSQL database (``--db``, default ``funnel_crm_bench_team_page``) on the
server of ``DATABASE_URL``, migrated and dropped at the end unless ``--keep``. Seeds a
target team of ``--members`` reps each owning ``--customers`` customers with one open
project each (a third of them overdue), plus ``--other-teams`` teams of the same shape
so the subqueries must pick the team's rows out of a larger table; then requests the
page as an admin (Django test client, in-process) and prints the median, min and max of
``--repeat`` requests and the query count of one.
"""

import argparse
import datetime
import statistics
import sys
import time

from accounts_bench import create_database, database_exists, database_urls, drop_database, setup_django


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--customers", type=int, default=150, help="customers (one open project each) per member")
    parser.add_argument("--other-teams", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--db", default="funnel_crm_bench_team_page")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def seed_team(name, members, customers, today):
    from accounts.models import Customer
    from projects.models import Project
    from teams.models import Team, User

    team, created = Team.objects.get_or_create(name=name)
    if not created:
        return team
    reps = User.objects.bulk_create([User(username=f"{name}-{n:03d}", team=team) for n in range(members)])
    rows = [
        Customer(name=f"{name}客户{rep.pk}-{n:04d}有限公司", owner=rep, team=team, industry="it", level="B")
        for rep in reps
        for n in range(customers)
    ]
    for row in rows:
        row.normalize()
    Customer.objects.bulk_create(rows, batch_size=2_000)
    Project.objects.bulk_create(
        [
            Project(
                customer=c,
                owner_id=c.owner_id,
                team=team,
                name="平台建设",
                next_contact_on=today + datetime.timedelta(days=(n % 3) * 5 - 3),
            )
            for n, c in enumerate(rows)
        ],
        batch_size=2_000,
    )
    return team


def main():
    args = parse_args()
    url, server_url = database_urls(args.db)
    if not database_exists(server_url, args.db):
        create_database(server_url, args.db)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from teams.models import Role, User

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    started = time.perf_counter()
    for n in range(args.other_teams):
        seed_team(f"其他组{n:03d}", args.members, args.customers, today)
    team = seed_team("基准组", args.members, args.customers, today)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    admin = User.objects.filter(username="bench_admin").first() or User.objects.create_user(
        "bench_admin", role=Role.ADMIN
    )
    client = Client()
    client.force_login(admin)
    path = f"/manage/teams/{team.pk}/"
    try:
        assert client.get(path).status_code == 200  # warm-up
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        rows = args.members * args.customers
        head = ("members", "customers", "all rows", "median ms", "min ms", "max ms", "queries")
        print("{:>7} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7}".format(*head))
        print(
            f"{args.members:>7} {rows:>9} {rows * (args.other_teams + 1):>9} {statistics.median(times):>9.1f} "
            f"{min(times):>7.1f} {max(times):>7.1f} {len(queries):>7}"
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database(server_url, args.db)


if __name__ == "__main__":
    sys.exit(main())
