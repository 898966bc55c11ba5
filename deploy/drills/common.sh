# Shared by the outage drills: a PostgreSQL and a Redis of the drill's own (never the
# machine's shared ones on 5432/6379), gunicorn + Celery worker + beat against them.
# Source it; every function prints what it does.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PY")
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
PG_DIR=${PG_DIR:-/tmp/ops-pg}
PG_PORT=${PG_PORT:-55432}
REDIS_DIR=${REDIS_DIR:-/tmp/ops-redis}
REDIS_PORT=${REDIS_PORT:-56379}
WEB_PORT=${WEB_PORT:-18090}
RUN=${RUN:-/tmp/ops-drill}
mkdir -p "$RUN" "$REDIS_DIR"
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/funnel_drill
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export DJANGO_ENV=development DEBUG=0 LOG_LEVEL=${LOG_LEVEL:-WARNING} FUNNEL_VAR_DIR=$RUN/var
cd "$ROOT"

say() { echo "[$(date -u +%H:%M:%S)] $*"; }

# PostgreSQL runs as the postgres user when the drill runs as root (initdb refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    mkdir -p "$PG_DIR" && [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR" -U postgres -A trust >/dev/null
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" -l "$PG_DIR/log" -w start >/dev/null
  say "PostgreSQL up on port $PG_PORT ($PG_DIR)"
}
pg_stop() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null; say "PostgreSQL stopped (port $PG_PORT)"; }

redis_start() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --appendonly yes --save "" \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  say "Redis up on port $REDIS_PORT (append-only file in $REDIS_DIR)"
}
redis_stop() { redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true; sleep 1; say "Redis stopped (port $REDIS_PORT)"; }

# Each drill starts from the same data: funnel_drill_template is seeded once (migrate +
# seed_demo --teams 1), funnel_drill is a fresh copy of it, and the drill's Redis is empty.
psql_drill() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
seed() {
  if ! psql_drill -Atc "select 1 from pg_database where datname='funnel_drill_template'" | grep -q 1; then
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres funnel_drill_template
    DATABASE_URL=${DATABASE_URL%/*}/funnel_drill_template "$PY" manage.py migrate --noinput >/dev/null
    DATABASE_URL=${DATABASE_URL%/*}/funnel_drill_template "$PY" manage.py seed_demo --teams 1 >"$RUN/seed.log" 2>&1
    say "seeded funnel_drill_template ($RUN/seed.log)"
  fi
  as_pg "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists funnel_drill
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres -T funnel_drill_template funnel_drill
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  : >"$RUN/worker.log"
  say "funnel_drill: a fresh copy of funnel_drill_template; Redis emptied"
}

app_start() {
  "$BIN/gunicorn" funnel_crm.wsgi:application --bind "127.0.0.1:$WEB_PORT" --workers "${WEB_WORKERS:-3}" \
    --timeout 60 --log-level warning >"$RUN/gunicorn.log" 2>&1 &
  echo $! >"$RUN/gunicorn.pid"
  worker_start
  "$PY" -m celery -A funnel_crm beat --loglevel INFO -s "$RUN/beat-schedule" >"$RUN/beat.log" 2>&1 &
  echo $! >"$RUN/beat.pid"
  for _ in $(seq 60); do curl -fs "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done
  say "gunicorn ($(cat "$RUN/gunicorn.pid"), ${WEB_WORKERS:-3} workers) on $WEB_PORT, Celery worker and beat running"
}
worker_start() {
  "$PY" -m celery -A funnel_crm worker --concurrency "${WORKER_CONCURRENCY:-2}" --loglevel INFO \
    -n "drill@%h" >>"$RUN/worker.log" 2>&1 &
  echo $! >"$RUN/worker.pid"
}
app_stop() {
  for name in beat worker gunicorn; do
    [ -f "$RUN/$name.pid" ] && kill "$(cat "$RUN/$name.pid")" 2>/dev/null || true
  done
  sleep 3
  say "application stopped"
}
cleanup() { app_stop; redis_stop; pg_stop; }

healthz() { curl -s -o /dev/null -w "%{http_code} " "http://127.0.0.1:$WEB_PORT/healthz"; curl -s "http://127.0.0.1:$WEB_PORT/healthz"; echo; }
drill() { "$PY" "$HERE/drill.py" "$@"; }
start_all() { pg_start; redis_start; seed; app_start; trap cleanup EXIT; }
