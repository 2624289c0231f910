#!/bin/sh
# Build the benchmarks in a release build directory (build-bench, or $BUILD)
# and run each, printing its figures. Benchmarks only print; they never fail
# on a time. Extra arguments go to every benchmark (bench_decode: seconds
# per figure, default 0.5).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=release -Dtests=disabled >/dev/null
fi
# Only the benchmarks and what they link: a release-only warning elsewhere in
# the tree should not keep the figures from being measured.
ninja -C "$BUILD" build.ninja >/dev/null   # pick up benchmarks added since setup
targets=$(ninja -C "$BUILD" -t targets all | sed -n 's|^\(bench/\([A-Za-z0-9_]*/\)*bench_[A-Za-z0-9_]*\): .*|\1|p')
if [ -z "$targets" ]; then
	echo "bench.sh: no benchmark target in $BUILD" >&2
	exit 1
fi
# shellcheck disable=SC2086  # one word per target
ninja -C "$BUILD" $targets >/dev/null
for t in $targets; do
	echo "== $(basename "$t")"
	"$BUILD/$t" "$@"
done
