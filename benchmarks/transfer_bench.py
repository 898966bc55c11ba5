"""Book transfer of 1,000 customers with their open projects: wall time and queries.

    .venv/bin/python benchmarks/transfer_bench.py                 # 1,000 customers, 1 open project each
    .venv/bin/python benchmarks/transfer_bench.py --customers 5000 --projects-per-customer 2 --keep

Uses its own PostgreSQL database (``--db``, default ``funnel_crm_bench_transfer``) on
the server of ``DATABASE_URL``, created fresh, migrated and dropped at the end unless
``--keep``. Seeds one leaving rep with N customers (each with open projects) and two
colleagues, then times ``projects.transfers.book_transfer`` round robin to the two:
the dry run, and the real move (rolled back after each timing so every run moves
the same book). Prints the median and the spread of ``--repeat`` runs and the SQL
query count of one run.
"""

import argparse
import statistics
import sys
import time

from accounts_bench import create_database, database_exists, database_urls, drop_database, setup_django


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--projects-per-customer", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default="funnel_crm_bench_transfer")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def seed(customers, per_customer):
    from accounts.models import Customer
    from projects.models import Project
    from teams.models import Role, Team, User

    team, _ = Team.objects.get_or_create(name="移交基准组")
    admin = User.objects.filter(username="bench_admin").first() or User.objects.create_user(
        "bench_admin", role=Role.ADMIN
    )
    leaving = User.objects.filter(username="leaving").first() or User.objects.create_user("leaving", team=team)
    colleagues = [
        User.objects.filter(username=name).first() or User.objects.create_user(name, team=team)
        for name in ("colleague1", "colleague2")
    ]
    have = Customer.objects.filter(owner=leaving).count()
    if have < customers:
        rows = [
            Customer(
                name=f"杭州移交基准{n:06d}科技有限公司",
                owner=leaving,
                team=team,
                industry="it",
                level="B",
                province="330000",
                city="330100",
                district="330106",
            )
            for n in range(have, customers)
        ]
        for row in rows:
            row.normalize()
        Customer.objects.bulk_create(rows, batch_size=1_000)
        Project.objects.bulk_create(
            [
                Project(customer=c, owner=leaving, team=team, name=f"第{k + 1}期平台建设", scope="统一客户数据")
                for c in rows
                for k in range(per_customer)
            ],
            batch_size=1_000,
        )
    return admin, leaving, colleagues


def main():
    args = parse_args()
    url, server_url = database_urls(args.db)
    if not database_exists(server_url, args.db):
        create_database(server_url, args.db)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from projects.transfers import book_transfer

    call_command("migrate", verbosity=0)
    admin, leaving, colleagues = seed(args.customers, args.projects_per_customer)

    class Rollback(Exception):
        pass

    def run(dry_run):
        started, cpu_started = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            try:
                with transaction.atomic():
                    report = book_transfer(
                        actor=admin, from_user=leaving, to_users=colleagues, reason="离职交接", dry_run=dry_run
                    )
                    raise Rollback
            except Rollback:
                pass
        return time.perf_counter() - started, time.process_time() - cpu_started, len(queries), report

    def run_api():
        """POST /api/v1/transfers/ as the admin: over JOB_THRESHOLD customers it answers 202 with the job
        (the job's worker is not run), else 200 with the move done; rolled back either way."""
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(admin)
        body = {"from_user": leaving.pk, "to_users": [u.pk for u in colleagues], "reason": "离职交接"}
        started, cpu_started = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            try:
                with transaction.atomic():
                    response = client.post("/api/v1/transfers/", body, format="json")
                    raise Rollback
            except Rollback:
                pass
        answer = response.json()
        report = answer if response.status_code == 200 else {"customers": [None] * args.customers, "projects": []}
        report["status"] = response.status_code
        return time.perf_counter() - started, time.process_time() - cpu_started, len(queries), report

    try:
        print(
            f"{'phase':<10} {'customers':>9} {'projects':>8} {'median s':>9} {'min s':>7} {'max s':>7} "
            f"{'CPU s':>6} {'queries':>8}"
        )
        for label, runner in (
            ("dry run", lambda: run(True)),
            ("move", lambda: run(False)),
            ("API POST", run_api),
        ):
            runs = [runner() for _ in range(args.repeat)]
            times = [r[0] for r in runs]
            report = runs[0][3]
            status = f"  HTTP {report['status']}" if "status" in report else ""
            print(
                f"{label:<10} {len(report['customers']):>9} {len(report['projects']):>8} "
                f"{statistics.median(times):>9.2f} {min(times):>7.2f} {max(times):>7.2f} "
                f"{statistics.median(r[1] for r in runs):>6.2f} {runs[0][2]:>8}{status}"
            )
    finally:
        connection.close()
        if not args.keep:
            drop_database(server_url, args.db)


if __name__ == "__main__":
    sys.exit(main())
