#!/bin/sh
# bench/scale/run.sh: the YAML document layer and the Prometheus exposition
# parser are linear up to their size limits (issue 14, item 9). Generates a
# flat YAML map at ML_MAX_CONFIG_BYTES (16 MiB, about 1M keys) and an
# exposition page at PROM_HTTP_MAX_BYTES (64 MiB, one family per sample),
# plus the same at 1/16 of the size, and prints each parser's time per MB
# at both sizes (a linear parser gives a ratio near 1; the old linear-scan
# lookups gave ~16x at 16x the size), against references measured in the
# same run: PyYAML's libyaml-backed CSafeLoader on the same YAML (when
# PyYAML is installed) and `wc -l` on the same files (the floor: reading
# them). Uses build/mloncall (run `make` first, or set ML_BIN); data goes
# to bench/out/scale/ (gitignored).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ML=${ML_BIN:-$ROOT/build/mloncall}
OUT=$ROOT/bench/out/scale
PY=/usr/bin/python3
[ -x "$ML" ] || { echo "bench/scale: $ML missing; run make first" >&2; exit 1; }
mkdir -p "$OUT"

# gen KIND BYTES FILE: a file of just under BYTES bytes
gen() {
	$PY - "$1" "$2" "$3" <<'EOF'
import sys
kind, limit, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, size, out = 0, 0, []
while True:
    if kind == "yaml":
        s = "key_%07d: %d\n" % (n, n)
    else:
        s = "# HELP m_%07d help %d\n# TYPE m_%07d gauge\nm_%07d{job=\"a\"} %d\n" % (n, n, n, n, n)
    if size + len(s) > limit - 1:
        break
    out.append(s)
    size += len(s)
    n += 1
open(path, "w").write("".join(out))
EOF
}

# secs CMD...: best of 3 wall-clock runs, in seconds (exit 1 = finding is fine)
secs() {
	b=
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || [ $? -eq 1 ]
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	$PY -c "print('%.4f' % ($b / 1e6))"
}
permb() { $PY -c "print('%.4f' % ($1 / ($2 / 1048576.0)))"; }
ratio() { $PY -c "print('%.1f' % ($1 / $2))"; }

gen yaml $((16 * 1024 * 1024)) "$OUT/big.yaml"
gen yaml $((1024 * 1024)) "$OUT/small.yaml"
gen prom $((64 * 1024 * 1024)) "$OUT/big.prom"
gen prom $((4 * 1024 * 1024)) "$OUT/small.prom"

# `runbook lint` loads the YAML through ydoc (duplicate-key check
# included), then reports the unknown top-level keys: one error.
have_pyyaml=0
$PY -c 'import yaml; yaml.CSafeLoader' 2>/dev/null && have_pyyaml=1
for f in small big; do
	y=$OUT/$f.yaml
	by=$(wc -c <"$y")
	t=$(secs "$ML" runbook lint "$y")
	w=$(secs wc -l "$y")
	line="yaml $f ($(($by / 1024)) KiB, $(wc -l <"$y") keys): mloncall $(permb $t $by) s/MB"
	line="$line; wc -l $(permb $w $by) s/MB"
	if [ $have_pyyaml = 1 ]; then
		p=$(secs $PY -c "import yaml,sys; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)" "$y")
		line="$line; PyYAML CSafeLoader $(permb $p $by) s/MB; ratio $(ratio $t $p)x PyYAML"
	fi
	echo "$line"
	eval "yaml_$f=$(permb $t $by)"
done
echo "yaml: time per MB at 16 MiB / at 1 MiB: $(ratio $yaml_big $yaml_small)x (linear: ~1)"

for f in small big; do
	p=$OUT/$f.prom
	bp=$(wc -c <"$p")
	t=$(secs "$ML" check prom "$p" -q)
	w=$(secs wc -l "$p")
	echo "prom $f ($(($bp / 1048576)) MiB, $(grep -c '^# TYPE' "$p") families):" \
	     "mloncall $(permb $t $bp) s/MB; wc -l $(permb $w $bp) s/MB; ratio $(ratio $t $w)x wc -l"
	eval "prom_$f=$(permb $t $bp)"
done
echo "prom: time per MB at 64 MiB / at 4 MiB: $(ratio $prom_big $prom_small)x (linear: ~1)"
