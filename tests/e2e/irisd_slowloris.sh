#!/bin/sh
# irisd_slowloris.sh: one client holding 1,100 slow connections (partial
# headers, a byte every 0.5s) must not make irisd's /healthz unreachable,
# and they are cut off after --header-timeout; a trusted proxy is exempt
# from --max-per-client; duplicate Content-Length headers get 400.
. "$(dirname "$0")/lib/common.sh"

IRISD=${ML_BUILD:?}/irisd
[ -x "$IRISD" ] || fail "no irisd binary at $IRISD"
REG=$T/reg
"$IRISD" train --registry "$REG" >"$T/train.out" || fail "train v1"

serve() { # serve ARGS...: starts irisd on a free port; sets IPID and PORT
	rm -f "$T/port"
	"$IRISD" serve --registry "$REG" --listen 127.0.0.1:0 --port-file "$T/port" \
		--header-timeout 2 --body-timeout 3 "$@" >>"$T/irisd.log" 2>&1 &
	IPID=$!
	PIDS="$PIDS $IPID"
	wait_for "$T/port" 30 || fail "irisd did not start"
	PORT=$(cat "$T/port")
}

serve --max-per-client 64
$PY "$ML_SRC/tests/e2e/lib/slowloris.py" "$PORT" 1100 127.0.0.2 2 ||
	fail "slow connections took irisd down"
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || fail "healthz after"

$PY - "$PORT" >"$T/dup.txt" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
          b"Content-Length: 40\r\n\r\n{}")
print(s.recv(4096).decode("latin-1"))
PY
head -1 "$T/dup.txt" | grep -q ' 400 ' || fail "duplicate Content-Length: $(cat "$T/dup.txt")"
grep -q 'more than one Content-Length' "$T/dup.txt" || fail "no clear message: $(cat "$T/dup.txt")"
kill "$IPID"; wait "$IPID" 2>/dev/null

# behind a trusted proxy every client shares its address: not throttled
serve --max-per-client 4 --trusted-proxy 127.0.0.0/8
$PY - "$PORT" <<'PY' || fail "a trusted proxy was throttled"
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
for s in held:
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    if b" 200 " not in s.recv(4096):
        sys.exit(1)
PY
"$IRISD" serve --registry "$REG" --trusted-proxy 127.0.0.0/40 >"$T/bad.out" 2>&1 &&
	fail "a bad --trusted-proxy was accepted"
grep -q 'trusted-proxy' "$T/bad.out" || fail "$(cat "$T/bad.out")"
echo ok
