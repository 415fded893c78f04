#!/bin/sh
# demo_latency.sh: `make demo SCENARIO=latency` end to end with shortened
# timings: 40 ms per request saturates 2 workers, the windowed-p99 rule
# fires, inference-latency-spike scales out to 16 workers and verifies
# p99 under 100 ms for the hold time, the incident auto-resolves and the
# postmortem is written; nothing is left running or listening.
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

echo ok
