#!/bin/sh
# demo.sh: the main job, run by `make demo` (after deps and the build).
# One real incident from alert to postmortem, on this machine, with real
# processes on loopback ports picked at run time:
#   SCENARIO=quality (default): irisd serves model v1 under load; v2 (a
#     regressed model) goes out as a canary, then to 100%; online accuracy
#     drops; mloncall's own alert rule fires; `mloncall serve` opens a P2
#     incident, routes it to runbooks/serving/model-quality-degradation,
#     which diagnoses (deploy within 4 h; sha256 served vs manifest),
#     rolls back (auto: true), verifies for a hold time; the alert
#     resolves; the postmortem is written.
#   SCENARIO=latency: injected per-request latency saturates 2 workers;
#     the windowed-p99 rule fires; inference-latency-spike scales the
#     workers and verifies p99 < 100 ms for a hold time.
# Environment: DEMO_FULL=1 has a real Prometheus scrape irisd and a real
# Alertmanager deliver to mloncall instead of mloncall's rules (make
# demo-full); DEMO_FAST=1 shortens every wait (tests); DEMO_DIR (default
# ./demo-data, wiped at start, so a second run needs no cleanup);
# DEMO_BUILD (default ./build). Ctrl-C stops every child; nothing is left
# listening.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
SCENARIO=${1:-${SCENARIO:-quality}}
BUILD=${DEMO_BUILD:-$ROOT/build}
D=${DEMO_DIR:-demo-data}
FAST=${DEMO_FAST:-0}
FULL=${DEMO_FULL:-0}
. "$ROOT/scripts/demo/lib.sh"
. "$ROOT/scripts/demo/full.sh"

case $SCENARIO in
quality | latency) ;;
*) echo "usage: $0 [quality|latency]   (or SCENARIO=...)" >&2; exit 2 ;;
esac
[ -x "$ML" ] && [ -x "$IRISD" ] || die "build first: make (needs $ML and $IRISD)"
command -v curl >/dev/null || die "curl is needed (scripts/deps.sh test)"
if [ "$FAST" = 1 ]; then
	EVERY=500ms FOR_S=2 HOLD_S=3 CANARY_S=2 WINDOW=40 RATE=40 LAT_WIN=2s
else
	EVERY=1s FOR_S=5 HOLD_S=10 CANARY_S=5 WINDOW=100 RATE=40 LAT_WIN=5s
fi
KEEP_S=$((HOLD_S + 10))
prepare_dir

step "0. the model registry: train v1, and v2 with flipped labels (a labelling bug)"
"$IRISD" train --registry "$D/registry" --version v1 2>&1 | sed 's/^/   /'
"$IRISD" train --registry "$D/registry" --version v2 --flip-labels 2>&1 | sed 's/^/   /'
echo "   v2's offline accuracy looks fine: it is measured on the same wrong labels"

step "1. start irisd (model v1) and the incident service (SQLite in $D)"
WORKERS=4
[ "$SCENARIO" = latency ] && WORKERS=2
start_irisd "$WORKERS"
if [ "$FULL" = 1 ]; then write_config none; else write_config rules; fi
start_serve
[ "$FULL" = 1 ] && start_prometheus_stack
say "irisd            $U   (workers: $WORKERS)"
say "mloncall serve   $SURL   (runbooks/serving, config $D/oncall.yaml)"
if [ "$FULL" = 1 ]; then
	say "prometheus       $PURL   scrapes irisd every 1s, rules in $D/prometheus-rules.yml"
	say "alertmanager     $AURL   -> $SURL/api/v1/alerts/alertmanager"
else
	say "alert rules evaluated by mloncall serve itself (every $EVERY):"
	sed -n 's/^  - name: /     /p' "$D/oncall.yaml"
fi

RATE_NOW=$RATE
[ "$SCENARIO" = latency ] && RATE_NOW=80
step "2. traffic: $RATE_NOW requests/s, each followed by its true label as feedback"
start_load "$RATE_NOW"
wait_until "the online-accuracy window fills" 30 accuracy_window_full
say "online accuracy: $(pct irisd_online_accuracy)  p99 over the last $LAT_WIN: $(p99_ms) ms"

. "$ROOT/scripts/demo/incident.sh"
if [ "$SCENARIO" = quality ]; then
	. "$ROOT/scripts/demo/quality.sh"
else
	. "$ROOT/scripts/demo/latency.sh"
fi
finish_story
