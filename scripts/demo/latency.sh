# latency.sh: the latency story of scripts/demo.sh (sourced after irisd
# (2 workers), mloncall serve and the load (80 requests/s) are running).
ALERT=IrisLatencyHigh

p99_above() { awk -v p="$(p99_ms)" -v t="$1" 'BEGIN { exit !(p != "" && p + 0 > t) }'; }

step "3. a slow dependency: every request now holds its worker 40 ms"
curl -sf -X POST "$U/admin/fault" -d '{"latency_ms":40}' >/dev/null
say "2 workers x 1000/40 ms = 50 requests/s of capacity, for 80 requests/s of traffic: a queue builds"
step "4. p99 climbs with the queue"
wait_until "p99 goes above 100 ms" 60 p99_above 100
say "p99 over the last $LAT_WIN: $(p99_ms) ms; queue depth: $(metric irisd_queue_depth)"

story_incident
step "9. irisd after scaling out"
curl -sf "$U/admin/state" | grep -o '"workers":[0-9]*\|"queue_depth":[0-9]*\|"latency_ms":[0-9]*' | sed 's/^/   /'
say "p99 over the last $LAT_WIN: $(p99_ms) ms (the 40 ms are still there; the queue is gone)"
