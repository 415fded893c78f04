#!/bin/sh
# run_cli.sh: `mloncall run` end to end as a user runs it: a dry run
# leaves no file behind, SIGTERM/SIGINT during a change run the rollback
# and record it, hostile params never run, secrets never appear in any
# output or the record, a timeout kills grandchildren, and `runs show`
# reads the records written.
set -u
ML=${ML_BIN:?}
EX=${ML_FIXTURES:?}/runbooks/exec
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# 1. dry run changes nothing
mkdir "$T/dry"
"$ML" run "$EX/touch.yaml" --dry-run --param dir="$T/dry" >"$T/dry.out" 2>"$T/dry.err"
check "dry run exits 0" '[ $? = 0 ]'
check "dry run leaves no file" '[ -z "$(ls -A "$T/dry")" ]'
check "dry run prints the plan" 'grep -q "would run" "$T/dry.out"'

# 2. SIGTERM and SIGINT during a change: rollback runs and is recorded
for sig in TERM INT; do
	d="$T/int-$sig"
	mkdir "$d"
	start=$(date +%s)
	"$ML" run "$EX/interrupt.yaml" --param dir="$d" --param sig=$sig \
		--record "$d/run.json" >"$d/out" 2>"$d/err"
	rc=$?
	took=$(( $(date +%s) - start ))
	check "SIG$sig: exit 1 (rolled back)" '[ $rc = 1 ]'
	check "SIG$sig: stops at once (${took}s)" '[ $took -lt 15 ]'
	check "SIG$sig: rollback ran" '[ -f "$d/rolled-back" ] && [ ! -f "$d/changed" ]'
	check "SIG$sig: the step did not finish" '[ ! -f "$d/finished" ]'
	check "SIG$sig: record says rolled_back, interrupted" \
		'grep -q "\"status\": \"rolled_back\"" "$d/run.json" && grep -q "\"interrupted\": true" "$d/run.json"'
	check "SIG$sig: runs show reads it" \
		'"$ML" runs show "$d/run.json" | grep -q "rollback .*undo .*ok"'
done

# 3. hostile params are data; secrets are masked everywhere
secret='s3cr3t-T0KEN-42'
for v in '$(touch pwned1)' '`touch pwned2`' 'x; touch pwned3' "a
touch pwned4" '"; touch pwned5; "' "'; touch pwned6; '" '|| touch pwned7'; do
	d="$T/inj"
	rm -rf "$d"; mkdir "$d"
	(cd "$d" && "$ML" run "$EX/inject.yaml" --param dir="$d" --param "label=$v" \
		--param token="$secret" --record "$d/run.json" -o json >"$d/out" 2>"$d/err")
	rc=$?
	check "label $(printf %s "$v" | head -1): run succeeds" '[ $rc = 0 ]'
	check "label arrives as data" '[ "$(cat "$d/label")" = "$v" ] && [ "$(cat "$d/label2")" = "$v" ]'
	check "nothing ran" '[ -z "$(ls "$d" | grep pwned)" ] && [ -z "$(ls | grep pwned)" ]'
	check "the secret reached the step" '[ "$(cat "$d/token")" = "$secret" ]'
	check "secret absent from stdout, stderr, record" \
		'! grep -q "$secret" "$d/out" "$d/err" "$d/run.json"'
	check "secret masked as ***" 'grep -q "calling the API with \*\*\*" "$d/run.json"'
done

# 4. a timeout kills the step's grandchildren
d="$T/to"; mkdir "$d"
"$ML" run "$EX/timeout.yaml" --param dir="$d" --record "$d/run.json" >/dev/null 2>&1
check "timeout: exit 1" '[ $? = 1 ]'
check "timeout: recorded" 'grep -q "\"timed_out\": true" "$d/run.json"'
sleep 2.5
check "timeout: grandchild died with the group" '[ ! -f "$d/grandchild-survived" ]'

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
