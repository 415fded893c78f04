#!/bin/sh
# report_numpy.sh: `mloncall report -o json` against numpy on 3,000
# random incidents (acked, auto-resolved, open, drills, some before the
# window): MTTA/MTTR median and p90 per severity, SLA breaches, weeks.
. "$(dirname "$0")/lib/common.sh"
$PY -c 'import numpy' 2>/dev/null || skip "numpy (python3-numpy) is not installed"
DB=$T/oncall.db
"$ML" token add seed --db "$DB" >/dev/null 2>&1 || fail "cannot create the database"
$PY "$ML_SRC/tests/e2e/report_numpy.py" "$DB" "$ML" report --db "$DB" --since 28d -o json ||
	fail "report differs from numpy"
echo "1 passed, 0 failed"
