#!/bin/sh
# comms_runbook.sh: runbooks/platform/incident-communication.yaml for real,
# against a running `mloncall serve`: lint --strict and its scenario
# tests pass; on a fresh incident, `mloncall run` acknowledges it, names
# the incident commander and the communications lead, links the bridge
# and posts the first status update, and verify reads all of that back;
# a second run finds the communication in order (no_diagnosis). (The
# resolve path ends in `incident postmortem`, another branch's command:
# it is covered by the scenario tests only.)
. "$(dirname "$0")/lib/common.sh"
RB=$ML_SRC/runbooks/platform/incident-communication.yaml

"$ML" runbook lint --strict "$RB" >"$T/lint.out" || fail "lint: $(cat "$T/lint.out")"
"$ML" runbook test "$RB" >"$T/test.out" || fail "scenario tests: $(cat "$T/test.out")"

DB=$T/oncall.db
printf 'tick: 50ms\n' >"$T/oncall.yaml"
TOKEN=$("$ML" token add comms --role admin --db "$DB" 2>/dev/null)
export MLONCALL_TOKEN=$TOKEN
start_serve "$DB" --config "$T/oncall.yaml"
mkdir -p "$T/bin"
ln -s "$ML" "$T/bin/mloncall"
PATH=$T/bin:$PATH
export PATH

expect_status 200 POST /api/v1/alerts \
	'{"labels":{"alertname":"MajorIncidentDeclared","severity":"P1"}}'
"$ML" run "$RB" --param server="$URL" --param incident=1 \
	--param commander=ana --param comms_lead=ben \
	--param bridge_url=https://meet.example.com/inc-1 --yes -o json -q \
	>"$T/run1.json" 2>"$T/run1.err"
[ "$(json_get "$T/run1.json" 'd["status"]')" = succeeded ] ||
	fail "first run: $(cat "$T/run1.json" "$T/run1.err" | tail -40)"
[ "$(json_get "$T/run1.json" 'd["diagnosis"]["cause"]')" = unacknowledged ] || fail "cause"
"$ML" incident show 1 --server "$URL" -o json >"$T/inc.json"
[ "$(json_get "$T/inc.json" 'd["status"]')" = acknowledged ] || fail "not acknowledged"
[ "$(json_get "$T/inc.json" 'sorted((r["role"], r["person"]) for r in d["roles"])')" = "[('communications', 'ben'), ('incident_commander', 'ana')]" ] ||
	fail "roles: $(json_get "$T/inc.json" 'd["roles"]')"
[ "$(json_get "$T/inc.json" 'd["bridge_url"]')" = https://meet.example.com/inc-1 ] || fail "bridge"
[ "$(json_get "$T/inc.json" '[e["actor"] for e in d["timeline"] if e["kind"]=="update"]')" = "['ben']" ] ||
	fail "the first status update is missing"

"$ML" run "$RB" --param server="$URL" --param incident=1 --yes -o json -q \
	>"$T/run2.json" 2>/dev/null
[ "$(json_get "$T/run2.json" 'd["status"]')" = no_diagnosis ] ||
	fail "second run should find nothing to do: $(json_get "$T/run2.json" 'd["status"]')"
echo "1 passed, 0 failed"
