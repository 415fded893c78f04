#!/bin/sh
# serve_slowloris.sh: one client holding 600 slow connections (partial
# headers, a byte every 0.5s) must not make /healthz unreachable, and its
# connections are cut off after http.header_timeout however slowly it
# trickles; duplicate Content-Length headers are refused with 400.
. "$(dirname "$0")/lib/common.sh"

DB=$T/oncall.db
cat >"$T/serve.yaml" <<'YAML'
http:
  header_timeout: 2s
  body_timeout: 3s
  max_connections: 512
  max_connections_per_client: 64
YAML
start_serve "$DB" --config "$T/serve.yaml"
PORT=$(cat "$T/port")
$PY "$ML_SRC/tests/e2e/lib/slowloris.py" "$PORT" 600 127.0.0.2 2 ||
	fail "slow connections took the service down"
# and a person is told: cut and refused connections are counted on stderr
grep -q 'connection guard: [0-9]* cut for slow headers or body, [1-9][0-9]* refused' "$T/serve.log" ||
	fail "refused connections not logged: $(grep guard "$T/serve.log")"
expect_status 200 GET /healthz

# two Content-Length headers: ambiguous framing, refused
$PY - "$PORT" >"$T/dup.txt" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
          b"Content-Length: 40\r\nContent-Type: application/json\r\n\r\n{}")
print(s.recv(4096).decode("latin-1"))
PY
head -1 "$T/dup.txt" | grep -q ' 400 ' || fail "duplicate Content-Length: $(cat "$T/dup.txt")"
grep -q 'more than one Content-Length' "$T/dup.txt" || fail "no clear message: $(cat "$T/dup.txt")"

# the http: section is checked like the rest of the config
printf 'http:\n  trusted_proxies: [127.0.0.0/33]\n' >"$T/bad.yaml"
"$ML" serve --db "$DB" --config "$T/bad.yaml" --listen 127.0.0.1:0 >"$T/bad.out" 2>&1 &&
	fail "a bad trusted_proxies entry was accepted"
grep -q 'trusted_proxies' "$T/bad.out" || fail "bad trusted_proxies: $(cat "$T/bad.out")"
echo ok
