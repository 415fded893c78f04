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

# wall seconds and peak RSS (KiB) of a command, via /usr/bin/time
measure() {
	/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >"$OUT/stdout.txt" 2>"$OUT/stderr.txt" || true
	cat "$OUT/time.txt"
}
set -- $(measure "$ML" check drift --ref "$OUT/ref.csv" --cur "$OUT/cur.csv" -q)
ml_t=$1 ml_m=$2
set -- $(measure $PY "$ROOT/bench/drift/pandas_drift.py" "$OUT/ref.csv" "$OUT/cur.csv")
pd_t=$1 pd_m=$2
MLONCALL_TIMINGS=1 "$ML" check drift --ref "$OUT/ref.csv" --cur "$OUT/cur.csv" -q \
	>/dev/null 2>"$OUT/timings.txt" || true
cat_t=$( { /usr/bin/time -f "%e" cat "$OUT/ref.csv" "$OUT/cur.csv" >/dev/null; } 2>&1 )
bytes=$(($(stat -c %s "$OUT/ref.csv") + $(stat -c %s "$OUT/cur.csv")))
echo "mloncall check drift: ${ml_t}s, peak RSS $((ml_m / 1024)) MiB"
echo "pandas+scipy:         ${pd_t}s, peak RSS $((pd_m / 1024)) MiB"
awk -v a="$pd_t" -v b="$ml_t" -v c="$pd_m" -v d="$ml_m" 'BEGIN {
	printf "speedup: %.1fx faster (target >= 5x); memory: %.2f of pandas (target <= 0.33)\n", a / b, d / c }'
echo "mloncall $(grep timings "$OUT/timings.txt")"
awk -v t="$cat_t" -v n="$bytes" 'BEGIN {
	printf "cat both files > /dev/null: %.3fs (%.0f MB/s)\n", t, n / 1e6 / (t > 0 ? t : 0.001) }'
