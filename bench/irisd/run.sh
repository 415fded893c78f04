#!/bin/sh
# bench/irisd: how fast the sandbox service and its load generator are,
# so the demo's numbers come from irisd and not from the tools: (1) wrk
# at full speed on POST /predict (8 connections): predictions/s and p99;
# (2) `irisd load` at full speed with the same 8 requests open, against
# wrk's rate (the ratio: how close the generator gets to wrk); (3)
# `irisd load` at a fixed 2000/s: the achieved rate and its p99, against
# wrk's p99 at full speed. Uses build/irisd; needs wrk (apt-get install
# wrk). BENCH_SECONDS sets each run's length (default 5).
set -eu
cd "$(dirname "$0")/../.."
IRISD=${IRISD_BIN:-$PWD/build/irisd}
DUR=${BENCH_SECONDS:-5}
command -v wrk >/dev/null || { echo "bench/irisd: wrk is not installed (apt-get install wrk)"; exit 0; }
[ -x "$IRISD" ] || { echo "bench/irisd: build first (make)"; exit 1; }
mkdir -p bench/out
T=$(mktemp -d bench/out/irisd.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
jget() { /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(round(v, 3) if isinstance(v, float) else v)' "$1" "$2"; }

"$IRISD" train --registry "$T/reg" >/dev/null
"$IRISD" serve --registry "$T/reg" --listen 127.0.0.1:0 --port-file "$T/port" \
	--workers 8 2>"$T/serve.log" &
i=0
while [ ! -s "$T/port" ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.05; done
URL=http://127.0.0.1:$(cat "$T/port")

W=$(wrk -t1 -c8 -d${DUR}s -s bench/irisd/predict.lua "$URL" | grep RESULT)
echo "wrk -c8, ${DUR}s:           $W"
"$IRISD" load --url "$URL" --rate 100000 --max-inflight 8 --duration ${DUR}s -o json >"$T/max.json"
echo "irisd load, 8 open, ${DUR}s:  RESULT rps=$(jget "$T/max.json" requests | awk -v d="$(jget "$T/max.json" duration_s)" '{printf "%.0f", $1/d}') p50_ms=$(jget "$T/max.json" p50_ms) p99_ms=$(jget "$T/max.json" p99_ms) errors=$(jget "$T/max.json" errors)"
"$IRISD" load --url "$URL" --rate 2000 --duration ${DUR}s -o json >"$T/fixed.json"
echo "irisd load --rate 2000:    RESULT rps=$(jget "$T/fixed.json" requests | awk -v d="$(jget "$T/fixed.json" duration_s)" '{printf "%.0f", $1/d}') p50_ms=$(jget "$T/fixed.json" p50_ms) p99_ms=$(jget "$T/fixed.json" p99_ms) errors=$(jget "$T/fixed.json" errors)"
wr=$(echo "$W" | sed 's/.*rps=\([0-9]*\).*/\1/')
lr=$(jget "$T/max.json" requests | awk -v d="$(jget "$T/max.json" duration_s)" '{printf "%.0f", $1/d}')
echo "ratio: irisd load/wrk requests/s at 8 open = $(awk "BEGIN{printf \"%.2f\", $lr/$wr}")"
echo "targets (what the demo needs): irisd serve >= 2000 predictions/s with p99 < 20 ms, so only"
echo "  an injected fault brings p99 near the 100 ms SLO; irisd load holds 2000/s within 1%"
