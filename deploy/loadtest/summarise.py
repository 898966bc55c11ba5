"""Print Locust's --csv statistics as one table: requests/s, p50/p95/p99 and errors per endpoint.

python deploy/loadtest/summarise.py var/loadtest/u100_stats.csv [var/loadtest/u100_samples.txt]
"""

import csv
import sys
from collections import defaultdict


def main(stats_path, samples_path=None):
    with open(stats_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    head = ("requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"{'endpoint':48} " + " ".join(f"{h:>{8 if h == 'requests' else 6 if h == 'errors' else 7}}" for h in head))
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(
            f"{(row['Type'] + ' ' + name)[:48]:48} {row['Request Count']:>8} {row['Failure Count']:>6}"
            f" {float(row['Requests/s']):7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
            f" {float(row['Max Response Time']):7.0f}"
        )
    if samples_path:
        cpu, count = defaultdict(float), 0
        active, load = [], []
        with open(samples_path) as handle:
            for line in handle:
                if line.startswith("SAMPLE"):
                    count += 1
                elif line.startswith("ACTIVE"):
                    active.append(int(line.split()[1]))
                elif line.startswith("LOAD"):
                    load.append(float(line.split()[1]))
                elif line.startswith("DBCPU"):
                    continue  # per backend, read by run.sh
                elif line.strip():
                    parts = line.split()
                    if len(parts) >= 2:
                        cpu[parts[1]] += float(parts[0])
        if count:
            busiest = sorted(cpu.items(), key=lambda item: -item[1])[:6]
            share = ", ".join(f"{name} {total / count:.0f}%" for name, total in busiest)
            print(f"CPU during the run (mean of {count} samples, 100% = one core): {share}")
        if load:
            print(
                f"Load average (1 min, the whole shared machine) during the run: mean {sum(load) / len(load):.1f},"
                f" min {min(load):.1f}, max {max(load):.1f}"
            )
        if active:
            print(f"PostgreSQL active queries: mean {sum(active) / len(active):.1f}, max {max(active)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
