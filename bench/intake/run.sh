#!/bin/sh
# bench/intake: sustained alert intake of `mloncall serve` on loopback
# (every 200 is durable: WAL, synchronous=FULL, group commit) against
# Alertmanager's own intake (POST /api/v2/alerts) under the same load.
# Prints alerts/s, p50/p99 latency and peak RSS of each, and the ratio.
# Needs wrk (apt-get install wrk); uses build/mloncall. BENCH_CONNS sets
# the concurrent connections (default 8; at 32, p99 grows with queueing
# behind the group commit: see the closing note of issue 7).
set -eu
cd "$(dirname "$0")/../.."
ML=${ML_BIN:-$PWD/build/mloncall}
DUR=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-8}
command -v wrk >/dev/null || { echo "bench/intake: wrk is not installed (apt-get install wrk)"; exit 0; }
[ -x "$ML" ] || { echo "bench/intake: build first (make)"; exit 1; }
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$1/status; }

BENCH_TOKEN=$("$ML" token add bench --role responder --db "$T/b.db" 2>/dev/null)
export BENCH_TOKEN
P=$(port)
"$ML" serve --db "$T/b.db" --listen 127.0.0.1:$P 2>"$T/serve.log" &
SPID=$!
sleep 0.5
echo "mloncall serve: ${DUR}s, $CONNS connections, 2 wrk threads, 1-10 alerts per request"
M=$(BENCH_FORMAT=mloncall wrk -t2 -c$CONNS -d${DUR}s -s bench/intake/alerts.lua http://127.0.0.1:$P | grep RESULT)
MRSS=$(hwm $SPID)
STORED=$(sqlite3 "$T/b.db" "SELECT COALESCE(SUM(count),0) FROM alerts" 2>/dev/null || echo "?")
kill $SPID; wait $SPID 2>/dev/null || true
echo "  $M rss_mb=$MRSS stored_alert_events=$STORED"

AM=$(command -v prometheus-alertmanager || true)
if [ -n "$AM" ]; then
	P2=$(port)
	printf 'route: {receiver: none}\nreceivers: [{name: none}]\n' >"$T/am.yml"
	"$AM" --config.file="$T/am.yml" --storage.path="$T/am" --web.listen-address=127.0.0.1:$P2 --cluster.listen-address= 2>"$T/am.log" &
	APID=$!
	sleep 1.5
	echo "alertmanager $("$AM" --version 2>&1 | head -1 | awk '{print $3}'): same load on POST /api/v2/alerts (in memory, not durable)"
	A=$(BENCH_FORMAT=am BENCH_PATH=/api/v2/alerts wrk -t2 -c$CONNS -d${DUR}s -s bench/intake/alerts.lua http://127.0.0.1:$P2 | grep RESULT)
	ARSS=$(hwm $APID)
	kill $APID; wait $APID 2>/dev/null || true
	echo "  $A rss_mb=$ARSS"
	mr=$(echo "$M" | sed 's/.*alerts_per_s=\([0-9]*\).*/\1/')
	ar=$(echo "$A" | sed 's/.*alerts_per_s=\([0-9]*\).*/\1/')
	echo "ratio: mloncall/alertmanager alerts/s = $(awk "BEGIN{printf \"%.2f\", $mr/$ar}")"
fi
echo "targets: >= 5000 alerts/s, p99 < 20 ms, RSS < 30 MB"
