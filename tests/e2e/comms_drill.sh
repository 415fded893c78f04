#!/bin/sh
# comms_drill.sh: `mloncall drill run` against a real service, with the
# fault injected into a small local HTTP receiver standing in for irisd's
# /admin/fault. Checks: the incident is a drill (drill=1, hidden from
# `incident ls` and /metrics unless asked); the participant (alice, the
# primary) is paged but the secondary (bob) is not: his escalation page
# is on the timeline as "suppressed (drill)"; the runbook diagnosis runs
# as for real; acknowledge < diagnose < mitigate are timed from the
# timeline; the debrief lists what the responders did; the fault is
# cleared after mitigation, after a timeout, after Ctrl-C and after a
# fault that could not be injected.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
HOOK_LOG=$T/pages.log
FAULTS=$T/faults.log
export HOOK_LOG
$PY "$ML_SRC/tests/e2e/lib/fault_receiver.py" "$T/fport" "$FAULTS" &
PIDS="$PIDS $!"
wait_for "$T/fport" 10 || fail "fault receiver did not start"
F=http://127.0.0.1:$(cat "$T/fport")

cat >"$T/oncall.yaml" <<'YAML'
tick: 50ms
escalation:
  levels:
    - after: 0s
      notify: [primary]
    - after: 1s
      notify: [secondary]
oncall:
  primary: [alice]
  secondary: [bob]
notify:
  - name: hook
    type: command
    command: 'cat >> "$HOOK_LOG"; echo >> "$HOOK_LOG"'
YAML
TOKEN=$("$ML" token add drill --role admin --db "$DB" 2>/dev/null)
export MLONCALL_TOKEN=$TOKEN
start_serve "$DB" --runbooks "$ML_SRC/runbooks/examples" --config "$T/oncall.yaml"
export MLONCALL_SERVER=$URL

scenario() { # scenario FILE TIMEOUT FAULT_PATH
	cat >"$1" <<YAML
name: disk-drill
description: the data disk fills up
participants: [alice, carol]
timeout: $2
fault:
  http: { method: POST, url: "$F$3", body: { fill: true } }
alert:
  labels: { alertname: NodeDiskFull, severity: warning, mount: /, threshold_pct: "1" }
  annotations: { summary: data disk nearly full }
clear:
  http: { method: POST, url: "$F/admin/fault", body: { clear: true } }
YAML
}
wait_grep() { # wait_grep PATTERN FILE SECONDS
	i=0
	until grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt $(($3 * 20)) ] && return 1
		sleep 0.05
	done
}

# 1. a full drill: responders ack, note, update, take roles, resolve
scenario "$T/drill.yaml" 30s /admin/fault
"$ML" drill run "$T/drill.yaml" --poll 100ms --debrief "$T/debrief.md" \
	-o json >"$T/debrief.json" 2>"$T/drill.log" &
DRILL=$!
wait_grep '"fill":true' "$FAULTS" 10 || fail "the fault was not injected"
wait_grep 'drill incident #' "$T/drill.log" 10 || fail "no drill incident: $(cat "$T/drill.log")"
ID=$(sed -n 's/.*drill incident #\([0-9]*\).*/\1/p' "$T/drill.log")
"$ML" incident show "$ID" -o json >"$T/inc.json" || fail "incident show"
[ "$(json_get "$T/inc.json" 'd["drill"]')" = 1 ] || fail "incident is not marked drill"
[ "$(json_get "$T/inc.json" 'd["runbook_id"]')" = disk-full ] || fail "drill alert not routed"
"$ML" incident ls >"$T/ls.txt"
grep -q NodeDiskFull "$T/ls.txt" && fail "incident ls shows a drill without --drills"
"$ML" incident ls --drills | grep -q "\[drill\] data disk nearly full" ||
	fail "incident ls --drills does not mark the drill"
curl -s "$URL/metrics" | grep -q '^mloncall_incidents{' &&
	fail "/metrics counts the drill incident"
curl -s "$URL/metrics" | grep -q '^mloncall_alerts_received_total 0$' ||
	fail "/metrics counts the drill alert"

wait_grep '"person":"alice"' "$HOOK_LOG" 10 || fail "the participant alice was not paged"
# bob's level-2 page (after 1s) must be suppressed, not sent
i=0
until api GET /api/v1/incidents/$ID/timeline >/dev/null && grep -q 'suppressed (drill): paged bob' "$T/resp"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "bob's page was not suppressed: $(cat "$T/resp")"
	sleep 0.05
done
grep -q '"person":"bob"' "$HOOK_LOG" && fail "bob (not a participant) was paged"
"$ML" incident ack "$ID" --as alice >/dev/null || fail "ack"
"$ML" incident role "$ID" incident_commander carol --as carol >/dev/null || fail "role"
"$ML" incident update "$ID" "Disk at 93%, cleaning caches. Next update in 30m." --by carol >/dev/null || fail "update"
"$ML" incident note "$ID" "df shows /data" --as alice >/dev/null || fail "note"
until api GET /api/v1/incidents/$ID >/dev/null && grep -q 'cause: disk-nearly-full' "$T/resp"; do
	i=$((i + 1)); [ $i -gt 400 ] && fail "no diagnosis on the drill incident"
	sleep 0.05
