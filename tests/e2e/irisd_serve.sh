#!/bin/sh
# irisd_serve.sh: irisd end to end on a free loopback port: train v1 and a
# flipped v2 (the registry passes `mloncall check artifact`), predict,
# feedback, bad requests, a canary then a full deploy of v2 that drops the
# online accuracy in /metrics, rollback restores it, a latency fault that
# shows in the histogram and queue, scale, injected errors, bad model,
# shift, corrupt_file that makes the artifact check fail (and is restored),
# memory pressure, and a SIGTERM that stops cleanly with nothing left
# listening.
. "$(dirname "$0")/lib/common.sh"

IRISD=${ML_BUILD:?}/irisd
[ -x "$IRISD" ] || fail "no irisd binary at $IRISD"
REG=$T/reg

"$IRISD" train --registry "$REG" >"$T/train.out" || fail "train v1"
grep -q "^$REG/v1: held-out accuracy" "$T/train.out" || fail "$(cat "$T/train.out")"
"$IRISD" train --registry "$REG" --flip-labels -o json >"$T/v2.json" || fail "train v2"
[ "$(json_get "$T/v2.json" 'd["version"]')" = v2 ] || fail "second train is not v2"
[ "$(json_get "$T/v2.json" 'd["flip_labels"]')" = True ] || fail "v2 meta"
"$ML" check artifact "$REG" --manifest "$REG/manifest.sha256" >"$T/art.out" ||
	fail "fresh registry fails the artifact check: $(cat "$T/art.out")"
"$IRISD" train --registry "$REG" --version v1 2>"$T/err" && fail "v1 replaced without --force"
grep -q "already exists" "$T/err" || fail "$(cat "$T/err")"

# serve with a small feedback window so the accuracy turns over fast
rm -f "$T/port"
"$IRISD" serve --registry "$REG" --listen 127.0.0.1:0 --port-file "$T/port" \
	--workers 2 --window 40 >>"$T/irisd.log" 2>&1 &
IPID=$!
PIDS="$PIDS $IPID"
wait_for "$T/port" 10 || fail "irisd did not start"
PORT=$(cat "$T/port")
URL=http://127.0.0.1:$PORT

metric() { # metric NAME_WITH_LABELS: its value
	curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
load() { # load ARGS...: runs irisd load, JSON summary in $T/load.json
	"$IRISD" load --url "$URL" -o json "$@" >"$T/load.json" ||
		fail "load $*: $(cat "$T/load.json")"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0 && a != "" && a != "NaN") }'; }
has() { grep -q "$1" "$T/resp" || fail "${2:-response}: no $1 in $(cat "$T/resp")"; }

expect_status 200 GET /healthz
expect_status 200 POST /predict '{"features":[6.3,3.3,6.0,2.5]}'
has '"class":"virginica"' predict
has '"version":"v1"' predict
ID=$(sed 's/.*"id":\([0-9]*\).*/\1/' "$T/resp")
expect_status 200 POST /predict '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}'
has '"class":"setosa"' "named features"
expect_status 200 POST /feedback "{\"id\":$ID,\"label\":\"virginica\"}"
has '"correct":true' feedback
expect_status 404 POST /feedback '{"id":999999,"label":0}'
expect_status 200 POST /feedback '{"features":[5.1,3.5,1.4,0.2],"label":0}'

# bad requests: 400 naming the field, 404, 405, 413
expect_status 400 POST /predict '{"features":[1,2,3]}'
grep -q features "$T/resp" || fail "400 does not name the field"
expect_status 400 POST /predict '{"features":[1,2,3,"4"]}'
expect_status 400 POST /predict '{"features":[1,2,3,1e300]}'
expect_status 400 POST /predict '{"sepal_length":5}'
expect_status 400 POST /predict '{"features":'
expect_status 400 POST /predict '[5,3,1,0.2]'
expect_status 400 POST /predict "$($PY -c 'print("[" * 3000 + "]" * 3000)')"
grep -q "nested deeper" "$T/resp" || fail "deep nesting: $(cat "$T/resp")"
expect_status 400 POST /predict "$(printf '{"features":[1,2,3,4],"x":"\377\376"}')"
expect_status 400 POST /feedback '{"id":1,"label":"rose"}'
expect_status 400 POST /admin/fault '{"error_rat":0.1}'
grep -q "did you mean error_rate" "$T/resp" || fail "fault typo: $(cat "$T/resp")"
expect_status 400 POST /admin/fault '{"error_rate":2}'
expect_status 400 POST /admin/scale '{"workers":0}'
expect_status 400 POST /admin/deploy '{"version":"../../etc"}'
expect_status 404 POST /admin/deploy '{"version":"v9"}'
expect_status 404 GET /nothing
expect_status 405 GET /admin/rollback
expect_status 409 POST /admin/rollback
$PY -c 'print("{\"features\":[" + "1,"*40000 + "1]}")' >"$T/big.json"
got=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big.json" "$URL/predict")
[ "$got" = 413 ] || fail "big body: expected 413, got $got"

