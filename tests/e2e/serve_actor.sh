#!/bin/sh
# serve_actor.sh: the timeline names who did it. A responder token may not
# write under another name (403); without `actor` the token's person (else
# its name) is recorded; an admin token (a drill harness, a runbook acting for the
# comms lead) may speak for someone.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
TOKEN=$("$ML" token add bob --role responder --person bob.smith --db "$DB" 2>/dev/null) || fail "token add"
ADMIN=$("$ML" token add ops --role admin --db "$DB" 2>/dev/null) || fail "token add admin"
start_serve "$DB"
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"Who"}}'

expect_status 403 POST /api/v1/incidents/1/note '{"text":"I did it","actor":"alice"}'
grep -q 'only an admin token' "$T/resp" || fail "no clear message: $(cat "$T/resp")"
expect_status 200 POST /api/v1/incidents/1/note '{"text":"mine"}'
expect_status 200 POST /api/v1/incidents/1/note '{"text":"me again","actor":"bob.smith"}'
TOKEN=$ADMIN expect_status 200 POST /api/v1/incidents/1/ack '{"actor":"alice"}'
expect_status 200 GET /api/v1/incidents/1
$PY - "$T/resp" <<'PY' || fail "timeline actors: $(cat "$T/resp")"
import json, sys
d = json.load(open(sys.argv[1]))
notes = [e["actor"] for e in d["timeline"] if e["kind"] == "note"]
acks = [e["actor"] for e in d["timeline"] if e["kind"] == "ack"]
assert notes == ["bob.smith", "bob.smith"], notes
assert "alice" not in " ".join(notes), notes
assert acks == ["alice"], acks
PY

# A store error while checking a token is 503 (try again), never 401.
sqlite3 "$DB" "ALTER TABLE tokens RENAME TO tokens_gone" || fail "sqlite3"
expect_status 503 GET /api/v1/incidents/1
grep -q 'could not check the token' "$T/resp" || fail "503 body: $(cat "$T/resp")"
grep -q 'token check failed' "$T/serve.log" || fail "503 not logged"
echo ok
