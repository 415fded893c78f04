#!/bin/sh
# demo_latency.sh: `make demo SCENARIO=latency` end to end with shortened
# timings: 40 ms per request saturates 2 workers, the windowed-p99 rule
# fires, inference-latency-spike scales out to 16 workers and verifies
# p99 under 100 ms for the hold time, the incident auto-resolves and the
# postmortem is written. Then Ctrl-C (SIGINT) in the middle of a run:
# every child stops and nothing is left listening.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/demo_check.sh"

run_demo latency
load_incident
check_timeline inference-latency-spike IrisLatencyHigh saturated scale-out
check_py "$T/run.json" "d['status'] == 'succeeded' and d['diagnosis']['cause'] == 'saturated'" "run record"
check_py "$T/run.json" "d['diagnosis']['seen']['latency.p99'] > 0.1" "p99 seen by the diagnosis"
check_py "$T/run.json" "'admin/scale' in [s for s in d['steps'] if s['phase'] == 'remedy'][0]['command']" "remedy step"
check_py "$T/run.json" "d['facts']['latency']['p99'] < 0.1 and d['facts']['latency']['window']['ms'] >= 3000" "p99 over the hold"
grep -q '"workers":16' "$T/demo.out" || fail "irisd was not scaled to 16 workers"
grep -q "saturated" "$DD/postmortem-1.md" || fail "postmortem lacks the cause"

# Ctrl-C while the story runs. A background job of a script ignores
# SIGINT, so start it with the default disposition, as a terminal would.
rm -f "$T/demo.out"
DEMO_FAST=1 DEMO_DIR=$DD DEMO_BUILD=$ML_BUILD $PY -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp("sh", ["sh"] + sys.argv[1:])' "$DEMO" latency >"$T/demo.out" 2>&1 &
DPID=$!
i=0
until grep -q "3. a slow dependency" "$T/demo.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 600 ] && fail "the demo did not get going: $(cat "$T/demo.out")"; sleep 0.05
done
kill -INT "$DPID"
wait "$DPID"
rc=$?
[ "$rc" = 130 ] || fail "exit status $rc after Ctrl-C, expected 130: $(tail -5 "$T/demo.out")"
grep -q "interrupted" "$T/demo.out" || fail "no word about the interruption"
grep -q "nothing left listening" "$T/demo.out" || fail "ports not checked after Ctrl-C"
no_leftovers
echo ok
