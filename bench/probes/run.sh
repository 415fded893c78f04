#!/bin/sh
# bench/probes/run.sh: speed of `check xid` on 10,000 Xid lines and of
# `check gpu` on a 100-GPU nvidia-smi -q -x XML, each against `grep -c Xid`
# on the same file (the baseline an operator reaches for). Uses the
# already-built build/mloncall (run `make` first); data goes to bench/out/.
set -eu
cd "$(dirname "$0")/../.."
ML=build/mloncall
OUT=bench/out/probes
[ -x $ML ] || { echo "build/mloncall missing: run make first" >&2; exit 1; }
mkdir -p $OUT
/usr/bin/python3 bench/probes/gen.py $OUT tests/fixtures
LOG=$OUT/xid-10k.log
XML=$OUT/smi-100gpu.xml
echo "data: $(grep -c Xid $LOG) Xid lines in $(wc -l <$LOG) lines ($(wc -c <$LOG) bytes);" \
     "$(grep -c '<gpu id' $XML) GPUs in $(wc -c <$XML) bytes of XML"
# Correctness first: every Xid line is counted.
n=$($ML check xid --from $LOG -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["xid_events"])' || true)
[ "$n" = 10000 ] || { echo "check xid counted $n events, expected 10000" >&2; exit 1; }
g=$($ML check gpu --from $XML -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' || true)
[ "$g" = 100 ] || { echo "check gpu found $g GPUs, expected 100" >&2; exit 1; }

# mean seconds of a command over hyperfine runs
mean() {
	# -i: a finding (exit 1) and grep's "no match" (exit 1) are fine
	hyperfine -N -i --warmup 3 --min-runs 20 --export-json $OUT/h.json "$1" >/dev/null 2>&1 ||
		hyperfine -i --warmup 3 --min-runs 20 --export-json $OUT/h.json "$1" >/dev/null
	/usr/bin/python3 -c 'import json; print("%.6f" % json.load(open("'$OUT/h.json'"))["results"][0]["mean"])'
}
ratio() { /usr/bin/python3 -c "print('%.1f' % ($1 / $2))"; }

t_xid=$(mean "$ML check xid --from $LOG -o json")
t_grep=$(mean "grep -c Xid $LOG")
echo "xid: check xid 10k lines: $(ratio $t_xid 0.001) ms; grep -c Xid: $(ratio $t_grep 0.001) ms; ratio $(ratio $t_xid $t_grep)x grep"
t_gpu=$(mean "$ML check gpu --from $XML -o json")
t_grep2=$(mean "grep -c Xid $XML")
echo "gpu: check gpu 100-GPU XML: $(ratio $t_gpu 0.001) ms; grep -c Xid: $(ratio $t_grep2 0.001) ms; ratio $(ratio $t_gpu $t_grep2)x grep"
