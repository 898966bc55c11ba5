"""Customer pages, API and duplicate check against a million customers.

    .venv/bin/python benchmarks/accounts_bench.py                       # 1M customers, drop the database after
    .venv/bin/python benchmarks/accounts_bench.py --keep                # keep it: the next run skips seeding
    .venv/bin/python benchmarks/accounts_bench.py --customers 50000     # a quick run

Uses its own PostgreSQL database (``--db``, default ``funnel_crm_bench``) on the
server of ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/``):
migrates it, runs ``seed_demo --teams N`` until it holds about ``--customers``
customers (the demo team 华东一组 plus benchmark teams of 1,200 customers each),
then measures in-process with Django's test client: median time and query count
of the customer list page and the API for a rep (150 own customers), the lead
(1,200 in the team) and the admin (everything), and ``find_duplicates`` with
``EXPLAIN ANALYZE`` of the queries it runs. See benchmarks/README.md.
"""

import argparse
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/funnel_crm"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="Customers in total (default 1,000,000).")
    parser.add_argument("--customers-per-rep", type=int, default=150, help="Customers per rep (default 150).")
    parser.add_argument("--db", default="funnel_crm_bench", help="Database name (default funnel_crm_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database before seeding.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per measurement (default 20).")
    return parser.parse_args()


# --------------------------------------------------------------------------- database


def database_urls(name):
    """(URL of the benchmark database, URL of the server's maintenance database)."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    if not parts.scheme.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL to a postgres:// URL (any database on the server).")
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def maintenance(url, *statements):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cursor:
            results = []
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall() if cursor.description else None)
    finally:
        conn.close()
    return results


def database_exists(server_url, name):
    [rows] = maintenance(server_url, ("SELECT 1 FROM pg_database WHERE datname = %s", [name]))
    return bool(rows)


def drop_database(server_url, name):
    from psycopg2 import sql

    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    maintenance(server_url, (statement, None))


def create_database(server_url, name):
    from psycopg2 import sql

    statement = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
    maintenance(server_url, (statement, None))


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def schema_is_current(labels=("accounts",)):
    """Migrations edited in place during development leave a kept database behind the models."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for label in labels:
            for model in apps.get_app_config(label).get_models():
                if model._meta.db_table not in tables:
                    return False
                columns = {c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)}
                if {f.column for f in model._meta.concrete_fields} - columns:
                    return False
    return True


# --------------------------------------------------------------------------- seeding


def seed(*, customers, per_rep):
    from django.core.management import call_command
    from django.db import connection

    from accounts.demo import BENCHMARK_TEAM_NAME, customers_needed_teams
    from accounts.models import Customer
    from teams.models import Team

    teams = customers_needed_teams(customers=customers, per_rep=per_rep)
    have = Team.objects.filter(name__in=[BENCHMARK_TEAM_NAME.format(n) for n in range(1, teams + 1)]).count()
    if have == teams and Customer.objects.filter(owner__username="rep1").exists():
        print(f"Reusing the database: {Customer.objects.count():,} customers, {teams} benchmark teams.")
        return None
    print(f"Seeding: the demo team and {teams} benchmark teams ({teams - have} missing), {per_rep} customers per rep.")
    started = time.monotonic()
    call_command("seed_demo", teams=teams, customers_per_rep=per_rep, stdout=sys.stdout)
    seeded = time.monotonic() - started
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeding took {seeded:.0f} s; VACUUM ANALYZE {time.monotonic() - started:.0f} s.")
    return seeded


# --------------------------------------------------------------------------- measuring


class Timing:
    """Timings of ``repeat`` calls after two warm-up calls, and the slowest query of the last call."""

    def __init__(self, call, repeat):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(2):
            call()
        self.times, self.db_times, self.counts = [], [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                self.result = call()
                self.times.append(time.perf_counter() - started)
            queries = captured.captured_queries
            self.counts.append(len(queries))
            self.db_times.append(sum(float(q["time"]) for q in queries))
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        self.slowest = (float(slowest["time"]), slowest["sql"]) if slowest else None


class Measurement:
    def __init__(self, label, *, status, timing=None, rows="", note=""):
        self.label, self.status, self.rows, self.note, self.timing = label, status, rows, note, timing

    def cells(self):
        timing = self.timing
        queries = sorted(set(timing.counts)) if timing else []
        return [
            self.label,
            str(self.status),
            f"{statistics.median(timing.times) * 1000:.1f}" if timing else "-",
            f"{statistics.median(timing.db_times) * 1000:.0f}" if timing else "-",
            "-" if not queries else str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}",
            str(self.rows),
            self.note,
        ]


def measure_get(client, label, url, repeat, rows_of):
    try:
        timing = Timing(lambda: client.get(url), repeat)
    except Exception as error:  # a page being written by someone else must not stop the benchmark
        return Measurement(label, status="error", note=f"{type(error).__name__}: {error}"[:160])
    response = timing.result
    if response.status_code != 200:
        return Measurement(label, status=response.status_code, timing=timing)
    return Measurement(label, status=200, timing=timing, rows=rows_of(response))


