"""Where the CPU goes during a load test: every INTERVAL seconds, one JSON line with the CPU
seconds each group of processes used since the last line, read from /proc (Linux):

- ``gunicorn``: the web process given by --web and its children (the workers);
- ``celery``: the worker given by --worker and its children;
- ``locust``: Locust itself (--locust): it runs on the same cores as the server;
- ``postgres``: the PostgreSQL backends serving the database --db (their process title
  names it; a backend that ends between two lines loses its last interval: a lower bound);
- ``machine``: every process on the machine (/proc/stat), so ``machine`` minus the groups
  above is what other people's processes took,

with ``interval`` (seconds), ``cores``, the 1-minute ``load`` average, and the database's
``active`` queries and ``lock_waits`` (pg_stat_activity, psql). 100 % = one core.

python deploy/loadtest/sampler.py --web PID --worker PID --locust PID --db NAME --out FILE
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid, proc=PROC):
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    return (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid, proc=PROC) -> float:
    fields = stat_fields(pid, proc)
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def processes(proc=PROC):
    """{pid: (parent pid, command line)} of every process still there."""
    found = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                parent = int(stat_fields(entry.name, proc)[1])
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            found[int(entry.name)] = (parent, command)
    return found


def with_descendants(root, table):
    if root is None or root not in table:
        return set()
    group, todo = {root}, [root]
    while todo:
        parent = todo.pop()
        children = {pid for pid, (ppid, _) in table.items() if ppid == parent} - group
        group |= children
        todo.extend(children)
    return group


def backend_database(command):
    """The database a PostgreSQL backend serves, from its process title: 'postgres: USER DATABASE
    HOST(PORT) STATE' (or [local]), with the cluster's name after 'postgres: ' when it has one ('15/main: ')."""
    if not command.startswith("postgres: "):
        return None
    words = command.split()[1:]
    if words and words[0].endswith(":"):
        words = words[1:]
    return words[1] if len(words) >= 3 and ("(" in words[2] or words[2] == "[local]") else None


def backends_of(database, table):
    return {pid for pid, (_, command) in table.items() if backend_database(command) == database}


def machine_busy_seconds(proc=PROC) -> float:
    """CPU seconds the whole machine spent busy (all cores), from the first line of /proc/stat."""
    values = [int(v) for v in (proc / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / TICKS  # guest time is already counted in user


class Deltas:
    """CPU seconds per group since the last call; a process seen for the first time after the
    first call counts from its start (it began in the interval), one there at the first
    call from then."""

    def __init__(self):
        self.last = {}
        self.first = True

    def __call__(self, groups: dict[str, dict[int, float]]) -> dict[str, float]:
        result, seen = {}, {}
        for name, pids in groups.items():
            total = 0.0
            for pid, seconds in pids.items():
                key = (name, pid)
                seen[key] = seconds
                previous = self.last.get(key, seconds if self.first else 0.0)
                total += max(seconds - previous, 0.0)
            result[name] = total
        self.last, self.first = seen, False
        return result


def database_activity(dsn, database):
    query = (
        "select count(*) filter (where state = 'active'), count(*) filter (where wait_event_type = 'Lock')"
        " from pg_stat_activity where datname = :'db' and pid <> pg_backend_pid();"
    )
    try:
        out = subprocess.run(  # noqa: S603 - psql on the operator's own DATABASE_URL, the name as a psql variable
            ["psql", dsn, "-At", "-v", f"db={database}"],  # noqa: S607 - psql from PATH, as run.sh finds it
            input=query,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        active, waits = out.strip().split("|")
        return int(active), int(waits)
    except (subprocess.SubprocessError, ValueError, OSError):
        return None, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", type=int)
    parser.add_argument("--worker", type=int)
    parser.add_argument("--locust", type=int)
    parser.add_argument("--db", required=True)
    parser.add_argument("--dsn", help="psql connection string for pg_stat_activity")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    deltas = Deltas()
    machine_before = machine_busy_seconds()
    clock = time.monotonic()
    with open(args.out, "a") as out:
        while True:
            table = processes()
            members = {
                "gunicorn": with_descendants(args.web, table),
                "celery": with_descendants(args.worker, table),
                "locust": with_descendants(args.locust, table),
                "postgres": backends_of(args.db, table),
            }
            groups = {}
            for name, pids in members.items():
                groups[name] = {}
                for pid in pids:
                    with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError):  # it ended
                        groups[name][pid] = cpu_seconds(pid)
            cpu = deltas(groups)
            machine = machine_busy_seconds()
            now = time.monotonic()
            cpu["machine"], machine_before = machine - machine_before, machine
            interval, clock = now - clock, now
            active, waits = database_activity(args.dsn, args.db) if args.dsn else (None, None)
            line = {
                "t": round(time.time(), 3),
                "interval": round(interval, 3),
                "cores": os.cpu_count(),
                "load": float((PROC / "loadavg").read_text().split()[0]),
                "cpu": {name: round(seconds, 3) for name, seconds in cpu.items()},
                "active": active,
                "lock_waits": waits,
            }
            if interval > 0.5:  # the first line only starts the counters
                out.write(json.dumps(line) + "\n")
                out.flush()
            time.sleep(args.interval)


if __name__ == "__main__":
    main()
