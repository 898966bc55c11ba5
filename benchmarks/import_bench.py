"""Customer import of 10,000 rows: dry run and commit, wall time, peak memory and queries.

    .venv/bin/python benchmarks/import_bench.py                   # 10,000 rows against ~20,000 existing customers
    .venv/bin/python benchmarks/import_bench.py --vacuum-between  # as above, VACUUM ANALYZE after each commit
    .venv/bin/python benchmarks/import_bench.py --tracemalloc     # also the Python heap peak (runs slower)
    .venv/bin/python benchmarks/import_bench.py --rows 20000 --keep
    .venv/bin/python benchmarks/import_bench.py --repeat 9 --formats xlsx --existing-teams 4
                                                                  # medians of 9 commits per mode

With ``--repeat N`` each commit is timed N times, each inside a transaction rolled back afterwards (so every
repeat imports into the same database), in both modes: all-or-nothing (the file as generated, possible
duplicates confirmed) and valid rows only (the same file with every ``--bad-every``-th row given a bad mobile,
so those customers are left out). The commit is what the background job runs: the check of the file again,
then the bulk write; the job's own overhead (one status row, cache writes) is not in it.

Uses its own PostgreSQL database (``--db``, default ``funnel_crm_bench_import``)
on the server of ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/``),
created fresh, migrated and dropped at the end unless ``--keep``. It seeds
existing customers with ``seed_demo --teams N`` (so duplicate checks have
something to search), then generates two realistic files with Faker zh_CN — an
XLSX and a GB18030 CSV (what Excel in China saves), one row per contact, 1–4
contacts per customer, about 1% of the customers already in the database — and
runs, as the demo team's lead, ``importing.dry_run`` and ``importing.commit``
(confirming the possible duplicates) on each. Per phase it prints wall time, this process's CPU time (the rest is
waiting for PostgreSQL), peak resident memory of the process during the phase
(Linux VmHWM, reset before each phase) and the number of SQL queries; with
``--tracemalloc`` also the peak of Python allocations.
"""

import argparse
import contextlib
import csv
import io
import os
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/funnel_crm"
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
AREA_CODES = ["010", "021", "022", "023", "020", "0571", "0574", "0755", "025", "028", "027", "0512"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="Rows (contacts) per file (default 10,000).")
    parser.add_argument(
        "--existing-teams",
        type=int,
        default=16,
        help="Benchmark teams seeded before importing, 1,200 customers each (default 16).",
    )
    parser.add_argument("--db", default="funnel_crm_bench_import", help="Database (default funnel_crm_bench_import).")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards (default: drop it).")
    parser.add_argument(
        "--reuse", action="store_true", help="Use the database --keep left (migrated, not seeded again); keeps it."
    )
    parser.add_argument("--tracemalloc", action="store_true", help="Also trace Python allocations (slower).")
    parser.add_argument(
        "--vacuum-between",
        action="store_true",
        help="VACUUM ANALYZE the customer tables after each commit, as autovacuum eventually would (without it the "
        "next dry run searches the trigram indexes' GIN pending list of the rows just inserted).",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--repeat", type=int, default=1, help="Commits per mode, each rolled back (default 1; use 9 for medians)."
    )
    parser.add_argument("--formats", default="xlsx,csv", help="File formats to run (default xlsx,csv).")
    parser.add_argument(
        "--profile", action="store_true", help="Profile the (single) commit with cProfile: the top functions."
    )
    parser.add_argument(
        "--bad-every", type=int, default=50, help="Valid-rows-only file: every N-th row fails (default 50)."
    )
    return parser.parse_args()


# --------------------------------------------------------------------------- database


