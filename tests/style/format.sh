#!/bin/sh
# format.sh: every C file of the tree is as .clang-format has it. Fix with
# `make format`. Skips (77) only when clang-format is missing.
set -eu
SRC=${ML_SRC:?}
command -v clang-format >/dev/null 2>&1 || {
	echo "SKIP: clang-format not installed"
	exit 77
}
cd "$SRC"
files=$(find src tests sandbox bench -name '*.[ch]' | sort)
bad=""
for f in $files; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
	echo "FAIL: not formatted as .clang-format says (run 'make format'):"
	for f in $bad; do echo "  $f"; done
	exit 1
fi
echo "ok: $(echo "$files" | wc -l) files formatted"
