"""The load test's report (run.sh prints it; README.md explains it):

1. per endpoint: requests, errors, requests/s, p50/p95/p99/max (Locust's --csv statistics,
   taken after every user has logged in);
2. per step of users (one row in the fixed mode): requests/s, p50/p95/p99 and errors from
   every request Locust recorded in the step (after SETTLE seconds), the CPU each group of
   processes used meanwhile (sampler.py: gunicorn, PostgreSQL, Celery, Locust itself, the
   machine's other processes, idle; 100 % = one core), the load average and PostgreSQL's
   active queries; then the first step whose p95 is over the target (or that has errors)
   and what limits it, and the first step where the server stops keeping up (saturation:
   the CPU >= 85 % busy, or requests/s growing slower than the users) and what limits it;
3. CPU per request: gunicorn's and PostgreSQL's CPU seconds over the whole run divided by
   every request (logins and ramp included).

python deploy/loadtest/summarise.py --stats var/loadtest/u100_stats.csv --record var/loadtest/u100
"""

import argparse
import csv
import itertools
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

P95_TARGET_MS = 300
GROUPS = ("gunicorn", "postgres", "celery", "locust")
LABELS = {"gunicorn": "gunicorn", "postgres": "PostgreSQL", "celery": "Celery", "locust": "Locust", "other": "others"}


def endpoint_table(stats_path) -> list[str]:
    with open(stats_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    head = ("requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    widths = {"requests": 8, "errors": 6}
    lines = [f"{'endpoint':48} " + " ".join(f"{h:>{widths.get(h, 7)}}" for h in head)]
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        lines.append(
            f"{(row['Type'] + ' ' + name)[:48]:48} {row['Request Count']:>8} {row['Failure Count']:>6}"
            f" {float(row['Requests/s']):7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
            f" {float(row['Max Response Time']):7.0f}"
        )
    return lines


def read_requests(path):
    """[(end time, name, ms, failed)] from PREFIX-requests.csv."""
    with open(path, newline="") as handle:
        return [
            (float(r["t"]), f"{r['type']} {r['name']}", float(r["ms"]), r["failed"] == "1")
            for r in csv.DictReader(handle)
        ]


def read_marks(path):
    with open(path, newline="") as handle:
        return [(float(r["t"]), int(r["users"])) for r in csv.DictReader(handle)]


def read_samples(path):
    if not Path(path).exists():
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def percentile(values, p):
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)] if ordered else None


def windows(marks, settle, requests=()):
    """[(users, start, end)]: each step from its mark + settle to the next mark (users 0 ends the test)."""
    result = []
    for (start, users), (end, _) in itertools.pairwise(marks):
        if users > 0 and start + settle < end:
            result.append((users, start + settle, end))
    if not result and requests:  # stopped before every user had started: the whole run, users unknown
        result.append((0, min(r[0] for r in requests), max(r[0] for r in requests) + 0.001))
    return result


@dataclass
class Step:
    users: int
    seconds: float
    requests: int = 0
    errors: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    slowest: str = ""
    cpu: dict = field(default_factory=dict)  # % of one core by group, with "other" and "idle"
    cores: int = 0
    load: float | None = None
    active: float | None = None
    lock_waits: int | None = None

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def over(self, target=P95_TARGET_MS):
        return self.errors > 0 or (self.p95 is not None and self.p95 > target)


def cpu_shares(samples, start, end):
    """Mean CPU by group over the samples whose interval's middle falls in [start, end): % of one core."""
    inside = [s for s in samples if start <= s["t"] - s["interval"] / 2 < end]
    seconds = sum(s["interval"] for s in inside)
    if not inside or not seconds:
        return {}, 0, inside
    share = {name: 100 * sum(s["cpu"].get(name, 0.0) for s in inside) / seconds for name in (*GROUPS, "machine")}
    cores = max(s["cores"] for s in inside)
    share["other"] = max(share["machine"] - sum(share[name] for name in GROUPS), 0.0)
    share["idle"] = max(100 * cores - share["machine"], 0.0)
    return share, cores, inside


def steps(requests, marks, samples, settle=0.0):
    rows = []
    for users, start, end in windows(marks, settle, requests):
        inside = [r for r in requests if start <= r[0] < end]
        step = Step(users, end - start, len(inside), sum(r[3] for r in inside))
        times = [r[2] for r in inside]
        step.p50, step.p95, step.p99 = (percentile(times, p) for p in (50, 95, 99))
        by_name = defaultdict(list)
        for r in inside:
            by_name[r[1]].append(r[2])
        ranked = sorted(((percentile(t, 95), n) for n, t in by_name.items() if len(t) >= 5), reverse=True)
        if ranked:
            step.slowest = f"{ranked[0][1]} {ranked[0][0]:.0f} ms"
        step.cpu, step.cores, picked = cpu_shares(samples, start, end)
        if picked:
            step.load = sum(s["load"] for s in picked) / len(picked)
            active = [s["active"] for s in picked if s.get("active") is not None]
            waits = [s["lock_waits"] for s in picked if s.get("lock_waits") is not None]
            step.active = sum(active) / len(active) if active else None
            step.lock_waits = max(waits) if waits else None
        rows.append(step)
    return rows