# v1 under load with feedback: accurate
load --rate 200 --duration 500ms --feedback
grep -q '"errors": 0,' "$T/load.json" || fail "load errors: $(cat "$T/load.json")"
grep -q '"feedback_sent": 100,' "$T/load.json" || fail "feedback count: $(cat "$T/load.json")"
ge "$(metric irisd_online_accuracy)" 0.9 || fail "v1 online accuracy $(metric irisd_online_accuracy)"

# canary: both versions serve
expect_status 200 POST /admin/deploy '{"version":"v2","canary_weight":0.5}'
has '"canary":{"version":"v2","weight":0.5' "canary state"
load --rate 200 --duration 500ms --feedback
[ "$(json_get "$T/load.json" 'd["versions"].get("v2", 0) > 20 and d["versions"].get("v1", 0) > 20')" = True ] ||
	fail "canary split: $(cat "$T/load.json")"
[ "$(metric 'irisd_canary_weight')" = 0.5 ] || fail "canary weight metric"
curl -s "$URL/metrics" | grep -q 'irisd_model_info{version="v2",.*role="canary"} 1' || fail "canary model_info"
# per-version outcomes show the canary is the bad one
ok2=$(metric 'irisd_feedback_outcomes_total{version="v2",correct="true"}')
bad2=$(metric 'irisd_feedback_outcomes_total{version="v2",correct="false"}')
ok1=$(metric 'irisd_feedback_outcomes_total{version="v1",correct="true"}')
bad1=$(metric 'irisd_feedback_outcomes_total{version="v1",correct="false"}')
[ "$bad2" -gt "$ok2" ] && [ "$ok1" -gt $((10 * bad1)) ] ||
	fail "outcomes: v1 $ok1/$bad1, v2 $ok2/$bad2"
if command -v promtool >/dev/null; then
	curl -s "$URL/metrics" | promtool check metrics >"$T/promtool.out" 2>&1 ||
		fail "promtool: $(cat "$T/promtool.out")"
fi

# full deploy of the regressed v2: online accuracy drops
expect_status 200 POST /admin/deploy '{"version":"v2"}'
load --rate 200 --duration 500ms --feedback
ge 0.6 "$(metric irisd_online_accuracy)" || fail "v2 online accuracy $(metric irisd_online_accuracy) did not drop"
curl -s "$URL/metrics" | grep -q 'irisd_model_info{version="v2",.*role="stable"} 1' || fail "v2 model_info"

# rollback restores v1 and the accuracy
expect_status 200 POST /admin/rollback
has '^{"version":"v1"' "rollback state"
load --rate 200 --duration 500ms --feedback
ge "$(metric irisd_online_accuracy)" 0.9 || fail "accuracy after rollback $(metric irisd_online_accuracy)"
expect_status 409 POST /admin/rollback
expect_status 200 GET /admin/events
[ "$(json_get "$T/resp" '" ".join(e["action"] + ":" + e["version"] for e in d["events"])')" = \
	"start:v1 canary:v2 deploy:v2 rollback:v1" ] || fail "events: $(cat "$T/resp")"

# latency fault: slow requests land in the upper buckets, the queue fills
fast0=$(metric 'irisd_request_duration_seconds_bucket{le="0.075"}')
all0=$(metric 'irisd_request_duration_seconds_count')
expect_status 200 POST /admin/fault '{"latency_ms":100}'
"$IRISD" load --url "$URL" --rate 40 --duration 1s >/dev/null &
LPID=$!
i=0
until ge "$(metric irisd_queue_depth)" 5; do
	i=$((i + 1))
	[ $i -gt 60 ] && fail "queue depth $(metric irisd_queue_depth) with 2 workers at 40/s x 100 ms"
	sleep 0.05