done
"$ML" incident resolve "$ID" caches cleaned --as alice >/dev/null || fail "resolve"
wait "$DRILL"; rc=$?
[ $rc = 0 ] || fail "drill run exited $rc: $(cat "$T/drill.log")"
d=$T/debrief.json
[ "$(json_get "$d" 'd["outcome"]')" = mitigated ] || fail "outcome"
[ "$(json_get "$d" 'd["fault_cleared"]')" = True ] || fail "fault not cleared"
[ "$(json_get "$d" 'd["incident"]["drill"]')" = True ] || fail "debrief incident.drill"
[ "$(json_get "$d" 'd["times"]["acknowledge"]["by"]')" = alice ] || fail "ack by"
[ "$(json_get "$d" 'd["times"]["mitigate"]["by"]')" = alice ] || fail "mitigate by"
[ "$(json_get "$d" '0 <= d["times"]["acknowledge"]["after_ms"] <= d["times"]["mitigate"]["after_ms"] and d["times"]["diagnose"]["after_ms"] <= d["times"]["mitigate"]["after_ms"]')" = True ] ||
	fail "times out of order: $(json_get "$d" 'd["times"]')"
[ "$(json_get "$d" 'sorted(set(a["kind"] for a in d["actions"]))')" = "['ack', 'note', 'resolved', 'role', 'run', 'update']" ] ||
	fail "actions: $(json_get "$d" '[a["kind"] for a in d["actions"]]')"
[ "$(json_get "$d" 'd["notifications"]["suppressed"] >= 1 and d["notifications"]["sent"] >= 1')" = True ] ||
	fail "notifications: $(json_get "$d" 'd["notifications"]')"
[ "$(json_get "$d" 'd["scenario"]["participants"]')" = "['alice', 'carol']" ] || fail "participants"
grep -q '^# Drill debrief: disk-drill' "$T/debrief.md" || fail "no Markdown debrief"
grep -q '| Acknowledge | .* | alice |' "$T/debrief.md" || fail "debrief times: $(cat "$T/debrief.md")"
grep -q 'update: Disk at 93%' "$T/debrief.md" || fail "debrief lacks the update"
tail -1 "$FAULTS" | grep -q '"clear":true' || fail "the fault was not cleared last"
grep -q 'resolving the drill alert' "$T/drill.log" &&
	fail "resolving the drill alert failed: $(cat "$T/drill.log")"
"$ML" incident show "$ID" -o json >"$T/inc.json"
[ "$(json_get "$T/inc.json" 'd["status"]')" = resolved ] || fail "drill incident not resolved"
ack_ms=$(json_get "$d" 'd["times"]["acknowledge"]["after_ms"]')

# 2. nobody mitigates: timed out, exit 1, fault still cleared
scenario "$T/slow.yaml" 1s /admin/fault
: >"$FAULTS"
"$ML" drill run "$T/slow.yaml" --poll 100ms -q -o json >"$T/slow.json"; rc=$?
[ $rc = 1 ] || fail "a drill nobody mitigated must exit 1, got $rc"
[ "$(json_get "$T/slow.json" 'd["outcome"]')" = timed_out ] || fail "timed_out outcome"
[ "$(json_get "$T/slow.json" 'd["times"]["mitigate"]')" = None ] || fail "mitigate must be null"
tail -1 "$FAULTS" | grep -q '"clear":true' || fail "not cleared after a timeout"
ID2=$(json_get "$T/slow.json" 'd["incident"]["id"]')
"$ML" incident show "$ID2" -o json >"$T/inc2.json"
[ "$(json_get "$T/inc2.json" 'd["status"]')" = resolved ] || fail "the drill alert was not resolved after a timeout"

# 3. Ctrl-C: interrupted, exit 1, fault cleared
: >"$FAULTS"
scenario "$T/int.yaml" 60s /admin/fault
"$ML" drill run "$T/int.yaml" --poll 100ms -o json >"$T/int.json" 2>"$T/int.log" &
DRILL=$!
wait_grep 'drill incident #' "$T/int.log" 10 || fail "second drill did not start"
kill -INT "$DRILL"
wait "$DRILL"; rc=$?
[ $rc = 1 ] || fail "an interrupted drill must exit 1, got $rc"
[ "$(json_get "$T/int.json" 'd["outcome"]')" = interrupted ] || fail "interrupted outcome"
tail -1 "$FAULTS" | grep -q '"clear":true' || fail "not cleared after Ctrl-C"

# 4. the fault cannot be injected: exit 3, no incident, clear still runs
: >"$FAULTS"
scenario "$T/bad.yaml" 10s /fail
"$ML" drill run "$T/bad.yaml" -q -o json >"$T/bad.json" 2>"$T/bad.err"; rc=$?
[ $rc = 3 ] || fail "an uninjectable fault must exit 3, got $rc"
grep -q 'answered HTTP 500' "$T/bad.err" || fail "error: $(cat "$T/bad.err")"
[ "$(json_get "$T/bad.json" 'd["incident"]')" = None ] || fail "an incident was opened"
tail -1 "$FAULTS" | grep -q '"clear":true' || fail "not cleared after a failed injection"
echo "drill acknowledged after ${ack_ms}ms; timeout, Ctrl-C and failed injection all cleared the fault"
echo "1 passed, 0 failed"
