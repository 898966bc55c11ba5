#!/usr/bin/env bash
# Drill (c): kill -9 a Celery worker in the middle of a reminder pass.
#  1. the pool process running it: the worker's main process sees it lost and, with
#     task_reject_on_worker_lost + acks_late, puts the task back; a new pool process runs it.
#  2. the whole worker (main process too): the message stays unacknowledged in Redis; a
#     worker started again gets it back after the visibility timeout (30 s here,
#     CELERY_VISIBILITY_TIMEOUT; 1 hour by default) and finishes it.
source "$(dirname "$0")/common.sh"
export CELERY_VISIBILITY_TIMEOUT=${CELERY_VISIBILITY_TIMEOUT:-30}
export WORKER_CONCURRENCY=1  # one pool process: the one killed is the one running the pass
start_all
mid_pass() {  # wait until a reminder pass has started and not finished
  for _ in $(seq 400); do
    running=$(psql_drill funnel_drill -Atc \
      "select count(*) from teams_taskrun where name='reminder_pass' and finished_at is null" 2>/dev/null || echo 0)
    [ "${running:-0}" -gt 0 ] && return 0; sleep 0.05
  done
  return 1
}
for round in pool whole; do
  # Every open project overdue with a new date: the pass has thousands to tell (a few seconds).
  drill overdue 100000 "$RUN/overdue-$round.ids" $([ $round = pool ] && echo 2 || echo 3)
  say "$round: $(drill passes)"
  BEFORE=$(drill finished)
  "$PY" -m celery -A funnel_crm call pipeline.tasks.reminder_pass_task >/dev/null
  mid_pass || { say "the pass never started"; exit 1; }
  if [ $round = pool ]; then
    CHILD=$(pgrep -P "$(cat "$RUN/worker.pid")" | head -1)
    kill -9 "$CHILD"; say "pool: killed -9 pool process $CHILD mid-pass"
  else
    kill -9 $(pgrep -P "$(cat "$RUN/worker.pid")") "$(cat "$RUN/worker.pid")"; say "whole: killed -9 the worker $(cat "$RUN/worker.pid") and its pool"
    sleep 2; worker_start; say "whole: worker started again ($(cat "$RUN/worker.pid"))"
  fi
  # Done when every project was told once and a pass finished after the kill (the re-run).
  for _ in $(seq 90); do
    drill complete "$RUN/overdue-$round.ids" >/dev/null && [ "$(drill finished)" -gt "$BEFORE" ] && break; sleep 2
  done
  say "$round: $(drill told "$RUN/overdue-$round.ids")"
  say "$round: $(drill passes)"
done
echo "worker log, reminder passes and lost processes:"
grep -E "signal 9|reminder_pass_task.*(received|succeeded)|Restor" "$RUN/worker.log" | cut -c1-220 || true
