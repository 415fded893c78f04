#!/bin/sh
# bench/checkpoint/pickle.sh: pickle scanner speed per MiB (issue 14: a
# 12 MB pickle of repeated imports took 33 s, quadratic). Makes zip
# checkpoints whose data.pkl is SMALL MiB and the scanner's limit (512
# MiB, CKPT_PKL_MAX_BYTES) of small opcodes (make_pickle.py: 1,000
# globals imported over and over, memo gets, a few byte strings),
# and prints seconds per MiB of `mloncall check checkpoint` at both sizes
# (linear: the ratio is about 1), against `cat FILE` at the limit and
# Python's pickletools.genops (which only decodes opcodes) on the SMALL
# pickle, all measured in this run. Uses build/mloncall (run `make`
# first); data under bench/out/, deleted at the end. Env: SMALL (MiB,
# default 16), RUNS (best of, default 3).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=$ROOT/build/mloncall
OUT=$ROOT/bench/out/pickle
PY=/usr/bin/python3
SMALL=${SMALL:-16}
RUNS=${RUNS:-3}
LIMIT=512 # MiB, CKPT_PKL_MAX_BYTES in src/probe/training/ckpt.h

[ -x "$ML" ] || { echo "build/mloncall missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"
trap 'rm -rf "$OUT"' EXIT INT TERM

# best wall seconds of "$@" (output discarded) over RUNS runs
best() {
	$PY - "$RUNS" "$@" <<'PYEOF'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
print("%.4f" % min(ts))
PYEOF
}
per() { awk -v t="$1" -v m="$2" 'BEGIN { printf "%.5f", t / m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "making ${SMALL} MiB and ${LIMIT} MiB pickles under bench/out/ ..."
$PY "$ROOT/bench/checkpoint/make_pickle.py" "$OUT/small.pt" $((SMALL << 20)) "$OUT/small.pkl"
$PY "$ROOT/bench/checkpoint/make_pickle.py" "$OUT/limit.pt" $((LIMIT << 20))
for f in small limit; do
	"$ML" check checkpoint "$OUT/$f.pt" -o json | $PY -c '
import json, sys
d = json.load(sys.stdin)
bad = [r for r in d["reasons"] if r["code"] != "unsafe_global"]
assert d["tensor_count"] == 1 and not bad, bad' ||
		{ echo "$f.pt was not fully scanned" >&2; exit 1; }
done
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
t_small=$(best "$ML" check checkpoint "$OUT/small.pt" -q)
t_limit=$(best "$ML" check checkpoint "$OUT/limit.pt" -q)
t_cat=$(best cat "$OUT/limit.pt")
t_gen=$(RUNS=1 best $PY -c 'import pickletools, sys
for _ in pickletools.genops(open(sys.argv[1], "rb").read()): pass' "$OUT/small.pkl")
s_small=$(per "$t_small" "$SMALL")
s_limit=$(per "$t_limit" "$LIMIT")
s_cat=$(per "$t_cat" "$LIMIT")
s_gen=$(per "$t_gen" "$SMALL")
echo "mloncall, ${SMALL} MiB pickle: ${t_small}s, ${s_small} s/MiB"
echo "mloncall, ${LIMIT} MiB pickle (the limit): ${t_limit}s, ${s_limit} s/MiB"
echo "linearity: s/MiB at ${LIMIT} MiB / s/MiB at ${SMALL} MiB = $(ratio "$s_limit" "$s_small") (linear: about 1)"
echo "cat, ${LIMIT} MiB warm: ${s_cat} s/MiB; mloncall is $(ratio "$s_limit" "$s_cat")x cat per MiB"
echo "pickletools.genops, ${SMALL} MiB: ${s_gen} s/MiB; mloncall is $(ratio "$s_gen" "$s_limit")x faster per MiB"