done
wait $LPID
fast1=$(metric 'irisd_request_duration_seconds_bucket{le="0.075"}')
all1=$(metric 'irisd_request_duration_seconds_count')
[ "$fast1" = "$fast0" ] || fail "requests under 75 ms during a 100 ms fault"
[ $((all1 - all0)) -ge 40 ] || fail "histogram count $all0 -> $all1"
expect_status 200 POST /admin/scale '{"workers":8}'
[ "$(metric irisd_workers)" = 8 ] || fail "scale"
# 8 workers: ~100 ms each, no queue (2 workers would give a p99 near 1 s)
load --rate 40 --duration 1s
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if 100 <= d["p99_ms"] < 600 else 1)' "$T/load.json" ||
	fail "p99 with 8 workers: $(cat "$T/load.json")"

# injected errors, bad model, shift
expect_status 200 POST /admin/fault '{"latency_ms":0,"error_rate":1}'
e0=$(metric irisd_errors_total)
expect_status 500 POST /predict '{"features":[6.3,3.3,6.0,2.5]}'
[ "$(metric irisd_errors_total)" -gt "$e0" ] || fail "errors_total"
expect_status 200 POST /admin/fault '{"error_rate":0,"bad_model":true}'
expect_status 200 POST /predict '{"features":[6.3,3.3,6.0,2.5]}'
has '"class":"versicolor"' bad_model
expect_status 200 POST /admin/fault '{"bad_model":false,"shift":5}'
expect_status 200 POST /predict '{"features":[5.1,3.5,1.4,0.2]}'
grep -q '"class":"setosa"' "$T/resp" && fail "shift had no effect"
[ "$(metric 'irisd_fault_active{fault="shift"}')" = 1 ] || fail "shift metric"
expect_status 200 POST /admin/fault '{"clear":true}'
[ "$(metric 'irisd_fault_active{fault="shift"}')" = 0 ] || fail "clear"

# corrupt_file: the artifact check fails, the state shows it; clear restores
expect_status 200 POST /admin/fault '{"corrupt_file":true}'
[ "$(json_get "$T/resp" 'd["model_sha256"] != d["loaded_sha256"]')" = True ] ||
	fail "state does not show the altered file"
"$ML" check artifact "$REG" --manifest "$REG/manifest.sha256" -o json >"$T/art.json"
[ $? = 1 ] || fail "artifact check did not fail on a corrupted file"
[ "$(json_get "$T/art.json" 'd["mismatched"][0]["path"]')" = v1/model.json ] || fail "mismatch"
expect_status 200 POST /predict '{"features":[6.3,3.3,6.0,2.5]}' # still serves
expect_status 200 POST /admin/fault '{"clear":true}'
"$ML" check artifact "$REG" --manifest "$REG/manifest.sha256" >/dev/null || fail "not restored"

# memory pressure shows in the resident memory
r0=$(metric irisd_resident_memory_bytes)
expect_status 200 POST /admin/fault '{"memory_mb":64}'
r1=$(metric irisd_resident_memory_bytes)
ge "$r1" "$(($(printf '%.0f' "$r0") + 60000000))" || fail "rss $r0 -> $r1"
expect_status 200 POST /admin/fault '{"memory_mb":0}'

# SIGTERM: a corrupted file is put back, a 10 s latency does not hold the
# stop, queued requests get 503, exit 0, nothing listening
expect_status 200 POST /admin/fault '{"corrupt_file":true,"latency_ms":10000}'
expect_status 200 POST /admin/scale '{"workers":1}'
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code}\n' -d '{"features":[1,2,3,4]}' \
		"$URL/predict" >"$T/code$i" &
done
i=0
until [ "$(metric irisd_queue_depth)" = 2 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "requests did not queue"
	sleep 0.05
done
kill -TERM $IPID
i=0
while kill -0 $IPID 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "irisd did not stop within 5 s of SIGTERM"
	sleep 0.05
done
wait $IPID
[ $? = 0 ] || fail "irisd exit status after SIGTERM"
wait
[ "$(cat "$T/code1" "$T/code2" "$T/code3" | sort | tr '\n' ' ')" = "200 503 503 " ] ||
	fail "answers during the stop: $(cat "$T/code1" "$T/code2" "$T/code3")"
grep -q "irisd serve: stopped" "$T/irisd.log" || fail "no clean stop message"
curl -s -o /dev/null "$URL/healthz" && fail "still listening on $PORT"
"$ML" check artifact "$REG" --manifest "$REG/manifest.sha256" >/dev/null ||
	fail "stop did not restore the corrupted file"
echo "ok: irisd end to end"
