#!/bin/sh
# bench/lint/run.sh: lint 1,000 generated runbooks with `mloncall runbook
# lint` and compare with `cat` of the same files (the floor: reading them).
# Builds nothing: run `make` first (uses build/mloncall). Data goes to
# bench/out/lint/ (gitignored). Prints both times and the ratio.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=${ML_BIN:-$ROOT/build/mloncall}
OUT=$ROOT/bench/out/lint
N=${N:-1000}
[ -x "$ML" ] || { echo "bench/lint: $ML missing; run make first" >&2; exit 1; }

rm -rf "$OUT" && mkdir -p "$OUT/runbooks"
# each runbook is gpu-oom.yaml with its own id (ids must be unique)
awk -v n="$N" -v dir="$OUT/runbooks" '
	{ lines[NR] = $0 }
	END {
		for (i = 0; i < n; i++) {
			f = dir "/rb-" i ".yaml"
			for (j = 1; j <= NR; j++) {
				l = lines[j]
				if (l == "id: gpu-oom") l = "id: gpu-oom-" i
				print l > f
			}
			close(f)
		}
	}' "$ROOT/runbooks/examples/gpu-oom.yaml"
files=$(ls "$OUT/runbooks" | wc -l)
bytes=$(cat "$OUT"/runbooks/*.yaml | wc -c)

# best of 5 wall-clock runs, in milliseconds
best() {
	b=
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || [ $? -eq 1 ]
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}
export MLONCALL_NOW=2026-11-23T00:00:00Z
# the lint must be clean, or the bench measures error paths
"$ML" runbook lint --strict "$OUT/runbooks" | tail -1
lint_us=$(best "$ML" runbook lint --strict "$OUT/runbooks")
cat_us=$(best sh -c "cat '$OUT'/runbooks/*.yaml")
echo "files: $files, bytes: $bytes"
echo "mloncall runbook lint: $((lint_us / 1000)).$(((lint_us % 1000) / 100)) ms"
echo "cat (same files):      $((cat_us / 1000)).$(((cat_us % 1000) / 100)) ms"
awk -v a="$lint_us" -v b="$cat_us" 'BEGIN { printf "ratio lint/cat: %.1f (%.0f us per runbook)\n", a / b, a / '"$files"' }'
