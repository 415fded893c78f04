#!/bin/sh
# catalogue.sh: the runbook catalogue (runbooks/) is shippable: every
# runbook passes `runbook lint --strict`; every scenario file passes
# `runbook test`; every runbook outside examples/ has scenario tests and
# its page in docs/runbooks/ is fresh (`make docs` output committed);
# every `contacts:` name is a rotation of runbooks/contacts.yaml, which
# loads as an `mloncall serve --config`. Fails naming the files.
. "$(dirname "$0")/lib/common.sh"
SRC=${ML_SRC:?ML_SRC must point at the source tree}
RB=$SRC/runbooks
command -v jq >/dev/null || skip "jq is not installed (scripts/deps.sh test)"
cd "$SRC" || fail "no $SRC"
status=0

echo "== lint --strict"
if ! "$ML" runbook lint --strict runbooks >"$T/lint.out" 2>&1; then
	cat "$T/lint.out"
	echo "FAIL: runbooks above do not pass \`mloncall runbook lint --strict\`"
	status=1
fi
tail -1 "$T/lint.out"

echo "== scenario tests"
if ! "$ML" runbook test runbooks >"$T/test.out" 2>&1; then
	grep -v "^  PASS" "$T/test.out"
	echo "FAIL: scenario tests above fail (mloncall runbook test FILE -v for a trace)"
	status=1
fi
tail -1 "$T/test.out"

echo "== every catalogue runbook: scenario tests, id = file name, contacts are rotations"
find runbooks -mindepth 2 -name '*.yaml' ! -name '*.test.yaml' \
	! -path 'runbooks/examples/*' | LC_ALL=C sort >"$T/runbooks"
awk '/^[^ #]/ { on = ($0 ~ /^oncall:/) } on && /^  [a-z0-9-]+:/ {
	sub(/^  /, ""); sub(/:.*/, ""); print }' runbooks/contacts.yaml |
	grep -vx overrides >"$T/rotations"
[ -s "$T/rotations" ] || { echo "FAIL: runbooks/contacts.yaml has no oncall: rotations"; status=1; }
while IFS= read -r f; do
	[ -f "${f%.yaml}.test.yaml" ] || {
		echo "FAIL: $f has no scenario tests (${f%.yaml}.test.yaml); start one with mloncall runbook test --init $f"
		status=1
	}
	"$ML" runbook show "$f" -o json >"$T/show.json" 2>/dev/null || {
		echo "FAIL: $f does not load"
		status=1
		continue
	}
	id=$(jq -r .id "$T/show.json")
	[ "$id" = "$(basename "$f" .yaml)" ] || {
		echo "FAIL: $f: id \`$id\` differs from the file name"
		status=1
	}
	jq -r '.contacts // {} | to_entries[] | "\(.key) \(.value)"' "$T/show.json" >"$T/contacts"
	[ -s "$T/contacts" ] || { echo "FAIL: $f has no contacts:"; status=1; }
	while read -r role name; do
		grep -qx -- "$name" "$T/rotations" || {
			echo "FAIL: $f: contacts.$role \`$name\` is not a rotation in runbooks/contacts.yaml ($(tr '\n' ' ' <"$T/rotations"))"
			status=1
		}
	done <"$T/contacts"
done <"$T/runbooks"
echo "$(wc -l <"$T/runbooks") catalogue runbooks"

echo "== contacts.yaml loads as a serve config"
if [ $status = 0 ]; then
	start_serve "$T/oncall.db" --config runbooks/contacts.yaml --runbooks runbooks
	expect_status 200 GET /healthz
	kill "$SERVE_PID"
else
	echo "skipped: fix the findings above first"
fi

echo "== docs/runbooks is fresh"
scripts/gen-runbook-docs.sh "$ML" "$T/docs" >/dev/null || fail "scripts/gen-runbook-docs.sh failed"
if ! diff -r "$T/docs" docs/runbooks >"$T/docs.diff" 2>&1; then
	grep -E '^(Only in|diff )' "$T/docs.diff" | sed "s|$T/docs|fresh|"
	head -40 "$T/docs.diff"
	echo "FAIL: docs/runbooks is stale: run make docs and commit docs/runbooks"
	status=1
fi

[ $status = 0 ] && echo "PASS: catalogue"
exit $status
