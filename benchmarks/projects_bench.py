"""Project pages, API and conflict detection against a million projects.

    .venv/bin/python benchmarks/projects_bench.py --keep                # on the kept funnel_crm_bench
    .venv/bin/python benchmarks/projects_bench.py --customers 50000 --db funnel_crm_bench_small   # quick, elsewhere

Uses the database of ``accounts_bench.py`` (``--db``, default ``funnel_crm_bench``,
same server rules and ``--keep`` / ``--fresh`` semantics): migrates it, runs
``seed_demo --teams N`` until the benchmark teams' customers each have a project
(about a million for a million customers; ``projects/demo.py``), then measures
in-process with Django's test client: the project list page, a project page, the
projects and conflicts API and the leads' conflict queue for the demo team's rep
(``rep1``) and lead (``lead``), and ``services.project_create`` on a customer
with open projects (rolled back each time) with ``EXPLAIN ANALYZE`` of the
queries its conflict detection runs. See benchmarks/README.md.
"""

import argparse
import os
import statistics
import sys
import time

from accounts_bench import (
    HEADERS,
    INDEX_RE,
    SLOW_QUERY,
    Measurement,
    Timing,
    api_rows,
    database_urls,
    drop_database,
    measure_get,
    page_rows,
    prepare,
    schema_is_current,
    shorten_sql,
    table,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="Customers in total (default 1,000,000).")
    parser.add_argument("--customers-per-rep", type=int, default=150, help="Customers per rep (default 150).")
    parser.add_argument("--db", default="funnel_crm_bench", help="Database name (default funnel_crm_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database before seeding.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per measurement (default 20).")
    return parser.parse_args()


# --------------------------------------------------------------------------- seeding


def seed(*, customers, per_rep):
    """seed_demo until every benchmark customer has a project; the seconds it took, or None if nothing was missing."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Exists, OuterRef

    from accounts.demo import BENCHMARK_TEAM_NAME, customers_needed_teams
    from accounts.models import Customer
    from projects.models import Project
    from teams.models import Team

    teams = customers_needed_teams(customers=customers, per_rep=per_rep)
    names = [BENCHMARK_TEAM_NAME.format(n) for n in range(1, teams + 1)]
    complete = (
        Team.objects.filter(name__in=names).count() == teams
        and Project.objects.filter(owner__username="rep1").exists()
        and not Customer.objects.filter(team__name__in=names)
        .exclude(Exists(Project.objects.filter(customer=OuterRef("pk"))))
        .exists()
    )
    if complete:
        print(f"Reusing the database: {teams} benchmark teams, every customer with a project.")
        return None
    print(f"Seeding: seed_demo --teams {teams} --customers-per-rep {per_rep} (what is there is kept).")
    started = time.monotonic()
    call_command("seed_demo", teams=teams, customers_per_rep=per_rep, stdout=sys.stdout)
    seeded = time.monotonic() - started
    started = time.monotonic()
    with connection.cursor() as cursor:
        # COPY leaves the visibility map empty (index-only scans need a VACUUM), and
        # seed_demo may have added users and customers too: without fresh statistics on
        # teams_user the planner guessed 594 users for 7,507 and turned the lead's
        # customer list into a 1.5 s nested loop over every customer.
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeding took {seeded:.0f} s; VACUUM ANALYZE {time.monotonic() - started:.0f} s.")
    return seeded


# --------------------------------------------------------------------------- measuring


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
    url = "/projects/"
    cases = [
        ("page 1", ""),
        ("last page", "?page=last"),
        ("search q=数据", "?q=数据"),
        ("has_conflict=true", "?has_conflict=true"),
        ("completeness=low", "?completeness=low"),
    ]
    results = []
    for persona in ("rep", "lead"):
        for name, query in cases:
            results.append(measure_get(personas[persona], f"{persona}: {name}", url + query, repeat, page_rows))
    # The admin's scope is every project: worth knowing, not in the budget.
    results.append(measure_get(personas["admin"], "admin: page 1", url, max(3, repeat // 4), page_rows))
    return results


def showcase_project():
    """The rep's project with the largest buying committee and procurement list."""
    from django.db.models import Count

    from projects.models import Project

    return (
        Project.objects.filter(owner__username="rep1")
        .annotate(
            n_items=Count("procurement_items", distinct=True),
            n_seats=Count("stakeholders", distinct=True),
            n_milestones=Count("milestones", distinct=True),
        )
        .filter(n_items__gt=0, n_seats__gt=0)
        .order_by("-n_seats", "-n_items", "pk")
        .first()
    )


def measure_detail(personas, repeat):
    project = showcase_project()
    if project is None:
        return [Measurement("project page", status="no project", note="rep1 has no project with items and committee")]
    rows = f"{project.n_items} items, {project.n_seats} seats"
    url = f"/projects/{project.pk}/"
    return [
        measure_get(personas[persona], f"{persona}: /projects/{project.pk}/", url, repeat, lambda response: rows)
        for persona in ("rep", "lead")
    ]


