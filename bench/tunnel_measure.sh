# bench/tunnel_measure.sh — sourced by the tunnel benchmarks: one iperf3
# TCP run from the correspondent to the home address, and the line
# `tunnel CASE X Gbit/s Y cpu-s/Gbit` (CPU: every CPU of the host, busy
# time during the run, per gigabit received). Needs P, HOA, T.

busy_ticks() {
	# all CPUs' non-idle time, in clock ticks
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

measure() {
	# $1 = case name; iperf3 server in the MN, client in the CN
	name=$1
	ip netns exec "${P}mn" iperf3 -s -1 -B "$HOA" >/dev/null 2>&1 &
	srv=$!
	sleep 0.5
	b0=$(busy_ticks)
	out=$(ip netns exec "${P}cn" iperf3 -c "$HOA" -t "$T" -J 2>&1) || true
	b1=$(busy_ticks)
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	hz=$(getconf CLK_TCK)
	echo "$out" | /usr/bin/python3 -c '
import json, sys
name, ticks, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    r = json.loads(sys.stdin.read())
    rx = r["end"]["sum_received"]
    gbit = rx["bytes"] * 8 / 1e9
    rate = rx["bits_per_second"] / 1e9
except Exception as e:
    print("tunnel %s failed: %s" % (name, e))
    sys.exit(0)
cpu = ticks / hz
print("tunnel %s %.2f Gbit/s %.2f cpu-s/Gbit" % (name, rate, cpu / gbit if gbit else float("nan")))
' "$name" "$((b1 - b0))" "$hz"
}

