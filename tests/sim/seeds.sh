#!/bin/sh
# Run one scenario over a range of seeds: its expectations must hold for
# every seed, not only for the one the file names (the seed decides which
# frames a lossy link loses, hence how many retransmissions happen).
#
#   tests/sim/seeds.sh MIP6SEC SCENARIO FIRST LAST
#
# TAP: one line per seed; a failing seed prints the expectations it failed.
set -u
if [ $# -ne 4 ]; then
	echo "usage: $0 MIP6SEC SCENARIO FIRST LAST" >&2
	exit 2
fi
bin=$1 scn=$2 first=$3 last=$4
echo "1..$((last - first + 1))"
n=1 bad=0
seed=$first
while [ "$seed" -le "$last" ]; do
	out=$("$bin" sim --quiet --seed "$seed" "$scn" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $n - $(basename "$scn") seed $seed"
	else
		bad=$((bad + 1))
		echo "not ok $n - $(basename "$scn") seed $seed (exit $rc)"
		printf '%s\n' "$out" | grep -E 'FAIL|mip6sec' | sort -u | sed 's/^/# /'
	fi
	n=$((n + 1))
	seed=$((seed + 1))
done
[ $bad -eq 0 ]
