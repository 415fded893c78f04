#!/bin/sh
# gpu_nogpu.sh: `mloncall check gpu` live mode on a machine without an
# NVIDIA GPU (simulated: PATH without nvidia-smi, NVML name pointing
# nowhere) fails cleanly with exit 2 and the documented message; so do
# the explicit sources. Never a crash or a sanitizer report.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
for src in auto nvml smi; do
	PATH=$tmp MLONCALL_NVML_LIB=/nonexistent/libnvidia-ml.so.1 \
		"$ML_BIN" check gpu --source $src >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] || fail "--source $src: exit $rc, expected 2: $(cat "$tmp/err")"
	grep -q "^mloncall: no NVIDIA GPU" "$tmp/err" || fail "--source $src: $(cat "$tmp/err")"
	grep -q "AddressSanitizer\|runtime error" "$tmp/err" && fail "sanitizer: $(cat "$tmp/err")"
	[ -s "$tmp/out" ] && fail "--source $src printed facts: $(cat "$tmp/out")"
	if [ $src = auto ]; then
		grep -q "NVML not found and nvidia-smi not on PATH" "$tmp/err" ||
			fail "auto message: $(cat "$tmp/err")"
	fi
done
echo "ok: no GPU gives exit 2 with a clear message for auto, nvml and smi"
