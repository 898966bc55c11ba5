"""How long ``seed_demo`` takes at its default size, app by app.

    .venv/bin/python benchmarks/demo_seed_bench.py              # one run on a fresh database
    .venv/bin/python benchmarks/demo_seed_bench.py --repeat 3   # median of three fresh runs

The README's first command seeds this; the figure used to be a wall-clock
assertion in accounts/tests/test_demo.py (under 15 s for the accounts part),
which failed on a busy CI machine without anything being wrong. Uses its own
PostgreSQL database (``--db``, default ``funnel_crm_bench_demo``) on the server
of ``DATABASE_URL``, recreated for every run and dropped at the end.
"""

import argparse
import io
import statistics
import time

from accounts_bench import create_database, database_urls, drop_database, setup_django


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="funnel_crm_bench_demo", help="Database name (default funnel_crm_bench_demo).")
    parser.add_argument("--repeat", type=int, default=1, help="Fresh runs to take the median of (default 1).")
    return parser.parse_args()


def seed_once():
    """Seconds per app's ``demo.seed`` at the default options, in one transaction as seed_demo runs them."""
    from django.core.management import call_command
    from django.db import transaction

    from teams.management.commands.seed_demo import Command, demo_modules

    call_command("migrate", verbosity=0)
    parser = Command().create_parser("manage.py", "seed_demo")
    options = vars(parser.parse_args([]))
    context, seconds = {}, {}
    with transaction.atomic():
        for module in demo_modules():
            started = time.monotonic()
            context.update(module.seed(stdout=io.StringIO(), options={**options, **context}) or {})
            seconds[module.__name__] = time.monotonic() - started
    return seconds


def main():
    args = parse_args()
    url, server_url = database_urls(args.db)
    setup_django(url)
    from django.db import connections

    runs = []
    for _run in range(args.repeat):
        connections.close_all()
        drop_database(server_url, args.db)
        create_database(server_url, args.db)
        runs.append(seed_once())
    connections.close_all()
    drop_database(server_url, args.db)

    print(f"seed_demo at its default size, median of {len(runs)} fresh run(s):")
    for name in runs[0]:
        print(f"  {name:<16} {statistics.median(run[name] for run in runs):6.1f} s")
    print(f"  {'total':<16} {statistics.median(sum(run.values()) for run in runs):6.1f} s")


if __name__ == "__main__":
    main()