def measure_api(personas, repeat):
    cases = [
        ("rep", "projects page_size=50", "/api/v1/projects/?page_size=50"),
        ("rep", "projects page_size=200", "/api/v1/projects/?page_size=200"),
        ("lead", "projects page_size=50", "/api/v1/projects/?page_size=50"),
        ("lead", "projects page_size=200", "/api/v1/projects/?page_size=200"),
        ("lead", "projects has_conflict=true", "/api/v1/projects/?has_conflict=true&page_size=200"),
        ("lead", "conflicts", "/api/v1/conflicts/"),
        ("lead", "conflicts page_size=200", "/api/v1/conflicts/?page_size=200"),
    ]
    results = [
        measure_get(personas[persona], f"{persona}: {name}", url, repeat, api_rows) for persona, name, url in cases
    ]
    results.append(
        measure_get(
            personas["admin"],
            "admin: projects page_size=50",
            "/api/v1/projects/?page_size=50",
            max(3, repeat // 4),
            api_rows,
        )
    )
    return results


def measure_conflict_queue(personas, repeat):
    return [
        measure_get(personas["lead"], "lead: /conflicts/", "/conflicts/", repeat, page_rows),
        measure_get(
            personas["lead"], "lead: /conflicts/?status=resolved", "/conflicts/?status=resolved", repeat, page_rows
        ),
    ]


def same_query_count(api, persona):
    counts = [set(m.timing.counts) for m in api if m.timing and m.label.startswith(f"{persona}: projects page_size=")]
    return len(counts) == 2 and counts[0] == counts[1] and len(counts[0]) == 1


def detection_cases():
    """(label, user, customer) for project_create: a benchmark customer with one open project (another rep of
    the team creates: a shared-customer conflict is recorded), and one with two (the owner creates)."""
    from django.db.models import Count, Q

    from accounts.models import Customer
    from teams.models import Role, User

    open_projects = Count("projects", filter=Q(projects__closed_at__isnull=True))
    cases = []
    for label, wanted in (("1 open project, other rep", 1), ("2 open projects, owner", 2)):
        customer = (
            Customer.objects.filter(team__name="基准测试0001组")
            .annotate(n=open_projects)
            .filter(n=wanted)
            .select_related("owner")
            .order_by("pk")
            .first()
        )
        if customer is None:
            continue
        user = customer.owner
        if wanted == 1:
            user = (
                User.objects.filter(team_id=customer.team_id, role=Role.REP)
                .exclude(pk=customer.owner_id)
                .order_by("pk")
            ).first()
        cases.append((label, user, customer))
    return cases


NEW_PROJECT = "基准测试：新建项目"


def create_rolled_back(user, customer, *, report=False):
    """project_create as the page and API call it, undone afterwards; with ``report``, the conflicts it recorded."""
    from django.db import transaction

    from projects import services
    from projects.models import Conflict

    with transaction.atomic():
        project = services.project_create(user=user, customer=customer, data={"name": NEW_PROJECT})
        recorded = list(Conflict.objects.filter(project_a=project).values_list("kind", flat=True)) if report else None
        transaction.set_rollback(True)
    return recorded


def measure_detection(repeat):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from projects import services
    from projects.models import Project

    results, plans = [], []
    for label, user, customer in detection_cases():
        open_count = Project.objects.open().filter(customer=customer).count()

        def call(user=user, customer=customer):
            return create_rolled_back(user, customer)

        timing = Timing(call, repeat)
        # What one call records (read inside its transaction, before the rollback).
        recorded = ", ".join(create_rolled_back(user, customer, report=True)) or "none"
        results.append(
            Measurement(
                f"project_create: {label}",
                status="ok",
                timing=timing,
                rows=f"{open_count} open on customer {customer.pk}; records: {recorded}",
            )
        )
        queries = []
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            services.project_create(user=user, customer=customer, data={"name": NEW_PROJECT})
            with connection.cursor() as cursor:
                for query in list(captured.captured_queries):
                    sql = query["sql"]
                    if not sql.lstrip().upper().startswith("SELECT") or "projects_" not in sql:
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    queries.append((sql, [row[0] for row in cursor.fetchall()]))
            transaction.set_rollback(True)
        plans.append((label, queries))
    return results, plans


# --------------------------------------------------------------------------- report


def database_facts():
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Customer
    from projects.models import ChecklistTick, Conflict, ProcurementItem, Project, Stakeholder
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
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'projects\\_%%'
              AND c.relname NOT LIKE 'projects\\_historical%%'
            ORDER BY pg_total_relation_size(c.oid) DESC
            """
        )
        tables = cursor.fetchall()
    projects = Project.objects.count()
    counts = {
        "customers": Customer.objects.count(),
        "projects": projects,
        "open projects": Project.objects.open().count(),
        "procurement items": ProcurementItem.objects.count(),
        "committee seats": Stakeholder.objects.count(),
        "checklist ticks": ChecklistTick.objects.count(),
        "conflicts": Conflict.objects.count(),
        "teams": Team.objects.count(),
        "users": User.objects.count(),
    }
    kinds = dict(Conflict.objects.order_by().values_list("kind").annotate(n=Count("pk")))
    bands = Project.objects.aggregate(
        low=Count("pk", filter=_band(0, 39)),
        medium=Count("pk", filter=_band(40, 69)),
        high=Count("pk", filter=_band(70, 100)),
    )
    return version.split(" on ")[0], shared_buffers, size, tables, counts, kinds, bands


def _band(low, high):
    from django.db.models import Q

    return Q(checklist_score__gte=low, checklist_score__lte=high)


def is_detection(sql):
    """The queries of services.project_detect_conflicts: the customer's other open projects, and the conflict's key."""
    return '"projects_project"."closed_at" IS NULL' in sql or '"projects_conflict"."key" =' in sql


def print_plans(plans):
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the project queries project_create runs, in its transaction")
    print("(full plans for the conflict detection queries, the indexes used for the others)")
    for label, queries in plans:
        print(f"\n== {label}")
        for sql, plan in queries:
            used = sorted({match for line in plan for match in INDEX_RE.findall(line)})
            scans = sorted({line.split("Seq Scan on ")[1].split()[0] for line in plan if "Seq Scan on " in line})
            where = sql[sql.upper().find(" FROM ") :][:220]
            print(f"-- {'[conflict detection] ' if is_detection(sql) else ''}SELECT …{where} ...")
            print(f"   indexes used: {', '.join(used) or 'none'}; sequential scans: {', '.join(scans) or 'none'}")
            if is_detection(sql):
                for line in plan:
                    print("   " + line)


def main():
    args = parse_args()
    _url, server_url = database_urls(args.db)
    seeded = prepare(args, seed=seed, schema_is_current=lambda: schema_is_current(("accounts", "projects")))

    try:
        personas = clients()
        pages = measure_pages(personas, args.repeat)
        detail = measure_detail(personas, args.repeat)
        api = measure_api(personas, args.repeat)
        queue = measure_conflict_queue(personas, args.repeat)
        detection, plans = measure_detection(args.repeat)
        version, shared_buffers, size, tables, counts, kinds, bands = database_facts()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server_url, args.db)
            print(f"\nDropped database {args.db} (use --keep to reuse it).")

    print(f"\n{version}, shared_buffers {shared_buffers}, {os.cpu_count()} CPUs")
    print("Rows: " + ", ".join(f"{value:,} {key}" for key, value in counts.items()))
    print("Conflicts by kind: " + ", ".join(f"{n:,} {kind}" for kind, n in sorted(kinds.items())))
    print("Checklist completeness: " + ", ".join(f"{n:,} {band}" for band, n in bands.items()))
    if seeded is not None:
        print(f"Seeding took {seeded:.0f} s.")
    print(f"Database size: {size}; " + "; ".join(f"{name} {total} (table {heap})" for name, total, heap in tables))
    title = f"Project list page /projects/ (median of {args.repeat}; admin {max(3, args.repeat // 4)})"
    table(title, HEADERS, [m.cells() for m in pages])
    table(f"Project page (median of {args.repeat})", HEADERS, [m.cells() for m in detail])
    table(f"API (median of {args.repeat})", HEADERS, [m.cells() for m in api])
    for persona in ("rep", "lead"):
        verdict = "yes" if same_query_count(api, persona) else "NO"
        print(f"  {persona}: the same number of queries for page_size 50 and 200: {verdict}")
    table(f"Conflict queue page (median of {args.repeat})", HEADERS, [m.cells() for m in queue])
    table(
        f"services.project_create with conflict detection, rolled back (median of {args.repeat})",
        HEADERS,
        [m.cells() for m in detection],
    )
    slow = [
        m for m in pages + detail + api + queue if m.timing and m.timing.slowest and m.timing.slowest[0] >= SLOW_QUERY
    ]
    if slow:
        print(f"\nSlowest query of each request above that has one of {SLOW_QUERY * 1000:.0f} ms or more")
        for m in slow:
            seconds, sql = m.timing.slowest
            print(f"\n-- {m.label} ({seconds * 1000:.0f} ms)\n   {shorten_sql(sql)}")
    print_plans(plans)
    medians = [statistics.median(m.timing.times) for m in detection if m.timing]
    if medians:
        print(f"\nproject_create median: {', '.join(f'{t * 1000:.1f} ms' for t in medians)}")


if __name__ == "__main__":
    main()
