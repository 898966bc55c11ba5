#!/usr/bin/env bash
# Set up and run the whole product on the embedded default: SQLite, a Celery
# broker on the file system, demo data. Web server, worker and beat run in one
# process group: Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
# Links in e-mails and chat-robot messages point at this server unless SITE_URL says otherwise
# (set it when HOST is 0.0.0.0: the address others reach the machine by).
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
mkdir -p var

.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo | tee var/demo-logins.txt

trap 'trap - INT TERM EXIT; echo; echo "==> Stopping"; kill 0 2>/dev/null; wait 2>/dev/null' INT TERM EXIT

.venv/bin/celery -A funnel_crm worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
.venv/bin/celery -A funnel_crm beat --loglevel=INFO --schedule=var/celerybeat-schedule >var/beat.log 2>&1 &

cat <<MSG

==> Funnel CRM is running at http://$HOST:$PORT/
    API docs: http://$HOST:$PORT/api/docs/   Health: http://$HOST:$PORT/healthz
    Links in e-mails point to $SITE_URL (set SITE_URL to change it).
    Celery worker and beat log to var/worker.log and var/beat.log.
    Demo logins are above (and in var/demo-logins.txt). Ctrl-C stops everything.

MSG
.venv/bin/python manage.py runserver "$HOST:$PORT" &
wait
