#!/bin/sh
# prom_slo_live.sh: the live SLO path of `check prom` (range queries over
# the HTTP API, merging series by timestamp) against a stand-in Prometheus
# API written in Python, with canned answers whose burn rates are known:
#   latency: per 10 min 1000 requests, 20 slow (> 0.5 s) in the last hour,
#            1 slow before -> 1h burn at SLO 99.9% = 20 (pages);
#   errors:  the error series starts late (no errors at first: sum() is
#            empty there, which must count as 0), 0.5% errors at SLO 99%
#            -> burn 0.5 over what the error series covers, healthy.
# Also checks that a server error (HTTP 400, status "error") is reported.
set -eu
ML=${ML_BIN:?ML_BIN not set}
PY=/usr/bin/python3
TMP=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

cat >"$TMP/fake.py" <<'P'
import http.server, json, sys, urllib.parse
END = 1795424400
TS = [END - 600 * i for i in range(18, -1, -1)]  # 3 h, every 10 min

def matrix(series):
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": m, "values": [[t, str(v)] for t, v in pts]} for m, pts in series]}}

def latency():
    tot = good = 0
    inf, le = [], []
    for i, t in enumerate(TS):
        if i:
            tot += 1000
            good += 1000 - (20 if t > END - 3600 else 1)
        inf.append((t, tot))
        le.append((t, good))
    return matrix([({"le": "+Inf"}, inf), ({"le": "0.5"}, le), ({"le": "0.25"}, le)])

def errors(which):
    tot = 0
    pts = []
    for i, t in enumerate(TS):
        tot += 1000 if i else 0
        if which == "total":
            pts.append((t, tot))
        elif i >= 6:  # the error series appears after an hour
            pts.append((t, (i - 6) * 5))
    return matrix([({}, pts)])

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query).get("query", [""])[0]
        code = 200
        if u.path != "/api/v1/query_range":
            code, body = 404, {"status": "error", "errorType": "not_found", "error": u.path}
        elif q == 'sum by (le) (llm_seconds_bucket{model="m"})':
            body = latency()
        elif q == 'sum(http_requests_total{code=~"5.."})':
            body = errors("errors")
        elif q == "sum(http_requests_total)":
            body = errors("total")
        else:
            code, body = 400, {"status": "error", "errorType": "bad_data",
                               "error": "unexpected query " + q}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass

s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
P
$PY "$TMP/fake.py" >"$TMP/port" 2>"$TMP/fake.log" &
PID=$!
i=0
while [ ! -s "$TMP/port" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "FAIL: fake server"; exit 1; }
	sleep 0.1
done
URL="http://127.0.0.1:$(cat "$TMP/port")"
END=2026-11-23T09:00:00Z

rc=0
"$ML" check prom --url "$URL" --slo 99.9 --metric llm_seconds \
	--labels '{model="m"}' --threshold 0.5 --end $END -o json \
	>"$TMP/lat.json" || rc=$?
[ $rc = 1 ] || { echo "FAIL: latency SLO exit $rc"; cat "$TMP/lat.json"; exit 1; }
"$ML" check prom --url "$URL" --slo 99 --errors 'http_requests_total{code=~"5.."}' \
	--total http_requests_total --end $END -o json >"$TMP/err.json"
$PY - "$TMP" <<'P'
import json, sys
t = sys.argv[1]
lat = json.load(open(t + "/lat.json"))
err = json.load(open(t + "/err.json"))
w = {x["long"]: x for x in lat["windows"]}
checks = [
    (lat["verdict"], "failed"),
    (round(w["1h"]["burn_long"], 9), 20.0),
    (round(w["1h"]["burn_short"], 9), 20.0),
    (w["1h"]["firing"], True),
    (round(w["6h"]["burn_long"], 9), round((120 + 12) / 18000 / 0.001, 9)),
    (lat["slo"]["points"], 19),
    (err["verdict"], "healthy"),
    (round(err["windows"][0]["burn_long"], 9), 0.5),
    (round(err["slo"]["error_ratio"], 9), round(60 / 18000, 9)),
]
bad = [(i, got, want) for i, (got, want) in enumerate(checks) if got != want]
for i, got, want in bad:
    print("check %d: got %r, want %r" % (i, got, want))
sys.exit(1 if bad else 0)
P
"$ML" check prom --url "$URL" --slo 99 --errors 'nope' --total x \
	--end $END 2>"$TMP/e" && exit 1
grep -q "bad_data: unexpected query sum(nope)" "$TMP/e" || { cat "$TMP/e"; exit 1; }
echo "OK: live SLO burn rates from range queries match the canned data"