def database_urls(name):
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    if not parts.scheme.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL to a postgres:// URL (any database on the server).")
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def maintenance(url, statement):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def recreate_database(server_url, name):
    from psycopg2 import sql

    maintenance(server_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    maintenance(
        server_url, sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
    )


def drop_database(server_url, name):
    from django.db import connections
    from psycopg2 import sql

    connections.close_all()
    maintenance(server_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# --------------------------------------------------------------------------- data


class Generator:
    """Realistic rows for the import template: Chinese companies, people, regions and codes."""

    def __init__(self, seed):
        from faker import Faker

        from accounts import regions

        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.places = [
            (regions.full_name(p, c, d, sep="-"), regions.name(c) or "")
            for p, _ in regions.provinces()
            for c, _ in regions.cities(p)
            for d, _ in regions.districts(c)
        ]

    def credit_code(self):
        from stdnum.cn import uscc

        body = (
            "91"
            + f"{self.rng.randrange(110000, 660000):06d}"
            + "".join(self.rng.choice(CREDIT_ALPHABET) for _ in range(9))
        )
        return body + uscc.calc_check_digit(body)

    def rows(self, count, *, owners, existing_names):
        rng, fake = self.rng, self.fake
        kinds = [("采购部", "采购"), ("财务部", "财务"), ("信息中心", "技术"), ("总经办", "管理层"), ("生产部", "业务")]
        roles = ["决策者", "关键人", "影响者", "使用者", "把关者", "", ""]
        industries = [
            "制造业",
            "信息传输、软件和信息技术服务业",
            "批发和零售业",
            "建筑业",
            "金融业",
            "教育",
            "医疗",
            "",
        ]
        rows, names = [], set()
        while len(rows) < count:
            region, city = rng.choice(self.places)
            if existing_names and rng.random() < 0.01:
                name = rng.choice(existing_names)
            else:
                words = rng.choice(["科技", "信息技术", "贸易", "机械制造", "建设工程", "医疗器械", "电子", "新材料"])
                brand = fake.company_prefix() + rng.choice(fake.first_name()) + rng.choice(fake.last_name())
                name = f"{city.removesuffix('市')}{brand}{words}{rng.choice(['有限公司', '股份有限公司'])}"
            if name in names:
                continue  # one spelling per company in a file; the same name twice would be one customer
            names.add(name)
            customer = {
                "name": name,
                "credit_code": self.credit_code() if rng.random() < 0.7 else "",
                "industry": rng.choice(industries),
                "level": rng.choice(["重点", "普通", "普通", "非优先"]),
                "source": rng.choice(["转介绍", "陌拜", "展会", "网络", ""]),
                "region": region,
                "address": fake.street_address(),
                "website": f"www.{fake.domain_word()}.cn" if rng.random() < 0.3 else "",
                "notes": fake.sentence() if rng.random() < 0.2 else "",
                "owner": rng.choice(owners),
            }
            contacts = rng.choices([0, 1, 2, 3, 4], weights=[5, 30, 30, 20, 15])[0]
            if contacts == 0:
                rows.append(customer)
            used = set()
            for _ in range(contacts):
                department, kind = rng.choice(kinds)
                person = fake.name()
                if person in used:
                    continue
                used.add(person)
                rows.append(
                    {
                        **customer,
                        "contact_name": person,
                        "department": department,
                        "department_kind": kind,
                        "title": fake.job()[:30],
                        "mobile": fake.phone_number(),
                        "landline": f"{rng.choice(AREA_CODES)}-{rng.randrange(20000000, 89999999)}"
                        if rng.random() < 0.3
                        else "",
                        "email": fake.email() if rng.random() < 0.6 else "",
                        "wechat": f"wx_{fake.user_name()}"[:20] if rng.random() < 0.4 else "",
                        "buying_role": rng.choice(roles),
                        "has_left": "是" if rng.random() < 0.05 else "",
                    }
                )
        return rows[:count]


def as_xlsx(rows):
    import openpyxl

    from accounts.importing import TEMPLATE_COLUMNS

    workbook = openpyxl.Workbook()  # the ordinary mode, like a file saved by Excel
    sheet = workbook.active
    sheet.append([column.header for column in TEMPLATE_COLUMNS])
    for row in rows:
        sheet.append([row.get(column.key, "") or None for column in TEMPLATE_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_gbk_csv(rows):
    from accounts.importing import TEMPLATE_COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in TEMPLATE_COLUMNS])
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in TEMPLATE_COLUMNS])
    return buffer.getvalue().encode("gb18030")


