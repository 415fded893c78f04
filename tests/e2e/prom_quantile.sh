#!/bin/sh
# prom_quantile.sh: mloncall's histogram quantiles must equal Prometheus'
# own histogram_quantile(). Starts Debian's prometheus on a free loopback
# port, scraping (every 1s) a static exposition file served by Python's
# http.server; once scraped, compares `mloncall check prom --metrics_url`
# with the server's answers over its API for several q, per series and
# summed by le, including awkward histograms (non-monotonic counts, le<=0,
# one bound written two ways, no +Inf bucket, no observations). Also runs
# the API paths of the probe (instant, range, live SLO) against it.
# Skips (77) only when the prometheus binary is absent.
set -eu
ML=${ML_BIN:?ML_BIN not set}
PY=/usr/bin/python3
command -v prometheus >/dev/null 2>&1 || {
	echo "SKIP: prometheus not installed (apt-get install prometheus)"
	exit 77
}
TMP=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
EXP_PORT=$(free_port)
PROM_PORT=$(free_port)
mkdir -p "$TMP/www" "$TMP/data"
cat >"$TMP/www/metrics" <<'M'
# HELP rpc_seconds RPC latency.
# TYPE rpc_seconds histogram
rpc_seconds_bucket{svc="a",le="0.005"} 3
rpc_seconds_bucket{svc="a",le="0.01"} 17
rpc_seconds_bucket{svc="a",le="0.025"} 60
rpc_seconds_bucket{svc="a",le="0.05"} 144
rpc_seconds_bucket{svc="a",le="0.1"} 301
rpc_seconds_bucket{svc="a",le="0.25"} 700
rpc_seconds_bucket{svc="a",le="0.5"} 902
rpc_seconds_bucket{svc="a",le="1"} 977
rpc_seconds_bucket{svc="a",le="2.5"} 998
rpc_seconds_bucket{svc="a",le="+Inf"} 1000
rpc_seconds_count{svc="a"} 1000
rpc_seconds_sum{svc="a"} 187.3
rpc_seconds_bucket{svc="b",le="0.005"} 0
rpc_seconds_bucket{svc="b",le="0.01"} 0
rpc_seconds_bucket{svc="b",le="0.025"} 9
rpc_seconds_bucket{svc="b",le="0.05"} 7
rpc_seconds_bucket{svc="b",le="0.1"} 40
rpc_seconds_bucket{svc="b",le="0.25"} 41
rpc_seconds_bucket{svc="b",le="0.5"} 41
rpc_seconds_bucket{svc="b",le="1"} 90
rpc_seconds_bucket{svc="b",le="2.5"} 90
rpc_seconds_bucket{svc="b",le="+Inf"} 113
rpc_seconds_count{svc="b"} 113
rpc_seconds_sum{svc="b"} 80.1
rpc_seconds_bucket{svc="neg",le="-1"} 4
rpc_seconds_bucket{svc="neg",le="0"} 10
rpc_seconds_bucket{svc="neg",le="1"} 18
rpc_seconds_bucket{svc="neg",le="+Inf"} 20
rpc_seconds_bucket{svc="twice",le="0.5"} 5
rpc_seconds_bucket{svc="twice",le="0.50"} 6
rpc_seconds_bucket{svc="twice",le="1"} 20
rpc_seconds_bucket{svc="twice",le="+Inf"} 30
rpc_seconds_bucket{svc="noinf",le="0.1"} 5
rpc_seconds_bucket{svc="noinf",le="1"} 9
rpc_seconds_bucket{svc="empty",le="0.1"} 0
rpc_seconds_bucket{svc="empty",le="+Inf"} 0
# TYPE rpc_errors_total counter
rpc_errors_total{svc="a"} 12
M
cat >"$TMP/prometheus.yml" <<Y
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: exporter
    static_configs:
      - targets: ["127.0.0.1:$EXP_PORT"]
Y
$PY -m http.server "$EXP_PORT" --bind 127.0.0.1 --directory "$TMP/www" \
	>"$TMP/http.log" 2>&1 &
