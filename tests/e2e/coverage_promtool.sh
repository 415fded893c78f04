#!/bin/sh
# coverage_promtool.sh: `runbook coverage --rules` reads rules files as
# Prometheus does. For every rules file of the coverage tests, Debian's
# promtool (`promtool check rules`) and mloncall agree on whether the file
# is valid, and on how many alerting rules a valid one has (promtool's
# count minus the recording rules). Two differences are on purpose and
# checked as such: an empty file (promtool: 0 rules; mloncall refuses it,
# an empty rules file is a mistake) and a PrometheusRule manifest
# (promtool does not read them; mloncall reads spec.groups). mloncall does
# not parse PromQL, so a rule whose expr is not valid PromQL passes here
# (no such file is in the list).
ML=${ML_BIN:?ML_BIN must point at the mloncall binary}
SRC=${ML_SRC:?ML_SRC must point at the source tree}
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
command -v promtool >/dev/null || { echo "SKIP: promtool is not installed (prometheus package)"; exit 77; }
cd "$SRC/tests" || exit 1
RB=fixtures/coverage/runbooks
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
status=0
n=0
for f in fixtures/coverage/*.yaml golden/runbook-coverage/*/*.yaml; do
	case $f in */runbooks/*|*/rb/*) continue ;; esac
	n=$((n + 1))
	promtool check rules "$f" >"$T/p" 2>&1
	p=$?
	"$ML" runbook coverage --rules "$f" "$RB" -o json >"$T/m" 2>"$T/e"
	m=$?
	case $f in
	*/empty.yaml)
		[ $p = 0 ] && [ $m = 2 ] || { echo "FAIL: $f: empty file: promtool rc $p (want 0), mloncall rc $m (want 2)"; status=1; }
		continue ;;
	*/prometheusrule.yaml)
		[ $p != 0 ] && [ $m -le 1 ] || { echo "FAIL: $f: PrometheusRule: promtool rc $p (want failure), mloncall rc $m (want 0 or 1)"; status=1; }
		continue ;;
	esac
	if [ $p = 0 ]; then
		[ $m -le 1 ] || { echo "FAIL: $f: promtool accepts it, mloncall refuses: $(cat "$T/e")"; status=1; continue; }
		rules=$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' "$T/p")
		records=$(grep -c '^ *- record:' "$f")
		alerts=$(jq '.alerts | length' "$T/m")
		[ "$alerts" = $((rules - records)) ] || { echo "FAIL: $f: promtool: $rules rules ($records recording), mloncall: $alerts alerts"; status=1; }
	else
		[ $m = 2 ] || { echo "FAIL: $f: promtool refuses it ($(tail -1 "$T/p")), mloncall rc $m"; status=1; }
		grep -q "$(basename "$f")" "$T/e" || { echo "FAIL: $f: mloncall's error does not name the file: $(cat "$T/e")"; status=1; }
	fi
done
[ $n -ge 8 ] || { echo "FAIL: only $n rules files found"; status=1; }
[ $status = 0 ] && echo "PASS: promtool and mloncall agree on $n rules files"
exit $status
