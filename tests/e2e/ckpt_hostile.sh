#!/bin/sh
# ckpt_hostile.sh: hostile PyTorch checkpoints made by ckpt_hostile.py
# (issue 14): code in each pickle of the legacy format, posix.system after
# 1,001 harmless globals, more distinct globals than the scanner lists,
# a 2^62-element storage, strides and shapes whose sizes overflow 64
# bits, two data.pkl entries. Each must fail (exit 1) naming the global
# or the overflow; the benign files they start from must be healthy.
. "$(dirname "$0")/lib/common.sh"
$PY "$ML_SRC/tests/e2e/ckpt_hostile.py" "$T" >"$T/cases" || fail "ckpt_hostile.py failed"
pass=0 bad=0
while IFS="$(printf '\t')" read -r name want needles; do
	"$ML" check checkpoint "$T/$name" >"$T/out" 2>&1
	rc=$?
	ok=1
	[ "$rc" = "$want" ] || ok=0
	[ "$want" = 1 ] && ! grep -q '^checkpoint: failed' "$T/out" && ok=0
	old_ifs=$IFS
	IFS=';'
	for n in $needles; do grep -qF -- "$n" "$T/out" || ok=0; done
	IFS=$old_ifs
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		bad=$((bad + 1))
		echo "FAIL: $name: exit $rc (want $want), output must hold: $needles"
		sed 's/^/    /' "$T/out" | head -8
	fi
done <"$T/cases"
echo "$pass passed, $bad failed"
[ $bad = 0 ]
