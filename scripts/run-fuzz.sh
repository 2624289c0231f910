#!/bin/sh
# Run one libFuzzer harness from its committed seed corpus and report as TAP.
#
#   scripts/run-fuzz.sh HARNESS_BINARY SEED_DIR SECONDS [RUNS]
#
# Reproducible by default: with RUNS (or FUZZ_RUNS) the harness makes exactly
# that many runs with the fixed seed FUZZ_SEED (default 1), starting from the
# committed seeds, so a finding in CI replays on any machine with the same
# command, which the TAP line prints. SECONDS then only caps the run (a run
# stopped by the cap is reported as such: it is not a full replay). Without
# RUNS, or when FUZZ_SECONDS is set, the harness explores for SECONDS instead
# (still with a printed seed; replay its executions with FUZZ_RUNS).
#
# The seeds are copied into a fresh temporary corpus (removed on exit), so the
# committed seeds are never changed. A dictionary SEED_DIR/../NAME.dict (NAME
# = the seed directory's name) is used when present. Any crash, leak, timeout
# or out-of-memory is a finding: the input is kept in FUZZ_ARTIFACT_DIR
# (default ./fuzz-artifacts), its path, hex and the sanitizer report are
# printed, and the exit status is 1.
# Prints one TAP line: "ok 1 - NAME: N executions (seed S, R runs) in T s, 0 findings".
set -u

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 HARNESS_BINARY SEED_DIR SECONDS [RUNS]" >&2
	exit 2
fi
bin=$1 seeds=$2 secs=${FUZZ_SECONDS:-$3} runs=${FUZZ_RUNS:-${4:-}} seed=${FUZZ_SEED:-1}
[ -n "${FUZZ_SECONDS:-}" ] && [ -z "${FUZZ_RUNS:-}" ] && runs=
name=$(basename "$bin")
for v in "$secs" "$seed" ${runs:+"$runs"}; do
	case $v in
	'' | *[!0-9]*) echo "$0: SECONDS, RUNS and FUZZ_SEED must be whole numbers, not '$v'" >&2; exit 2 ;;
	esac
done
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

# A fixed run count alone is not enough to repeat a run: libFuzzer also
# re-reads its corpus directory on a timer and grows the input length limit
# as time passes; with both off, the same seed, runs and corpus give the same
# inputs (checked: identical coverage, features and corpus).
budget=
[ -n "$runs" ] && budget="-runs=$runs -reload=0 -len_control=0"
start=$(date +%s)
# shellcheck disable=SC2086  # $dict and $budget are words to split
"$bin" -seed="$seed" $budget -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
	-timeout=10 -artifact_prefix="$work/artifacts/" $dict "$work/corpus" >"$work/log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))

execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$work/log" | tail -n 1)
[ -n "$execs" ] || execs=0
if [ -n "$runs" ]; then
	how="seed $seed, $runs runs"
	# libFuzzer counts the seed inputs among the executed units
	[ "$execs" -ge "$runs" ] || how="$how, stopped by the $secs s cap: not a full replay"
else
	how="seed $seed, time-boxed $secs s"
fi
replay="FUZZ_SEED=$seed FUZZ_RUNS=${runs:-$execs} sh scripts/run-fuzz.sh $bin $seeds $secs"
nfind=0
for a in "$work"/artifacts/*; do
	[ -f "$a" ] && nfind=$((nfind + 1))
done
if [ "$rc" -ne 0 ] && [ "$nfind" -eq 0 ]; then
	nfind=1   # died without writing an input (e.g. a crash while loading seeds)
fi

echo "1..1"
if [ "$nfind" -eq 0 ]; then
	echo "ok 1 - $name: $execs executions ($how) in $elapsed s, 0 findings ($nseeds seeds)"
	echo "# replay: $replay"
	exit 0
fi

echo "not ok 1 - $name: $execs executions ($how) in $elapsed s, $nfind finding(s) (exit status $rc)"
echo "# replay: $replay"
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
