#!/usr/bin/env bash
# Drill (b): PostgreSQL stops for a minute while a user works. Pages answer the friendly 503
# (in the user's language), the API 503 JSON, /healthz names the database; when it is back
# everything answers again without restarting gunicorn or the worker.
source "$(dirname "$0")/common.sh"
OUTAGE=${OUTAGE:-60}
start_all
PIDS_BEFORE="$(cat "$RUN/gunicorn.pid") $(cat "$RUN/worker.pid")"
drill traffic $((OUTAGE + 45)) >"$RUN/traffic.log" &
TRAFFIC=$!
for _ in $(seq 120); do grep -q ready "$RUN/traffic.log" && break; sleep 1; done  # logged in
sleep 10
pg_stop
sleep 3
say "/healthz with PostgreSQL down: $(healthz)"
COOKIE=$RUN/cookie; curl -s -c "$COOKIE" -o /dev/null "http://127.0.0.1:$WEB_PORT/login/"
say "a page, Chinese browser: $(curl -s -o "$RUN/503-zh.html" -w '%{http_code}' -H 'Accept-Language: zh-CN' -b 'sessionid=drilldrilldrilldrilldrilldrill12' "http://127.0.0.1:$WEB_PORT/customers/") $(grep -o '<h1>[^<]*</h1>' "$RUN/503-zh.html")"
say "a page, English cookie: $(curl -s -o "$RUN/503-en.html" -w '%{http_code}' -b 'sessionid=drilldrilldrilldrilldrilldrill12; django_language=en' "http://127.0.0.1:$WEB_PORT/customers/") $(grep -o '<p>[^<]*</p>' "$RUN/503-en.html" | head -1)"
say "the API: $(curl -s -w ' %{http_code}' -H 'Authorization: Token x' "http://127.0.0.1:$WEB_PORT/api/v1/customers/")"
sleep "$OUTAGE"
pg_start
sleep 2
say "/healthz after: $(healthz)"
wait "$TRAFFIC"; cat "$RUN/traffic.log"
PIDS_AFTER="$(cat "$RUN/gunicorn.pid") $(cat "$RUN/worker.pid")"
say "same processes before and after (no restart): $PIDS_BEFORE / $PIDS_AFTER; gunicorn alive: $(kill -0 $(cat "$RUN/gunicorn.pid") && echo yes)"
