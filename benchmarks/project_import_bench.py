"""Import of existing deals, 2,000 rows: dry run and commit, wall time, rows per second and queries.

    .venv/bin/python benchmarks/project_import_bench.py                    # 2,000 rows, XLSX and GB18030 CSV
    .venv/bin/python benchmarks/project_import_bench.py --rows 5000 --existing-teams 16 --keep
    .venv/bin/python benchmarks/project_import_bench.py --rows 10000 --repeat 9 --formats xlsx
    .venv/bin/python benchmarks/project_import_bench.py --rows 2000 --repeat 3 --formats xlsx --reuse
                                                          # again on the database --keep left (not seeded again)
                                                          # medians of 9 commits, all-or-nothing and valid only

With ``--repeat N`` each commit is timed N times inside a transaction rolled back afterwards, in both modes:
all-or-nothing (duplicates left out, as ``skip_duplicates``) and valid rows only (every ``--bad-every``-th
row given an unreadable budget).

Uses its own PostgreSQL database (``--db``, default ``funnel_crm_bench_project_import``) on the server of
``DATABASE_URL``, created fresh, migrated and dropped at the end unless ``--keep``. It seeds the demo data
and ``--existing-teams`` benchmark teams (``seed_demo --teams N``: their customers and projects are what
the customer look-ups and the duplicate check search), then writes two files of realistic deals of the
demo team — an XLSX and a GB18030 CSV, each ``--rows`` rows, different projects — with Faker zh_CN: the
team's customers by name or credit code, owners by username or display name, stages by Chinese name, English
name or key (a tenth renewals), opened dates over the last six months, budgets spelled 120万 / 1,200,000 /
1.2亿, next contacts in the coming month. As the team's lead it runs ``pipeline.importing.PROJECTS.dry_run``
and ``commit`` on each and prints, per phase, wall time, CPU time of this process (the rest is waiting for
PostgreSQL), peak memory, queries, and rows per second.
"""

import argparse
import datetime
import io
import random
import sys
from collections import Counter

from import_bench import Phase, in_fresh_database, round_trip_ms, timed_commits

TOPICS = ["数据中台", "智慧园区", "供应链协同", "客户服务平台", "财务共享", "安全运维", "私有云", "营销自动化"]
PHASES = ["一期", "二期", "三期", "升级", "扩容", "运维服务"]
FUNDING = ["自有预算", "专项资金", "财政资金", "集团拨款", "", ""]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000, help="Rows (projects) per file (default 2,000).")
    parser.add_argument(
        "--existing-teams", type=int, default=4, help="Benchmark teams seeded besides the demo team (default 4)."
    )
    parser.add_argument("--db", default="funnel_crm_bench_project_import")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards (default: drop it).")
    parser.add_argument(
        "--reuse", action="store_true", help="Use the database --keep left (migrated, not seeded again); keeps it."
    )
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (slower).")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=1, help="Commits per mode, each rolled back (default 1).")
    parser.add_argument("--formats", default="xlsx,csv", help="File formats to run (default xlsx,csv).")
    parser.add_argument("--bad-every", type=int, default=50, help="Valid-only file: every N-th row fails.")
    return parser.parse_args()


class Deals:
    """Rows of the project template for the customers and people of one team."""

    def __init__(self, seed, *, customers, owners, stages):
        from faker import Faker

        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.customers, self.owners, self.stages = customers, owners, stages
        self.used: set[tuple[int, str]] = set()

    def stage_text(self, stage):
        return self.rng.choice([stage.name_zh, stage.name_zh, stage.name_en, stage.key])

    def budget_text(self, yuan):
        return self.rng.choice([f"{yuan // 10_000}万", f"{yuan:,}", f"{yuan}", f"{yuan / 100_000_000:g}亿"])

    def rows(self, count, *, series):
        rng, today = self.rng, datetime.date.today()
        rows = []
        while len(rows) < count:
            customer = rng.choice(self.customers)
            name = f"{rng.choice(TOPICS)}{rng.choice(PHASES)}（{series}-{len(rows) + 1}）"
            if (customer.pk, name) in self.used:
                continue
            self.used.add((customer.pk, name))
            renewal = rng.random() < 0.1
            stage = rng.choice(self.stages["renewal" if renewal else "new_business"])
            yuan = rng.choice([50, 80, 120, 200, 350, 800, 1500, 12000]) * 10_000
            rows.append(
                {
                    "customer": customer.credit_code if customer.credit_code and rng.random() < 0.3 else customer.name,
                    "name": name,
                    "kind": "续费" if renewal else rng.choice(["新签", "新签", "增购", ""]),
                    "stage": self.stage_text(stage),
                    "opened_at": (today - datetime.timedelta(days=rng.randrange(1, 180))).isoformat(),
                    "budget": self.budget_text(yuan) if rng.random() < 0.9 else "",
                    "next_contact_on": (today + datetime.timedelta(days=rng.randrange(0, 30))).isoformat(),
                    "owner": rng.choice(self.owners),
                    "funding_source": rng.choice(FUNDING),
                    "scope": self.fake.sentence() if rng.random() < 0.5 else "",
                }
            )
        return rows


