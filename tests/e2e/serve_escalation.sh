#!/bin/sh
# serve_escalation.sh: an unacknowledged incident escalates on time, and
# the timer survives a crash: the service is killed with SIGKILL between
# level 1 and level 2 and restarted, and level 2 still fires on time. The
# repeated page carries the latest alert payload, a channel that cannot
# be reached is retried and its failure lands on the timeline, and an ack
# stops escalation.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
HOOK_LOG=$T/pages.log
export HOOK_LOG
DEAD=$(free_port)
cat >"$T/oncall.yaml" <<YAML
tick: 50ms
escalation:
  levels:
    - after: 0s
      notify: [primary]
    - after: 3s
      notify: [secondary]
oncall:
  primary: { people: [alice], start: 2026-01-05, every: 7d }
  secondary: [bob]
notify:
  - name: hook
    type: command
    command: 'cat >> "\$HOOK_LOG"; echo >> "\$HOOK_LOG"'
  - name: dead
    type: webhook
    url: http://127.0.0.1:$DEAD/hook
    timeout: 1s
notify_retries: 1
notify_backoff: 50ms
YAML
TOKEN=$("$ML" token add am --role responder --db "$DB" 2>/dev/null)
start_serve "$DB" --config "$T/oncall.yaml"

alert() { # alert FINGERPRINT SUMMARY
	printf '{"labels":{"alertname":"NodeDown","severity":"P2"},"annotations":{"summary":"%s"},"fingerprint":"%s"}' "$2" "$1"
}
now_ms() { $PY -c 'import time; print(int(time.time()*1000))'; }

t0=$(now_ms)
expect_status 200 POST /api/v1/alerts "$(alert esc1 v1)"
i=0
until grep -q '"person":"alice"' "$HOOK_LOG" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 60 ] && fail "level 1 (alice) was not paged"
	sleep 0.05
done
expect_status 200 POST /api/v1/alerts "$(alert esc1 v2)"

# crash mid-escalation and come back
sleep 0.5
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
start_serve "$DB" --config "$T/oncall.yaml"

i=0
until grep -q '"person":"bob"' "$HOOK_LOG" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "level 2 (bob) never fired after the restart"
	sleep 0.05
done
t2=$(now_ms)
late=$((t2 - t0))
[ $late -ge 2800 ] || fail "level 2 fired too early: ${late}ms after the alert"
[ $late -le 6000 ] || fail "level 2 fired late: ${late}ms after the alert"
grep '"person":"bob"' "$HOOK_LOG" | grep -q '"summary":"v2"' ||
	fail "the repeated page does not carry the latest payload"

expect_status 200 GET /api/v1/incidents/1/timeline
grep -q 'page_failed' "$T/resp" || fail "the unreachable channel's failure is not on the timeline"
grep -q 'paged bob (secondary, level 2) via hook: delivered' "$T/resp" ||
	fail "level 2 delivery not on the timeline"

# an ack stops escalation: a second incident is acked before level 2
expect_status 200 POST /api/v1/alerts "$(alert esc2 other)"
sleep 0.5
expect_status 200 POST /api/v1/incidents/2/ack '{}'
pages_before=$(grep -c . "$HOOK_LOG")
sleep 3.5
[ "$(grep -c . "$HOOK_LOG")" = "$pages_before" ] || fail "escalated after ack"
echo "escalation fired ${late}ms after the alert (level 2 at 3s, across a SIGKILL)"
echo "1 passed, 0 failed"
