#!/usr/bin/env bash
# Production-shaped smoke test (run by .ci/run; not part of pytest): install
# requirements.txt ALONE into a fresh venv, set DJANGO_ENV=production, migrate
# a fresh PostgreSQL database, collectstatic, `check --deploy`, start gunicorn,
# a Celery worker and Celery beat as README's deployment does, then check that
# /healthz sees the database and the broker, that a login works behind the
# HTTPS proxy, that a task sent through Redis runs in the worker and that beat
# started and wrote its schedule. Stops everything it started; prints the logs
# and exits non-zero on any failure. Every process starts through the same
# deploy/bin/ script as in deploy/docker-compose.yml and deploy/systemd/.
#
# SMOKE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/funnel_crm_smoke,
# dropped and recreated when it is on this machine) and SMOKE_REDIS_URL (default
# redis://127.0.0.1:6379/14, flushed) choose the servers. The venv
# (var/smoke-venv) is reused while requirements.txt is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/var/smoke-venv"
WORK="$ROOT/var/smoke"
STARTED=()

export DATABASE_URL="${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/funnel_crm_smoke}"
export REDIS_URL="${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/14}"

echo "==> Smoke (${SECONDS} s): PostgreSQL and Redis"
source scripts/_services.sh
ensure_debian_packages --servers-only
ensure_postgres
ensure_redis
ensure_database --recreate

echo "==> Smoke (${SECONDS} s): a venv with requirements.txt only ($VENV)"
digest="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements-digest" 2>/dev/null)" != "$digest" ]; then
  rm -rf "$VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  # --no-compile: bytecode is written on first import anyway (Faker alone has
  # ~750 modules).
  "$VENV/bin/python" -m pip install --quiet --no-compile -r requirements.txt
  echo "$digest" >"$VENV/.requirements-digest"
fi
if "$VENV/bin/python" -c "import pytest" 2>/dev/null; then
  echo "The smoke venv has development packages (pytest): it must hold requirements.txt only." >&2
  exit 1
fi

# No task queued by an earlier run.
"$VENV/bin/python" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'

# The environment of a deploy (README: Production deployment), nothing else.
unset CELERY_BROKER_URL CELERY_TASK_ALWAYS_EAGER CSRF_TRUSTED_ORIGINS DEBUG DJANGO_SETTINGS_MODULE
export DJANGO_ENV=production
SECRET_KEY="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export FUNNEL_VAR_DIR="$WORK/var" STATIC_ROOT="$WORK/static"
export PATH="$VENV/bin:$PATH"
rm -rf "$WORK"
mkdir -p "$WORK"

stop_all() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "${STARTED[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$status" != 0 ]; then
    local log
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "----- $log (last 80 lines)"
      tail -n 80 "$log"
    done
    echo "==> Smoke test FAILED" >&2
  fi
  exit "$status"
}
trap stop_all EXIT INT TERM

wait_for_log() {  # wait_for_log FILE PATTERN SECONDS PID
  local _
  for _ in $(seq 1 $(($3 * 2))); do
    grep -E "$2" "$1" >/dev/null 2>&1 && return 0
    kill -0 "$4" 2>/dev/null || { echo "Process $4 ($1) exited." >&2; return 1; }
    sleep 0.5
  done
  echo "No \"$2\" in $1 after $3 s." >&2
  return 1
}

# The same commands as docker-compose and the systemd units: deploy/bin/*.
echo "==> Smoke (${SECONDS} s): deploy/bin/release (migrate, collectstatic, check --deploy)"
RELEASE_VERBOSITY=0 deploy/bin/release
SMOKE_USER=smoke-admin
SMOKE_PASSWORD="$(python -c 'import secrets; print(secrets.token_urlsafe(16))')"
DJANGO_SUPERUSER_PASSWORD="$SMOKE_PASSWORD" python manage.py createsuperuser --noinput \
  --username "$SMOKE_USER" --email smoke@example.com

echo "==> Smoke (${SECONDS} s): deploy/bin/web (gunicorn), deploy/bin/worker, deploy/bin/beat"
PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2 deploy/bin/web >"$WORK/gunicorn.log" 2>&1 &
STARTED+=($!)
GUNICORN=$!
CELERY_CONCURRENCY=1 deploy/bin/worker >"$WORK/worker.log" 2>&1 &
STARTED+=($!)
WORKER=$!
deploy/bin/beat >"$WORK/beat.log" 2>&1 &
STARTED+=($!)
BEAT=$!

wait_for_log "$WORK/gunicorn.log" "Booting worker" 30 "$GUNICORN"
wait_for_log "$WORK/worker.log" "celery@.* ready" 60 "$WORKER"
wait_for_log "$WORK/beat.log" "beat: Starting" 30 "$BEAT"

echo "==> Smoke (${SECONDS} s): HTTP checks on 127.0.0.1:$PORT"
python scripts/smoke_checks.py "http://127.0.0.1:$PORT" "$SMOKE_USER" "$SMOKE_PASSWORD"
GUNICORN_BIND="127.0.0.1:$PORT" deploy/bin/healthcheck >/dev/null
echo "    ok: deploy/bin/healthcheck (docker-compose's health check of web)"
wait_for_log "$WORK/gunicorn.log" '"method":"GET","path":"/healthz","status":200,"duration_ms":' 5 "$GUNICORN"
echo "    ok: one structured (JSON) log line per request"

echo "==> Smoke (${SECONDS} s): a task through the broker"
# The housekeeping task deletes expired sessions: plant one, send the task
# through Redis, and wait for the worker to have removed it.
python manage.py shell -v 0 -c '
import time, uuid
from datetime import timedelta
from django.contrib.sessions.models import Session
from django.utils import timezone
from teams.tasks import clear_expired_sessions

key = "smoke" + uuid.uuid4().hex
Session.objects.create(session_key=key, session_data="", expire_date=timezone.now() - timedelta(days=1))
clear_expired_sessions.delay()
deadline = time.monotonic() + 60
while Session.objects.filter(session_key=key).exists():
    if time.monotonic() > deadline:
        raise SystemExit("    FAILED: the worker did not run teams.tasks.clear_expired_sessions within 60 s")
    time.sleep(0.5)
print("    ok: the worker ran teams.tasks.clear_expired_sessions sent through Redis")
'
wait_for_log "$WORK/worker.log" "clear_expired_sessions\[.*\] succeeded" 10 "$WORKER"
echo "    ok: the worker logged the task as succeeded"

echo "==> Smoke (${SECONDS} s): beat"
kill -0 "$BEAT"
ls "$FUNNEL_VAR_DIR"/celerybeat-schedule* >/dev/null
echo "    ok: beat is running and keeps its schedule in $FUNNEL_VAR_DIR"

echo "==> Smoke test passed in ${SECONDS} s"
