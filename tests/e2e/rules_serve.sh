#!/bin/sh
# rules_serve.sh: alert rules evaluated by `mloncall serve` over a real
# /metrics page (a tiny Python file server). A blip shorter than `for:`
# never fires; a drop that lasts fires one P2 alert through the intake,
# which opens an incident, routes it to a runbook whose params come from
# the rule's labels and diagnoses it; the recovery resolves the alert and
# auto-resolves the incident. Also: the prom probe's `window` over a page
# that changes, and a broken rule refused at startup with file:line:col.
. "$(dirname "$0")/lib/common.sh"

mkdir -p "$T/www" "$T/rb"
acc() { printf '# TYPE model_online_accuracy gauge\nmodel_online_accuracy %s\n' "$1" >"$T/www/m.tmp" &&
	mv "$T/www/m.tmp" "$T/www/metrics"; }
acc 0.97
HPORT=$(free_port)
$PY -m http.server "$HPORT" --bind 127.0.0.1 --directory "$T/www" >"$T/http.log" 2>&1 &
PIDS="$PIDS $!"
MURL=http://127.0.0.1:$HPORT/metrics
i=0
until curl -sf "$MURL" >/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "metrics server did not start"; sleep 0.05
done

cat >"$T/rb/acc.yaml" <<'YAML'
id: accuracy-low
title: accuracy low
trigger:
  - alertname = ModelAccuracyLow
params:
  metrics_url: { required: true, pattern: "http://[0-9.:]+/metrics" }
diagnose:
  steps:
    - probe: prom
      with: { metrics_url: "{{metrics_url}}", select: model_online_accuracy }
  cases:
    - when: "prom.value < 0.9"
      cause: accuracy-below-target
YAML
cat >"$T/oncall.yaml" <<YAML
tick: 100ms
rules:
  - name: ModelAccuracyLow
    every: 200ms
    probe: prom
    with: { metrics_url: "$MURL", select: model_online_accuracy, timeout: 2s }
    when: "prom.value ~= nil and prom.value < 0.9"
    for: 3s
    labels: { severity: P2, service: iris, metrics_url: "$MURL" }
    annotations: { summary: "online accuracy below 90%" }
YAML

# a broken rule stops the service at startup, naming the place
printf 'rules:\n  - name: A\n    probe: prom\n    with: {metrics_url: "%s"}\n    when: "prom.value <"\n' "$MURL" >"$T/bad.yaml"
"$ML" serve --db "$T/bad.db" --listen 127.0.0.1:0 --config "$T/bad.yaml" 2>"$T/bad.err" &&
	fail "a broken rule was accepted"
grep -q "bad.yaml:5:11: expression" "$T/bad.err" || fail "no file:line:col: $(cat "$T/bad.err")"

DB=$T/oncall.db
TOKEN=$("$ML" token add t --role viewer --db "$DB" 2>/dev/null)
start_serve "$DB" --config "$T/oncall.yaml" --runbooks "$T/rb"
grep -q "1 alert rule(s) evaluating" "$T/serve.log" || fail "rules not started"

# a blip shorter than for: goes pending and back, and never fires
acc 0.40
i=0
until grep -q "rule ModelAccuracyLow: pending" "$T/serve.log"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "the rule never went pending"; sleep 0.05
done
acc 0.97
i=0
until grep -q "no longer pending" "$T/serve.log"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "the pending rule did not return"; sleep 0.05
done
api GET /api/v1/incidents >/dev/null
[ "$(json_get "$T/resp" 'len(d["incidents"])')" = 0 ] || fail "a blip opened an incident"

# a drop that lasts fires after for:, once
acc 0.40
t0=$(date +%s)
i=0
until grep -q "rule ModelAccuracyLow: firing -> incident 1" "$T/serve.log"; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "the rule did not fire"; sleep 0.05
done
[ $(($(date +%s) - t0)) -ge 2 ] || fail "fired before for: (3s) elapsed"
i=0
until "$ML" incident show 1 --db "$DB" -o json >"$T/inc.json" 2>/dev/null &&
	grep -q accuracy-below-target "$T/inc.json"; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "no diagnosis: $(cat "$T/inc.json")"; sleep 0.05
done
json_get "$T/inc.json" 'd["severity"]' | grep -qx 2 || fail "severity is not P2"
json_get "$T/inc.json" 'd["runbook_id"]' | grep -qx accuracy-low || fail "not routed"
json_get "$T/inc.json" '[e["actor"] for e in d["timeline"] if e["kind"]=="opened"][0]' |
	grep -qx rule || fail "the opening is not by the rule"
json_get "$T/inc.json" '[a["labels"]["metrics_url"] for a in d["alerts"]][0]' |
	grep -qx "$MURL" || fail "labels lost"

# recovery: resolved alert, incident auto-resolved; still one alert
acc 0.98
i=0
until "$ML" incident show 1 --db "$DB" -o json >"$T/inc.json" 2>/dev/null &&
	[ "$(json_get "$T/inc.json" 'd["status"]')" = resolved ]; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "not resolved"; sleep 0.05
done
json_get "$T/inc.json" 'd["auto_resolved"]' | grep -qxE "1|True" || fail "not auto-resolved"
json_get "$T/inc.json" 'd["alert_count"]' | grep -qx 1 || fail "more than one alert"
grep -q "rule ModelAccuracyLow: resolved -> incident 1" "$T/serve.log" || fail "no resolution sent"

# the probe's window: p99 over the increase, not since the start
printf '# TYPE lat histogram\nlat_bucket{le="0.05"} 100000\nlat_bucket{le="1"} 100000\nlat_bucket{le="+Inf"} 100000\nlat_count 100000\nlat_sum 500\n' >"$T/www/metrics"
(sleep 0.8; printf '# TYPE lat histogram\nlat_bucket{le="0.05"} 100000\nlat_bucket{le="1"} 100100\nlat_bucket{le="+Inf"} 100100\nlat_count 100100\nlat_sum 555\n' >"$T/www/m.tmp" && mv "$T/www/m.tmp" "$T/www/metrics") &
"$ML" check prom --metrics_url "$MURL" --metric lat --window 2s --max 0.5 -o json >"$T/win.json"
[ $? = 1 ] || fail "window p99 over max is not a finding"
p99=$(json_get "$T/win.json" 'd["p99"]')
$PY -c "import sys; sys.exit(0 if abs($p99 - 0.9905) < 1e-9 else 1)" || fail "window p99 $p99"
"$ML" check prom --metrics_url "$MURL" --metric lat -o json >"$T/all.json"
json_get "$T/all.json" 'd["p99"]' | grep -q "^0.04" || fail "cumulative p99 changed"
"$ML" check prom "$T/www/metrics" --window 1s 2>"$T/w.err"
[ $? = 2 ] || fail "window without metrics_url is not a usage error"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
echo "ok"
