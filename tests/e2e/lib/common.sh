# common.sh: helpers for end-to-end tests (sourced). Servers listen on
# loopback ports picked at run time; everything lives in a temp folder
# that is removed at exit, with every child process stopped.
set -u
ML=${ML_BIN:?ML_BIN must point at the mloncall binary}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/mloncall-e2e.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }; done
	exit 1
}
skip() { echo "SKIP: $*"; exit 77; }

# free_port: a port nothing listens on right now.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for FILE SECONDS: until FILE exists and is non-empty.
wait_for() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 20)) ] && return 1
		sleep 0.05
	done
}

# start_serve DB [args...]: starts `mloncall serve` on a free port; sets
# SERVE_PID and URL.
start_serve() {
	db=$1; shift
	rm -f "$T/port"
	"$ML" serve --db "$db" --listen 127.0.0.1:0 --port-file "$T/port" "$@" \
		>>"$T/serve.log" 2>&1 &
	SERVE_PID=$!
	PIDS="$PIDS $SERVE_PID"
	wait_for "$T/port" 30 || fail "serve did not start within 30s"
	URL="http://127.0.0.1:$(cat "$T/port")"
}

# api METHOD PATH [BODY]: prints "STATUS BODY"; uses $TOKEN.
api() {
	curl -s -o "$T/resp" -w '%{http_code}' -X "$1" \
		${TOKEN:+-H "Authorization: Bearer $TOKEN"} \
		-H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$URL$2"
	printf ' '
	cat "$T/resp"
}

# expect_status WANT METHOD PATH [BODY]
expect_status() {
	want=$1; shift
	got=$(api "$@")
	case "$got" in
	"$want "*) ;;
	*) fail "$1 $2: expected HTTP $want, got: $got" ;;
	esac
}

# jq-like: json_get FILE EXPR (a Python expression over `d`).
json_get() {
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

command -v curl >/dev/null || skip "curl is not installed"
[ -x "$PY" ] || skip "/usr/bin/python3 is not installed"
