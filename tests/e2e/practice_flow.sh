#!/bin/sh
# practice_flow.sh: the whole story through the real service: an alert is
# diagnosed by `mloncall serve` and pages the on-call person; after the
# service stops, people ack, note, post a status update-like note, add an
# action item and resolve through the CLI; then `incident postmortem`
# writes a document with MTTA, MTTR, the diagnosis, the page and the
# action item, and `report` counts the incident, the page and the item.
. "$(dirname "$0")/lib/common.sh"
DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --db "$DB" 2>/dev/null)
printf 'tick: 50ms\noncall:\n  primary: [alice]\n' >"$T/oncall.yaml"
start_serve "$DB" --runbooks "$ML_SRC/runbooks/examples" --config "$T/oncall.yaml"

expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"NodeDiskFull","severity":"warning","mount":"/","threshold_pct":"1"},"annotations":{"summary":"disk <full> | on node-1"}}'
i=0
until api GET /api/v1/incidents/1 >/dev/null && grep -q 'cause: disk-nearly-full' "$T/resp" && grep -q 'paged alice' "$T/resp"; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "no diagnosis or page: $(cat "$T/resp")"
	sleep 0.05
done
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null

"$ML" incident ack 1 --db "$DB" --as alice >/dev/null || fail "ack"
"$ML" incident note 1 cleaned the cache by hand --db "$DB" --as alice >/dev/null || fail "note"
"$ML" action add 1 "alert earlier, at 85%" --owner bob --due 14d --db "$DB" >/dev/null || fail "action add"
"$ML" incident resolve 1 disk fine --db "$DB" --as alice >/dev/null || fail "resolve"
"$ML" incident postmortem 1 --db "$DB" -o "$T/pm.md" >"$T/out" || fail "postmortem: $(cat "$T/out")"
grep -q "written to $T/pm.md" "$T/out" || fail "no confirmation: $(cat "$T/out")"
for want in '## Impact' '**Time to resolve (MTTR):**' '**Time to acknowledge (MTTA):**' \
	'by alice (P3 target 4h: met)' '**Cause:** `disk-nearly-full`' \
	'paged alice (primary, level 1)' '| alert earlier, at 85% | bob |' \
	'disk &lt;full&gt; \| on node-1' 'cleaned the cache by hand' \
	'## Suggested runbook changes'; do
	grep -qF -- "$want" "$T/pm.md" || fail "postmortem lacks /$want/: $(cat "$T/pm.md")"
done

"$ML" report --db "$DB" --runbooks "$ML_SRC/runbooks/examples" -o json >"$T/r.json" || fail "report"
[ "$(json_get "$T/r.json" '[r for r in d["response"] if r["severity"]=="P3"][0]["incidents"]')" = 1 ] || fail "P3 count: $(cat "$T/r.json")"
[ "$(json_get "$T/r.json" 'd["pages"]["people"][0]["person"]')" = alice ] || fail "pages"
[ "$(json_get "$T/r.json" 'd["action_items"]["open"]')" = 1 ] || fail "open items"
[ "$(json_get "$T/r.json" 'd["runbooks"]["checked"] >= 3')" = True ] || fail "runbooks"
"$ML" report --db "$DB" -o html >"$T/r.html" || fail "report html"
grep -q '<svg' "$T/r.html" || fail "no chart"
grep -qi '<script\|src=\|href=' "$T/r.html" && fail "external resource or script in the page"
echo "1 passed, 0 failed"