PIDS="$!"
prometheus --config.file="$TMP/prometheus.yml" \
	--storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prom.log" 2>&1 &
PIDS="$PIDS $!"
URL="http://127.0.0.1:$PROM_PORT"

# wait (at most ~25 s) until a scrape has stored the histogram
i=0
until "$ML" check prom --url "$URL" --query 'count(rpc_seconds_bucket)' \
	-o json 2>/dev/null | grep -q '"value": 3[0-9]'; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		echo "FAIL: prometheus did not scrape the exporter in time"
		tail -20 "$TMP/prom.log"
		exit 1
	fi
	sleep 0.5
done

QS="0 0.01 0.25 0.5 0.75 0.9 0.95 0.99 0.999 1"
"$ML" check prom --metrics_url "http://127.0.0.1:$EXP_PORT/metrics" \
	--metric rpc_seconds --quantiles "$(echo $QS | tr ' ' ,)" -o json \
	>"$TMP/ours.json"
for q in $QS; do
	"$ML" check prom --url "$URL" -o json \
		--query "histogram_quantile($q, rpc_seconds_bucket)" \
		>"$TMP/theirs-$q.json"
	"$ML" check prom --url "$URL" -o json \
		--query "histogram_quantile($q, sum by (le) (rpc_seconds_bucket))" \
		>"$TMP/theirs-sum-$q.json"
done

$PY - "$TMP" $QS <<'P'
import json, math, sys
tmp, qs = sys.argv[1], sys.argv[2:]
ours = json.load(open(tmp + "/ours.json"))
def key(q):
    s = "p%.10g" % (float(q) * 100)
    return s.replace(".", "_")
def same(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
groups = {g["labels"]["svc"]: g["quantiles"] for g in ours["histograms"]}
bad = checked = 0
for q in qs:
    theirs = json.load(open("%s/theirs-%s.json" % (tmp, q)))
    seen = set()
    for r in theirs["result"]:
        svc = r["metric"]["svc"]
        seen.add(svc)
        v = r["value"] if r["value"] is not None else float(r["value_text"])
        mine = groups[svc][key(q)]
        checked += 1
        if not same(mine, v):
            bad += 1
            print("MISMATCH q=%s svc=%s mloncall=%r prometheus=%r" % (q, svc, mine, v))
    if seen != set(groups):
        bad += 1
        print("series differ at q=%s: %s vs %s" % (q, sorted(seen), sorted(groups)))
    s = json.load(open("%s/theirs-sum-%s.json" % (tmp, q)))
    v = s["value"] if s["value"] is not None else float(s["result"][0]["value_text"])
    checked += 1
    if not same(ours[key(q)], v):
        bad += 1
        print("MISMATCH sum q=%s mloncall=%r prometheus=%r" % (q, ours[key(q)], v))
print("compared %d quantiles with prometheus: %d mismatches" % (checked, bad))
sys.exit(1 if bad or checked < 50 else 0)
P

# the other API paths: a range query and a live SLO evaluation
"$ML" check prom --url "$URL" --query 'sum(rpc_errors_total)' \
	--start 30s --step 1s -o json >"$TMP/range.json"
grep -q '"result_type": "matrix"' "$TMP/range.json" || {
	echo "FAIL: range query"; cat "$TMP/range.json"; exit 1; }
"$ML" check prom --url "$URL" --slo 99 --metric rpc_seconds \
	--labels 'svc="a"' --threshold 0.5 --step 1s -o json >"$TMP/slo.json" || {
	echo "FAIL: live SLO"; cat "$TMP/slo.json"; exit 1; }
grep -q '"windows"' "$TMP/slo.json"
"$ML" check prom --url "$URL" --query 'rate(' >/dev/null 2>"$TMP/err" && exit 1
grep -q "bad_data" "$TMP/err" || { echo "FAIL: server error"; cat "$TMP/err"; exit 1; }
echo "OK: quantiles equal prometheus' histogram_quantile; API paths work"
