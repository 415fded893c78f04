#!/bin/sh
# run-case.sh MLONCALL CASEDIR: runs one golden CLI case.
# A case folder holds:
#   cmd       shell words after `mloncall` (may use $FIXTURES, $CASE, $TMP)
#   stdin     (optional) fed to the command; otherwise /dev/null
#   expected  expected stdout (exact); missing: stdout not checked
#   stderr    (optional) a line that must appear in stderr (grep -F)
#   exit      expected exit code (default 0)
#   why       one line: why this case exists
#   env       (optional) KEY=VALUE lines exported for the command, e.g.
#             MLONCALL_NOW=2026-11-23T00:00:00Z for dates in output
# Run with UPDATE=1 to rewrite `expected` from the actual output.
set -u
ML=$1
CASE=$2
FIXTURES=${ML_FIXTURES:-$(dirname "$0")/../fixtures}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
export FIXTURES CASE TMP
export NO_COLOR=1 TZ=UTC
mloncall() { "$ML" "$@"; }
want_exit=0
[ -f "$CASE/exit" ] && want_exit=$(cat "$CASE/exit")
input=/dev/null
if [ -f "$CASE/env" ]; then
	while IFS= read -r kv; do
		case $kv in *=*) export "$kv" ;; esac
	done <"$CASE/env"
fi
[ -f "$CASE/stdin" ] && input="$CASE/stdin"
cd "$CASE" || exit 1
eval "mloncall $(cat "$CASE/cmd")" <"$input" >"$TMP/out" 2>"$TMP/err"
got_exit=$?
status=0
if [ "$got_exit" != "$want_exit" ]; then
	echo "exit code: expected $want_exit, got $got_exit"
	status=1
fi
if [ -f "$CASE/expected" ] || [ "${UPDATE:-0}" = 1 ]; then
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$TMP/out" "$CASE/expected"
	elif ! diff -u "$CASE/expected" "$TMP/out"; then
		echo "stdout differs from $CASE/expected (see diff above)"
		status=1
	fi
fi
if [ -f "$CASE/stderr" ] && ! grep -qF -- "$(cat "$CASE/stderr")" "$TMP/err"; then
	echo "stderr lacks: $(cat "$CASE/stderr")"
	status=1
fi
if [ $status != 0 ] || grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$TMP/err"; then
	echo "--- stderr:"; cat "$TMP/err"
	grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$TMP/err" && status=1
fi
exit $status