def as_file(rows, fmt):
    from accounts.importing import csv_bytes, xlsx_bytes
    from pipeline.importing import PROJECT_COLUMNS

    headers = [column.header for column in PROJECT_COLUMNS.template]
    values = [[row.get(column.key, "") for column in PROJECT_COLUMNS.template] for row in rows]
    if fmt == "xlsx":
        return xlsx_bytes([("项目", headers, values)])
    return csv_bytes(headers, values).decode("utf-8-sig").encode("gb18030")  # what Excel in China saves


def main():
    in_fresh_database(parse_args(), run)


def run(args):
    from django.core.management import call_command
    from django.db import connection

    from accounts.importing import problems
    from accounts.models import Customer
    from pipeline.importing import PROJECTS
    from pipeline.models import ProjectImport, Stage, StageChange
    from projects.models import Project
    from teams.models import User

    call_command("migrate", verbosity=0)
    if not args.reuse:
        call_command("seed_demo", teams=args.existing_teams, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lead = User.objects.get(username="lead")
    team_users = list(User.objects.filter(team=lead.team, is_active=True))
    owners = ["", *[user.username for user in team_users], *[user.name for user in team_users[:3]]]
    stages = {
        key: list(Stage.objects.active().filter(pipeline__key=key, tier__in=["prospect", "qualified", "high_intent"]))
        for key in ("new_business", "renewal")
    }
    customers = list(Customer.objects.filter(team=lead.team).only("id", "name", "credit_code"))
    print(
        f"{Customer.objects.count():,} customers, {Project.objects.count():,} projects, "
        f"{StageChange.objects.count():,} stage changes; the demo team has {len(customers):,} customers. "
        f"Python {sys.version.split()[0]}. Query round trip (SELECT 1, median of 500): {round_trip_ms():.2f} ms."
    )
    deals = Deals(args.seed, customers=customers, owners=owners, stages=stages)
    print(f"\n{'phase':<16}{'wall s':>8}{'CPU s':>8}{'RSS MB':>10}{'heap MB':>10}{'queries':>9}   result")
    for series, fmt in enumerate(["xlsx", "csv"], start=1):
        if fmt not in args.formats.split(","):
            continue
        rows = deals.rows(args.rows, series=series)
        content = as_file(rows, fmt)
        filename = f"deals-{args.rows}.{fmt}"
        with Phase(f"{fmt} dry run", trace=args.tracemalloc) as phase:
            report = PROJECTS.dry_run(user=lead, content=content, filename=filename)
        counts = report["counts"]
        rate = counts["rows"] / phase.seconds
        print(
            phase.line(
                f"{rate:,.0f} rows/s; {counts['ok']:,} ok, {counts['duplicate']:,} duplicates, {counts['error']:,} "
                f"errors, {counts['warnings']:,} stale warnings"
            )
        )
        if counts["error"]:
            columns = Counter(column for row in report["rows"] for column in row["errors"])
            print(f"    errors by column: {dict(columns)}; e.g. {problems(report, limit=1)[0]}")
        if args.repeat > 1:
            bad = [
                {**row, "budget": "很多"} if index % args.bad_every == args.bad_every - 1 else row
                for index, row in enumerate(rows)
            ]
            for mode, mode_content, valid_only in (("all", content, False), ("valid", as_file(bad, fmt), True)):
                timed_commits(
                    args,
                    f"{fmt} {mode}",
                    lambda content=mode_content, filename=filename: ProjectImport.objects.create(
                        user=lead, filename=filename, content=content
                    ),
                    lambda stored, valid_only=valid_only: PROJECTS.commit(
                        user=lead, stored=stored, skip_duplicates=True, valid_only=valid_only
                    ),
                    records="projects",
                )
            continue
        stored = ProjectImport.objects.create(user=lead, filename=filename, content=content, report=report)
        with Phase(f"{fmt} commit", trace=args.tracemalloc) as phase:
            report = PROJECTS.commit(user=lead, stored=stored, skip_duplicates=True)
        created = len(report["created"])
        print(
            phase.line(
                f"{created / phase.seconds:,.0f} rows/s; committed={report['committed']}, {created:,} projects "
                f"({phase.queries / max(created, 1):.1f} queries per project, the dry run's check included)"
            )
        )
    print(f"\nProjects: {Project.objects.count():,}; stage changes: {StageChange.objects.count():,}.")


if __name__ == "__main__":
    main()