def page_rows(response):
    page = (response.context or {}).get("page_obj") if response.context is not None else None
    if page is None:
        return "?"
    return f"{len(page.object_list)} of {page.paginator.count:,} (p{page.number})"


def api_rows(response):
    data = response.json()
    return f"{len(data['results'])} of {data['count']:,}"


def clients():
    from django.test import Client

    from teams.models import User

    personas = {}
    for persona, username in (("rep", "rep1"), ("lead", "lead"), ("admin", "admin")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        personas[persona] = client
    return personas


def measure_pages(personas, repeat):
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("accounts:customer_list")
    except NoReverseMatch:
        return [Measurement("customer list page", status="no URL", note="accounts:customer_list is not routed yet")]
    except Exception as error:  # the URLconf of code being written can fail to import
        return [Measurement("customer list page", status="error", note=f"{type(error).__name__}: {error}"[:160])]
    cases = [
        ("page 1", ""),
        ("last page", "?page=last"),
        ("search q=科技", "?q=科技"),
        ("search q=<contact name>", "?q=王伟"),
        ("filter industry=it", "?industry=it"),
        ("filter completeness=low", "?completeness=low"),
        ("q + filter, last page", "?q=科技&industry=it&page=last"),
    ]
    results = []
    for persona in ("rep", "lead"):
        for name, query in cases:
            results.append(measure_get(personas[persona], f"{persona}: {name}", url + query, repeat, page_rows))
    # The admin's scope is every customer: worth knowing, not in the budget.
    for name, query in (("page 1", ""), ("search q=科技", "?q=科技")):
        results.append(measure_get(personas["admin"], f"admin: {name}", url + query, max(3, repeat // 4), page_rows))
    return results


def measure_api(personas, repeat):
    url = "/api/v1/customers/"
    cases = [
        ("rep", "page_size=50", "?page_size=50"),
        ("rep", "page_size=200", "?page_size=200"),
        ("lead", "page_size=50", "?page_size=50"),
        ("lead", "page_size=200", "?page_size=200"),
        ("lead", "page_size=50, last page", "?page_size=50&page=last"),
        ("lead", "q=科技, page_size=200", "?q=科技&page_size=200"),
    ]
    results = [
        measure_get(personas[persona], f"{persona}: {name}", url + query, repeat, api_rows)
        for persona, name, query in cases
    ]
    results.append(
        measure_get(personas["admin"], "admin: page_size=50", url + "?page_size=50", max(3, repeat // 4), api_rows)
    )
    return results


DUPLICATE_NAMES = [
    ("exact name", "杭州云帆信息科技有限公司"),
    ("near miss: no legal form", "杭州云帆信息科技"),
    ("near miss: typo 科枝", "杭州云帆信息科枝有限公司"),
    ("near miss: 技术 for 科技", "杭州云帆信息技术有限公司"),
    ("other spelling: （杭州）", "云帆信息科技（杭州）有限公司"),
    ("no hit", "乌鲁木齐雪域量子农牧合作社"),
]


def measure_duplicates(repeat):
    """find_duplicates as customer_create calls it: inside a transaction (its trigram threshold is
    set transaction-locally); one case outside a transaction for comparison."""
    from django.db import transaction

    from accounts.selectors import find_duplicates

    def in_transaction(name):
        with transaction.atomic():
            return find_duplicates(name=name)

    cases = [(label, name, in_transaction) for label, name in DUPLICATE_NAMES]
    cases.append(("typo, outside a transaction", DUPLICATE_NAMES[2][1], lambda name: find_duplicates(name=name)))
    results, plans = [], []
    for label, name, call in cases:
        timing = Timing(lambda name=name, call=call: call(name), repeat)
        reasons = {}
        for match in timing.result:
            reasons[match.reason] = reasons.get(match.reason, 0) + 1
        found = ", ".join(f"{n} {reason}" for reason, n in reasons.items()) or "none"
        results.append(Measurement(f"{label}: {name}", status="ok", timing=timing, rows=found))
        if call is in_transaction:
            plans.append((label, name, explain(lambda name=name: find_duplicates(name=name))))
    return results, plans


def explain(call):
    """EXPLAIN ANALYZE every query ``call`` runs, in one transaction: the trigram threshold
    find_duplicates sets is transaction-local."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    plans = []
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        call()
        with connection.cursor() as cursor:
            for query in list(captured.captured_queries):
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT") or "set_config" in sql or "set_limit" in sql:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plans.append((sql, [row[0] for row in cursor.fetchall()]))
    return plans


# --------------------------------------------------------------------------- report


def table(title, headers, rows):
    print(f"\n{title}")
    widths = [max(display_width(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    for line in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(pad(str(cell), width) for cell, width in zip(line, widths, strict=False)).rstrip())


def display_width(text):
    """Terminal columns: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def pad(text, width):
    return text + " " * (width - display_width(text))


SLOW_QUERY = 0.020  # seconds


def shorten_sql(sql):
    """The statement without its column list, which is long and says little."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.DOTALL)[:600]


INDEX_RE = re.compile(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan) (?:using|on) (\S+)")
HEADERS = ["measurement", "status", "median ms", "db ms", "queries", "rows", "note"]


def database_facts():
    from django.db import connection

    from accounts.models import Contact, Customer, Department
    from teams.models import Team, User

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version(), current_setting('shared_buffers'), pg_size_pretty(pg_database_size(current_database()))"
        )
        version, shared_buffers, size = cursor.fetchone()
        cursor.execute(
            """
            SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)), pg_size_pretty(pg_relation_size(c.oid))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname IN ('accounts_customer', 'accounts_department', 'accounts_contact')
            ORDER BY pg_total_relation_size(c.oid) DESC
            """
        )
        tables = cursor.fetchall()
        cursor.execute(
            """
            SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid))
            FROM pg_stat_user_indexes WHERE indexrelname LIKE '%%trgm%%' ORDER BY indexrelname
            """
        )
        trigram = cursor.fetchall()
    counts = {
        "customers": Customer.objects.count(),
        "departments": Department.objects.count(),
        "contacts": Contact.objects.count(),
        "teams": Team.objects.count(),
        "users": User.objects.count(),
    }
    return version.split(" on ")[0], shared_buffers, size, tables, trigram, counts


def prepare(args, *, seed, schema_is_current):
    """Create (or reuse) the benchmark database, migrate and seed it, and switch the test client
    on; ``seed`` and ``schema_is_current`` are the calling script's. Returns what ``seed`` returns."""
    url, server_url = database_urls(args.db)
    if args.fresh:
        drop_database(server_url, args.db)
    if not database_exists(server_url, args.db):
        print(f"Creating database {args.db}.")
        create_database(server_url, args.db)
    setup_django(url)

    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    if not schema_is_current():
        sys.exit(f"Database {args.db} is older than the models (a migration was edited in place): rerun with --fresh.")
    seeded = seed(customers=args.customers, per_rep=args.customers_per_rep)
    setup_test_environment(debug=False)  # test client on, DEBUG off as in production; response.context recorded
    # A failing view is reported in the tables; its traceback in the log would bury them.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    return seeded


def main():
    args = parse_args()
    _url, server_url = database_urls(args.db)
    seeded = prepare(args, seed=seed, schema_is_current=schema_is_current)

    try:
        personas = clients()
        pages = measure_pages(personas, args.repeat)
        api = measure_api(personas, args.repeat)
        duplicates, plans = measure_duplicates(args.repeat)
        version, shared_buffers, size, tables, trigram, counts = database_facts()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server_url, args.db)
            print(f"\nDropped database {args.db} (use --keep to reuse it).")

    print(f"\n{version}, shared_buffers {shared_buffers}, {os.cpu_count()} CPUs")
    print("Rows: " + ", ".join(f"{value:,} {key}" for key, value in counts.items()))
    if seeded is not None:
        print(f"Seeding took {seeded:.0f} s ({counts['customers'] / seeded:,.0f} customers/s with their people).")
    print(f"Database size: {size}; " + "; ".join(f"{name} {total} (table {heap})" for name, total, heap in tables))
    print("Trigram indexes: " + ", ".join(f"{name} {size}" for name, size in trigram))
    table(
        f"Customer list page (median of {args.repeat}; admin {max(3, args.repeat // 4)})",
        HEADERS,
        [m.cells() for m in pages],
    )
    table(f"API /api/v1/customers/ (median of {args.repeat})", HEADERS, [m.cells() for m in api])
    table(
        f"find_duplicates(name=...) against {counts['customers']:,} customers (median of {args.repeat})",
        ["name", "status", "median ms", "db ms", "queries", "found", ""],
        [m.cells() for m in duplicates],
    )
    slow = [m for m in pages + api if m.timing and m.timing.slowest and m.timing.slowest[0] >= SLOW_QUERY]
    if slow:
        print(f"\nSlowest query of each request above that has one of {SLOW_QUERY * 1000:.0f} ms or more")
        for m in slow:
            seconds, sql = m.timing.slowest
            print(f"\n-- {m.label} ({seconds * 1000:.0f} ms)\n   {shorten_sql(sql)}")
    print("\nEXPLAIN ANALYZE of the queries find_duplicates runs")
    for label, name, queries in plans:
        print(f"\n== {label}: {name}")
        for sql, plan in queries:
            used = sorted({match for line in plan for match in INDEX_RE.findall(line)})
            where = sql[sql.upper().find(" WHERE ") :][:160] if " WHERE " in sql.upper() else sql[:160]
            print(f"-- {where} ...")
            print(f"   indexes used: {', '.join(used) or 'none (sequential scan)'}")
            for line in plan:
                print("   " + line)


if __name__ == "__main__":
    main()
