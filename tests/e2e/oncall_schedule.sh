#!/bin/sh
# oncall_schedule.sh: escalation resolves roles through the layered
# schedule (at a fixed instant, 23:30 Berlin time, the 24x7 Berlin layer
# holds primary while the New York business-hours layer is off), the
# pages land on the timeline, and `oncall fairness` counts them from the
# database: one page per person even through two channels, both at
# night in the layer's zone.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
cat >"$T/oncall.yaml" <<YAML
tick: 50ms
escalation:
  levels:
    - { after: 0s, notify: [primary] }
    - { after: 0s, notify: [secondary] }
oncall:
  primary:
    layers:
      - { name: berlin, people: [alice, bob], handoff: "Mon 09:00", tz: Europe/Berlin, start: 2026-03-30 }
      - name: ny-office
        people: [dave]
        tz: America/New_York
        restrict: { days: Mon-Fri, hours: "09:00-17:00" }
  secondary: { people: [zoe], tz: Europe/Berlin }
notify:
  - { name: one, type: command, command: "cat >/dev/null" }
  - { name: two, type: command, command: "cat >/dev/null" }
YAML
# the service's clock stands still at Tuesday 2026-03-31 23:30 CEST
export MLONCALL_NOW=2026-03-31T21:30:00Z
TOKEN=$("$ML" token add e2e --role responder --db "$DB" 2>/dev/null)
start_serve "$DB" --config "$T/oncall.yaml"
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"GPUHot","severity":"P1"}}'
i=0
until [ "$(api GET /api/v1/incidents/1/timeline | grep -o 'paged [a-z]* ([a-z]*, level [0-9]) via [a-z]*: delivered' | sort -u | wc -l)" -ge 4 ]; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "pages not on the timeline: $(cat "$T/resp")"
	sleep 0.05
done
grep -q 'paged alice (primary, level 1) via one: delivered' "$T/resp" ||
	fail "primary was not resolved to alice through the schedule: $(cat "$T/resp")"
grep -q 'paged zoe (secondary, level 2) via two: delivered' "$T/resp" ||
	fail "secondary was not resolved to zoe"
grep -q 'paged dave' "$T/resp" && fail "the New York layer paged outside its hours"

# `oncall now` agrees with what escalation did
"$ML" oncall now --config "$T/oncall.yaml" --role primary -o json >"$T/now.json" ||
	fail "oncall now failed"
[ "$(json_get "$T/now.json" 'd["roles"][0]["person"]')" = alice ] || fail "oncall now: $(cat "$T/now.json")"

"$ML" oncall fairness --config "$T/oncall.yaml" --db "$DB" --since 7d \
	--at 2026-04-01T00:00:00Z -o json >"$T/fair.json" || fail "fairness failed"
p='{x["person"]: x for x in d["people"]}'
[ "$(json_get "$T/fair.json" "$p['alice']['pages']")" = 1 ] || fail "alice pages: $(cat "$T/fair.json")"
[ "$(json_get "$T/fair.json" "$p['alice']['night_pages']")" = 1 ] || fail "alice night pages"
[ "$(json_get "$T/fair.json" "$p['zoe']['pages']")" = 1 ] || fail "zoe pages"
[ "$(json_get "$T/fair.json" "$p['dave']['pages']")" = 0 ] || fail "dave pages"
[ "$(json_get "$T/fair.json" 'd["most_loaded"]')" = zoe ] || fail "most loaded: $(cat "$T/fair.json")"
"$ML" oncall fairness --config "$T/oncall.yaml" --db "$DB" --since 7d \
	--at 2026-04-01T00:00:00Z --tz Europe/Berlin >"$T/fair.txt" || fail "fairness text"
grep -q '^Most loaded: zoe; least loaded: ' "$T/fair.txt" || fail "no most/least line: $(cat "$T/fair.txt")"
"$ML" oncall fairness --config "$T/oncall.yaml" --db "$T/missing.db" >/dev/null 2>&1
[ $? = 2 ] || fail "a missing database is not an error"
echo "1 passed, 0 failed"
