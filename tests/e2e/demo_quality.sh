#!/bin/sh
# demo_quality.sh: `make demo` (SCENARIO=quality) end to end with
# shortened timings: the regressed v2 goes out, mloncall's rule fires,
# the incident is routed to model-quality-degradation, diagnosed as the
# recent deploy (served sha256 equal to the manifest's), rolled back to
# v1, verified for the hold time and auto-resolved; the postmortem has
# MTTA/MTTR and the cause. A second run in the same folder starts
# without cleanup and stops cleanly on Ctrl-C; nothing is left running
# or listening.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/demo_check.sh"

run_demo quality
load_incident
check_timeline model-quality-degradation IrisAccuracyLow recent-deploy rollback-model

# the run record: status, diagnosis and its evidence, the remedy, verify
check_py "$T/run.json" "d['status'] == 'succeeded' and d['diagnosis']['cause'] == 'recent-deploy' and d['diagnosis']['remedy'] == 'rollback-model'" "run record status/diagnosis"
check_py "$T/run.json" "d['diagnosis']['seen']['service.state.version'] == 'v2'" "the suspect is not v2"
check_py "$T/run.json" "[s['result'] for s in d['steps'] if s['phase'] == 'remedy'] == ['ok'] and 'admin/rollback' in [s for s in d['steps'] if s['phase'] == 'remedy'][0]['command']" "remedy step"
check_py "$T/run.json" "all(s['result'] == 'ok' for s in d['steps'] if s['phase'] == 'verify') and len([s for s in d['steps'] if s['phase'] == 'verify']) == 3" "verify steps"
check_py "$T/run.json" "d['facts']['online']['window']['value_min'] >= 0.9" "accuracy dipped during the hold"
# the served model after the rollback: v1, its bytes as in the manifest
check_py "$T/run.json" "d['facts']['service']['state']['version'] == 'v1' and d['facts']['service']['state']['loaded_sha256'] == d['facts']['service']['manifest']['v1/model.json']" "model after rollback"
grep -q '"version":"v1"' "$T/demo.out" || fail "irisd's state after the rollback is not v1"
grep -q "$(awk '$2 == "v1/model.json" { print $1 }' "$DD/registry/manifest.sha256")" "$T/demo.out" ||
	fail "the served sha256 is not v1's"

# the postmortem
PM=$DD/postmortem-1.md
[ -s "$PM" ] || fail "no postmortem"
grep -q "postmortem-1.md" "$T/demo.out" || fail "the postmortem path is not printed"
grep -q "MTTA" "$T/demo.out" && grep -q "MTTR" "$T/demo.out" || fail "MTTA/MTTR not printed"
for want in "recent-deploy" "rollback-model" "IrisAccuracyLow" "model-quality-degradation" "auto-resolved"; do
	grep -q -- "$want" "$PM" || fail "postmortem lacks $want"
done

# a second run in the same folder, no cleanup in between, stopped by
# Ctrl-C in the middle: every child stops, nothing is left listening.
# (A background job of a script ignores SIGINT: start it with the default
# disposition, as a terminal would.)
rm -f "$T/demo.out"
DEMO_FAST=1 DEMO_DIR=$DD DEMO_BUILD=$ML_BUILD $PY -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp("sh", ["sh"] + sys.argv[1:])' "$DEMO" quality >"$T/demo.out" 2>&1 &
DPID=$!
i=0
until grep -q "3. deploy v2 as a canary" "$T/demo.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 2400 ] && fail "the demo did not get going: $(cat "$T/demo.out")"; sleep 0.05
done
kill -INT "$DPID"
wait "$DPID"
rc=$?
[ "$rc" = 130 ] || fail "exit status $rc after Ctrl-C, expected 130: $(tail -5 "$T/demo.out")"
grep -q "interrupted" "$T/demo.out" || fail "no word about the interruption"
grep -q "nothing left listening" "$T/demo.out" || fail "ports not checked after Ctrl-C"
no_leftovers
[ ! -e "$DD/oncall.db" ] || [ "$(sqlite3 "$DD/oncall.db" "SELECT count(*) FROM incidents")" = 0 ] ||
	fail "the second run did not start from a clean folder"
echo ok
