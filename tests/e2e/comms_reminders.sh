#!/bin/sh
# comms_reminders.sh: the update log and status-update reminders against
# a real `mloncall serve`: a P1 with no update for its cadence (1s here)
# gets a "reminder" entry and the primary on-call is notified through the
# command channel; once an incident commander is named, the commander
# gets the next one; an update (CLI, through the server) resets the
# clock; a P4 (no cadence) never gets one; resolving stops them. The
# update shows in `incident show` with its author, bad texts are refused.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
HOOK_LOG=$T/notify.log
export HOOK_LOG
cat >"$T/oncall.yaml" <<'YAML'
tick: 50ms
status_updates: { P1: 1s, P4: none }
escalation:
  levels:
    - after: 0s
      notify: [primary]
oncall:
  primary: [alice]
notify:
  - name: hook
    type: command
    command: 'cat >> "$HOOK_LOG"; echo >> "$HOOK_LOG"'
YAML
TOKEN=$("$ML" token add ops --role admin --db "$DB" 2>/dev/null)
export MLONCALL_TOKEN=$TOKEN
start_serve "$DB" --config "$T/oncall.yaml"
export MLONCALL_SERVER=$URL

now_ms() { $PY -c 'import time; print(int(time.time()*1000))'; }
reminders() { # reminders PERSON: reminder messages delivered to PERSON
	grep '"event":"reminder"' "$HOOK_LOG" 2>/dev/null |
		grep -c "\"person\":\"$1\""
}
wait_reminders() { # wait_reminders PERSON N SECONDS
	i=0
	while [ "$(reminders "$1")" -lt "$2" ]; do
		i=$((i + 1)); [ $i -gt $(($3 * 20)) ] && return 1
		sleep 0.05
	done
}

t0=$(now_ms)
expect_status 200 POST /api/v1/alerts \
	'{"labels":{"alertname":"InferenceDown","severity":"P1"},"fingerprint":"p1"}'
expect_status 200 POST /api/v1/alerts \
	'{"labels":{"alertname":"DiskSlow","severity":"P4"},"fingerprint":"p4"}'

# 1. no update for 1s: the primary (alice) is reminded, not before 1s
wait_reminders alice 1 6 || fail "no reminder reached the primary on-call"
late=$(($(now_ms) - t0))
[ $late -ge 1000 ] || fail "reminder came too early: ${late}ms"
expect_status 200 GET /api/v1/incidents/1/timeline
grep -q '"kind":"reminder"' "$T/resp" || fail "no reminder entry on the timeline"
grep -q 'status update due' "$T/resp" || fail "reminder entry lacks its message"

# 2. an incident commander takes the next reminders
"$ML" incident role 1 incident_commander carol >/dev/null || fail "role"
wait_reminders carol 1 6 || fail "the incident commander was not reminded"

# 3. an update resets the clock: the next reminder comes a full cadence
# after it (read from the timeline's own times, so a loaded machine
# cannot make this flaky)
"$ML" incident update 1 "Serving rolled back to v41; error rate falling." \
	--by carol >"$T/upd.out" || fail "incident update failed"
grep -q 'update posted' "$T/upd.out" || fail "update: $(cat "$T/upd.out")"
i=0
until "$ML" incident show 1 -o json >"$T/tl.json" &&
	[ "$(json_get "$T/tl.json" '[e["kind"] for e in d["timeline"] if e["kind"] in ("update","reminder")][-1]')" = reminder ]; do
	i=$((i + 1)); [ $i -gt 120 ] && fail "no reminder a cadence after the update"
	sleep 0.05
done
gap=$(json_get "$T/tl.json" '(lambda t: [e["at"] for e in t if e["kind"]=="reminder"][-1] - [e["at"] for e in t if e["kind"]=="update"][-1])(d["timeline"])')
[ "$gap" -ge 1000 ] || fail "reminded ${gap}ms after an update (cadence 1s)"
[ "$gap" -le 3500 ] || fail "reminder came ${gap}ms after the update (cadence 1s)"
gaps=$(json_get "$T/tl.json" '(lambda a: min(y - x for x, y in zip(a, a[1:])))([e["at"] for e in d["timeline"] if e["kind"] in ("opened","reminder")])')
[ "$gaps" -ge 1000 ] || fail "two reminders ${gaps}ms apart (cadence 1s)"

"$ML" incident show 1 >"$T/show.out" || fail "incident show"
grep -q 'update .*Serving rolled back to v41; error rate falling.  (carol)' "$T/show.out" ||
	fail "incident show does not show the update with its author: $(cat "$T/show.out")"
"$ML" incident show 1 -o json >"$T/show.json"
[ "$(json_get "$T/show.json" "[e['actor'] for e in d['timeline'] if e['kind']=='update']")" = "['carol']" ] ||
	fail "update entry in JSON"

# 4. bad updates are refused, nothing is written
expect_status 409 POST /api/v1/incidents/1/update '{"text":"   "}'
expect_status 409 POST /api/v1/incidents/1/update '{}'
expect_status 400 POST /api/v1/incidents/1/update '{"text":5}'
expect_status 404 POST /api/v1/incidents/99/update '{"text":"hi"}'
"$ML" incident update 1 2>/dev/null; [ $? = 2 ] || fail "update without text must be a usage error"
"$ML" incident update 99 hello 2>/dev/null; [ $? = 2 ] || fail "update of a missing incident must exit 2"
[ "$(json_get "$T/show.json" "len([e for e in d['timeline'] if e['kind']=='update'])")" = 1 ] ||
	fail "a refused update was written"

# 5. resolve stops reminders; the P4 never had one
"$ML" incident resolve 1 fixed >/dev/null || fail "resolve"
sleep 1.5
"$ML" incident show 1 -o json >"$T/tl.json"
[ "$(json_get "$T/tl.json" 'len([e for e in d["timeline"] if e["kind"]=="reminder" and e["at"] > d["resolved_at"]])')" = 0 ] ||
	fail "reminded after resolve"
expect_status 200 GET /api/v1/incidents/2/timeline
grep -q '"kind":"reminder"' "$T/resp" && fail "a P4 (status_updates: none) got a reminder"

# 6. the database path works without a server too
"$ML" incident update 2 --db "$DB" --by ops "checked: disk is fine" >/dev/null ||
	fail "update through --db"
echo "first reminder ${late}ms after the alert (cadence 1s)"
echo "1 passed, 0 failed"
