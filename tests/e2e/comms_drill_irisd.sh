#!/bin/sh
# comms_drill_irisd.sh: the shipped scenario drills/irisd-bad-model.yaml
# against the real sandbox: irisd (trained here, on a free port instead
# of 8081) gets its bad_model fault through /admin/fault while the drill
# runs, its predictions go wrong (versicolor and virginica swap), and the
# drill's clear turns the fault off again (/admin/state). The page to the
# default `primary` role is suppressed: only ana and ben take part.
. "$(dirname "$0")/lib/common.sh"
IRISD=${ML_BUILD:?}/irisd
[ -x "$IRISD" ] || skip "no irisd binary at $IRISD (sandbox not built)"

"$IRISD" train --registry "$T/reg" >/dev/null || fail "irisd train"
"$IRISD" serve --registry "$T/reg" --listen 127.0.0.1:0 --port-file "$T/iport" \
	>>"$T/irisd.log" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/iport" 10 || fail "irisd did not start"
I=http://127.0.0.1:$(cat "$T/iport")
sed "s#http://127.0.0.1:8081#$I#g" "$ML_SRC/drills/irisd-bad-model.yaml" >"$T/drill.yaml"
grep -q "http://127.0.0.1:8081" "$T/drill.yaml" && fail "the scenario still points at 8081"

DB=$T/oncall.db
printf 'tick: 50ms\n' >"$T/oncall.yaml"
TOKEN=$("$ML" token add drill --role admin --db "$DB" 2>/dev/null)
export MLONCALL_TOKEN=$TOKEN
start_serve "$DB" --config "$T/oncall.yaml"
export MLONCALL_SERVER=$URL
virginica='{"features":[6.3,3.3,6.0,2.5]}'
curl -s "$I/predict" -d "$virginica" | grep -q '"class":"virginica"' || fail "healthy irisd mispredicts"

"$ML" drill run "$T/drill.yaml" --poll 100ms -o json >"$T/debrief.json" 2>"$T/drill.log" &
DRILL=$!
i=0
until grep -q 'drill incident #' "$T/drill.log"; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "no drill incident: $(cat "$T/drill.log")"
	sleep 0.05
done
curl -s "$I/admin/state" >"$T/state.json"
[ "$(json_get "$T/state.json" 'd["faults"]["bad_model"]')" = True ] || fail "bad_model not injected"
curl -s "$I/predict" -d "$virginica" | grep -q '"class":"versicolor"' ||
	fail "the bad model does not show in predictions"
ID=$(sed -n 's/.*drill incident #\([0-9]*\).*/\1/p' "$T/drill.log")
"$ML" incident ack "$ID" --as ana >/dev/null || fail "ack"
"$ML" incident update "$ID" "irisd answers wrong classes; rolling back" --by ben >/dev/null || fail "update"
"$ML" incident resolve "$ID" rolled back --as ana >/dev/null || fail "resolve"
wait "$DRILL"; rc=$?
[ $rc = 0 ] || fail "drill exited $rc: $(cat "$T/drill.log")"
curl -s "$I/admin/state" >"$T/state.json"
[ "$(json_get "$T/state.json" 'd["faults"]["bad_model"]')" = False ] || fail "the fault was not cleared"
curl -s "$I/predict" -d "$virginica" | grep -q '"class":"virginica"' || fail "irisd still mispredicts"
d=$T/debrief.json
[ "$(json_get "$d" 'd["outcome"]')" = mitigated ] || fail "outcome"
[ "$(json_get "$d" 'd["notifications"]["suppressed"] >= 1 and d["notifications"]["sent"] == 0')" = True ] ||
	fail "pages outside the participants: $(json_get "$d" 'd["notifications"]')"
[ "$(json_get "$d" 'd["scenario"]["name"]')" = irisd-bad-model ] || fail "scenario"
echo "1 passed, 0 failed"
