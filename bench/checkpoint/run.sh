#!/bin/sh
# bench/checkpoint/run.sh: checkpoint probe speed on a 2 GiB zip-format
# checkpoint laid out as torch.save writes it (stored entries, 64-byte
# alignment, zip64). Prints the structural check against `cat FILE >
# /dev/null` from a cold and a warm page cache (target: >= 100x faster),
# twice: the whole process (program start included) and the check itself
# (`check --timing`: the probe's own run time, median of 4 x RUNS runs),
# with the bytes of the file the check brought into the page cache,
# and --deep throughput against `openssl dgst -sha256` and `sha256sum`
# on the same file (target: >= 0.9x openssl). Uses build/mloncall (run
# `make` first); data under bench/out/, deleted at the end.
# Timings are hyperfine means. Env: GIB (file size, default 2), RUNS
# (runs per measurement, default 5).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=$ROOT/build/mloncall
OUT=$ROOT/bench/out/checkpoint
FILE=$OUT/big.pt
GIB=${GIB:-2}
RUNS=${RUNS:-5}
PY=/usr/bin/python3

[ -x "$ML" ] || { echo "build/mloncall missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"
trap 'rm -f "$FILE" "$OUT/hf.json"' EXIT INT TERM

# mean wall seconds of "$@" over RUNS runs after a warm-up, by hyperfine;
# PREP (a command) runs before each run, e.g. to drop the page cache
hf() {
	j=$OUT/hf.json
	if [ -n "${PREP:-}" ]; then
		hyperfine -N -i -r "$RUNS" --prepare "$PREP" --export-json "$j" "$*" >/dev/null 2>&1
	else
		hyperfine -N -i -w 1 -r "$RUNS" --export-json "$j" "$*" >/dev/null 2>&1
	fi
	$PY -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['results'][0]['mean'])" "$j"
}
# cold = the file's pages dropped with posix_fadvise(DONTNEED) before each
# run. (echo 3 > /proc/sys/vm/drop_caches would also evict mloncall's own
# binary and libraries, timing a cold program start rather than a cold file.)
COLD_HOW="posix_fadvise(DONTNEED) on the file before each run"
EVICT="$PY -c \"import os; os.posix_fadvise(os.open('$FILE', os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)\""
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; printf "%.4f", (d > 0.0001 ? d : 0.0001) }'; }
mbs() { awk -v s="$1" -v t="$2" 'BEGIN { printf "%.0f", s / t / 1048576 }'; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (Debian package hyperfine)" >&2; exit 1; }
# median seconds of the probe's own run time (check --timing) over
# 4 x RUNS runs; $1 = cold evicts the file's pages before each run
probe_ms() {
	for _ in $(seq $((RUNS * 4))); do
		[ "$1" = cold ] && sh -c "$EVICT"
		"$ML" check checkpoint "$FILE" -q --timing 2>&1 >/dev/null |
			sed -n 's/^timing: probe checkpoint ran \([0-9.]*\) ms$/\1/p'
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.5f", v[int((NR + 1) / 2)] / 1000 }'
}

echo "making a ${GIB} GiB torch-layout checkpoint under bench/out/ ..."
$PY "$ROOT/bench/checkpoint/make_big.py" "$FILE" "$GIB"
SIZE=$(stat -c %s "$FILE")
"$ML" check checkpoint "$FILE" -q >/dev/null || { echo "bench file not healthy" >&2; "$ML" check checkpoint "$FILE"; exit 1; }
echo "file: $SIZE bytes; cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cold cache by: $COLD_HOW"

c_cat=$(PREP=$EVICT hf cat "$FILE")
c_ml=$(PREP=$EVICT hf "$ML" check checkpoint "$FILE" -q)
w_cat=$(hf cat "$FILE")
w_ml=$(hf "$ML" check checkpoint "$FILE" -q)
start=$(hf "$ML" --version)
echo "process start (mloncall --version): ${start}s"
echo "structural, cold: mloncall ${c_ml}s vs cat ${c_cat}s: $(ratio "$c_cat" "$c_ml")x faster (target >= 100x)"
echo "structural, warm: mloncall ${w_ml}s vs cat ${w_cat}s: $(ratio "$w_cat" "$w_ml")x faster (target >= 100x)"
echo "structural minus process start: cold $(ratio "$c_cat" "$(sub "$c_ml" "$start")")x, warm $(ratio "$w_cat" "$(sub "$w_ml" "$start")")x faster than cat"
c_in=$(probe_ms cold)
w_in=$(probe_ms warm)
echo "structural, the check itself (--timing, median of $((RUNS * 4))): cold ${c_in}s: $(ratio "$c_cat" "$c_in")x, warm ${w_in}s: $(ratio "$w_cat" "$w_in")x faster than cat (target >= 100x)"
sh -c "$EVICT"
"$ML" check checkpoint "$FILE" -q >/dev/null
echo "bytes of the file read into the page cache by one cold structural check: $(fincore -b -n -o RES "$FILE") of $SIZE"

d_ossl=$(hf openssl dgst -sha256 "$FILE")
d_sum=$(hf sha256sum "$FILE")
d_ml=$(hf "$ML" check checkpoint "$FILE" --deep -q)
echo "deep, warm: mloncall --deep ${d_ml}s ($(mbs "$SIZE" "$d_ml") MiB/s), openssl dgst -sha256 ${d_ossl}s ($(mbs "$SIZE" "$d_ossl") MiB/s), sha256sum ${d_sum}s ($(mbs "$SIZE" "$d_sum") MiB/s)"
echo "deep vs openssl: $(ratio2 "$d_ossl" "$d_ml")x (target >= 0.9x); vs sha256sum: $(ratio2 "$d_sum" "$d_ml")x"
# the digest must match openssl's
want=$(openssl dgst -sha256 -r "$FILE" | cut -d' ' -f1)
got=$("$ML" check checkpoint "$FILE" --deep -o json -q | $PY -c "import json,sys; print(json.load(sys.stdin)['sha256'])")
[ "$want" = "$got" ] && echo "sha256 matches openssl: $got" || { echo "sha256 MISMATCH: $got vs $want" >&2; exit 1; }
