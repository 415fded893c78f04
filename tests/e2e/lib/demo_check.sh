# demo_check.sh: shared checks of tests/e2e/demo_*.sh (sourced after
# common.sh): run scripts/demo.sh for real with shortened timings
# (DEMO_FAST=1: the same code path, shorter for:/hold/canary waits) in a
# temp folder, then read what it left: the incident, its timeline, the
# run record in the store, the postmortem, and the process table.
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (scripts/deps.sh test)"
command -v ss >/dev/null || skip "ss (iproute2) is not installed"
: "${ML_BUILD:?ML_BUILD must point at the build folder}"
[ -x "$ML_BUILD/irisd" ] || skip "irisd is not built in $ML_BUILD"
DEMO=$ML_SRC/scripts/demo.sh
DD=$T/demo-data

# The demos load the machine (servers under traffic, sanitizers): the
# demo tests take turns, so ctest -j does not make them time each other
# out. The lock is released when this test exits.
if command -v flock >/dev/null; then
	exec 9>"${TMPDIR:-/tmp}/mloncall-e2e-demo.lock"
	flock -w 280 9 || skip "another demo test held the lock for 280s"
fi

# run_demo SCENARIO: runs the whole demo; its output in $T/demo.out.
run_demo() {
	DEMO_FAST=1 DEMO_DIR=$DD DEMO_BUILD=$ML_BUILD timeout 200 sh "$DEMO" "$1" >"$T/demo.out" 2>&1 ||
		{ cat "$T/demo.out"; for f in "$DD"/*.log; do echo "--- $f"; tail -20 "$f"; done; fail "demo $1 failed"; }
	grep -q "nothing left listening" "$T/demo.out" || fail "the demo did not check its ports"
	no_leftovers
}

# Nothing the demo started is still running or listening.
no_leftovers() {
	sleep 0.2
	if ps -eo pid=,args= | grep -F "$DD" | grep -v -e grep -e "ps -eo" >"$T/left.txt"; then
		cat "$T/left.txt"; fail "processes left behind"
	fi
	for port in $(cat "$DD"/*.port 2>/dev/null); do
		ss -ltn "sport = :$port" | grep -q LISTEN && fail "port $port still listening"
	done
	return 0
}

# Loads incident 1 (JSON) and run 1's record from the store.
load_incident() {
	"$ML" incident show 1 --db "$DD/oncall.db" -o json >"$T/inc.json" || fail "no incident 1"
	sqlite3 "$DD/oncall.db" "SELECT record_json FROM runs WHERE id = 1" >"$T/run.json"
	[ -s "$T/run.json" ] || fail "no run record in the store"
}

# check_py FILE EXPR MESSAGE: a Python boolean over d (the JSON in FILE).
check_py() {
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
		fail "$3: $(head -c 600 "$1")"
}

# The incident's life as the timeline tells it, in order.
check_timeline() { # RUNBOOK ALERT CAUSE REMEDY
	check_py "$T/inc.json" "d['status'] == 'resolved' and d['auto_resolved'] == 1 and d['severity'] == 2" "incident not auto-resolved P2"
	check_py "$T/inc.json" "d['runbook_id'] == '$1' and d['alerts'][0]['alertname'] == '$2'" "routing"
	check_py "$T/inc.json" "d['acked_at'] is not None and d['acked_at'] <= d['resolved_at']" "not acknowledged"
	$PY - "$T/inc.json" "$1" "$2" "$3" "$4" <<'PY' || fail "timeline: $(cat "$T/inc.json" | head -c 2000)"
import json, sys
d = json.load(open(sys.argv[1])); rb, alert, cause, remedy = sys.argv[2:]
tl = [(e["kind"], e["actor"], e["message"]) for e in d["timeline"]]
want = [("opened", "rule", "P2"), ("route", "mloncall", "routed to runbook"), ("alert", "rule", "firing: " + alert),
        ("run", "mloncall", "automatic remediation started"),
        ("run", "mloncall", "remediate run of runbooks/serving/%s.yaml: succeeded; cause: %s; remedy: %s" % (rb, cause, remedy)),
        ("alert", "rule", "resolved: " + alert), ("resolved", "rule", "auto-resolved")]
i = 0
for k, a, m in tl:
    if i < len(want) and k == want[i][0] and a == want[i][1] and want[i][2] in m:
        i += 1
if i != len(want):
    print("timeline: missing", want[i], "in", tl); sys.exit(1)
kinds = [k for k, _, _ in tl]
assert "page" in kinds and "ack" in kinds, kinds
PY
}
