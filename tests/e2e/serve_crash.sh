#!/bin/sh
# serve_crash.sh: nothing acknowledged is lost. A loader posts alerts from
# 8 threads while the service is killed with SIGKILL at random moments and
# restarted; every alert that got a 200 must be in the store afterwards
# and the database must pass PRAGMA integrity_check.
. "$(dirname "$0")/lib/common.sh"
DB=$T/oncall.db
TOKEN=$("$ML" token add loader --role responder --db "$DB" 2>/dev/null)
PORT=$(free_port)
$PY "$(dirname "$0")/lib/crash_loader.py" "$ML" "$DB" "$PORT" "$TOKEN" \
	"${CRASH_SECONDS:-6}" || fail "crash test failed: alerts lost, a damaged database, or too few kills or acknowledged posts (see the line above)"
echo "1 passed, 0 failed"
