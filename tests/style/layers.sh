#!/bin/sh
# layers.sh: the build enforces the layering of docs/internals.md. A scratch
# copy of the tree builds the core layer; the same copy with an include of
# a higher layer planted in a core file must then fail to build, naming the
# header it could not find.
set -eu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
SRC=${ML_SRC:?}
mkdir -p "$T/tree"
cp -R "$SRC/CMakeLists.txt" "$SRC/src" "$T/tree/"
cmake -S "$T/tree" -B "$T/build" -DBUILD_TESTING=OFF -DMLONCALL_WERROR=OFF \
	>"$T/configure.log" 2>&1 || { cat "$T/configure.log"; exit 1; }
if ! cmake --build "$T/build" --target ml_core -j2 >"$T/ok.log" 2>&1; then
	cat "$T/ok.log"
	echo "FAIL: the untouched scratch copy does not build"
	exit 1
fi
printf '#include "probe/probe.h"\n' >>"$T/tree/src/core/buf.c"
if cmake --build "$T/build" --target ml_core -j2 >"$T/bad.log" 2>&1; then
	echo "FAIL: core including probe/probe.h built"
	exit 1
fi
grep -q 'probe/probe.h: No such file' "$T/bad.log" || {
	cat "$T/bad.log"
	echo "FAIL: the build failed, but not on the planted include"
	exit 1
}
echo ok
