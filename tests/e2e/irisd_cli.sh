#!/bin/sh
# irisd_cli.sh: irisd's command line: --help with examples on every
# command, usage errors (exit 2, naming the flag), broken data files (exit
# 2 naming file:line), a registry with no versions, determinism of train
# with a seed, `load` against nothing (exit 1), and a hostile-request
# storm (random bytes, wrong types, huge numbers, deep nesting) that
# leaves the server answering and, under ASan, without a report.
. "$(dirname "$0")/lib/common.sh"

IRISD=${ML_BUILD:?}/irisd
[ -x "$IRISD" ] || fail "no irisd binary at $IRISD"

# expect_exit WANT PATTERN CMD...: exit status and a stderr/stdout pattern
expect_exit() {
	want=$1 pat=$2
	shift 2
	"$@" >"$T/out" 2>&1
	got=$?
	[ "$got" = "$want" ] || fail "$*: exit $got, want $want: $(cat "$T/out")"
	grep -q -- "$pat" "$T/out" || fail "$*: output lacks '$pat': $(cat "$T/out")"
}

for c in "" train serve load; do
	expect_exit 0 "Example" "$IRISD" $c --help
done
expect_exit 2 "Usage" "$IRISD"
expect_exit 2 "unknown command .trian." "$IRISD" trian
expect_exit 2 "registry DIR is required" "$IRISD" train
expect_exit 2 "seed" "$IRISD" train --registry "$T/r" --seed -1
expect_exit 2 "version" "$IRISD" train --registry "$T/r" --version ../x
expect_exit 2 "listen" "$IRISD" serve --registry "$T/r" --listen nohost
expect_exit 2 "workers" "$IRISD" serve --registry "$T/r" --workers 0
expect_exit 2 "url" "$IRISD" load --url ftp://x
expect_exit 2 "duration" "$IRISD" load --url http://127.0.0.1:1 --duration 5parsecs

# broken data: exit 2, file:line and what was expected
H=sepal_length,sepal_width,petal_length,petal_width,species
printf '%s\n5.1,3.5,1.4,0.2,setosa\n5.1,3.5,oops,0.2,setosa\n' "$H" >"$T/bad.csv"
expect_exit 2 "bad.csv:3:3: petal_length: .oops. is not a finite number" \
	"$IRISD" train --registry "$T/r" --data "$T/bad.csv"
printf '%s\n5.1,3.5,1.4,0.2,tulip\n' "$H" >"$T/bad.csv"
expect_exit 2 "bad.csv:2:5: species .tulip." "$IRISD" train --registry "$T/r" --data "$T/bad.csv"
: >"$T/empty.csv"
expect_exit 2 "empty.csv:1: empty file" "$IRISD" train --registry "$T/r" --data "$T/empty.csv"
printf '%s\n5,3,1,0.2,setosa\n6,3,4,1.3,versicolor\n' "$H" >"$T/tiny.csv"
expect_exit 2 "too few" "$IRISD" train --registry "$T/r" --data "$T/tiny.csv"
expect_exit 2 "cannot read" "$IRISD" train --registry "$T/r" --data "$T/none.csv"
[ -e "$T/r/v1" ] && fail "a failed train left a version behind"

# no versions to serve; a corrupt model file
mkdir -p "$T/empty-reg"
expect_exit 2 "no model versions" "$IRISD" serve --registry "$T/empty-reg" --listen 127.0.0.1:0
mkdir -p "$T/junk/v1" && printf '{"format":"irisd-softmax-v1","version":"v1","mean":[1,2]}' >"$T/junk/v1/model.json"
expect_exit 2 "junk/v1/model.json: .mean.: expected an array of 4" \
	"$IRISD" serve --registry "$T/junk" --listen 127.0.0.1:0

