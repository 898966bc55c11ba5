#!/usr/bin/env bash
# The load test (deploy/loadtest/README.md):
#   deploy/loadtest/run.sh USERS DURATION                   e.g. run.sh 100 5m
#   deploy/loadtest/run.sh step START STOP STEP DURATION    e.g. run.sh step 20 200 20 2m  (saturation finder)
# Starts the web process and a Celery worker exactly as production does (deploy/bin/web and
# deploy/bin/worker, DJANGO_ENV=production: DEBUG off, cached templates, WhiteNoise, the
# request log) on PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), runs Locust headless on
# loopback, and prints the report (summarise.py): per endpoint, per step with where the CPU
# went (sampler.py), and the first step over the target with what limits it.
# Use a COPY of a seeded database: the run writes activities and edits.
set -euo pipefail
usage="usage: run.sh USERS DURATION | run.sh step START STOP STEP DURATION"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PY")
if [ "${1:-}" = step ]; then
  [ $# = 5 ] || { echo "$usage" >&2; exit 2; }
  export STEP_USERS="$2 $3 $4 $5"
  "$PY" -c "import sys; sys.path.insert(0, '$HERE'); from plan import Steps; Steps.parse('$STEP_USERS', '${SPAWN_RATE:-}', '${SETTLE:-}')"
  SETTLE_S=$("$PY" -c "import sys; sys.path.insert(0, '$HERE'); from plan import Steps; print(Steps.parse('$STEP_USERS', '', '${SETTLE:-}').settle)")
  NAME=${NAME:-step$2-$3-$4}
  LOCUST_ARGS=()
  WHAT="steps of $4 users from $2 to $3, $5 each (each step measured after its first $SETTLE_S s)"
else
  [ $# = 2 ] || { echo "$usage" >&2; exit 2; }
  unset STEP_USERS
  USERS=$1
  DURATION=$2
  SETTLE_S=0
  NAME=${NAME:-u$USERS}
  # Logging in costs one PBKDF2 check (about a third of a second of CPU): Locust's table is that
  # after every user has logged in (--reset-stats); RESET_STATS=0 keeps the ramp.
  RESET=$([ "${RESET_STATS:-1}" = 1 ] && echo --reset-stats || true)
  LOCUST_ARGS=(-u "$USERS" -r "${SPAWN_RATE:-$(( USERS / 30 > 0 ? USERS / 30 : 1 ))}" -t "$DURATION" $RESET)
  WHAT="$USERS users for $DURATION (figures from the moment every user has started)"
fi
PORT=${PORT:-18080}
OUT=${OUT:-$ROOT/var/loadtest}
mkdir -p "$OUT"
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/funnel_load}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
DBNAME=${DATABASE_URL##*/}
DBNAME=${DBNAME%%\?*}

# Production's settings (deploy/env.example), for this machine: a throw-away SECRET_KEY, the
# loopback's names, static files collected into $OUT/static for WhiteNoise. E-mail goes nowhere
# (no SMTP server here); every other setting keeps its production default (REQUEST_LOG on: one
# JSON line per request into the gunicorn log; REQUEST_LOG=0 to leave it out).
unset DEBUG DJANGO_SETTINGS_MODULE CELERY_TASK_ALWAYS_EAGER
export DJANGO_ENV=production
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export STATIC_ROOT=$OUT/static FUNNEL_VAR_DIR=$OUT/var
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.dummy.EmailBackend}
export PATH="$BIN:$PATH"
mkdir -p "$FUNNEL_VAR_DIR"
cd "$ROOT"
# collectstatic compresses every file (about a CPU-minute): only when static/ or the packages changed.
digest=$(cat requirements.txt <(find static -type f -printf '%P %s %T@\n' | sort) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STATIC_ROOT/.loadtest-digest" 2>/dev/null)" != "$digest" ]; then
  "$PY" manage.py collectstatic --noinput -v 0
  echo "$digest" >"$STATIC_ROOT/.loadtest-digest"
fi

# deploy/bin/web's defaults for this machine: 2 × cores + 1 workers, 2 threads each
# (GUNICORN_WORKERS, GUNICORN_THREADS; WEB_WORKERS is the old name of the first).
export GUNICORN_BIND=127.0.0.1:$PORT
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-${WEB_WORKERS:-$((2 * $(nproc) + 1))}}
export GUNICORN_THREADS=${GUNICORN_THREADS:-2}
deploy/bin/web >"$OUT/$NAME-gunicorn.log" 2>&1 &
WEB=$!
CELERY_CONCURRENCY=1 CELERY_WORKER_NAME="loadtest-$PORT" deploy/bin/worker >"$OUT/$NAME-worker.log" 2>&1 &
WORKER=$!
LOCUST="" SAMPLER=""
cleanup() {
  for pid in $SAMPLER $LOCUST $WEB $WORKER; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 60); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 "$WEB" 2>/dev/null || { echo "gunicorn exited:" >&2; tail -20 "$OUT/$NAME-gunicorn.log" >&2; exit 1; }
  sleep 1
done

rm -f "$OUT/$NAME"-requests.csv "$OUT/$NAME"-marks.csv "$OUT/$NAME"-samples.jsonl
WAIT_DESC=$("$PY" -c "import sys; sys.path.insert(0, '$HERE'); from plan import think_time; import os; print('%g–%g s' % think_time(os.environ))")
LOADTEST_RECORD="$OUT/$NAME" "$BIN/locust" -f "$HERE/locustfile.py" --headless --host "http://127.0.0.1:$PORT" \
  "${LOCUST_ARGS[@]}" --csv "$OUT/$NAME" --only-summary --stop-timeout 10 >"$OUT/$NAME-locust.log" 2>&1 &
LOCUST=$!
"$PY" "$HERE/sampler.py" --web "$WEB" --worker "$WORKER" --locust "$LOCUST" --db "$DBNAME" \
  --dsn "${DATABASE_URL%%\?*}" --interval "${SAMPLE_SECONDS:-5}" --out "$OUT/$NAME-samples.jsonl" &
SAMPLER=$!
wait "$LOCUST" || true
LOCUST=""
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=""

echo "== $WHAT; think time $WAIT_DESC; $(nproc) cores; gunicorn $GUNICORN_WORKERS workers × $GUNICORN_THREADS threads;" \
  "database $DBNAME; $(date -u +%FT%TZ) =="
grep -E "Error|Traceback" "$OUT/$NAME-locust.log" | head -5 || true
"$PY" "$HERE/summarise.py" --stats "$OUT/${NAME}_stats.csv" --record "$OUT/$NAME" --settle "$SETTLE_S"
