#!/bin/sh
# Regenerate the seed corpora fuzz/seeds/{exthdr,mh,decode,spec}/.
#
#   sh fuzz/make-seeds.sh            (from anywhere; MIP6SEC=path overrides the binary)
#
# Packets are crafted with `mip6sec build --hex` from the specifications
# below (the keyed-* ones with the SAs that fuzz/fuzz_decode.c loads) (the spec harness gets the specification strings themselves); the mh
# harness gets only the Mobility Header of each packet that has one (cut at
# the offset found by following the Next Header chain). Frames of
# tests/vectors/*.pcap, when there are any, are added too (classic pcap,
# LINKTYPE_RAW 101; Ethernet frames carrying IPv6 are accepted as well).
# The four directories are emptied first (except regress-* files: inputs of
# past findings, kept as regression seeds), so the result depends only on
# this list, the vectors and the binary. Needs only sh and python3's
# standard library.
set -eu
cd "$(dirname "$0")/.."

MIP6SEC=${MIP6SEC:-}
if [ -z "$MIP6SEC" ]; then
	for m in build/src/cli/mip6sec build-test/src/cli/mip6sec build-*/src/cli/mip6sec; do
		if [ -x "$m" ]; then
			MIP6SEC=$m
			break
		fi
	done
fi
if [ -z "$MIP6SEC" ] || [ ! -x "$MIP6SEC" ]; then
	echo "make-seeds.sh: no mip6sec binary; build one (ninja -C build) or set MIP6SEC" >&2
	exit 1
fi

# name|specification  (names become file names; keep them short and unique)
SPECS=$(cat <<'EOF'
bu-hao|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=7 lifetime=3600 flags=AH
bu-hao-dereg|ip6 src=2001:db8:1::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=8 lifetime=0 flags=AH
ba-rh2|ip6 src=2001:db8:1::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / mh ba status=0 seq=7 lifetime=3600
ba-rh2-reject|ip6 src=2001:db8:1::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / mh ba status=135 seq=9 flags=K
bu-acoa|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=9 lifetime=3600 flags=AHK acoa=2001:db8:2::100
bu-ni-bad|ip6 src=2001:db8:2::100 dst=2001:db8:3::1 / hao 2001:db8:1::100 / mh bu seq=10 lifetime=420 ni=3,4 bad=00112233445566778899aabb
bu-acoa-ni-bad|ip6 src=2001:db8:2::100 dst=2001:db8:3::1 / hao 2001:db8:1::100 / mh bu seq=11 lifetime=420 flags=A acoa=2001:db8:2::100 ni=3,4 bad=00112233445566778899aabb
ba-bad|ip6 src=2001:db8:3::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / mh ba status=0 seq=10 lifetime=420 bad=ffeeddccbbaa998877665544
ba-bra|ip6 src=2001:db8:1::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / mh ba status=1 seq=12 lifetime=3600 bra=600
be|ip6 src=2001:db8:3::1 dst=2001:db8:2::100 / mh be status=1 hoa=2001:db8:1::100
be-unknown-type|ip6 src=2001:db8:3::1 dst=2001:db8:2::100 / mh be status=2 hoa=2001:db8:1::100
brr|ip6 src=2001:db8:3::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / mh brr
hoti|ip6 src=2001:db8:1::100 dst=2001:db8:3::1 / mh hoti cookie=0102030405060708
coti|ip6 src=2001:db8:2::100 dst=2001:db8:3::1 / mh coti cookie=1112131415161718
hot|ip6 src=2001:db8:3::1 dst=2001:db8:1::100 / mh hot index=5 cookie=0102030405060708 token=a1a2a3a4a5a6a7a8
cot|ip6 src=2001:db8:3::1 dst=2001:db8:2::100 / mh cot index=6 cookie=1112131415161718 token=b1b2b3b4b5b6b7b8
hoti-tunnel|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / ip6 src=2001:db8:1::100 dst=2001:db8:3::1 / mh hoti cookie=2122232425262728
bu-tunnel|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / ip6 src=2001:db8:2::100 dst=2001:db8:3::1 / hao 2001:db8:1::100 / mh bu seq=3 lifetime=60
esp-hao|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / esp spi=0x1000 seq=1 data=00112233445566778899aabbccddeeff
esp-rh2|ip6 src=2001:db8:1::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / esp spi=0x2000 seq=2 data=0011223344556677
ah-bu|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / ah spi=0x3000 seq=1 / mh bu seq=4 lifetime=3600 flags=AH
rh0|ip6 src=2001:db8:3::1 dst=2001:db8:4::1 / rh0 2001:db8:5::1 2001:db8:6::1 / udp sport=1000 dport=2000 data=68656c6c6f
rh0-done|ip6 src=2001:db8:3::1 dst=2001:db8:4::1 / rh0 2001:db8:5::1 segleft=0 / udp sport=1000 dport=2000
frag-first|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / frag more id=0x1234 / udp sport=4000 dport=5000 data=000102030405060708090a0b0c0d0e0f
frag-later|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / frag offset=1232 id=0x1234 / raw 101112131415161718191a1b1c1d1e1f
udp|ip6 src=2001:db8:3::1 dst=2001:db8:4::1 / udp sport=53 dport=53 data=12340100000100000000000003777777
icmp6|ip6 src=2001:db8:3::1 dst=2001:db8:4::1 / icmp6 type=128 code=0 data=00010002
hbh-dstopt|ip6 src=2001:db8:3::1 dst=2001:db8:4::1 / hbh opt=5:0000 / dstopt padn=4 / udp sport=7 dport=7
rh2-hao-frag-udp|ip6 src=2001:db8:2::100 dst=2001:db8:3::1 / rh2 2001:db8:1::200 / hao 2001:db8:1::100 / frag id=7 / udp sport=9 dport=9 data=0a0b0c0d
bad-csum-wire|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=7 lifetime=3600 flags=AH csum=wire
bad-hao-align|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 pad=0 / mh bu seq=7 flags=AH
bad-hao-len|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 len=8 / mh bu seq=7 flags=AH
bad-rh2-segleft|ip6 src=2001:db8:1::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 segleft=0 / mh ba seq=7
bad-ni-with-h|ip6 src=2001:db8:2::100 dst=2001:db8:3::1 / hao 2001:db8:1::100 / mh bu seq=5 flags=H ni=1,2 bad=00112233445566778899aabb
bad-mh-hlen|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=7 hlen=0
bad-mh-rawopts|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / mh bu seq=7 rawopts=0510001122334455667788990011223344550304aabb
bad-mh-type|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / mh 9 proto=6 reserved=1
bad-hao-hbh|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hbh padn=4 hao=2001:db8:1::100 / mh bu seq=7
bad-two-hao|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / hao 2001:db8:1::101 / mh bu seq=7
keyed-esp-gcm-bu|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / esp spi=0x1001 seq=3 enc=aes-gcm-16 key=000102030405060708090a0b0c0d0e0f01020304 / mh bu seq=7 lifetime=3600 flags=AH
keyed-esp-gcm-ba|ip6 src=2001:db8:1::1 dst=2001:db8:2::100 / rh2 2001:db8:1::100 / esp spi=0x1001 seq=4 enc=aes-gcm-16 key=000102030405060708090a0b0c0d0e0f01020304 / mh ba status=0 seq=7 lifetime=3600
keyed-esp-cbc-tunnel|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / esp spi=0x1002 seq=5 enc=aes-cbc key=000102030405060708090a0b0c0d0e0f auth=hmac-sha256-128 akey=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f / ip6 src=2001:db8:1::100 dst=2001:db8:3::1 / mh hoti cookie=0102030405060708
keyed-esp-chacha-udpencap|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / esp spi=0x1003 enc=chacha20-poly1305 key=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f01020304 tfc=16 udp-encap / udp sport=5 dport=6 data=00112233
keyed-esp-null-icmp|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / esp spi=0x1004 enc=null auth=hmac-sha1-96 akey=0102030405060708090a0b0c0d0e0f1011121314 / frag id=9 / icmp6 type=128 code=0 data=0001
keyed-ah-bu|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / ah spi=0x3001 auth=hmac-sha256-128 akey=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f / mh bu seq=8 lifetime=3600 flags=AH
bad-plen|ip6 src=2001:db8:2::100 dst=2001:db8:1::1 plen=200 / hao 2001:db8:1::100 / mh bu seq=7
EOF
)

