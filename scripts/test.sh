#!/bin/sh
# Install, build under ASan/UBSan with clang, run every test suite (unit,
# oracle, simulator, conformance, fuzz) and end with the line
# "N passed, N failed, N skipped".
#
# The build directory ($BUILD, default build-test) is configured on every run
# with the options below (reconfigured in place, or made afresh when it was
# set up with another compiler), so a stale or reduced configuration cannot
# make the suite smaller; the suites about to run are printed first.
# Arguments go to `meson test` (e.g. --suite unit).
#
# In CI (CI=true; .ci/run sets it) the run also compiles debug and release
# builds with gcc and with clang, warnings as errors (each one counted as a
# case), and any skipped test that is not on tests/skip-allowlist.txt fails
# the run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
BUILD=${BUILD:-build-test}
OPTS="-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true -Dtests=enabled -Dwerror=true"

# compiler_of DIR: the C compiler id a configured build directory uses.
compiler_of() {
	meson introspect "$1" --compilers 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["host"]["c"]["id"])' 2>/dev/null || true
}

# configure DIR CC OPTIONS...: set up DIR with exactly these options, showing
# meson's warnings (its full output is in DIR-setup.log).
configure() {
	dir=$1 cc=$2
	shift 2
	log="$dir-setup.log"
	if [ -f "$dir/build.ninja" ] && [ "$(compiler_of "$dir")" = "$cc" ]; then
		set -- --reconfigure "$@"
	elif [ -f "$dir/meson-private/coredata.dat" ]; then
		rm -rf "$dir"     # another compiler: start afresh
	fi
	if ! CC=$cc meson setup "$dir" "$@" >"$log" 2>&1; then
		cat "$log"
		echo "meson setup $dir failed (log: $log)" >&2
		return 1
	fi
	grep -E 'WARNING|DEPRECATION' "$log" || true
}

configure "$BUILD" clang $OPTS
echo "configured $BUILD: clang, $OPTS"

extra=$(mktemp "${TMPDIR:-/tmp}/m6-extra.XXXXXX")
trap 'rm -f "$extra"' EXIT
if [ "${CI:-}" = true ]; then
	# Compile-only build matrix: the ASan build above is what runs the tests.
	n=0
	echo "1..4" >"$extra"
	for cc in gcc clang; do
		for bt in debug release; do
			n=$((n + 1))
			dir="$BUILD-matrix/$cc-$bt"
			mkdir -p "$BUILD-matrix"
			start=$(date +%s)
			if configure "$dir" "$cc" --buildtype="$bt" -Dtests=enabled -Dwerror=true >/dev/null &&
				ninja -C "$dir" >"$dir-build.log" 2>&1; then
				echo "ok $n - build $cc $bt (-Dwerror=true) in $(($(date +%s) - start)) s" | tee -a "$extra"
			else
				echo "not ok $n - build $cc $bt (-Dwerror=true), log: $dir-build.log" | tee -a "$extra"
				grep -E 'error|warning' "$dir-build.log" 2>/dev/null | head -n 20 | sed 's/^/# /' | tee -a "$extra"
			fi
		done
	done
fi

ninja -C "$BUILD" >/dev/null
echo "suites to run:"
meson test -C "$BUILD" --list "$@" 2>/dev/null | /usr/bin/python3 -c '
import collections, sys
first, also = collections.Counter(), collections.Counter()
for line in sys.stdin:
    if " / " not in line:
        continue
    suites = line.split(" / ")[0].split(":")[-1].split("+")
    first[suites[0]] += 1
    for s in suites[1:]:
        also[s] += 1
for s in sorted(first):
    print("  %-12s %3d test programs" % (s, first[s]))
for s in sorted(also):
    print("  %-12s %3d of the above" % (s, also[s]))
print("  %-12s %3d" % ("total", sum(first.values())))'

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
rc=0
meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || rc=$?
src=0
/usr/bin/python3 scripts/summarize-tests.py "$BUILD/meson-logs/testlog.json" --extra "$extra" || src=$?
[ "$rc" -ne 0 ] || rc=$src
exit $rc
