#!/bin/sh
# demo.sh: the main job, run by `make demo`. Walks one runbook and one
# incident end to end with real processes on loopback, in a temp folder:
#   1. lint and scenario-test the example runbooks
#   2. dry-run, then run, the disk-full runbook (its run record, as a timeline)
#   3. start the incident service on an embedded SQLite, post an alert the
#      way Alertmanager does, watch it routed to the runbook and diagnosed,
#      acknowledge and resolve it.
# Nothing outside the temp folder changes; every child stops at exit.
set -eu
cd "$(dirname "$0")/.."
ML=$PWD/build/mloncall
D=$(mktemp -d "${TMPDIR:-/tmp}/mloncall-demo.XXXXXX")
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT INT TERM
t0=$(date +%s%N)
step() {
	now=$(date +%s%N)
	printf '\n\033[1m== [%5.1fs] %s\033[0m\n' "$(echo "($now - $t0)/1000000000" | bc -l 2>/dev/null || echo 0)" "$*"
}

step "1. lint the example runbooks (schema, references, expressions, review dates)"
"$ML" runbook lint --strict runbooks/examples
step "2. scenario-test them: mocked probes and commands, nothing is executed"
"$ML" runbook test runbooks/examples
step "3. dry run of disk-full: the plan, changing nothing"
mkdir -p "$D/cache"
"$ML" run runbooks/examples/disk-full.yaml --dry-run -q \
	--param threshold_pct=1 --param cache_dir="$D/cache" | head -40
step "4. the real run: threshold 1% so the diagnosis fires; verify cannot pass (the disk stays above 1%),
   so after 30s of retries the rollback path runs. Only $D/cache is touched"
touch -d '10 days ago' "$D/cache/old-shard.bin"
touch "$D/cache/new-shard.bin"
"$ML" run runbooks/examples/disk-full.yaml --param threshold_pct=1 \
	--param cache_dir="$D/cache" --record "$D/run.json" || true
echo "cache folder now holds: $(ls "$D/cache" | tr '\n' ' ')"
step "5. the run record as a timeline"
"$ML" runs show "$D/run.json"

step "6. start the incident service on an embedded SQLite ($D/oncall.db)"
TOKEN=$("$ML" token add alertmanager --role responder --db "$D/oncall.db" 2>/dev/null)
printf 'tick: 100ms\n' >"$D/oncall.yaml"
"$ML" serve --db "$D/oncall.db" --listen 127.0.0.1:0 --port-file "$D/port" \
	--runbooks runbooks/examples --config "$D/oncall.yaml" 2>"$D/serve.log" &
SPID=$!
i=0
while [ ! -s "$D/port" ]; do i=$((i + 1)); [ $i -gt 100 ] && { cat "$D/serve.log"; exit 1; }; sleep 0.05; done
URL=http://127.0.0.1:$(cat "$D/port")
cat "$D/serve.log"
step "7. an alert arrives (Alertmanager webhook v4 format)"
curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	"$URL/api/v1/alerts/alertmanager" --data-binary '{"version":"4","groupKey":"{}:{alertname=\"NodeDiskFull\"}","status":"firing","receiver":"mloncall","alerts":[{"status":"firing","labels":{"alertname":"NodeDiskFull","severity":"warning","instance":"gpu-node-7","mount":"/","threshold_pct":"1"},"annotations":{"summary":"/ on gpu-node-7 is filling up"},"startsAt":"2026-11-23T03:00:00Z","fingerprint":"7f3a9c0e12d4b5a6"}]}'
echo
step "8. routed to the disk-full runbook; the diagnosis runs in a child process"
i=0
until "$ML" incident show 1 --db "$D/oncall.db" 2>/dev/null | grep -q "cause:"; do
	i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.05
done
export MLONCALL_SERVER=$URL MLONCALL_TOKEN=$TOKEN
"$ML" incident ls
step "9. the on-call engineer acknowledges, notes and resolves"
"$ML" incident ack 1 --as alice
"$ML" incident note 1 --as alice "cleared old dataset shards; job resumed"
"$ML" incident resolve 1 --as alice "disk back under threshold"
"$ML" incident show 1
step "done: everything above ran for real on this machine; $D is removed now"
