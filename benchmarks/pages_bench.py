"""The pages reps open most, at benchmark scale: the project page (an ordinary
project and one with 500 events), the customer page, My day, the board and a
project's timeline page, for a rep and for a lead.

    .venv/bin/python benchmarks/pages_bench.py --keep --teams 100           # about 121,000 projects
    .venv/bin/python benchmarks/pages_bench.py --keep --teams 100 --profile "rep: /my-day/"
    .venv/bin/python benchmarks/pages_bench.py --keep --teams 100 --only "page"   # the project and customer pages
    .venv/bin/python benchmarks/pages_bench.py --keep --teams 100 --profile "rep: project page" --templates

Seeds (or reuses) the database exactly as ``pipeline_bench.py`` does (same ``--db``,
``--teams``, ``--keep`` / ``--fresh`` rules, the same personas and the same 500-event
project, given its events once), but measures only pages: median wall time, db time,
query count (a range if it varied) and this process's CPU time per request. On a
machine shared with other work the wall time includes waiting for a CPU: compare
the CPU and query columns between runs. ``--profile`` prints where the CPU time of
one measurement (its label as printed) goes, by cProfile; with ``--templates``, the CPU
per request and each template's share of it instead. See benchmarks/README.md.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import Counter

from accounts_bench import (
    HEADERS,
    database_urls,
    drop_database,
    prepare,
    schema_is_current,
    table,
)
from pipeline_bench import (
    event_counts,
    get,
    personas,
    production_templates,
    row_counts,
    rows_of_board,
    rows_of_my_day,
    seed,
    showcase_project,
)

# Targets of issues 9 and 14 (median server ms); a figure above its target is marked.
TARGETS = {
    "/my-day/": {"rep": 50, "rep20": 50, "lead": 120},
    "project page": {"rep": 50, "lead": 50},
    "customer page": {"rep": 50, "lead": 50},
    "timeline page": {"rep": 60},
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=100, help="Benchmark teams (default 100: about 121,000 projects).")
    parser.add_argument("--db", default="funnel_crm_bench", help="Database name (default funnel_crm_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database before seeding.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per measurement (default 20).")
    parser.add_argument("--profile", default="", help="Print a cProfile of this measurement (its label).")
    parser.add_argument(
        "--templates",
        action="store_true",
        help="With --profile: instead of cProfile, this process's CPU per request and the time of each template.",
    )
    parser.add_argument("--only", default="", help="Measure only the labels containing this text (e.g. 'page').")
    args = parser.parse_args()
    args.customers, args.customers_per_rep = (args.teams + 1) * 1_200, 150
    return args


def ordinary_project(rep, exclude):
    """rep1's open project with the largest buying committee and procurement list (not the 500-event one)."""
    from django.db.models import Count

    from projects.models import Project

    return (
        Project.objects.open()
        .filter(owner=rep)
        .exclude(pk=exclude)
        .annotate(seats=Count("stakeholders", distinct=True), items=Count("procurement_items", distinct=True))
        .order_by("-seats", "-items", "pk")
        .first()
    )


def busiest_customer(rep):
    """rep1's customer with the most people."""
    from django.db.models import Count

    from accounts.models import Customer

    return Customer.objects.filter(owner=rep).annotate(people=Count("contacts")).order_by("-people", "pk").first()


def cases(users, project, showcase, customer):
    """(label, persona, url, rows, target key) of every measurement."""
    events = event_counts(showcase)
    described = f"{sum(events.values())} events"
    people = customer.contacts.count()
    offered = project.customer.contacts.count()  # the contact form's choices
    seats = project.stakeholders.count()
    out = []
    for persona in ("rep", "rep20", "lead"):
        out.append((f"{persona}: /my-day/", persona, "/my-day/", rows_of_my_day, "/my-day/"))
    for persona in ("rep", "rep20", "lead"):
        out.append((f"{persona}: /board/", persona, "/board/", rows_of_board, None))
    for persona in ("rep", "lead"):
        out.append(
            (
                f"{persona}: project page",
                persona,
                f"/projects/{project.pk}/",
                lambda r, s=seats: f"{s} committee seats",
                "project page",
            )
        )
        out.append(
            (
                f"{persona}: project page, 500 events",
                persona,
                f"/projects/{showcase.pk}/",
                lambda r: described,
                "project page",
            )
        )
        out.append(
            (
                f"{persona}: customer page",
                persona,
                customer.get_absolute_url(),
                lambda r, n=people: f"{n} people",
                "customer page",
            )
        )
    # The page loads its forms when opened: the contact log's (the customer's people as choices),
    # as a click without JavaScript gets it (the whole page with that form open).
    out.append(
        (
            "rep: project page, contact form open",
            "rep",
            f"/projects/{project.pk}/pipeline/activities/",
            lambda r, n=offered: f"{n} people",
            None,
        )
    )
    out.append(
        (
            "rep: timeline page, 500 events",
            "rep",
            f"/projects/{showcase.pk}/pipeline/changes/",
            lambda r: described,
            "timeline page",
        )
    )
    return out