# --------------------------------------------------------------------------- measuring


def _reset_peak_rss():
    """Linux: make VmHWM start again from the current RSS, so each phase reports its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb():
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Phase:
    def __init__(self, name, *, trace):
        self.name, self.trace = name, trace
        self.queries = 0

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        self.rss_reset = _reset_peak_rss()
        if self.trace:
            tracemalloc.start()
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = time.process_time() - self.cpu_started
        self.heap_mb = None
        if self.trace:
            self.heap_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
        self.rss_mb = _peak_rss_mb()
        self._wrapper.__exit__(*exc)
        return False

    def line(self, detail):
        heap = f"{self.heap_mb:8.1f}" if self.heap_mb is not None else "       –"
        rss = f"{self.rss_mb:8.0f}" + ("" if self.rss_reset else "*")
        return (
            f"{self.name:<16}{self.seconds:8.1f}{self.cpu_seconds:8.1f}{rss:>10}{heap:>10}{self.queries:>9,}   {detail}"
        )


def round_trip_ms():
    import statistics

    from django.db import connection

    timings = []
    with connection.cursor() as cursor:
        for _ in range(500):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


# --------------------------------------------------------------------------- main


def in_fresh_database(args, run):
    """``run(args)`` in the database ``args.db``, created fresh and dropped afterwards unless ``args.keep``."""
    url, server_url = database_urls(args.db)
    if getattr(args, "reuse", False):
        print(f"Database {args.db}: reused as it is (migrated, not seeded again).")
        args.keep = True
    else:
        print(f"Database {args.db}: creating, migrating, seeding {args.existing_teams} benchmark teams.")
        recreate_database(server_url, args.db)
    setup_django(url)
    try:
        run(args)
    finally:
        if args.keep:
            print(f"Kept database {args.db}.")
        else:
            drop_database(server_url, args.db)
            print(f"Dropped database {args.db}.")


def main():
    in_fresh_database(parse_args(), run)


def run(args):
    from django.core.management import call_command
    from django.db import connection

    from accounts import importing
    from accounts.models import Contact, Customer, CustomerImport
    from teams.models import User

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    if not args.reuse:
        call_command("seed_demo", teams=args.existing_teams, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print(
        f"Seeded in {time.monotonic() - started:.0f} s: {Customer.objects.count():,} customers, "
        f"{Contact.objects.count():,} contacts. PostgreSQL {pg_version}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs."
    )
    print(
        f"Query round trip (SELECT 1, median of 500): {round_trip_ms():.2f} ms; load average "
        f"{os.getloadavg()[0]:.1f} (other processes on the machine slow every figure below)."
    )

    lead = User.objects.get(username="lead")
    owners = ["", *User.objects.filter(team=lead.team, is_active=True).values_list("username", flat=True)]
    existing_names = list(Customer.objects.order_by("?").values_list("name", flat=True)[:500])
    files = []
    files_rows = {}
    for index, (fmt, writer) in enumerate([("xlsx", as_xlsx), ("csv", as_gbk_csv)]):
        rows = Generator(args.seed + index).rows(args.rows, owners=owners, existing_names=existing_names)
        files_rows[fmt] = rows
        content = writer(rows)
        files.append((fmt, f"customers-{args.rows}.{fmt}", content))
        print(
            f"{fmt.upper()} file: {len(rows):,} rows, {len(content) / 1024 / 1024:.1f} MB"
            + (" (GB18030)" if fmt == "csv" else "")
        )

    print()
    print(f"{'phase':<16}{'wall s':>8}{'CPU s':>8}{'RSS MB':>10}{'heap MB':>10}{'queries':>9}   result")
    before = Customer.objects.count()
    for fmt, filename, content in files:
        if fmt not in args.formats.split(","):
            continue
        with Phase(f"{fmt} dry run", trace=args.tracemalloc) as phase:
            report = importing.dry_run(user=lead, content=content, filename=filename)
        counts = report["counts"]
        print(
            phase.line(
                f"{counts['rows']:,} rows = {counts['customers']:,} customers + {counts['contacts']:,} "
                f"contacts; {counts['ok']:,} ok, {counts['duplicate']:,} possible duplicates, "
                f"{counts['error']:,} errors"
            )
        )
        if counts["error"]:
            columns = Counter(column for row in report["rows"] for column in row["errors"])
            example = next(line for line in importing.problems(report) if "·" in line)
            print(f"    errors by column: {dict(columns)}; e.g. {example}")
        if args.repeat > 1:
            bad = with_bad_rows(files_rows[fmt], every=args.bad_every)
            bad_content = (as_xlsx if fmt == "xlsx" else as_gbk_csv)(bad)
            for mode, mode_content, valid_only in (("all", content, False), ("valid", bad_content, True)):
                # As on the page: the commit's stored import carries its dry run's report.
                mode_report = report
                if mode_content is not content:
                    with Phase(f"{fmt} {mode} dry run", trace=False) as phase:
                        mode_report = importing.dry_run(user=lead, content=mode_content, filename=filename)
                    print(phase.line("the stored report of the commits below"))
                timed_commits(
                    args,
                    f"{fmt} {mode}",
                    lambda content=mode_content, filename=filename, report=mode_report: CustomerImport.objects.create(
                        user=lead, filename=filename, content=content, report=report
                    ),
                    lambda stored, valid_only=valid_only: importing.commit(
                        user=lead, customer_import=stored, confirm_duplicates=True, valid_only=valid_only
                    ),
                    records="customers",
                )
            continue
        customer_import = CustomerImport.objects.create(user=lead, filename=filename, content=content, report=report)
        with Phase(f"{fmt} commit", trace=args.tracemalloc) as phase, profiled(args.profile):
            report = importing.commit(user=lead, customer_import=customer_import, confirm_duplicates=True)
        print(phase.line(f"committed={report['committed']}, {len(report['created']):,} customers created"))
        if args.vacuum_between:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE accounts_customer, accounts_contact")
    print(f"\nCustomers: {before:,} before, {Customer.objects.count():,} after.")
    if not _reset_peak_rss():
        print("* peak RSS is the process maximum so far (no /proc/self/clear_refs here).")


def with_bad_rows(rows, *, every):
    """The rows with every ``every``-th one's mobile made invalid: its customer is left out by valid-only."""
    return [{**row, "mobile": "123"} if index % every == every - 1 else row for index, row in enumerate(rows)]


