#!/bin/sh
# Install, build, and run the demo: craft Mobile IPv6 packets (home registration
# from a care-of address, return routability, a tunnelled packet, and the faulty
# packets an attacker or a broken peer sends), write them to a capture and
# dissect it. Output goes to demo-out/ (or $1).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
OUT=${1:-demo-out}
mkdir -p "$OUT"
M=./build/src/cli/mip6sec
HA=2001:db8:1::1 HOA=2001:db8:1::100 COA=2001:db8:2::100 CN=2001:db8:3::1
cat > "$OUT/demo.spec" <<SPEC
# home registration from foreign network R1 (RFC 6275 11.7.1, 10.3.1)
ip6 src=$COA dst=$HA / hao $HOA / mh bu seq=7 lifetime=3600 flags=AHK
ip6 src=$HA dst=$COA / rh2 $HOA / mh ba status=0 seq=7 lifetime=3600 flags=K
# return routability with the correspondent (RFC 6275 5.2.5); HoTI/HoT travel the reverse tunnel
ip6 src=$COA dst=$HA / ip6 src=$HOA dst=$CN / mh hoti cookie=0102030405060708
ip6 src=$COA dst=$CN / mh coti cookie=1112131415161718
ip6 src=$HA dst=$COA / ip6 src=$CN dst=$HOA / mh hot index=1 cookie=0102030405060708 token=a1a2a3a4a5a6a7a8
ip6 src=$CN dst=$COA / mh cot index=2 cookie=1112131415161718 token=b1b2b3b4b5b6b7b8
ip6 src=$COA dst=$CN / hao $HOA / mh bu seq=8 lifetime=420 flags=A ni=1,2 bad=00112233445566778899aabb
ip6 src=$CN dst=$COA / rh2 $HOA / mh ba seq=8 lifetime=420 bad=ccddeeff0011223344556677
# data tunnelled through the home agent (RFC 2473)
ip6 src=$HA dst=$COA / ip6 src=$CN dst=$HOA / udp sport=5000 dport=6000 data=68656c6c6f
# what a careless or hostile sender produces
ip6 src=$COA dst=$HA / hao $HOA / mh bu seq=9 lifetime=3600 flags=AH csum=wire
ip6 src=$COA dst=$HA / hao $HOA len=14 / mh bu seq=9 lifetime=3600 flags=AH
ip6 src=$HA dst=$COA / rh0 $HOA $CN / mh ba seq=9 lifetime=3600
SPEC
$M build -f "$OUT/demo.spec" -o "$OUT/demo.pcap"
echo "== mip6sec decode $OUT/demo.pcap"
$M decode "$OUT/demo.pcap"
$M decode --json "$OUT/demo.pcap" > "$OUT/demo.json"
echo
echo "demo output is in $OUT/ (demo.pcap opens in Wireshark; demo.json is the JSON dissection)"
