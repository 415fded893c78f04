#!/bin/sh
# serve_token_revoke.sh: `mloncall token revoke` against a running
# service: the revoked token is refused (401) on the very next request
# while another token keeps working; `token ls` shows the last use the
# service recorded; a revoked name can be added again. Also: the API's
# date filter refuses impossible dates.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
TOKEN=$("$ML" token add am --role responder --person ops --db "$DB" \
	2>/dev/null) || fail "token add"
OTHER=$("$ML" token add dash --role viewer --db "$DB" 2>/dev/null)
start_serve "$DB"

expect_status 200 GET /api/v1/incidents
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"GPUHot"}}'
# date filters are strict: Feb 31 is a 400, not March 3
expect_status 400 GET '/api/v1/incidents?since=2026-02-31'
expect_status 400 GET '/api/v1/incidents?since=2026-01-01T24:00:00Z'
expect_status 200 GET '/api/v1/incidents?since=2024-02-29'
"$ML" token ls --db "$DB" -o json >"$T/ls.json" || fail "token ls"
[ "$(json_get "$T/ls.json" 'd["tokens"][0]["name"]')" = am ] ||
	fail "token ls: $(cat "$T/ls.json")"
[ "$(json_get "$T/ls.json" 'd["tokens"][0]["last_used"] is not None')" = True ] ||
	fail "last use not recorded: $(cat "$T/ls.json")"
[ "$(json_get "$T/ls.json" 'd["tokens"][1]["last_used"]')" = None ] ||
	fail "an unused token shows a last use"
grep -q "$TOKEN" "$T/ls.json" && fail "token ls printed the secret"

"$ML" token revoke am --db "$DB" 2>"$T/revoke.err" ||
	fail "token revoke: $(cat "$T/revoke.err")"
expect_status 401 GET /api/v1/incidents
expect_status 401 POST /api/v1/alerts '{"labels":{"alertname":"GPUHot"}}'
TOKEN=$OTHER expect_status 200 GET /api/v1/incidents

"$ML" token revoke am --db "$DB" 2>/dev/null
[ $? = 2 ] || fail "revoking an unknown token did not exit 2"
NEW=$("$ML" token add am --role responder --db "$DB" 2>/dev/null) ||
	fail "the revoked name could not be added again"
TOKEN=$NEW expect_status 200 GET /api/v1/incidents
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null; rc=$?
[ "$rc" = 0 ] || fail "serve exited $rc after SIGTERM"
echo "1 passed, 0 failed"
