#!/bin/sh
# serve_run_channel.sh: a run talks to the service while it runs, through
# the store: an incident's auto runbook sends a notify message that the
# service delivers on its channel (the first try is refused with HTTP 500:
# the failure is on the timeline and the message is sent again, once),
# asks for approval of a confirm step and waits (the pending approval is
# on the timeline and sent to the team), `mloncall runs approve` lets it
# go on, a second run is denied through the API and stops before its
# change, and each step's start and end is on the timeline. A
# `mloncall run` with no store on a step needing approval fails clearly.
. "$(dirname "$0")/lib/common.sh"
$PY "$(dirname "$0")/lib/hook_receiver.py" "$T/hook.port" "$T/hooks.log" &
PIDS="$PIDS $!"
wait_for "$T/hook.port" 10 || fail "receiver did not start"
HP=$(cat "$T/hook.port")
mkdir "$T/rb"
cat >"$T/rb/chan.yaml" <<'YAML'
id: chan-test
title: Run channel test
severity: P3
owner: test
auto: true
trigger:
  - alertname = "ChanTest"
params:
  node: { default: n1 }
procedure:
  - notify: "draining $node for the channel test"
    channel: events
  - confirm: "Drain $node?"
  - name: drain
    run: echo drained "$node" > "$ML_PARAM_OUT/$node"
verify:
  - run: "true"
rollback:
  - run: "true"
YAML
sed -i "s|\"\$ML_PARAM_OUT/|\"$T/|" "$T/rb/chan.yaml"
cat >"$T/oncall.yaml" <<YAML
tick: 50ms
escalation: { levels: [ { after: 1h, notify: [primary] } ] }
notify:
  - { name: events, type: webhook, url: "http://127.0.0.1:$HP/events" }
notify_retries: 0
notify_backoff: 100ms
YAML
DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --person rita --db "$DB" 2>/dev/null)
start_serve "$DB" --runbooks "$T/rb" --config "$T/oncall.yaml"

# timeline_until INCIDENT PYTHON-EXPR-OVER-d WHAT
timeline_until() {
	i=0
	until api GET "/api/v1/incidents/$1" >/dev/null &&
		[ "$(json_get "$T/resp" "$2")" = True ]; do
		i=$((i + 1)); [ $i -gt 300 ] && fail "$3: $(cat "$T/resp")"
		sleep 0.05
	done
}

expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"ChanTest","node":"gpu7"}}'
timeline_until 1 'any(e["kind"]=="approval" and "waits for approval: Drain gpu7?" in e["message"] for e in d["timeline"])' \
	"no pending approval on the timeline"
# the notify message: refused once, on the timeline, sent again, once
i=0
until grep -q '^/events 200 .*draining gpu7 for the channel test' "$T/hooks.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "notify message not delivered: $(cat "$T/hooks.log" 2>/dev/null)"
	sleep 0.05
done
grep -q '^/events 500 .*draining gpu7' "$T/hooks.log" || fail "the first try was not the refused one: $(cat "$T/hooks.log")"
[ "$(grep -c '^/events 200 .*draining gpu7' "$T/hooks.log")" = 1 ] || fail "delivered more than once"
grep -q '"channel": *"events"' "$T/hooks.log" || fail "message lacks its channel"
timeline_until 1 'any(e["kind"]=="page_failed" and "run message" in e["message"] for e in d["timeline"])' \
	"the failed delivery is not on the timeline"
# the approval reached the team
i=0
until grep -q 'waits for approval: Drain gpu7?' "$T/hooks.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "approval not sent: $(cat "$T/hooks.log")"
	sleep 0.05
done
# still waiting: nothing changed
sleep 0.3
[ -e "$T/gpu7" ] && fail "the change ran before the approval"
[ "$(json_get "$T/resp" 'd["runs"][0]["status"]')" = running ] || fail "run not running while it waits"
RUN=$(json_get "$T/resp" 'd["runs"][0]["id"]')
"$ML" runs approve "$RUN" --db "$DB" --as ana >"$T/out" 2>&1 || fail "runs approve: $(cat "$T/out")"
grep -q "approved" "$T/out" || fail "runs approve said: $(cat "$T/out")"
timeline_until 1 'd["runs"][0]["status"]=="succeeded"' "run did not succeed after the approval"
[ -s "$T/gpu7" ] || fail "the change did not run"
[ "$(json_get "$T/resp" 'any(e["kind"]=="approval" and "approved by ana" in e["message"] for e in d["timeline"])')" = True ] ||
	fail "the approval is not on the timeline"
timeline_until 1 'any(e["kind"]=="step" and "step ok" in e["message"] and "drain" in e["message"] for e in d["timeline"])' \
	"step events not on the timeline"
[ "$(json_get "$T/resp" 'any(e["kind"]=="step" and "started" in e["message"] for e in d["timeline"])')" = True ] ||
	fail "no step started event"
# deciding again: nothing waits
"$ML" runs approve "$RUN" --db "$DB" >"$T/out" 2>&1 && fail "a second approve succeeded"
grep -q "waits for no approval" "$T/out" || fail "second approve: $(cat "$T/out")"

# a second incident, denied through the API: it stops before the change
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"ChanTest","node":"gpu8"}}'
timeline_until 2 'any(e["kind"]=="approval" and "Drain gpu8?" in e["message"] for e in d["timeline"])' \
	"no approval for the second run"
RUN2=$(json_get "$T/resp" 'd["runs"][0]["id"]')
expect_status 404 POST "/api/v1/runs/999/approve"
RESPONDER=$TOKEN
TOKEN=$("$ML" token add viewer --role viewer --db "$DB" 2>/dev/null)
expect_status 403 POST "/api/v1/runs/$RUN2/deny"
TOKEN=$RESPONDER
expect_status 200 POST "/api/v1/runs/$RUN2/deny"
grep -q '"by":"rita"' "$T/resp" || fail "deny actor: $(cat "$T/resp")"
timeline_until 2 'd["runs"][0]["status"]=="aborted"' "denied run did not stop"
[ -e "$T/gpu8" ] && fail "a denied change ran"

# no store: a step needing approval fails clearly
"$ML" run "$T/rb/chan.yaml" --param node=gpu9 </dev/null >"$T/out" 2>"$T/err" && fail "run without a store succeeded"
grep -q "needs the incident service: run it with --run-id and --db, or from mloncall serve" "$T/out" ||
	fail "no clear error: $(cat "$T/out" "$T/err")"
[ -e "$T/gpu9" ] && fail "changed without approval"
"$ML" run "$T/rb/chan.yaml" --run-id 7 >"$T/out" 2>&1 && fail "--run-id without --db accepted"
echo "1 passed, 0 failed"
