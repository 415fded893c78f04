#!/bin/sh
# serve_runbook.sh: an alert is routed to the runbook whose trigger
# matches, the diagnosis runs in a child process with the labels that the
# runbook declares as params (environment only), and its cause and facts
# land on the incident timeline; the run is recorded with its status. An
# alert that no runbook matches is recorded as a coverage gap.
. "$(dirname "$0")/lib/common.sh"
DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --db "$DB" 2>/dev/null)
printf 'tick: 50ms\n' >"$T/oncall.yaml"
start_serve "$DB" --runbooks "$ML_SRC/runbooks/examples" --config "$T/oncall.yaml"

expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"NodeDiskFull","severity":"warning","mount":"/","threshold_pct":"1","instance":"$(touch '"$T"'/pwned)"}}'
grep -q '"runbook":"disk-full"' "$T/resp" || fail "not routed to disk-full: $(cat "$T/resp")"
i=0
until api GET /api/v1/incidents/1 >/dev/null && grep -q 'cause: disk-nearly-full' "$T/resp"; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "no diagnosis on the timeline: $(cat "$T/resp")"
	sleep 0.05
done
[ "$(json_get "$T/resp" 'd["runs"][0]["status"]')" = diagnosed ] || fail "run status"
[ "$(json_get "$T/resp" '[e for e in d["timeline"] if e["kind"]=="run" and e["data"]][0]["data"]["facts"]["disk"]["used_pct"] >= 1')" = True ] ||
	fail "facts not on the timeline"
[ -e "$T/pwned" ] && fail "a label reached a shell"

expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"SomethingNobodyWroteARunbookFor"}}'
grep -q '"runbook":null\|"created":true' "$T/resp" || true
api GET /api/v1/incidents/2 >/dev/null
grep -q 'coverage gap' "$T/resp" || fail "coverage gap not recorded"
echo "1 passed, 0 failed"
