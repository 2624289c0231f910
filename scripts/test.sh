#!/bin/sh
# Install, build under ASan/UBSan with clang, run every test suite (unit, oracle,
# fuzz) and end with the line "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
BUILD=${BUILD:-build-test}
if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
		-Dtests=enabled >/dev/null
fi
ninja -C "$BUILD" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
rc=0
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || rc=$?
/usr/bin/python3 scripts/summarize-tests.py "$BUILD/meson-logs/testlog.json"
exit $rc
