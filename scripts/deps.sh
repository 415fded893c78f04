#!/bin/sh
# deps.sh: install the Debian packages mloncall needs to build and test.
# Idempotent: quiet and fast when everything is present; runs
# `apt-get update` only when something is missing.
# Usage: scripts/deps.sh [build|test|all|optional|demo|demo-full]
# (default: all)
set -eu

BUILD_PKGS="build-essential cmake pkg-config libyaml-dev libjansson-dev
libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libssl-dev zlib1g-dev
liblua5.4-dev libxml2-dev libcmocka-dev tzdata"
# Test-only references (never used at run time), and the format check.
TEST_PKGS="python3 python3-scipy python3-pandas sqlite3 curl jq clang-format"
# Optional: large or unusual packages; tests skip with a message without them.
OPT_PKGS="prometheus prometheus-alertmanager python3-torch"
# `make demo` runs curl and ss; `make demo-full` also the Prometheus pair.
DEMO_PKGS="curl iproute2"
FULL_PKGS="prometheus prometheus-alertmanager"

what=${1:-all}
case $what in
build) want=$BUILD_PKGS ;;
test) want="$BUILD_PKGS $TEST_PKGS" ;;
all) want="$BUILD_PKGS $TEST_PKGS" ;;
optional) want=$OPT_PKGS ;;
demo) want="$BUILD_PKGS $DEMO_PKGS" ;;
demo-full) want="$BUILD_PKGS $DEMO_PKGS $FULL_PKGS" ;;
*) echo "usage: $0 [build|test|all|optional|demo|demo-full]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
if [ "$what" = optional ]; then
	# one at a time, so one missing package does not block the others
	for p in $missing; do
		$SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
			echo "deps.sh: could not install $p (tests needing it will skip)" >&2
	done
else
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
