#!/bin/sh
# serve_alertmanager.sh: a real Prometheus Alertmanager (Debian's
# prometheus-alertmanager) delivers to mloncall through its webhook
# receiver with a bearer token. Two alerts of one group open one incident
# with two alerts (Alertmanager's own fingerprints), and when both end
# Alertmanager's resolved notification auto-resolves the incident.
. "$(dirname "$0")/lib/common.sh"
AM=$(command -v prometheus-alertmanager || command -v alertmanager) ||
	skip "prometheus-alertmanager is not installed (scripts/deps.sh optional)"

DB=$T/oncall.db
TOKEN=$("$ML" token add alertmanager --role responder --db "$DB" 2>/dev/null)
start_serve "$DB"
AMPORT=$(free_port)
cat >"$T/am.yml" <<YAML
route:
  receiver: mloncall
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: mloncall
    webhook_configs:
      - url: $URL/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: $TOKEN
YAML
"$AM" --config.file="$T/am.yml" --storage.path="$T/am" \
	--web.listen-address="127.0.0.1:$AMPORT" --cluster.listen-address= \
	>"$T/alertmanager.log" 2>&1 &
PIDS="$PIDS $!"
AMURL=http://127.0.0.1:$AMPORT
i=0
until curl -sf "$AMURL/-/ready" >/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "alertmanager did not start"
	sleep 0.05
done

post_alerts() { # post_alerts ENDS_AT
	curl -sf -XPOST -H 'Content-Type: application/json' "$AMURL/api/v2/alerts" -d "[
	 {\"labels\":{\"alertname\":\"InferenceLatencyHigh\",\"severity\":\"critical\",\"instance\":\"irisd-1\"},
	  \"annotations\":{\"summary\":\"p99 over 250ms\"}$1},
	 {\"labels\":{\"alertname\":\"InferenceLatencyHigh\",\"severity\":\"critical\",\"instance\":\"irisd-2\"},
	  \"annotations\":{\"summary\":\"p99 over 250ms\"}$1}]" >/dev/null ||
		fail "posting to alertmanager"
}
post_alerts ""
i=0
while :; do
	api GET /api/v1/incidents >/dev/null
	n=$(json_get "$T/resp" 'sum(x["alert_count"] for x in d["incidents"])')
	[ "$n" = 2 ] && break
	i=$((i + 1)); [ $i -gt 200 ] && fail "alertmanager's notification did not arrive (alerts: $n)"
	sleep 0.05
done
[ "$(json_get "$T/resp" 'len(d["incidents"])')" = 1 ] || fail "the group did not become one incident"
[ "$(json_get "$T/resp" 'd["incidents"][0]["severity"]')" = 1 ] || fail "critical -> P1"
api GET /api/v1/incidents/1 >/dev/null
fp=$(json_get "$T/resp" 'd["alerts"][0]["fingerprint"]')
[ ${#fp} = 16 ] || fail "not Alertmanager's fingerprint: $fp"

past=$($PY -c 'import datetime; print((datetime.datetime.utcnow()-datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
post_alerts ",\"endsAt\":\"$past\""
i=0
until api GET /api/v1/incidents/1 >/dev/null && grep -q '"status":"resolved"' "$T/resp"; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "the resolved notification did not resolve the incident"
	sleep 0.05
done
[ "$(json_get "$T/resp" 'd["auto_resolved"]')" = 1 ] || fail "not marked auto-resolved"
echo "alertmanager: grouped 2 alerts into incident 1 and auto-resolved it"
echo "1 passed, 0 failed"
