#!/bin/sh
# Run one libFuzzer harness for a while from its seed corpus and report as TAP.
#
#   scripts/run-fuzz.sh HARNESS_BINARY SEED_DIR SECONDS
#
# The seeds are copied into a fresh temporary corpus (removed on exit), so the
# committed seeds are never changed. FUZZ_SECONDS, when set, overrides SECONDS
# (meson's env: cannot pass the caller's value through, so it is read here).
# A dictionary SEED_DIR/../NAME.dict (NAME = the seed directory's name) is used
# when present. Any crash, leak, timeout or out-of-memory is a finding: the
# input is kept in FUZZ_ARTIFACT_DIR (default ./fuzz-artifacts), its path, hex
# and the sanitizer report are printed, and the exit status is 1.
# Prints one TAP line: "ok 1 - NAME: N executions in S s, 0 findings".
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 HARNESS_BINARY SEED_DIR SECONDS" >&2
	exit 2
fi
bin=$1 seeds=$2 secs=${FUZZ_SECONDS:-$3}
name=$(basename "$bin")
case $secs in
'' | *[!0-9]*) echo "$0: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;;
esac
if [ ! -x "$bin" ]; then
	echo "1..1"
	echo "not ok 1 - $name: harness $bin not found"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
mkdir "$work/corpus" "$work/artifacts"
nseeds=0
if [ -d "$seeds" ]; then
	for f in "$seeds"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$work/corpus/"
		nseeds=$((nseeds + 1))
	done
fi
dict=
d=$(dirname "$seeds")/$(basename "$seeds").dict
[ -f "$d" ] && dict="-dict=$d"

# UBSan must stop at the first report so that libFuzzer sees it as a crash;
# keep what the caller set (scripts/test.sh exports both).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

start=$(date +%s)
# shellcheck disable=SC2086  # $dict is empty or one word
"$bin" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$work/artifacts/" $dict "$work/corpus" >"$work/log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))

execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$work/log" | tail -n 1)
[ -n "$execs" ] || execs=0
nfind=0
for a in "$work"/artifacts/*; do
	[ -f "$a" ] && nfind=$((nfind + 1))
done
if [ "$rc" -ne 0 ] && [ "$nfind" -eq 0 ]; then
	nfind=1   # died without writing an input (e.g. a crash while loading seeds)
fi

echo "1..1"
if [ "$nfind" -eq 0 ]; then
	echo "ok 1 - $name: $execs executions in $elapsed s, 0 findings ($nseeds seeds)"
	exit 0
fi

echo "not ok 1 - $name: $execs executions in $elapsed s, $nfind finding(s) (exit status $rc)"
keep=${FUZZ_ARTIFACT_DIR:-fuzz-artifacts}
mkdir -p "$keep"
for a in "$work"/artifacts/*; do
	[ -f "$a" ] || continue
	dest="$keep/$name-$(basename "$a")"
	cp "$a" "$dest"
	echo "# finding: $dest ($(wc -c <"$a") octets); reproduce: $bin $dest"
	echo "# input hex: $(od -An -v -tx1 "$a" | tr -d ' \n' | cut -c1-4096)"
done
echo "# --- fuzzer output (sanitizer report) ---"
# From the first sanitizer / libFuzzer report on, or else the last lines.
first=$(grep -n -m1 -E '^==[0-9]+==|runtime error:|invariant violated|ERROR: libFuzzer' "$work/log" | cut -d: -f1)
if [ -n "$first" ]; then
	tail -n +"$first" "$work/log" | head -n 200 | sed 's/^/# /'
else
	tail -n 60 "$work/log" | sed 's/^/# /'
fi
exit 1
