#!/bin/sh
# csv_gzip_bomb.sh: a .csv.gz that inflates to 1 GiB (issue 14, item 10)
# stops `check schema`, `check drift` and `check quality` with a clear
# input error naming the file and the limit (exit 2), with memory bounded
# by the limit: under 64 MiB peak RSS with a small --max-rows /
# --max-bytes, and well under the 1 GiB with the defaults (before the fix
# the column store took ~8 bytes a row of the 512M rows). Two bombs, made
# here as 64 concatenated gzip members of 16 MiB (zlib reads them as one
# stream; about 1 MB on disk): "y\n" rows, and one endless row of "y".
. "$(dirname "$0")/lib/common.sh"
command -v gzip >/dev/null || skip "gzip is not installed"

member() { head -c 16777216 | gzip -c; }
yes y | member >"$T/rows.gz"
head -c 16777216 /dev/zero | tr '\0' y | member >"$T/line.gz"
printf 'a\n' | gzip -c >"$T/rows.csv.gz"
printf 'a\n' | gzip -c >"$T/line.csv.gz"
for _ in $(seq 64); do
	cat "$T/rows.gz" >>"$T/rows.csv.gz"
	cat "$T/line.gz" >>"$T/line.csv.gz"
done
printf 'columns:\n  - name: a\n    type: string\n' >"$T/s.yaml"

# run NAME CMD...: runs CMD with stderr to $T/NAME.err; sets RC and RSS
# (peak resident KiB of CMD, from getrusage of the child)
run() {
	name=$1; shift
	set -- $($PY -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL,
                   stderr=open(sys.argv[1], "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
' "$T/$name.err" "$@")
	RC=$1 RSS=$2
	echo "$name: exit $RC, peak RSS $((RSS / 1024)) MiB: $(cat "$T/$name.err")"
}

# expect NAME MAX_MIB TEXT: exit 2, stderr has TEXT, RSS under MAX_MIB
expect() {
	[ "$RC" = 2 ] || fail "$1: exit $RC, expected 2"
	grep -q -- "$3" "$T/$1.err" || fail "$1: stderr lacks \`$3\`"
	[ "$RSS" -lt $(($2 * 1024)) ] || fail "$1: peak RSS $((RSS / 1024)) MiB, limit $2 MiB"
}

run schema-rows "$ML" check schema "$T/rows.csv.gz" --schema "$T/s.yaml" --max-rows 200000
expect schema-rows 64 "rows.csv.gz:200002: more than 200000 rows: over the limit"
run schema-bytes "$ML" check schema "$T/line.csv.gz" --schema "$T/s.yaml" --max-bytes 8000000
expect schema-bytes 64 "line.csv.gz:2: more than 8000000 bytes of CSV (after gzip decompression)"
run write-schema "$ML" check schema "$T/rows.csv.gz" --write-schema "$T/w.yaml" --max-rows 200000
expect write-schema 64 "more than 200000 rows"
[ ! -e "$T/w.yaml" ] || fail "write-schema: wrote a schema from a file over the limit"
run drift-rows "$ML" check drift --ref "$T/rows.csv.gz" --cur "$T/rows.csv.gz" --max-rows 100000
expect drift-rows 64 "more than 100000 rows"
run drift-bytes "$ML" check drift --ref "$T/line.csv.gz" --cur "$T/line.csv.gz" --max-bytes 4000000
expect drift-bytes 64 "more than 4000000 bytes"
run quality-rows "$ML" check quality "$T/rows.csv.gz" --max-rows 200000
expect quality-rows 64 "more than 200000 rows"
run quality-bytes "$ML" check quality "$T/line.csv.gz" --max-bytes 8000000
expect quality-bytes 64 "more than 8000000 bytes"
# the defaults stop both bombs too (20M rows; a 16 MiB row)
run schema-default "$ML" check schema "$T/rows.csv.gz" --schema "$T/s.yaml"
expect schema-default 1024 "more than 20000000 rows: over the limit; raise it with --max-rows"
run schema-default-line "$ML" check schema "$T/line.csv.gz" --schema "$T/s.yaml"
expect schema-default-line 128 "row longer than 16777216 bytes"
echo "PASS"