@contextlib.contextmanager
def profiled(enabled, *, top=35):
    """cProfile around the block when ``enabled``: the top functions by own time and by cumulative time."""
    if not enabled:
        yield
        return
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        for order in ("tottime", "cumulative"):
            pstats.Stats(profile, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(top)


class _Rollback(Exception):
    pass


def timed_commits(args, name, make_stored, commit, *, records):
    """``args.repeat`` commits (``commit(stored)`` on a fresh ``make_stored()``), each rolled back so every
    repeat imports into the same database; prints each and the medians."""
    import statistics

    from django.db import transaction

    walls, cpus, queries, rows = [], [], [], 0
    for repeat in range(args.repeat):
        try:
            with transaction.atomic():
                stored = make_stored()
                with Phase(f"{name} #{repeat + 1}", trace=False) as phase:
                    report = commit(stored)
                raise _Rollback
        except _Rollback:
            pass
        walls.append(phase.seconds)
        cpus.append(phase.cpu_seconds)
        queries.append(phase.queries)
        counts = report["counts"]
        rows = counts["imported"]
        print(
            phase.line(
                f"{rows / phase.seconds:,.0f} rows/s; committed={report['committed']}, "
                f"{len(report['created']):,} {records} from "
                f"{counts['imported']:,} rows, {counts['left_out']:,} rows left out (rolled back)"
            )
        )
    print(
        f"{name + ' median':<16}{statistics.median(walls):8.1f}{statistics.median(cpus):8.1f}{'':>20}"
        f"{int(statistics.median(queries)):>9,}   {rows / statistics.median(walls):,.0f} rows/s; of {args.repeat}: "
        f"wall min {min(walls):.1f} s, max {max(walls):.1f} s; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