# same seed: the same model; MLONCALL_NOW pins trained_at
MLONCALL_NOW=2026-11-23T08:00:00Z "$IRISD" train --registry "$T/a" --seed 3 >/dev/null || fail "train a"
MLONCALL_NOW=2026-11-23T08:00:00Z "$IRISD" train --registry "$T/b" --seed 3 >/dev/null || fail "train b"
cmp -s "$T/a/v1/model.json" "$T/b/v1/model.json" || fail "same seed, different model"
cmp -s "$T/a/manifest.sha256" "$T/b/manifest.sha256" || fail "same seed, different manifest"
grep -q '"trained_at": "2026-11-23T08:00:00.000Z"' "$T/a/v1/meta.json" || fail "trained_at"
"$IRISD" train --registry "$T/b" --seed 4 --version v1 --force >/dev/null || fail "--force"
cmp -s "$T/a/v1/model.json" "$T/b/v1/model.json" && fail "another seed, same model"
expect_exit 2 "not an IPv4" "$IRISD" serve --registry "$T/a" --listen localhost:0

# load against a closed port: every request fails, exit 1
PORT=$(free_port)
expect_exit 1 "0 ok, 5 errors" "$IRISD" load --url "http://127.0.0.1:$PORT" --rate 50 --duration 100ms

# hostile requests: the server keeps answering
rm -f "$T/port"
"$IRISD" serve --registry "$T/a" --listen 127.0.0.1:0 --port-file "$T/port" >>"$T/irisd.log" 2>&1 &
IPID=$!
PIDS="$PIDS $IPID"
wait_for "$T/port" 10 || fail "irisd did not start"
URL=http://127.0.0.1:$(cat "$T/port")
$PY - "$URL" <<'EOF' || fail "hostile storm"
import json, random, sys, urllib.request, urllib.error
url = sys.argv[1]
random.seed(5)
bodies = [b"", b"{", b"null", b"[]", b"\"x\"", b"{\"features\":null}",
          b"{\"features\":[1,2,3,4,5]}", b"{\"features\":[true,1,2,3]}",
          b"{\"features\":[1e308,1e308,1e308,1e308]}",
          b"{\"features\":[-0.0,0,0,0]}", b"{\"id\":-5,\"label\":1}",
          b"{\"id\":1e30,\"label\":1}", b"{\"label\":3,\"id\":1}",
          b"{\"version\":\"v1\",\"canary_weight\":0}",
          b"{\"version\":\"v1\",\"canary_weight\":\"half\"}",
          b"{\"workers\":1e9}", b"{\"memory_mb\":-1}", b"{\"shift\":1e308}",
          b"{\"clear\":1}", b"[" * 5000 + b"]" * 5000,
          b"{\"a\":" * 3000 + b"1" + b"}" * 3000, b"\xff\xfe\x00\x01",
          json.dumps({"features": [1, 2, 3, 4], "k": "\ud800"}).encode()]
for _ in range(150):
    bodies.append(bytes(random.getrandbits(8) for _ in range(random.randint(0, 300))))
paths = ["/predict", "/feedback", "/admin/deploy", "/admin/scale",
         "/admin/fault", "/admin/rollback", "/metrics", "/../../etc/passwd",
         "/predict?x=%00", "/" + "a" * 3000]
codes = {}
for i, b in enumerate(bodies):
    for p in paths:
        req = urllib.request.Request(url + p, data=b, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                c = r.status
        except urllib.error.HTTPError as e:
            c = e.code
        codes[c] = codes.get(c, 0) + 1
        if c >= 500:
            sys.exit("HTTP %d for %s %r" % (c, p, b[:60]))
print("hostile storm:", sorted(codes.items()))
with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
    assert r.status == 200
EOF

# load until a signal, with progress lines; the summary still comes
"$IRISD" load --url "$URL" --rate 50 --duration 0 --progress 300ms \
	>"$T/load.out" 2>"$T/load.err" &
LPID=$!
i=0
until [ "$(grep -c '^load: t=' "$T/load.err")" -ge 2 ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "no progress lines: $(cat "$T/load.err")"
	sleep 0.05
done
kill -TERM $LPID
wait $LPID || fail "load after SIGTERM: exit $?"
grep -q "^load: [1-9][0-9]* requests in " "$T/load.out" || fail "summary: $(cat "$T/load.out")"

kill -TERM $IPID
wait $IPID || fail "irisd exited $? after the storm: $(tail -20 "$T/irisd.log")"
echo "ok: irisd command line"
