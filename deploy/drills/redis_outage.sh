#!/usr/bin/env bash
# Drill (a): Redis stops for a minute while a user works. Pages and API writes keep
# answering; projects made overdue during the outage are told once each after Redis is
# back (the reminder pass is driven by the data), and their deliveries go out.
source "$(dirname "$0")/common.sh"
OUTAGE=${OUTAGE:-60}
start_all
say "reminder pass before the drill (beat's first tick): $(drill passes)"
drill traffic $((OUTAGE + 40)) >"$RUN/traffic.log" &
TRAFFIC=$!
for _ in $(seq 120); do grep -q ready "$RUN/traffic.log" && break; sleep 1; done  # logged in
sleep 10
redis_stop
say "/healthz with Redis down: $(healthz)"
drill overdue 25 "$RUN/overdue.ids"
drill told "$RUN/overdue.ids"
sleep "$OUTAGE"
redis_start
say "/healthz after: $(healthz)"
wait "$TRAFFIC"; cat "$RUN/traffic.log"
# Beat ticks every 15 minutes; queue the next pass now instead of waiting for it.
"$PY" -m celery -A funnel_crm call pipeline.tasks.reminder_pass_task >/dev/null
for _ in $(seq 90); do
  drill told "$RUN/overdue.ids" | grep -q "'sent': 25" && break; sleep 2
done
say "after the outage: $(drill told "$RUN/overdue.ids")"
"$PY" -m celery -A funnel_crm call pipeline.tasks.reminder_pass_task >/dev/null; sleep 10
say "after one more pass (idempotent): $(drill told "$RUN/overdue.ids")"
say "$(drill passes)"