def template_times(client, url, repeat):
    """CPU per request and each template's rendering time per request: its own (without the
    templates it includes) and in all. Cheaper than cProfile, so the shares stay true."""
    from django.template import Template

    own, total, calls, stack = Counter(), Counter(), Counter(), []
    plain = Template._render

    def timed(template, context):
        start = time.perf_counter()
        stack.append(0.0)
        try:
            return plain(template, context)
        finally:
            spent, inner = time.perf_counter() - start, stack.pop()
            own[template.name] += spent - inner
            total[template.name] += spent
            calls[template.name] += 1
            if stack:
                stack[-1] += spent

    client.get(url)  # warm: the template loader's cache, the configuration cache
    Template._render = timed
    try:
        cpu = time.process_time()
        for _ in range(repeat):
            client.get(url)
        cpu = (time.process_time() - cpu) / repeat * 1000
    finally:
        Template._render = plain
    print(f"\n{url}: this process's CPU {cpu:.1f} ms a request; templates {sum(own.values()) / repeat * 1000:.1f} ms")
    print(f"{'own ms':>7} {'all ms':>7} {'calls':>6}  template")
    for name, spent in own.most_common(25):
        print(f"{spent / repeat * 1000:7.2f} {total[name] / repeat * 1000:7.2f} {calls[name] / repeat:6.1f}  {name}")


def profile(client, url, repeat):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"\ncProfile of {repeat} requests of {url}: cumulative")
    stats.sort_stats("cumulative").print_stats(os.environ.get("BENCH_FILTER", ""), 30)
    print("by own time")
    stats.sort_stats("tottime").print_stats(20)
    if os.environ.get("BENCH_CALLERS"):
        stats.print_callers(os.environ["BENCH_CALLERS"])


def explain_slowest(measured):
    """The slowest query of the last request of each measurement, with its plan
    (EXPLAIN ANALYZE): issue 14 wants no sequential scan, nothing growing with the database."""
    from django.db import connection

    print("\nSlowest query of each project and customer page measurement (last request), EXPLAIN ANALYZE")
    for m in measured:
        if not m.timing or not m.timing.slowest:
            continue
        seconds, sql = m.timing.slowest
        if sql.startswith("DECLARE"):  # a server-side cursor (a form's choices): its SELECT
            sql = sql[sql.index(" FOR ") + len(" FOR ") :]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        seq = [line.strip() for line in plan if "Seq Scan" in line]
        print(f"\n{m.label}: {seconds * 1000:.1f} ms; sequential scans: {'; '.join(seq) or 'none'}")
        print("  " + sql[:300] + ("…" if len(sql) > 300 else ""))
        for line in plan:
            print("    " + line)


def main():
    args = parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    _url, server_url = database_urls(args.db)
    prepare(args, seed=seed, schema_is_current=lambda: schema_is_current(("accounts", "projects", "pipeline")))
    try:
        counts, version, shared_buffers, size = row_counts()
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"\n{version}, shared_buffers {shared_buffers}, {os.cpu_count()} CPUs (load {load}); database {size}")
        shown = ("projects_project", "accounts_contact")
        print("Rows: " + ", ".join(f"{n:,} {t}" for t, n, _s in counts if t in shown))
        users, clients, open_counts = personas()
        who = [f"{p} = {users[p].username} ({open_counts[p]:,} open projects)" for p in ("rep", "rep20", "lead")]
        print("Personas: " + ", ".join(who))
        showcase = showcase_project(users["rep"])
        project = ordinary_project(users["rep"], showcase.pk)
        customer = busiest_customer(users["rep"])
        print(f"Projects {project.pk} (ordinary) and {showcase.pk} (500 events); customer {customer.pk}.")
        measured, summary = [], []
        for label, persona, url, rows, target_key in cases(users, project, showcase, customer):
            if (args.profile and args.profile != label) or (args.only and args.only not in label):
                continue
            if args.profile:
                with production_templates():
                    (template_times if args.templates else profile)(clients[persona], url, args.repeat)
                return
            m = get(clients[persona], label, url, args.repeat, rows)
            measured.append(m)
            target = TARGETS.get(target_key, {}).get(persona) if target_key else None
            ms = statistics.median(m.timing.times) * 1000 if m.timing else None
            queries = sorted(set(m.timing.counts)) if m.timing else []
            verdict = "" if target is None or ms is None else ("ok" if ms <= target else "MISSED")
            summary.append(
                (
                    label,
                    "-" if ms is None else f"{ms:.1f}",
                    "-" if not m.timing else f"{statistics.median(m.timing.db_times) * 1000:.0f}",
                    "/".join(map(str, queries)) or "-",
                    m.note.removeprefix("app CPU ").removesuffix(" ms"),
                    "-" if target is None else f"≤ {target}",
                    verdict,
                )
            )
        table(f"Pages (median of {args.repeat})", HEADERS, [m.cells() for m in measured])
        table(
            "Summary (median wall ms, db ms, queries, this process's CPU ms per request)",
            ["figure", "ms", "db ms", "queries", "app CPU ms", "target", ""],
            summary,
        )
        print(f"  Load average at the end: {', '.join(f'{n:.1f}' for n in os.getloadavg())} ({os.cpu_count()} CPUs).")
        explain_slowest([m for m in measured if "project page" in m.label or "customer page" in m.label])
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server_url, args.db)
            print(f"\nDropped database {args.db} (use --keep to reuse it).")


if __name__ == "__main__":
    main()