def limit(step: Step) -> str:
    """What held this step back, from where the CPU went."""
    cpu = step.cpu
    if not cpu:
        return "unknown (no CPU samples in this step: make the steps longer than the sampler's interval)"
    capacity = 100 * step.cores
    busy = cpu["machine"]
    parts = ", ".join(f"{LABELS[name]} {cpu[name]:.0f} %" for name in (*GROUPS, "other"))
    if cpu["locust"] >= 85:
        return (
            f"Locust itself: its one process used {cpu['locust']:.0f} % of a core, so the load generator,"
            f" not the server, set the pace (run Locust on another machine) [{parts}]"
        )
    if busy >= 0.85 * capacity:
        culprit = max(("gunicorn", "postgres", "other"), key=lambda name: cpu[name])
        what = {
            "gunicorn": "gunicorn's CPU (the Python of the pages)",
            "postgres": "PostgreSQL's CPU (the queries)",
            "other": "other processes on this shared machine",
        }[culprit]
        return f"the CPU: {busy:.0f} of {capacity} % busy, mostly {what} [{parts}]"
    if (step.lock_waits or 0) > 0 or (step.active or 0) >= step.cores:
        return (
            f"PostgreSQL waits: {step.active or 0:.1f} active queries on average, up to {step.lock_waits or 0}"
            f" waiting on locks, with {cpu['idle']:.0f} % of the CPU idle [{parts}]"
        )
    if busy < 0.5 * capacity:
        return (
            f"not saturation ({cpu['idle']:.0f} % of the CPU idle): the slowest pages' own time"
            f" ({step.slowest or 'n/a'} at p95) [{parts}]"
        )
    return (
        f"not the CPU alone ({cpu['idle']:.0f} % idle): requests queued for gunicorn's worker threads"
        f" (GUNICORN_WORKERS × GUNICORN_THREADS) or spikes of load [{parts}]"
    )


def saturation(rows: list[Step]):
    """The first step where the server stops keeping up: the machine >= 85 % busy, or requests/s
    growing less than 90 % as fast as the users since the step before. (step, why) or None."""
    for previous, step in itertools.pairwise([None, *rows]):
        if step.cpu and step.cpu["machine"] >= 0.85 * 100 * step.cores:
            return step, f"the CPU {step.cpu['machine']:.0f} of {100 * step.cores} % busy"
        if previous and previous.users and step.users and previous.rate:
            expected = previous.rate * step.users / previous.users
            if step.rate < 0.9 * expected:
                return step, f"{step.rate:.1f} req/s where the users' growth would make {expected:.1f}"
    return None


def step_table(rows: list[Step], target=P95_TARGET_MS) -> list[str]:
    def ms(value):
        return f"{value:.0f}" if value is not None else "-"

    def pct(step, name):
        return f"{step.cpu[name]:.0f}" if step.cpu else "-"

    lines = [
        f"{'users':>5} {'secs':>5} {'requests':>8} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}"
        f" {'gunicorn%':>9} {'postgres%':>9} {'celery%':>7} {'locust%':>7} {'others%':>7} {'idle%':>5}"
        f" {'load':>5} {'pg active':>9}  slowest endpoint (p95)"
    ]
    for s in rows:
        lines.append(
            f"{s.users or '?':>5} {s.seconds:5.0f} {s.requests:8} {s.rate:6.1f}"
            f" {ms(s.p50):>6} {ms(s.p95):>6} {ms(s.p99):>6} {s.errors:6}"
            f" {pct(s, 'gunicorn'):>9} {pct(s, 'postgres'):>9} {pct(s, 'celery'):>7} {pct(s, 'locust'):>7}"
            f" {pct(s, 'other'):>7} {pct(s, 'idle'):>5} {'-' if s.load is None else f'{s.load:.1f}':>5}"
            f" {'-' if s.active is None else f'{s.active:.1f}':>9}  {s.slowest}"
        )
    first = next((s for s in rows if s.over(target)), None)
    if first is None:
        if rows:
            lines.append(f"Every step held the target (0 errors, p95 <= {target} ms); the last: {limit(rows[-1])}")
    else:
        why = [f"p95 {ms(first.p95)} ms > {target:g} ms"] if first.p95 and first.p95 > target else []
        why += [f"{first.errors} errors"] if first.errors else []
        why = " and ".join(why)
        lines.append(f"First step over the target: {first.users or '?'} users ({why}). Limit: {limit(first)}")
    saturated = saturation(rows)
    if saturated:
        step, why = saturated
        lines.append(f"Saturation from {step.users or '?'} users ({why}). Limit: {limit(step)}")
    elif len(rows) > 1:
        lines.append("No saturation: requests/s grew with the users and the CPU stayed under 85 % busy")
    return lines


def cpu_per_request(requests, samples) -> list[str]:
    if not requests or not samples:
        return []
    total = {name: sum(s["cpu"].get(name, 0.0) for s in samples) for name in GROUPS}
    n = len(requests)
    return [
        f"CPU per request over the whole run ({n} requests, logins and ramp included): gunicorn"
        f" {1000 * total['gunicorn'] / n:.0f} ms, PostgreSQL {1000 * total['postgres'] / n:.0f} ms"
        f" (its backends, sampled: a lower bound), Locust {1000 * total['locust'] / n:.1f} ms"
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description="The load test's report.")
    parser.add_argument("--stats", help="Locust's PREFIX_stats.csv")
    parser.add_argument("--record", help="PREFIX of PREFIX-requests.csv, -marks.csv, -samples.jsonl")
    parser.add_argument("--settle", type=float, default=0.0, help="seconds left out at the start of each step")
    parser.add_argument("--target", type=float, default=P95_TARGET_MS, help="p95 target in ms")
    args = parser.parse_args(argv)
    lines = []
    if args.stats and Path(args.stats).exists():
        lines += endpoint_table(args.stats)
    if args.record:
        requests = read_requests(f"{args.record}-requests.csv")
        samples = read_samples(f"{args.record}-samples.jsonl")
        rows = steps(requests, read_marks(f"{args.record}-marks.csv"), samples, args.settle)
        lines += ["", "Per step (after each step's first %g s; CPU %%: 100 = one core):" % args.settle]
        lines += step_table(rows, args.target)
        lines += cpu_per_request(requests, samples)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
