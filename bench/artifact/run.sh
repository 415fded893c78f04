#!/bin/sh
# bench/artifact/run.sh: sha256 throughput of `mloncall check artifact`
# (parallel EVP sha256) against GNU sha256sum (one process), `xargs -P2
# sha256sum`, and one `openssl dgst -sha256` process, on FILES files of
# SIZE_MIB MiB each (default 200 x 20 MiB), from a warm page cache so it
# measures hashing, not the disk. Best of RUNS runs each. Builds nothing:
# run `make` first. Data lives in bench/out/artifact and is deleted after.
# Target: mloncall >= 1.8x the throughput of one openssl process on 2 cores.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=${ML_BIN:-$ROOT/build/mloncall}
FILES=${FILES:-200}
SIZE_MIB=${SIZE_MIB:-20}
RUNS=${RUNS:-3}
OUT=$ROOT/bench/out/artifact
DATA=$OUT/data
[ -x "$ML" ] || { echo "no $ML: run make first" >&2; exit 1; }
command -v sha256sum >/dev/null && command -v openssl >/dev/null ||
	{ echo "needs sha256sum and openssl" >&2; exit 1; }
cleanup() { rm -rf "$OUT"; }
trap cleanup EXIT INT TERM
rm -rf "$OUT"
mkdir -p "$DATA"

# Data: one random block, each file starts with its own number so no two
# files are equal.
head -c "${SIZE_MIB}M" /dev/urandom >"$OUT/seed"
i=0
while [ $i -lt "$FILES" ]; do
	{ printf 'file %05d\n' $i; cat "$OUT/seed"; } | head -c "${SIZE_MIB}M" \
		>"$DATA/f$(printf '%05d' $i).bin"
	i=$((i + 1))
done
rm -f "$OUT/seed"
TOTAL_MIB=$((FILES * SIZE_MIB))
cat "$DATA"/* >/dev/null # warm the page cache

# best WALL USER SYS (seconds) of RUNS runs of the shell command $1, by
# wall time; CPU time shows the cost per byte even on a busy machine.
best() {
	b=
	r=0
	while [ $r -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %U %S" -o "$OUT/time" sh -c "$1" >/dev/null
		b=$(echo "$(tail -1 "$OUT/time") ${b:-}" |
			awk 'NF == 3 || $1 < $4 {print $1, $2, $3; next} {print $4, $5, $6}')
		r=$((r + 1))
	done
	echo "$b"
}

SHA_ONE="cd '$DATA' && sha256sum -- *"
SHA_XARGS="cd '$DATA' && ls | xargs -P2 -n 10 sha256sum --"
OSSL_ONE="cd '$DATA' && openssl dgst -sha256 -- *"
ML_CMD="'$ML' check artifact '$DATA' --manifest '$OUT/sums' -q"

# The reference manifest, and a check that mloncall agrees with it.
sh -c "$SHA_ONE" >"$OUT/sums"
if ! sh -c "$ML_CMD" >/dev/null; then
	echo "mloncall disagrees with sha256sum" >&2
	exit 1
fi

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
T_ML=$(best "$ML_CMD")
T_SHA=$(best "$SHA_ONE")
T_XARGS=$(best "$SHA_XARGS")
T_OSSL=$(best "$OSSL_ONE")

echo "artifact bench: $FILES files x $SIZE_MIB MiB = $TOTAL_MIB MiB, warm cache, $(nproc) CPUs, best of $RUNS, load average before: $LOAD"
for row in "mloncall $T_ML" "sha256sum $T_SHA" "xargs-P2-sha256sum $T_XARGS" "openssl-dgst $T_OSSL"; do
	echo "$row $TOTAL_MIB" | awk '{printf "  %-20s %7.3f s wall %8.1f MiB/s   cpu %6.3f s (%.3f s/GiB)\n", $1, $2, $5 / $2, $3 + $4, ($3 + $4) * 1024 / $5}'
done
echo "${T_ML% * *} ${T_SHA% * *} ${T_XARGS% * *} ${T_OSSL% * *}" | awk '{
	printf "  ratio mloncall/sha256sum          %.2fx\n", $2 / $1
	printf "  ratio mloncall/xargs-P2-sha256sum %.2fx\n", $3 / $1
	printf "  ratio mloncall/openssl-dgst       %.2fx (target >= 1.8x)\n", $4 / $1
}'
