#!/bin/sh
# bench/engine: the engine's overhead per step. A runbook of 200 `run:
# true` steps (each one /bin/sh -c true in its own process group, output
# captured, recorded) against a shell script doing the same work by hand:
# 200 lines of `sh -c true`. Prints both times and the ratio (target: at
# most 1.5). Also prints, for scale, a script of 200 builtin `true`s,
# which starts no process at all. Uses build/mloncall (run `make` first).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=$ROOT/build/mloncall
OUT=$ROOT/bench/out/engine
N=200
[ -x "$ML" ] || { echo "bench/engine: build/mloncall missing: run make" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench/engine: needs hyperfine" >&2; exit 1; }
mkdir -p "$OUT"

{
	echo "id: bench-engine"
	echo "title: $N run steps"
	echo "procedure:"
	i=0
	while [ $i -lt $N ]; do echo "  - run: \"true\""; i=$((i + 1)); done
	echo "verify:"
	echo "  - run: \"true\""
	echo "rollback:"
	echo "  - run: \"true\""
} >"$OUT/runbook.yaml"
{
	echo "#!/bin/sh"
	i=0
	while [ $i -le $N ]; do echo "sh -c true"; i=$((i + 1)); done
} >"$OUT/script.sh"
{
	echo "#!/bin/sh"
	i=0
	while [ $i -le $N ]; do echo "true"; i=$((i + 1)); done
} >"$OUT/builtin.sh"

# the runbook must succeed, or the timing means nothing
"$ML" run "$OUT/runbook.yaml" -q --record "$OUT/record.json" >/dev/null

hyperfine -N --warmup 2 --runs 15 --export-json "$OUT/times.json" \
	"$ML run $OUT/runbook.yaml -q" "sh $OUT/script.sh" \
	"sh $OUT/builtin.sh" >"$OUT/hyperfine.txt" 2>&1 ||
	{ cat "$OUT/hyperfine.txt"; exit 1; }

/usr/bin/python3 - "$OUT/times.json" "$N" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
eng, sh, bi = (x["mean"] for x in r)
print(f"engine: {n} run steps (+ verify): {eng*1000:.1f} ms "
      f"({eng/ (n+1) * 1e6:.0f} us/step)")
print(f"shell:  {n+1} x sh -c true:       {sh*1000:.1f} ms "
      f"({sh / (n+1) * 1e6:.0f} us/step)")
print(f"(for scale: {n+1} builtin true in one shell: {bi*1000:.1f} ms)")
ratio = eng / sh
print(f"overhead ratio engine/shell: {ratio:.2f} (target <= 1.5): "
      f"{'ok' if ratio <= 1.5 else 'MISSED'}")
PY
