#!/bin/sh
# drift_scipy.sh: the drift probe's numbers against scipy (Debian's
# python3-scipy): generated data, every test (KS exact and asymptotic,
# Wasserstein, chi-square, Z, Jensen-Shannon, PSI), 1e-9 relative.
# Skips (77) only when scipy cannot be imported.
set -u
PY=/usr/bin/python3
if ! $PY -c 'import scipy, numpy' 2>/dev/null; then
	echo "SKIP: python3-scipy is not installed (scripts/deps.sh test)"
	exit 77
fi
exec $PY "$(dirname "$0")/drift_scipy.py" "$ML_BIN"
