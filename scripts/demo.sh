#!/bin/sh
# Install, build, and run the demo (scenarios/demo.scn) in the deterministic
# simulator: a mobile node moves home -> R1 -> R2 -> home while a
# correspondent pings it and streams to it; its Binding Updates are
# ESP-protected; then the attacks of the 2003 thread are tried and refused.
# Everything the run writes (one pcap per link, keys.txt and esp_sa for
# Wireshark, events.jsonl, ladder.svg, goodput.svg, timeline.txt, summary.txt)
# goes to demo-out/ (or $1).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
OUT=${1:-demo-out}
M=./build/src/cli/mip6sec
$M sim scenarios/demo.scn --out "$OUT"
echo
echo "== the registrations on R1's link, decrypted with the run's keys (mip6sec decode --keys)"
$M decode --keys "$OUT/keys.txt" "$OUT/r1.pcap" | grep ' MH ' | head -4
echo
echo "demo output is in $OUT/ (open $OUT/r1.pcap in Wireshark with $OUT/esp_sa as its ESP SA table)"
