#!/bin/sh
# serve_webhook.sh: pages go out as Slack-compatible JSON ({"text": ...})
# and as the generic JSON message, to real HTTP receivers; a delivery that
# fails (HTTP 500) is retried with backoff and then succeeds, and both the
# failure and the delivery are visible on the timeline and in /metrics.
. "$(dirname "$0")/lib/common.sh"
$PY "$(dirname "$0")/lib/hook_receiver.py" "$T/hook.port" "$T/hooks.log" &
PIDS="$PIDS $!"
wait_for "$T/hook.port" 10 || fail "receiver did not start"
HP=$(cat "$T/hook.port")
cat >"$T/oncall.yaml" <<YAML
tick: 50ms
escalation: { levels: [ { after: 0s, notify: [primary] } ] }
oncall: { primary: [alice] }
notify:
  - { name: chat, type: slack, url: "http://127.0.0.1:$HP/slack" }
  - { name: events, type: webhook, url: "http://127.0.0.1:$HP/events" }
notify_retries: 2
notify_backoff: 100ms
YAML
DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --db "$DB" 2>/dev/null)
start_serve "$DB" --config "$T/oncall.yaml"
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"TrainingStalled","severity":"P1"},"annotations":{"summary":"loss flat for 30m"}}'
i=0
until [ "$(grep -c ' 200 ' "$T/hooks.log" 2>/dev/null)" = 2 ]; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "pages not delivered: $(cat "$T/hooks.log" 2>/dev/null)"
	sleep 0.05
done
grep -q '^/slack 500 ' "$T/hooks.log" || fail "the first slack try was not refused"
grep '^/slack 200 ' "$T/hooks.log" | grep -q '^/slack 200 {"text": *"\[P1\]' ||
	fail "slack body: $(grep '^/slack 200' "$T/hooks.log")"
grep '^/events 200 ' "$T/hooks.log" | grep -q '"person": *"alice"' ||
	fail "webhook body lacks the person"
grep '^/events 200 ' "$T/hooks.log" | grep -q '"summary": *"loss flat for 30m"' ||
	fail "webhook body lacks the alert payload"
expect_status 200 GET /api/v1/incidents/1/timeline
grep -q 'paged alice (primary, level 1) via chat: delivered' "$T/resp" || fail "timeline"
curl -s "$URL/metrics" | grep -q '^mloncall_notifications_sent_total 2' || fail "metrics"
echo "1 passed, 0 failed"
