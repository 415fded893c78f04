#!/bin/sh
# incident_filters.sh: the API and the CLI (with --server and with --db)
# read incident list filters and action bodies with one parser and one
# action table, so a bad value gets the same message everywhere (API:
# 400 or 409; CLI: exit 2), an RFC 3339 --since with an offset works
# both ways, and a long query is read whole.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
TOKEN=$("$ML" token add ana --role responder --db "$DB" 2>/dev/null) || fail "token add"
export MLONCALL_TOKEN=$TOKEN
start_serve "$DB"
expect_status 200 POST /api/v1/alerts '{"labels":{"alertname":"First"}}'

# cli_err MODE WANT_MSG ARGS...: the CLI in MODE (server|db) exits 2 with
# WANT_MSG on stderr.
cli_err() {
	mode=$1 msg=$2; shift 2
	if [ "$mode" = server ]; then set -- "$@" --server "$URL"; else set -- "$@" --db "$DB"; fi
	"$ML" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 2 ] || fail "$mode: $*: exit $rc (want 2): $(cat "$T/err")"
	grep -qF -- "$msg" "$T/err" || fail "$mode: $*: stderr lacks '$msg': $(cat "$T/err")"
}

# same message from the API (400) and from both CLI paths
check_filter() {
	query=$1 msg=$2; shift 2
	expect_status 400 GET "/api/v1/incidents?$query"
	grep -qF -- "$msg" "$T/resp" || fail "API $query: $(cat "$T/resp")"
	cli_err server "$msg" incident ls "$@"
	cli_err db "$msg" incident ls "$@"
}
check_filter 'limit=abc' 'limit: expected 1 to 10000' --limit abc
check_filter 'severity=P9' 'severity: expected P1, P2, P3 or P4' --severity P9
check_filter 'since=2026-02-31' 'since: expected a duration (30d) or an RFC 3339 time' --since 2026-02-31
check_filter 'status=closed' 'status: expected open, triggered, acknowledged or resolved' --status closed
check_filter 'limit=1&limit=2' 'limit: given more than once' --limit 1 --limit 2

# An RFC 3339 since with an offset: the CLI encodes its '+', both paths
# read the same instant (the incident above was opened just now).
for mode in server db; do
	if [ $mode = server ]; then where="--server $URL"; else where="--db $DB"; fi
	n=$("$ML" incident ls --all --since 2000-01-01T01:00:00+01:00 $where -o json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["incidents"]))') || fail "$mode: since with an offset"
	[ "$n" = 1 ] || fail "$mode: since 2000 with an offset: $n incidents (want 1)"
	n=$("$ML" incident ls --all --since 2999-01-01T00:00:00-05:00 $where -o json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["incidents"]))') || fail "$mode: since in the future"
	[ "$n" = 0 ] || fail "$mode: since 2999: $n incidents (want 0)"
	# a query far over the old 512 bytes: the limit and status=open apply
	long=$(printf '0%.0s' $(seq 700))1
	"$ML" incident ls --limit "$long" $where -o json >"$T/out" || fail "$mode: long query"
	[ "$(json_get "$T/out" 'len(d["incidents"])')" = 1 ] || fail "$mode: long query: $(cat "$T/out")"
done

# Action bodies: the same message from the API and the CLI's --db path.
expect_status 409 POST /api/v1/incidents/1/severity '{"severity":"P7"}'
grep -qF 'severity: expected P1, P2, P3 or P4' "$T/resp" || fail "API severity: $(cat "$T/resp")"
cli_err db 'severity: expected P1, P2, P3 or P4' incident severity 1 P7
cli_err server 'severity: expected P1, P2, P3 or P4' incident severity 1 P7
expect_status 409 POST /api/v1/incidents/1/role '{"role":"operations"}'
grep -qF 'person: required' "$T/resp" || fail "API role: $(cat "$T/resp")"
expect_status 400 POST /api/v1/incidents/1/bridge '{"url":5}'
grep -qF 'url: expected a string' "$T/resp" || fail "API bridge: $(cat "$T/resp")"
expect_status 404 POST /api/v1/incidents/1/approve '{}'
grep -qF 'unknown action `approve` (ack, resolve, note, update, role, severity, bridge)' "$T/resp" || fail "API unknown: $(cat "$T/resp")"
big=$($PY -c 'print("x" * 4001)')
cli_err db 'an update is at most 4000 bytes' incident update 1 "$big"
cli_err server 'an update is at most 4000 bytes' incident update 1 "$big"
"$ML" incident update 1 "all clear" --db "$DB" >/dev/null || fail "update --db"
"$ML" incident update 1 "still clear" --server "$URL" >/dev/null || fail "update --server"
echo ok
