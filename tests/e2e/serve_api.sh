#!/bin/sh
# serve_api.sh: the incident service's HTTP API end to end: intake of an
# Alertmanager v4 payload, dedup of a repeat, auto-resolve, the generic
# alert endpoint, auth (401/403), bad input (400 naming the field), the
# body limit (413), incident actions, /metrics and /healthz, and a
# graceful SIGTERM.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --db "$DB" 2>/dev/null) ||
	fail "token add"
VIEWER=$("$ML" token add dash --role viewer --db "$DB" 2>/dev/null)
start_serve "$DB" --runbooks "$ML_SRC/runbooks/examples"

am() { # am STATUS FINGERPRINT SUMMARY
	printf '{"version":"4","groupKey":"{}:{alertname=\\"GPUHot\\"}","status":"%s","receiver":"mloncall","groupLabels":{"alertname":"GPUHot"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","alerts":[{"status":"%s","labels":{"alertname":"GPUHot","severity":"warning","node":"n1"},"annotations":{"summary":"%s"},"startsAt":"2026-11-23T03:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom","fingerprint":"%s"}]}' "$1" "$1" "$3" "$2"
}

expect_status 200 GET /healthz
TOKEN= expect_status 401 GET /api/v1/incidents
TOKEN=bogus expect_status 401 GET /api/v1/incidents
expect_status 200 POST /api/v1/alerts/alertmanager "$(am firing fp1 first)"
grep -q '"created":true' "$T/resp" || fail "first alert did not open an incident"
expect_status 200 POST /api/v1/alerts/alertmanager "$(am firing fp1 second)"
grep -q '"repeat":true' "$T/resp" || fail "repeat was not deduplicated"
expect_status 200 GET /api/v1/incidents/1
[ "$(json_get "$T/resp" 'd["alerts"][0]["count"]')" = 2 ] || fail "count != 2"
[ "$(json_get "$T/resp" 'd["severity"]')" = 3 ] || fail "warning -> P3"
[ "$(json_get "$T/resp" 'd["last_payload"]["annotations"]["summary"]')" = second ] ||
	fail "latest payload not kept"

# a viewer may read but not write
TOKEN=$VIEWER expect_status 200 GET /api/v1/incidents
TOKEN=$VIEWER expect_status 403 POST /api/v1/incidents/1/ack '{}'

# bad input: 400 naming the field; 413 over the limit; 404/405
expect_status 400 POST /api/v1/alerts/alertmanager '{"version":"4","alerts":[{"labels":{"a":5}}]}'
grep -q 'alerts\[0\].labels.a' "$T/resp" || fail "400 does not name the field: $(cat "$T/resp")"
expect_status 400 POST /api/v1/alerts/alertmanager '{"alerts":'
expect_status 400 POST /api/v1/alerts '"just a string"'
$PY -c 'print("{\"labels\":{\"a\":\"" + "x"*(2*1024*1024) + "\"}}")' >"$T/big.json"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$T/big.json" "$URL/api/v1/alerts")
[ "$got" = 413 ] || fail "2 MiB body: expected 413, got $got"
expect_status 404 GET /api/v1/nothing
expect_status 405 DELETE /api/v1/incidents
expect_status 404 GET /api/v1/incidents/999

# hostile labels are stored as strings and never run
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"$(touch '"$T"'/pwned)","x":"`touch '"$T"'/pwned2`"}}'
sleep 0.5
[ -e "$T/pwned" ] || [ -e "$T/pwned2" ] && fail "a label value was executed"

# actions
expect_status 200 POST /api/v1/incidents/1/ack '{}'
expect_status 200 POST /api/v1/incidents/1/note '{"text":"restarted the exporter"}'
expect_status 200 POST /api/v1/incidents/1/role '{"role":"incident_commander","person":"ana"}'
expect_status 409 POST /api/v1/incidents/1/role '{"role":"jester","person":"x"}'
expect_status 400 POST /api/v1/incidents/1/note '{"text":5}'
expect_status 404 POST /api/v1/incidents/1/explode '{}'

# resolved closes the alert and auto-resolves the incident
expect_status 200 POST /api/v1/alerts/alertmanager "$(am resolved fp1 done)"
expect_status 200 GET /api/v1/incidents/1
[ "$(json_get "$T/resp" 'd["status"]')" = resolved ] || fail "not auto-resolved"
[ "$(json_get "$T/resp" 'd["auto_resolved"]')" = 1 ] || fail "auto_resolved flag"

# the CLI reads the same through the API
MLONCALL_SERVER=$URL MLONCALL_TOKEN=$TOKEN "$ML" incident ls --all >"$T/ls.txt" ||
	fail "incident ls via API"
grep -q "GPUHot\|first\|second" "$T/ls.txt" || fail "ls output: $(cat "$T/ls.txt")"

curl -s "$URL/metrics" >"$T/metrics.txt"
grep -q '^mloncall_alerts_received_total [1-9]' "$T/metrics.txt" || fail "metrics"
grep -q 'mloncall_http_request_duration_seconds_bucket{le="+Inf"}' "$T/metrics.txt" ||
	fail "latency histogram"

kill -TERM "$SERVE_PID"
i=0
while kill -0 "$SERVE_PID" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "serve did not stop on SIGTERM"
	sleep 0.05
done
wait "$SERVE_PID" 2>/dev/null; rc=$?
[ "$rc" = 0 ] || fail "serve exited $rc after SIGTERM"
grep -q "stopped" "$T/serve.log" || fail "no clean stop message"
echo "1 passed, 0 failed"
