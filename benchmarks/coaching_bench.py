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
import datetime
import os
import statistics
import sys
import time

from accounts_bench import Timing, prepare, schema_is_current, table
from pipeline_bench import row_counts, seed

TARGET_MS = 150  # the budget for the dashboard and the funnel API


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=833, help="Benchmark teams (default 833: about 1M projects).")
    parser.add_argument("--db", default="funnel_crm_bench", help="Database name (default funnel_crm_bench).")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run (default: drop it).")
    parser.add_argument("--fresh", action="store_true", help="Drop and recreate the database before seeding.")
    parser.add_argument("--repeat", type=int, default=15, help="Timed calls per measurement (default 15).")
    args = parser.parse_args()
    args.customers, args.customers_per_rep = (args.teams + 1) * 1_200, 150
    return args


def measure(label, call, repeat, note=""):
    try:
        timing = Timing(call, repeat)
    except Exception as error:  # a page another piece of work has not landed yet must not stop the rest
        return [label, "error", "-", "-", "-", f"{type(error).__name__}: {error}"[:120]]
    status = getattr(timing.result, "status_code", "ok")
    queries = sorted(set(timing.counts))
    median = statistics.median(timing.times) * 1000
    return [
        label,
        str(status),
        f"{median:.1f}" + (" !" if median > TARGET_MS else ""),
        f"{statistics.median(timing.db_times) * 1000:.0f}",
        str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}",
        note,
    ]


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

    lead = User.objects.get(username="lead")
    team = lead.team
    today = timezone.localdate()
    month = named_period("this_month", today)
    half_year = Period(today - datetime.timedelta(days=182), today)
    client = Client()
    client.force_login(lead)

    counts, version, _buffers, size = row_counts()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n{version}, {os.cpu_count()} CPUs (load {load}); database {size}")
    if seeded is not None:
        print(f"Seeding took {seeded:.0f} s.")
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

    rows = [
        measure("team_funnel(), this month", lambda: team_funnel(team, month), args.repeat),
        measure("team_funnel(), half a year", lambda: team_funnel(team, half_year), args.repeat),
        measure(
            "API /api/v1/coaching/funnel/, this month",
            lambda: get(f"/api/v1/coaching/funnel/?team={team.pk}"),
            args.repeat,
        ),
        measure(
            "API funnel, half a year",
            lambda: get(f"/api/v1/coaching/funnel/?team={team.pk}&start={half_year.start}&end={half_year.end}"),
            args.repeat,
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
    for label, name, query in pages:
        path = url(name, **query)
        if path is None:
            rows.append([label, "no url", "-", "-", "-", name])
            continue
        rows.append(measure(label, lambda path=path: get(path), args.repeat))
    table(
        f"Coaching for one team (median of {args.repeat}; '!' above {TARGET_MS} ms)",
        ["what", "status", "ms", "db ms", "queries", "note"],
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
