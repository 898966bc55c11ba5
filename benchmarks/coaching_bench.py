"""The coaching figures for one team as the database grows: the funnel computation,
the funnel API and the coaching pages (dashboard, projects behind a number, trend,
weekly review, targets), median server time and query count, with the team's size
and the database's beside them.

    .venv/bin/python benchmarks/coaching_bench.py --keep --teams 100   # about 121,000 projects
    .venv/bin/python benchmarks/coaching_bench.py --keep               # 833 teams: about a million projects

Seeds like ``pipeline_bench.py`` (same database, ``--db`` default
``funnel_crm_bench``; a database seeded for fewer teams is grown, never rebuilt)
and measures in-process with the test client. The demo team ``华东一组`` (the
lead ``lead``, six months of history) is the team measured; the figure must not
grow with the number of other teams. See benchmarks/README.md.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time

from accounts_bench import Timing, prepare, schema_is_current, table
from pipeline_bench import production_templates, row_counts, seed

TARGET_MS = 150  # the budget for the dashboard and the funnel API


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=833, help="Benchmark teams (default 833: about 1M projects).")
    parser.add_argument("--db", default="funnel_crm_bench", help="Database name (default funnel_crm_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database before seeding.")
    parser.add_argument("--repeat", type=int, default=15, help="Timed calls per measurement (default 15).")
    parser.add_argument("--user", default="lead", help="The lead whose team is measured (default lead: 华东一组).")
    parser.add_argument("--only", default="", help="Measure only the labels containing this text.")
    parser.add_argument("--explain", default="", help="EXPLAIN (ANALYZE, BUFFERS) every query of this label.")
    parser.add_argument("--profile", default="", help="Print a cProfile of this label's requests.")
    args = parser.parse_args()
    args.customers, args.customers_per_rep = (args.teams + 1) * 1_200, 150
    return args


def measure(label, call, repeat, note=""):
    """Median wall ms, db ms, queries and this process's CPU ms (templates rendered as in
    production, without the test instrumentation's context copies)."""
    try:
        with production_templates():
            timing = Timing(call, repeat)
            cpu = []
            for _ in range(max(3, repeat // 2)):
                started = time.process_time()
                call()
                cpu.append(time.process_time() - started)
    except Exception as error:  # a page another piece of work has not landed yet must not stop the rest
        return [label, "error", "-", "-", "-", "-", f"{type(error).__name__}: {error}"[:120]]
    status = getattr(timing.result, "status_code", "ok")
    queries = sorted(set(timing.counts))
    median = statistics.median(timing.times) * 1000
    return [
        label,
        str(status),
        f"{median:.1f}" + (" !" if median > TARGET_MS else ""),
        f"{statistics.median(timing.db_times) * 1000:.0f}",
        str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}",
        f"{statistics.median(cpu) * 1000:.0f}",
        note,
    ]


def explain(label, call):
    """EXPLAIN (ANALYZE, BUFFERS) of every query one call runs, slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    with CaptureQueriesContext(connection) as captured:
        call()
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the {len(queries)} queries of {label}, slowest first")
    for number, query in enumerate(queries, 1):
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            print(f"\n#{number} {float(query['time']) * 1000:.1f} ms: {sql[:120]}")
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"\n#{number} {float(query['time']) * 1000:.1f} ms as run: {sql[:400]}{'…' if len(sql) > 400 else ''}")
        for line in plan:
            print("    " + line)


def profile(label, call, repeat):
    with production_templates():
        call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            call()
        profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"\ncProfile of {repeat} calls of {label}: cumulative")
    stats.sort_stats("cumulative").print_stats(os.environ.get("BENCH_FILTER", ""), 40)
    print("by own time")
    stats.sort_stats("tottime").print_stats(25)


def main():
    args = parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    seeded = prepare(
        args,
        seed=seed,
        schema_is_current=lambda: schema_is_current(("accounts", "projects", "pipeline", "coaching")),
    )
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from coaching.funnel import Period, named_period, team_funnel
    from projects.models import Project
    from teams.models import User

    lead = User.objects.get(username=args.user)
    team = lead.team
    today = timezone.localdate()
    month = named_period("this_month", today)
    half_year = Period(today - datetime.timedelta(days=182), today)
    client = Client()
    client.force_login(lead)

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    if seeded is not None:
        print(f"Seeding took {seeded:.0f} s.")
    quick = args.only or args.explain or args.profile
    if not quick:
        counts, version, _buffers, size = row_counts()
        print(f"\n{version}, {os.cpu_count()} CPUs (load {load}); database {size}")
        teams = User.objects.filter(role="lead").count()
        print(
            f"Measured team: {team.name}, {Project.objects.filter(team=team).count():,} projects; "
            f"{teams:,} teams, {Project.objects.count():,} projects in the database."
        )
        table("Rows per table", ["table", "rows", "size with indexes"], [(t, f"{n:,}", s) for t, n, s in counts])

    def url(name, **query):
        try:
            path = reverse(name)
        except NoReverseMatch:
            return None
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    def get(path):
        return client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")

    calls = [
        ("team_funnel(), this month", lambda: team_funnel(team, month)),
        ("team_funnel(), half a year", lambda: team_funnel(team, half_year)),
        ("API /api/v1/coaching/funnel/, this month", lambda: get(f"/api/v1/coaching/funnel/?team={team.pk}")),
        (
            "API funnel, half a year",
            lambda: get(f"/api/v1/coaching/funnel/?team={team.pk}&start={half_year.start}&end={half_year.end}"),
        ),
    ]
    pages = [
        ("dashboard, this month", "coaching:dashboard", {"team": team.pk}),
        (
            "dashboard, half a year",
            "coaching:dashboard",
            {"team": team.pk, "period": "custom", "start": half_year.start, "end": half_year.end},
        ),
        (
            "projects behind a number",
            "coaching:projects",
            {
                "team": team.pk,
                "start": half_year.start,
                "end": half_year.end,
                "metric": "stuck",
                "key": "prospect_to_qualified",
            },
        ),
        ("trend, 12 weeks", "coaching:trend", {"team": team.pk}),
        ("weekly review", "coaching:review", {"team": team.pk}),
        ("targets grid", "coaching:targets", {"team": team.pk}),
        ("notes (team)", "coaching:note_list", {"team": team.pk}),
    ]
    rows = []
    for label, name, query in pages:
        path = url(name, **query)
        if path is None:
            rows.append([label, "no url", "-", "-", "-", "-", name])
            continue
        calls.append((label, lambda path=path: get(path)))
    for label, call in calls:
        if args.explain == label:
            explain(label, call)
        if args.profile == label:
            profile(label, call, args.repeat)
        if args.only in label and not (args.explain or args.profile):
            rows.append(measure(label, call, args.repeat))
    if rows:
        table(
            f"Coaching for {team.name} ({args.user}; median of {args.repeat}; '!' above {TARGET_MS} ms; load {load})",
            ["what", "status", "ms", "db ms", "queries", "CPU ms", "note"],
            rows,
        )
    if not args.keep:
        from accounts_bench import database_urls, drop_database
        from django.db import connections

        connections.close_all()
        drop_database(database_urls(args.db)[1], args.db)


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"\n{time.monotonic() - started:.0f} s in all.", file=sys.stderr)