for h in exthdr mh decode spec; do
	mkdir -p "fuzz/seeds/$h"
	find "fuzz/seeds/$h" -type f ! -name 'regress-*' -delete
done

printf '%s\n' "$SPECS" | MIP6SEC="$MIP6SEC" python3 -c '
import glob, os, struct, subprocess, sys

mip6sec = os.environ["MIP6SEC"]
ext = {0, 43, 44, 51, 60}

def mh_part(pkt):
    """The Mobility Header of an IPv6 packet (following tunnels), or None."""
    off, nh = 40, pkt[6] if len(pkt) >= 40 else None
    while nh is not None and off <= len(pkt):
        if nh == 135:
            return pkt[off:]
        if nh == 41:
            off, nh = off + 40, (pkt[off + 6] if off + 40 <= len(pkt) else None)
        elif nh in ext and off + 2 <= len(pkt):
            hl = 8 if nh == 44 else 4 * (pkt[off + 1] + 2) if nh == 51 else 8 * (pkt[off + 1] + 1)
            off, nh = off + hl, pkt[off]
        else:
            return None
    return None

def put(harness, name, data):
    with open(os.path.join("fuzz/seeds", harness, name), "wb") as f:
        f.write(data)

n = {"exthdr": 0, "mh": 0, "decode": 0, "spec": 0}
def add_packet(name, pkt):
    put("exthdr", name, pkt); put("decode", name, pkt)
    n["exthdr"] += 1; n["decode"] += 1
    mh = mh_part(pkt)
    if mh is not None and len(mh) > 0:
        put("mh", name, mh); n["mh"] += 1

for line in sys.stdin:
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    name, spec = line.split("|", 1)
    r = subprocess.run([mip6sec, "build", "--hex", spec], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("make-seeds.sh: %s: %s" % (name, r.stderr.strip()))
    add_packet(name, bytes.fromhex(r.stdout.strip()))
    put("spec", name, spec.encode()); n["spec"] += 1

def pcap_frames(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        print("make-seeds.sh: %s: not a classic pcap file, skipped" % path, file=sys.stderr)
        return
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 101:
            yield frame
        elif linktype == 1 and len(frame) > 14 and frame[12:14] == b"\x86\xdd":
            yield frame[14:]

for path in sorted(glob.glob("tests/vectors/*.pcap")):
    base = os.path.splitext(os.path.basename(path))[0]
    for i, frame in enumerate(pcap_frames(path), 1):
        add_packet("vec-%s-%d" % (base, i), frame)

print("make-seeds.sh: %s" % ", ".join("%s %d" % kv for kv in n.items()))
'
