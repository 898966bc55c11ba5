#!/usr/bin/env bash
# One-line load test: deploy/loadtest/run.sh USERS DURATION   (e.g. run.sh 100 2m)
# Starts gunicorn (WEB_WORKERS workers) and a Celery worker on PostgreSQL (DATABASE_URL) and
# Redis (REDIS_URL), runs Locust headless on loopback, prints the per-endpoint table and
# what used the CPU. Use a COPY of a seeded database: the run writes activities and edits.
set -euo pipefail
USERS=${1:?usage: run.sh USERS DURATION}
DURATION=${2:?usage: run.sh USERS DURATION}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PY")
PORT=${PORT:-18080}
OUT=${OUT:-$ROOT/var/loadtest}
NAME=${NAME:-u$USERS}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/funnel_load}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
export DJANGO_ENV=development DEBUG=0 LOG_LEVEL=${LOG_LEVEL:-WARNING}
export FUNNEL_VAR_DIR=$OUT/var
mkdir -p "$OUT" "$FUNNEL_VAR_DIR"
DBNAME=${DATABASE_URL##*/}
cd "$ROOT"

"$BIN/gunicorn" funnel_crm.wsgi:application --bind "127.0.0.1:$PORT" --workers "${WEB_WORKERS:-4}" \
  --timeout 60 --log-level warning >"$OUT/$NAME-gunicorn.log" 2>&1 &
WEB=$!
"$PY" -m celery -A funnel_crm worker --concurrency 1 --loglevel WARNING >"$OUT/$NAME-worker.log" 2>&1 &
WORKER=$!
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  kill "$WEB" "$WORKER" 2>/dev/null || true
  wait "$WEB" "$WORKER" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done

# CPU seconds used by gunicorn (master and workers) and by this database's PostgreSQL
# backends, read before and after: CPU per request, whatever else runs on the machine.
web_cpu() { ps -o cputimes= -p "$WEB,$(pgrep -d, -P "$WEB")" | awk '{s+=$1} END {print s+0}'; }
CPU0=$(web_cpu)

# Every 5 s: %CPU by command (top), the 1-minute load average and the number of active queries
# on the database.
(
  while true; do
    echo SAMPLE
    top -b -n 1 -w 200 | awk 'NR>7 && $9>0 {cpu[$12]+=$9} END {for (c in cpu) print cpu[c], c}'
    echo "LOAD $(cut -d' ' -f1 /proc/loadavg)"
    # CPU seconds of each PostgreSQL backend serving this database (connections come and go).
    for pid in $(pgrep -f "^postgres: .* $DBNAME "); do
      awk -v pid="$pid" -v hz="$(getconf CLK_TCK)" '{print "DBCPU", pid, ($14 + $15) / hz}' "/proc/$pid/stat" 2>/dev/null || true
    done
    echo "ACTIVE $(psql "${DATABASE_URL%/*}/postgres" -Atc "select count(*) from pg_stat_activity where datname='$DBNAME' and state='active'" 2>/dev/null || echo 0)"
    sleep 5
  done
) >"$OUT/$NAME-samples.txt" &
SAMPLER=$!

# Logging in costs one PBKDF2 check (about a second of CPU): the figures are those after every
# user has logged in (--reset-stats when spawning is complete); RESET_STATS=0 keeps the ramp.
RESET=$([ "${RESET_STATS:-1}" = 1 ] && echo --reset-stats || true)
"$BIN/locust" -f "$HERE/locustfile.py" --headless --host "http://127.0.0.1:$PORT" \
  -u "$USERS" -r "${SPAWN_RATE:-$(( USERS / 30 > 0 ? USERS / 30 : 1 ))}" -t "$DURATION" $RESET \
  --csv "$OUT/$NAME" --only-summary --stop-timeout 10 >"$OUT/$NAME-locust.log" 2>&1 || true
CPU1=$(web_cpu)
echo "== $USERS users for $DURATION (figures after the ramp: ${RESET:-none}), $(nproc) cores, ${WEB_WORKERS:-4} gunicorn workers, database $DBNAME ($(date -u +%FT%TZ)) =="
"$PY" "$HERE/summarise.py" "$OUT/${NAME}_stats.csv" "$OUT/$NAME-samples.txt"
"$PY" - "$OUT/${NAME}_stats_history.csv" "$CPU0" "$CPU1" "$OUT/$NAME-samples.txt" <<'PYEOF'
import csv, sys
total = last = 0  # every request, the ramp's too (the counts start again at --reset-stats)
for row in csv.DictReader(open(sys.argv[1])):
    if row["Name"] == "Aggregated":
        count = int(row["Total Request Count"])
        total, last = (total + last if count < last else total), count
total += last
cpu = float(sys.argv[3]) - float(sys.argv[2])
if total:
    print(f"gunicorn CPU: {cpu:.0f} s for {total} requests (ramp included) = {1000 * cpu / total:.0f} ms of CPU per request")
    first, last, sample = {}, {}, 0
    for line in open(sys.argv[4]):
        sample += line.startswith("SAMPLE")
        if line.startswith("DBCPU"):
            _, pid, seconds = line.split()
            first.setdefault(pid, (sample, float(seconds)))
            last[pid] = float(seconds)
    # Backends already there at the first sample count from then; later ones from their start.
    db = sum(last[pid] - (start if seen == 1 else 0) for pid, (seen, start) in first.items())
    print(
        f"PostgreSQL backends of this database: {db:.0f} s of CPU = {1000 * db / total:.0f} ms per request"
        " (sampled every 5 s: a lower bound)"
    )
PYEOF
