#!/bin/sh
# serve_deep.sh: over-deep JSON cannot take the incident service down.
# The webhook refuses a 900-deep alert with 400 (jansson parses and dumps
# recursively on a 256 KiB HTTP thread stack); a 10,000-deep alert put
# straight into the store (an old row, a hand edit) is shown as an error
# field: GET, ack and note of its incident answer and /healthz stays up.
. "$(dirname "$0")/lib/common.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --db "$DB" 2>/dev/null) ||
	fail "token add"
start_serve "$DB"

deep() { # deep N: an alert whose annotations nest N levels
	$PY -c 'import sys; n=int(sys.argv[1]); print("{\"labels\":{\"alertname\":\"Deep\"},\"annotations\":{\"x\":" + "["*n + "]"*n + "}}")' "$1"
}

deep 900 >"$T/deep900.json"
got=$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$T/deep900.json" "$URL/api/v1/alerts")
[ "$got" = 400 ] || fail "900-deep alert: expected 400, got $got $(cat "$T/resp")"
grep -q 'nested deeper than 32 levels' "$T/resp" || fail "no clear message: $(cat "$T/resp")"
expect_status 400 POST /api/v1/alerts/alertmanager \
	"{\"version\":\"4\",\"alerts\":[$(deep 40)]}"
expect_status 200 GET /healthz

# a poisoned row, written behind the service's back
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"Deep"}}'
deep 10000 >"$T/deep.json"
$PY - "$DB" "$T/deep.json" <<'PY' || fail "could not poison the store"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); deep = open(sys.argv[2]).read()
db.execute("UPDATE alerts SET annotations_json = ?, payload_json = ?", (deep, deep))
db.execute("UPDATE incidents SET last_payload_json = ?", (deep,))
db.commit()
PY
expect_status 200 GET /api/v1/incidents/1
grep -q '"last_payload":{"error":"stored JSON nested too deep to show"}' "$T/resp" ||
	fail "no placeholder: $(head -c 300 "$T/resp")"
expect_status 200 GET /api/v1/incidents/1/timeline
expect_status 200 POST /api/v1/incidents/1/ack '{}'
expect_status 200 POST /api/v1/incidents/1/note '{"text":"looked at it"}'
expect_status 200 GET /api/v1/incidents
expect_status 200 GET /healthz
kill -0 "$SERVE_PID" 2>/dev/null || fail "serve died"
grep -q 'nested too deep to show' "$T/serve.log" || fail "the poisoned row was not logged"

# an action body nested too deep is refused too
expect_status 400 POST /api/v1/incidents/1/note "{\"text\":\"x\",\"y\":$(printf '[%.0s' $(seq 900))$(printf ']%.0s' $(seq 900))}"
expect_status 200 GET /healthz
echo ok
