#!/usr/bin/python3
"""Generate the scapy-made Mobile IPv6 test vectors.

Every packet here is built with scapy (never with mip6sec), so the vectors are
an independent reference for the decoder and the builder.  The script writes,
beside itself:

  scapy_valid.pcap    valid MIPv6 packets (LINKTYPE_RAW)
  scapy_corrupt.pcap  packets with exactly one fault each
  vectors.json        per packet: name, file, frame, conformance ids, hex bytes,
                      the expected facts and, for corrupt ones, the expected
                      error ids of the decoder (src/core/util/m6_err.h)
  scapy_vectors.h     the same packets as C byte arrays plus the golden
                      layouts of the HAO, the RH2 and the mobility options
  scapy_esp.pcap      Mobile IPv6 signalling protected by scapy's IPsec
                      (SecurityAssociation): ESP in transport mode after a
                      HAO and after an RH2, ESP in tunnel mode, AH after an
                      RH2, and one ESP packet with a flipped bit; listed in
                      vectors.json under "esp_vectors" (not in the C header)
  scapy_esp.keys      their keys, in the format of `mip6sec decode --keys`
                      and pcapcheck.py -k

The output is deterministic (fixed addresses, values, keys, IVs and
timestamps; scapy is given every IV explicitly): running the script again
reproduces the committed files byte for byte.

usage: gen_vectors.py [--check] [--outdir DIR]
  --check   build everything in a temporary directory and compare it with the
            committed files; exit 1 (and print TAP) if anything differs.

Needs Debian's /usr/bin/python3 with python3-scapy 2.5.
"""
import argparse
import ipaddress
import json
import os
import shutil
import struct
import sys
import tempfile

from scapy.packet import raw
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, HAO, PadN,
                                HBHOptUnknown, MIP6MH_BU, MIP6MH_BA, MIP6MH_BE, MIP6MH_BRR,
                                MIP6MH_HoTI, MIP6MH_CoTI, MIP6MH_HoT, MIP6MH_CoT,
                                MIP6MH_Generic, MIP6OptAltCoA, MIP6OptBRAdvice,
                                MIP6OptNonceIndices, MIP6OptBindingAuthData, MIP6OptUnknown)
from scapy.layers.ipsec import ESP, AH, SecurityAssociation

HERE = os.path.dirname(os.path.abspath(__file__))

# Fixed addressing plan (RFC 3849 documentation prefix).
HOA = "2001:db8:1::100"      # mobile node home address
HA = "2001:db8:1::1"         # home agent
COA = "2001:db8:2::100"      # care-of address
ACOA = "2001:db8:2::200"     # alternate care-of address
CN = "2001:db8:3::1"         # correspondent node
MCAST = "ff02::1"

COOKIE_HOTI = bytes.fromhex("0102030405060708")
COOKIE_COTI = bytes.fromhex("1112131415161718")
TOKEN_HOT = bytes.fromhex("a1a2a3a4a5a6a7a8")
TOKEN_COT = bytes.fromhex("b1b2b3b4b5b6b7b8")
BAD_AUTH = bytes.fromhex("c0c1c2c3c4c5c6c7c8c9cacb")   # 96-bit authenticator
ESP_DATA = bytes(range(0x40, 0x60))                      # opaque IV/ciphertext/ICV

TS_BASE = 1700000000         # pcap timestamps: TS_BASE + frame number

MH_PROTO = 135
OPT_NAMES = {0: "Pad1", 1: "PadN", 2: "BRA", 3: "ACoA", 4: "NonceIndices", 5: "BAD"}
MH_NAMES = {0: "BRR", 1: "HoTI", 2: "CoTI", 3: "HoT", 4: "CoT", 5: "BU", 6: "BA", 7: "BE"}


# ---------------------------------------------------------------------------
# small independent helpers

def a16(addr):
    return ipaddress.IPv6Address(addr).packed


def csum16(data):
    """RFC 1071 one's-complement checksum of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mh_checksum(src, dst, mh):
    """RFC 6275 6.1.1 / 9.2: checksum over the pseudo-header (src, dst, MH length,
    Next Header 135) and the MH with its Checksum field taken as zero."""
    body = mh[:4] + b"\0\0" + mh[6:]
    ph = a16(src) + a16(dst) + struct.pack("!I3xB", len(mh), MH_PROTO)
    return csum16(ph + body)


def mh_offset(pkt):
    """Offset of the Mobility Header in the raw bytes of a scapy packet."""
    b = raw(pkt)
    return len(b) - len(raw(pkt.getlayer(_mh_layer(pkt))))


def _mh_layer(pkt):
    for cls in (MIP6MH_BU, MIP6MH_BA, MIP6MH_BE, MIP6MH_BRR, MIP6MH_HoT, MIP6MH_CoT,
                MIP6MH_HoTI, MIP6MH_CoTI, MIP6MH_Generic):
        if pkt.haslayer(cls):
            return cls
    raise ValueError("no mobility header")


def set_checksum(b, off, value):
    return b[:off + 4] + struct.pack("!H", value) + b[off + 6:]


def expect(cond, what):
    if not cond:
        raise AssertionError("golden layout check failed: " + what)


# ---------------------------------------------------------------------------
# golden layouts (HAO-01, RH2-01, OPT-03), checked byte by byte against RFC 6275

def golden_hao_dstopt():
    """HAO-01 [RFC 6275 6.3]: NH | HdrExtLen 2 | PadN(01 02 00 00) | C9 | 10 | HoA."""
    d = raw(IPv6ExtHdrDestOpt(nh=MH_PROTO, options=[HAO(hoa=HOA)]))
    expect(len(d) == 24, "HAO-01 Destination Options header is 24 octets")
    expect(d[0] == 135 and d[1] == 2, "HAO-01 NH 135, Hdr Ext Len 2")
    expect(d[2:6] == b"\x01\x02\x00\x00", "HAO-01 PadN with 2 octets of zero data")
    expect(d[6] == 0xC9 and d[7] == 16, "HAO-01 option type 201 (0xC9), length 16")
    expect(6 % 8 == 6, "HAO-01 option at 8n+6")
    expect(d[8:24] == a16(HOA), "HAO-01 home address")
    return d


def golden_rh2():
    """RH2-01 [RFC 6275 6.4.1]: NH | 2 | type 2 | segleft 1 | reserved 0 | HoA."""
    r = raw(IPv6ExtHdrRouting(nh=MH_PROTO, type=2, segleft=1, addresses=[HOA]))
    expect(len(r) == 24, "RH2-01 is 24 octets")
    expect(r[0] == 135 and r[1] == 2 and r[2] == 2 and r[3] == 1,
           "RH2-01 NH 135, Hdr Ext Len 2, Routing Type 2, Segments Left 1")
    expect(r[4:8] == b"\0\0\0\0", "RH2-01 reserved zero")
    expect(r[8:24] == a16(HOA), "RH2-01 home address")
    return r


def zero_csum(mh):
    return mh[:4] + b"\0\0" + mh[6:]


def golden_mh_bu_acoa():
    """OPT-03: BU + ACoA -> PadN (no data) at 12, ACoA at 14 (8n+6), 32 octets, Header Len 3.
    Fields: seq 1003, flags A H, lifetime 3600 s (900 units), ACoA 2001:db8:2::200."""
    mh = zero_csum(raw(MIP6MH_BU(seq=1003, flags="AH", mhtime=900, cksum=0,
                                 options=[MIP6OptAltCoA(acoa=ACOA)])))
    expect(len(mh) == 32 and mh[1] == 3, "OPT-03 BU+ACoA total 32, Header Len 3")
    expect(mh[0] == 59 and mh[2] == 5 and mh[3] == 0, "BU Payload Proto 59, type 5, reserved 0")
    expect(mh[6:8] == struct.pack("!H", 1003), "BU sequence")
    expect(mh[8:10] == b"\xc0\x00", "BU flags A|H, 12 reserved bits zero (MH-07)")
    expect(mh[10:12] == struct.pack("!H", 900), "BU lifetime 3600 s = 900 units (MH-07)")
    expect(mh[12:14] == b"\x01\x00", "OPT-03 PadN with no data at offset 12")
    expect(mh[14] == 3 and mh[15] == 16 and 14 % 8 == 6, "OPT-03 ACoA type 3 len 16 at 8n+6")
    expect(mh[16:32] == a16(ACOA), "OPT-03 ACoA address")
    return mh


def golden_mh_bu_ni_bad():
    """OPT-03: BU + Nonce Indices + BAD -> NI at 12, BAD at 18, 32 octets, no padding.
    Fields: seq 50, flags A, lifetime 420 s (105 units), NI home 3 / care-of 4,
    authenticator c0c1...cb."""
    mh = zero_csum(raw(MIP6MH_BU(seq=50, flags="A", mhtime=105, cksum=0, options=[
        MIP6OptNonceIndices(olen=4, hni=3, coni=4),
        MIP6OptBindingAuthData(olen=12, authenticator=int.from_bytes(BAD_AUTH, "big"))])))
    expect(len(mh) == 32 and mh[1] == 3, "OPT-03 BU+NI+BAD total 32, Header Len 3")
    expect(mh[8:10] == b"\x80\x00", "BU flags A only (to a CN: H=0, K=0)")
    expect(mh[12:18] == b"\x04\x04\x00\x03\x00\x04", "OPT-03 Nonce Indices type 4 len 4 at 12 (2n)")
    expect(mh[18] == 5 and mh[19] == 12 and 18 % 8 == 2, "OPT-03 BAD type 5 len 12 at 8n+2")
    expect(mh[20:32] == BAD_AUTH, "BAD authenticator, last option, no trailing padding (OPT-04)")
    return mh


def golden_mh_ba_bad():
    """OPT-03: BA + BAD -> PadN(4) at 12, BAD at 18, 32 octets.
    Fields: status 0, K 0, seq 50, lifetime 420 s (105 units), authenticator c0c1...cb."""
    mh = zero_csum(raw(MIP6MH_BA(status=0, flags=0, seq=50, mhtime=105, cksum=0, options=[
        MIP6OptBindingAuthData(olen=12, authenticator=int.from_bytes(BAD_AUTH, "big"))])))
    expect(len(mh) == 32 and mh[1] == 3, "OPT-03 BA+BAD total 32, Header Len 3")
    expect(mh[6] == 0 and mh[7] == 0, "BA status 0, K and reserved 0 (MH-08)")
    expect(mh[8:10] == struct.pack("!H", 50) and mh[10:12] == struct.pack("!H", 105), "BA seq, lifetime")
    expect(mh[12:18] == b"\x01\x04\x00\x00\x00\x00", "OPT-03 PadN(4 octets of data) at 12")
    expect(mh[18] == 5 and mh[19] == 12 and mh[20:32] == BAD_AUTH, "OPT-03 BAD at 18 (8n+2)")
    return mh


# ---------------------------------------------------------------------------
# packet builders

def hao_hdr(hoa=HOA):
    # exactly one option so that scapy's in6_chksum uses the home address
    return IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)])


def rh2_hdr(hoa=HOA, segleft=1):
    return IPv6ExtHdrRouting(type=2, segleft=segleft, addresses=[hoa])


def ni_opt(h=3, c=4):
    return MIP6OptNonceIndices(olen=4, hni=h, coni=c)       # scapy default olen 16 is wrong


def bad_opt():
    return MIP6OptBindingAuthData(olen=12, authenticator=int.from_bytes(BAD_AUTH, "big"))


def bu(seq, flags, lifetime_s, options=(), **kw):
    # scapy's BU flags default to "KHA": always give them; mhtime is in 4 s units
    return MIP6MH_BU(seq=seq, flags=flags, mhtime=lifetime_s // 4, options=list(options), **kw)


def ba(seq, lifetime_s, status=0, flags=0, options=(), **kw):
    return MIP6MH_BA(status=status, flags=flags, seq=seq, mhtime=lifetime_s // 4,
                     options=list(options), **kw)


class Vec:
    def __init__(self, name, ids, pkt, facts, desc, errors=(), tolerated=(), patch=None):
        self.name = name
        self.ids = list(ids)
        self.desc = desc
        self.pkt = pkt
        self.bytes = patch(raw(pkt)) if patch else raw(pkt)
        self.facts = facts
        self.errors = list(errors)
        self.tolerated = list(tolerated)


def opts(*codes):
    return [{"code": c, "name": OPT_NAMES.get(c, "unknown")} for c in codes]


def mh_facts(mhtype, **kw):
    f = {"type": MH_NAMES.get(mhtype), "type_code": mhtype}
    f.update(kw)
    f.setdefault("options", [])
    return f


def valid_vectors():
    v = []

    def add(name, ids, pkt, desc, hao=None, rh2=None, mh=None, esp=None, inner=None):
        b = raw(pkt)
        facts = {"src": pkt[IPv6].src, "dst": pkt[IPv6].dst, "hao": hao, "rh2": rh2}
        if mh is not None:
            mh = dict(mh)
            off = mh_offset(pkt)
            mh["checksum"] = "0x%04x" % struct.unpack("!H", b[off + 4:off + 6])[0]
            mh["checksum_basis"] = "scapy in6_chksum, equal to RFC 6275 (HoA/RH2 pseudo-header)"
            mh["hlen"] = b[off + 1]
            mh["proto"] = b[off]
            facts["mh"] = mh
        if esp is not None:
            facts["esp"] = esp
        if inner is not None:
            facts["inner"] = inner
        v.append(Vec(name, ids, pkt, facts, desc))

    add("bu_hao_ah", ["HAO-01", "MH-02", "MH-03", "MH-07"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(1000, "AH", 3600),
        "home registration BU from the CoA with a HAO, flags A H",
        hao=HOA, mh=mh_facts(5, seq=1000, lifetime=3600, flags=["A", "H"]))
    add("bu_hao_ahk", ["HAO-01", "MH-03", "MH-07"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(1001, "AHK", 3600),
        "BU with flags A H K", hao=HOA,
        mh=mh_facts(5, seq=1001, lifetime=3600, flags=["A", "H", "K"]))
    add("bu_hao_ahl", ["HAO-01", "MH-03", "MH-07"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(1002, "AHL", 1800),
        "BU with flags A H L", hao=HOA,
        mh=mh_facts(5, seq=1002, lifetime=1800, flags=["A", "H", "L"]))
    add("bu_acoa", ["OPT-03", "OPT-06", "MH-03", "TMR-04"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(1003, "AH", 3600, [MIP6OptAltCoA(acoa=ACOA)]),
        "BU with an Alternate Care-of Address option (PadN at 12, ACoA at 14)", hao=HOA,
        mh=mh_facts(5, seq=1003, lifetime=3600, flags=["A", "H"], options=opts(3), acoa=ACOA))
    add("bu_cn_ni_bad", ["OPT-03", "OPT-04", "OPT-06", "MH-03"],
        IPv6(src=COA, dst=CN) / hao_hdr() / bu(50, "A", 420, [ni_opt(), bad_opt()]),
        "route-optimisation BU to a CN with Nonce Indices and BAD (NI at 12, BAD at 18)",
        hao=HOA, mh=mh_facts(5, seq=50, lifetime=420, flags=["A"], options=opts(4, 5),
                             ni=[3, 4], bad=BAD_AUTH.hex()))
    add("ba_rh2", ["RH2-01", "MH-03", "MH-08"],
        IPv6(src=HA, dst=COA) / rh2_hdr() / ba(1000, 3600),
        "BA from the HA to the CoA with a type 2 Routing header", rh2=HOA,
        mh=mh_facts(6, seq=1000, lifetime=3600, flags=[], status=0))
    add("ba_rh2_k", ["RH2-01", "MH-08"],
        IPv6(src=HA, dst=COA) / rh2_hdr() / ba(1001, 3600, flags="K"),
        "BA with the K flag", rh2=HOA,
        mh=mh_facts(6, seq=1001, lifetime=3600, flags=["K"], status=0))
    add("ba_bra", ["OPT-03", "OPT-05", "MH-08"],
        IPv6(src=HA, dst=COA) / rh2_hdr() / ba(1003, 3600, options=[MIP6OptBRAdvice(rinter=225)]),
        "BA with a Binding Refresh Advice of 900 s (2n, at offset 12)", rh2=HOA,
        mh=mh_facts(6, seq=1003, lifetime=3600, flags=[], status=0, options=opts(2), bra=900))
    add("ba_bad", ["OPT-03", "OPT-04", "BA-01"],
        IPv6(src=CN, dst=COA) / rh2_hdr() / ba(50, 420, options=[bad_opt()]),
        "BA from a CN with BAD (PadN(4) at 12, BAD at 18)", rh2=HOA,
        mh=mh_facts(6, seq=50, lifetime=420, flags=[], status=0, options=opts(5),
                    bad=BAD_AUTH.hex()))
    add("ba_rejected_132", ["MH-08"],
        IPv6(src=HA, dst=COA) / rh2_hdr() / ba(1004, 0, status=132),
        "BA status 132 (not home subnet)", rh2=HOA,
        mh=mh_facts(6, seq=1004, lifetime=0, flags=[], status=132))
    add("be_status1", ["MH-09"],
        IPv6(src=CN, dst=COA) / MIP6MH_BE(status=1, ha=HOA),
        "Binding Error status 1 (unknown binding for the HAO)",
        mh=mh_facts(7, status=1, hoa=HOA))
    add("be_status2", ["MH-06", "MH-09"],
        IPv6(src=HA, dst=COA) / MIP6MH_BE(status=2, ha="::"),
        "Binding Error status 2 (unrecognised MH Type), HoA ::",
        mh=mh_facts(7, status=2, hoa="::"))
    add("brr", ["MH-02"],
        IPv6(src=CN, dst=COA) / rh2_hdr() / MIP6MH_BRR(),
        "Binding Refresh Request via a type 2 Routing header (Header Len 0)", rh2=HOA,
        mh=mh_facts(0))
    add("hoti", ["MH-02"],
        IPv6(src=HOA, dst=CN) / MIP6MH_HoTI(cookie=COOKIE_HOTI),
        "Home Test Init", mh=mh_facts(1, cookie=COOKIE_HOTI.hex()))
    add("coti", ["MH-02"],
        IPv6(src=COA, dst=CN) / MIP6MH_CoTI(cookie=COOKIE_COTI),
        "Care-of Test Init", mh=mh_facts(2, cookie=COOKIE_COTI.hex()))
    add("hot", ["MH-02"],
        IPv6(src=CN, dst=HOA) / MIP6MH_HoT(index=0x1234, cookie=COOKIE_HOTI, token=TOKEN_HOT),
        "Home Test", mh=mh_facts(3, nonce_index=0x1234, cookie=COOKIE_HOTI.hex(),
                                 token=TOKEN_HOT.hex()))
    add("cot", ["MH-02"],
        IPv6(src=CN, dst=COA) / MIP6MH_CoT(index=0x1235, cookie=COOKIE_COTI, token=TOKEN_COT),
        "Care-of Test", mh=mh_facts(4, nonce_index=0x1235, cookie=COOKIE_COTI.hex(),
                                    token=TOKEN_COT.hex()))
    inner = IPv6(src=HOA, dst=HA) / bu(1004, "AH", 3600, [MIP6OptAltCoA(acoa=COA)])
    ib = raw(inner)
    add("bu_tunnel", ["OPT-06"],
        IPv6(src=COA, dst=HA) / inner,
        "BU with ACoA tunnelled in IPv6-in-IPv6 (RFC 2473), no HAO",
        inner={"src": HOA, "dst": HA, "hao": None, "rh2": None,
               "mh": mh_facts(5, seq=1004, lifetime=3600, flags=["A", "H"], options=opts(3),
                              acoa=COA, checksum="0x%04x" % struct.unpack("!H", ib[44:46])[0],
                              hlen=ib[41], proto=ib[40])})
    add("esp_after_hao", [],
        IPv6(src=COA, dst=HA) / hao_hdr() / ESP(spi=0x1001, seq=1, data=ESP_DATA),
        "ESP (opaque payload) after a Destination Options header with a HAO", hao=HOA,
        esp={"spi": 0x1001, "seq": 1})
    add("bu_unknown_opt99", ["OPT-01"],
        IPv6(src=COA, dst=HA) / hao_hdr() /
        bu(1005, "AH", 3600, [MIP6OptUnknown(otype=99, odata=b"\x01\x02\x03")]),
        "BU with an unknown mobility option type 99 length 3 (skipped, still valid)", hao=HOA,
        mh=mh_facts(5, seq=1005, lifetime=3600, flags=["A", "H"], options=opts(99)))
    add("bu_reserved_bits", ["MH-01", "MH-07"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(1006, "AH", 3600, res=0xff, reserved=0x1ff),
        "BU with the MH Reserved octet and the BU reserved bits set (ignored on receipt)",
        hao=HOA, mh=mh_facts(5, seq=1006, lifetime=3600, flags=["A", "H"]))
    add("ba_reserved_bits", ["MH-01", "MH-08"],
        IPv6(src=HA, dst=COA) / rh2_hdr() / ba(1007, 3600, res=0xa5, res2=0x1f),
        "BA with the MH Reserved octet and the BA reserved bits set", rh2=HOA,
        mh=mh_facts(6, seq=1007, lifetime=3600, flags=[], status=0))
    return v


def corrupt_vectors():
    v = []

    def add(name, ids, pkt, desc, errors, tolerated=(), patch=None, hao=None, rh2=None,
            mh=None, basis="scapy in6_chksum"):
        vec = Vec(name, ids, pkt, None, desc, errors, tolerated, patch)
        b = vec.bytes
        facts = {"src": pkt[IPv6].src, "dst": pkt[IPv6].dst, "hao": hao, "rh2": rh2}
        if mh is not None:
            mh = dict(mh)
            off = mh_offset(pkt)
            mh["checksum"] = "0x%04x" % struct.unpack("!H", b[off + 4:off + 6])[0]
            mh["checksum_basis"] = basis
            facts["mh"] = mh
        vec.facts = facts
        v.append(vec)
        return vec

    # MH-03: a wrong checksum
    good = IPv6(src=COA, dst=HA) / hao_hdr() / bu(2000, "AH", 3600)
    off = mh_offset(good)
    gb = raw(good)
    ok_cs = struct.unpack("!H", gb[off + 4:off + 6])[0]
    expect(ok_cs == mh_checksum(HOA, HA, gb[off:]), "scapy checksum with the HoA pseudo-header")
    add("bad_mh_checksum", ["MH-03"], good, "BU with a wrong MH checksum", ["mh_checksum"],
        patch=lambda b: set_checksum(b, off, ok_cs ^ 0x5a5a), hao=HOA,
        basis="the RFC 6275 checksum (HoA pseudo-header) XOR 0x5a5a",
        mh=mh_facts(5, seq=2000, lifetime=3600, flags=["A", "H"]))

    # MH-03: checksum computed with the CoA (the wire source) instead of the HoA.
    # This is also scapy's own pitfall: a Destination Options header holding
    # [PadN, HAO] (two options) makes in6_chksum ignore the HAO.
    pit = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(autopad=0, options=[
        PadN(optdata=b"\0\0"), HAO(hoa=HOA)]) / bu(2001, "AH", 3600)
    pb = raw(pit)
    off = mh_offset(pit)
    coa_cs = mh_checksum(COA, HA, pb[off:])
    expect(struct.unpack("!H", pb[off + 4:off + 6])[0] == coa_cs,
           "scapy pitfall: [PadN, HAO] uses the CoA in the pseudo-header")
    expect(pb[40:64] == golden_hao_dstopt(), "pitfall packet has the golden HAO header")
    add("csum_with_coa", ["MH-03"], pit,
        "BU whose checksum was computed with the CoA instead of the HoA", ["mh_checksum"],
        hao=HOA, basis="scapy in6_chksum with [PadN, HAO]: wire source (CoA)", mh=mh_facts(5, seq=2001, lifetime=3600, flags=["A", "H"]))

    # HAO-01: short HAO (Option Length 14)
    short = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(autopad=0, options=[
        PadN(optdata=b"\0\0"), HBHOptUnknown(otype=0xC9, optdata=a16(HOA)[:14]),
        PadN(optdata=b"")]) / bu(2002, "AH", 3600, cksum=0)
    off = mh_offset(short)
    sb = raw(short)
    expect(len(sb) - off == 16 and sb[46:48] == b"\xc9\x0e", "short HAO layout")
    cs = mh_checksum(COA, HA, sb[off:])      # no usable home address: wire source
    add("hao_len14", ["HAO-01"], short, "Home Address option with Option Length 14",
        ["hao_len"], patch=lambda b, o=off, c=cs: set_checksum(b, o, c),
        basis="RFC 6275 over the wire source (no usable home address)",
        mh=mh_facts(5, seq=2002, lifetime=3600, flags=["A", "H"]))

    # HAO-01 / RFC 8200 4.2: option running past the end of its header.  The
    # golden 24-octet header with the HAO Option Length 18 instead of 16.
    ovr = IPv6(src=COA, dst=HA) / hao_hdr() / bu(2003, "AH", 3600, cksum=0)
    off = mh_offset(ovr)
    cs = mh_checksum(COA, HA, raw(ovr)[off:])
    add("hao_overrun", ["HAO-01"], ovr,
        "HAO whose Option Length (18) runs 2 octets past its Destination Options header",
        ["opt_overrun"], tolerated=["hao_len"],
        patch=lambda b, o=off, c=cs: set_checksum(b[:47] + b"\x12" + b[48:], o, c),
        basis="RFC 6275 over the wire source (no usable home address)",
        mh=mh_facts(5, seq=2003, lifetime=3600, flags=["A", "H"]))

    # Same fault the other way: header declared 16 octets, HAO needs 24.
    # What follows the short header is garbage, so anything else is tolerated.
    add("dstopt_short_for_hao", ["HAO-01"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(2004, "AH", 3600),
        "Destination Options Hdr Ext Len 1 (16 octets) around a 24-octet HAO layout",
        ["opt_overrun"], tolerated=["*"], patch=lambda b: b[:41] + b"\x01" + b[42:])

    # MH-02: Header Len too big (3 = 32 octets, 16 present)
    add("mh_hlen_too_big", ["MH-02"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(2005, "AH", 3600, len=3),
        "BU with Header Len 3 but 16 octets present", ["mh_hlen"], hao=HOA,
        mh=mh_facts(5, seq=2005, lifetime=3600, flags=["A", "H"]))
    # MH-02: Header Len too small (1 = 16 octets, 32 present)
    add("mh_hlen_too_small", ["MH-02"],
        IPv6(src=COA, dst=HA) / hao_hdr() /
        bu(2006, "AH", 3600, [MIP6OptAltCoA(acoa=ACOA)], len=1),
        "BU+ACoA with Header Len 1 but 32 octets present", ["mh_hlen"],
        tolerated=["mh_checksum", "mh_opt_overrun"], hao=HOA,
        mh=mh_facts(5, seq=2006, lifetime=3600, flags=["A", "H"]))
    # MH-05: Header Len below the minimum for the type
    add("mh_hlen_below_min", ["MH-05"],
        IPv6(src=COA, dst=HA) / hao_hdr() /
        MIP6MH_Generic(mhtype=5, len=0, res=0, msg=struct.pack("!H", 2007)),
        "BU of 8 octets with Header Len 0 (minimum 1)", ["mh_hlen_min"], hao=HOA,
        mh=mh_facts(5))
    add("mh_bu_hlen0", ["MH-05"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(2008, "AH", 3600, len=0),
        "BU with Header Len 0 and 16 octets present", ["mh_hlen_min"],
        tolerated=["mh_hlen", "mh_checksum"], hao=HOA, mh=mh_facts(5))
    # MH-04: Payload Proto 6
    add("mh_proto6", ["MH-04"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(2009, "AH", 3600, nh=6),
        "BU with Payload Proto 6 instead of 59", ["mh_proto"], hao=HOA,
        mh=mh_facts(5, seq=2009, lifetime=3600, flags=["A", "H"], proto=6))
    # MH-06: unknown MH type
    add("mh_type200", ["MH-06"],
        IPv6(src=COA, dst=CN) / MIP6MH_Generic(mhtype=200, res=0, msg=b"\0\0"),
        "Mobility Header with unknown MH Type 200", ["mh_type"],
        mh={"type": None, "type_code": 200, "options": []})
    # OPT-01: option running past the end of the MH
    add("mh_opt_overrun", ["OPT-01"],
        IPv6(src=COA, dst=HA) / hao_hdr() /
        bu(2010, "AH", 3600, [MIP6OptUnknown(otype=99, olen=20, odata=b"\xaa\xbb")], autopad=0),
        "BU whose option (type 99, Length 20) runs past the end of the MH",
        ["mh_opt_overrun"], hao=HOA, mh=mh_facts(5, seq=2010, lifetime=3600, flags=["A", "H"]))
    # OPT-04: PadN after BAD
    add("padn_after_bad", ["OPT-04"],
        IPv6(src=COA, dst=CN) / hao_hdr() /
        bu(2011, "A", 420, [ni_opt(), bad_opt(), PadN(optdata=b"\0" * 6)], autopad=0),
        "BU to a CN with PadN(8) after the BAD option", ["mh_bad_not_last"], hao=HOA,
        mh=mh_facts(5, seq=2011, lifetime=420, flags=["A"], options=opts(4, 5)))
    # OPT-06: Nonce Indices with H = 1
    add("ni_with_h", ["OPT-06"],
        IPv6(src=COA, dst=HA) / hao_hdr() / bu(2012, "AH", 420, [ni_opt(), bad_opt()]),
        "home registration BU (H=1) carrying Nonce Indices", ["mh_ni_with_h"], hao=HOA,
        mh=mh_facts(5, seq=2012, lifetime=420, flags=["A", "H"], options=opts(4, 5)))
    # OPT-06: ACoA is valid only in a BU
    add("acoa_in_ba", ["OPT-06"],
        IPv6(src=HA, dst=COA) / rh2_hdr() / ba(2013, 3600, options=[MIP6OptAltCoA(acoa=ACOA)]),
        "BA carrying an Alternate Care-of Address option", ["mh_opt_place"], rh2=HOA,
        mh=mh_facts(6, seq=2013, lifetime=3600, flags=[], status=0, options=opts(3)))
    # HAO-02: two Home Address options (same address, so the pseudo-header is clear)
    two = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA), HAO(hoa=HOA)]) / \
        bu(2014, "AH", 3600, cksum=0)
    off = mh_offset(two)
    tb = raw(two)
    expect(tb[41] == 5 and tb[46] == 0xC9 and tb[70] == 0xC9, "two HAOs, both at 8n+6")
    cs = mh_checksum(HOA, HA, tb[off:])
    add("two_haos", ["HAO-02"], two, "Destination Options header with two HAOs",
        ["hao_dup"], patch=lambda b, o=off, c=cs: set_checksum(b, o, c), hao=HOA,
        basis="RFC 6275 over the HoA (both HAOs hold it)",
        mh=mh_facts(5, seq=2014, lifetime=3600, flags=["A", "H"]))
    # RH2-02: Segments Left 0 (the pseudo-header destination is then the wire dst)
    add("rh2_segleft0", ["RH2-02"],
        IPv6(src=HA, dst=COA) / rh2_hdr(segleft=0) / ba(2015, 3600),
        "type 2 Routing header with Segments Left 0", ["rh2_segleft"], rh2=HOA,
        mh=mh_facts(6, seq=2015, lifetime=3600, flags=[], status=0))
    # RH2-02: Hdr Ext Len 4 (two addresses)
    add("rh2_hlen4", ["RH2-02"],
        IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA, HOA]) /
        ba(2016, 3600),
        "type 2 Routing header with Hdr Ext Len 4", ["rh2_len"], rh2=HOA,
        mh=mh_facts(6, seq=2016, lifetime=3600, flags=[], status=0))
    # RH2-05: type 0 Routing header with Segments Left 1
    add("rh0_segleft1", ["RH2-05"],
        IPv6(src=CN, dst=COA) / IPv6ExtHdrRouting(type=0, segleft=1, addresses=[HOA]) /
        MIP6MH_BRR(),
        "type 0 Routing header with Segments Left 1 (RFC 5095)", ["rh0"],
        mh=mh_facts(0))
    # HAO-05: multicast home address.  The checksum uses the HAO address as RFC
    # 6275 9.2 writes it; a receiver that refuses the HAO falls back to the wire
    # source, so a checksum fault is tolerated.
    add("hao_multicast", ["HAO-05"],
        IPv6(src=COA, dst=HA) / hao_hdr(MCAST) / bu(2017, "AH", 3600),
        "HAO holding the multicast address ff02::1", ["hao_addr"],
        tolerated=["mh_checksum"], hao=MCAST, basis="scapy in6_chksum over the HAO address ff02::1",
        mh=mh_facts(5, seq=2017, lifetime=3600, flags=["A", "H"]))
    # OPT-03: ACoA with Option Length 14 (PadN(2) then the option at 8n+6)
    add("acoa_len14", ["OPT-03"],
        IPv6(src=COA, dst=HA) / hao_hdr() /
        bu(2018, "AH", 3600, [PadN(optdata=b""), MIP6OptUnknown(otype=3, odata=a16(ACOA)[:14])]),
        "Alternate Care-of Address option with Length 14", ["mh_opt_len"], hao=HOA,
        mh=mh_facts(5, seq=2018, lifetime=3600, flags=["A", "H"], options=opts(3)))
    return v


# ---------------------------------------------------------------------------
# IPsec vectors: scapy's SecurityAssociation protects the signalling

# Manual SAs (one per direction, RFC 4877 style).  Keys are fixed test values;
# AEAD keys are the cipher key followed by the 4-octet salt (RFC 4106/7634).
# "kf" gives the addresses written to scapy_esp.keys: the receiver's view
# (HAO home address as source, RH2 address as destination) or '*'.
IPSEC_SAS = {
    "gcm128_mn": dict(proto=ESP, spi=0x00001101, crypt_algo="AES-GCM",
                      crypt_key=bytes(range(0x10, 0x20)) + bytes.fromhex("c0c1c2c3"),
                      kf=(HOA, HA), enc="aes-gcm-16", auth="null"),
    "gcm128_ha": dict(proto=ESP, spi=0x00001102, crypt_algo="AES-GCM",
                      crypt_key=bytes(range(0x20, 0x30)) + bytes.fromhex("d0d1d2d3"),
                      kf=(HA, HOA), enc="aes-gcm-16", auth="null"),
    "gcm128_tun_mn": dict(proto=ESP, spi=0x00001103, crypt_algo="AES-GCM",
                          crypt_key=bytes(range(0x30, 0x40)) + bytes.fromhex("e0e1e2e3"),
                          kf=(COA, HA), enc="aes-gcm-16", auth="null"),
    "gcm128_tun_ha": dict(proto=ESP, spi=0x00001104, crypt_algo="AES-GCM",
                          crypt_key=bytes(range(0x40, 0x50)) + bytes.fromhex("f0f1f2f3"),
                          kf=("*", "*"), enc="aes-gcm-16", auth="null"),
    "gcm256_ha": dict(proto=ESP, spi=0x00001105, crypt_algo="AES-GCM",
                      crypt_key=bytes(range(0x50, 0x70)) + bytes.fromhex("a4a5a6a7"),
                      kf=(HA, HOA), enc="aes-gcm-16", auth="null"),
    "cbc_mn": dict(proto=ESP, spi=0x00002201, crypt_algo="AES-CBC",
                   crypt_key=bytes(range(0x60, 0x70)), auth_algo="SHA2-256-128",
                   auth_key=bytes(range(0x80, 0xa0)), kf=(HOA, HA), enc="aes-cbc",
                   auth="hmac-sha256-128"),
    "cbc_ha": dict(proto=ESP, spi=0x00002202, crypt_algo="AES-CBC",
                   crypt_key=bytes(range(0x70, 0x80)), auth_algo="SHA2-256-128",
                   auth_key=bytes(range(0xa0, 0xc0)), kf=("*", HOA), enc="aes-cbc",
                   auth="hmac-sha256-128"),
    "cbc_tun_mn": dict(proto=ESP, spi=0x00002203, crypt_algo="AES-CBC",
                       crypt_key=bytes(range(0x90, 0xb0)), auth_algo="SHA2-256-128",
                       auth_key=bytes(range(0xc0, 0xe0)), kf=(COA, "*"), enc="aes-cbc",
                       auth="hmac-sha256-128"),
    "cbc_tun_ha": dict(proto=ESP, spi=0x00002204, crypt_algo="AES-CBC",
                       crypt_key=bytes(range(0xb0, 0xc0)), auth_algo="SHA2-256-128",
                       auth_key=bytes(range(0xe0, 0x100)), kf=(HA, COA), enc="aes-cbc",
                       auth="hmac-sha256-128"),
    "null_mn": dict(proto=ESP, spi=0x00003301, crypt_algo="NULL", auth_algo="SHA2-256-128",
                    auth_key=bytes(range(0x01, 0x21)), kf=(HOA, HA), enc="null",
                    auth="hmac-sha256-128"),
    "chacha_mn": dict(proto=ESP, spi=0x00004401, crypt_algo="CHACHA20-POLY1305",
                      crypt_key=bytes(range(0x02, 0x22)) + bytes.fromhex("b4b5b6b7"),
                      kf=(HOA, HA), enc="chacha20-poly1305", auth="null"),
    "ah_ha": dict(proto=AH, spi=0x00005501, auth_algo="SHA2-256-128",
                  auth_key=bytes(range(0x03, 0x23)), kf=(HA, HOA), enc="null",
                  auth="hmac-sha256-128"),
}


def ipsec_sa(name):
    d = dict(IPSEC_SAS[name])
    for k in ("kf", "enc", "auth"):
        d.pop(k)
    return SecurityAssociation(**d)


def keys_text():
    lines = ["# Keys of scapy_esp.pcap, generated by gen_vectors.py: one SA per line",
             "# src dst spi enc-alg enc-key auth-alg auth-key ('-' = none; AEAD key = key || salt)",
             "# (the format of `mip6sec decode --keys` and pcapcheck.py -k; tshark 4.0 has no",
             "# ChaCha20-Poly1305 and cannot verify AH, so skip those lines for it)"]
    for name, d in IPSEC_SAS.items():
        ek = d.get("crypt_key")
        ak = d.get("auth_key")
        lines.append("%s %s 0x%08x %s %s %s %s" % (
            d["kf"][0], d["kf"][1], d["spi"], d["enc"], ek.hex() if ek else "-", d["auth"],
            ak.hex() if ak else "-"))
    return "\n".join(lines) + "\n"


def iv_for(name, seq):
    """Fixed IVs: the sequence number for the AEADs (as RFC 4106 suggests), a
    fixed pattern for CBC; none for NULL."""
    algo = IPSEC_SAS[name].get("crypt_algo", "NULL")
    if algo in ("AES-GCM", "CHACHA20-POLY1305"):
        return struct.pack("!Q", seq)
    if algo == "AES-CBC":
        return bytes((0x5a + seq + i) & 0xff for i in range(16))
    return None


def esp_vectors():
    v = []

    def add(name, ids, sa_name, plain, seq, desc, tunnel=None, mh=None, corrupt=None):
        sa = ipsec_sa(sa_name)
        if tunnel is not None:
            sa.tunnel_header = tunnel
        d = IPSEC_SAS[sa_name]
        if d["proto"] is AH:
            pkt = sa.encrypt(plain, seq_num=seq)
        else:
            iv = iv_for(sa_name, seq)
            pkt = sa.encrypt(plain, seq_num=seq, iv=iv) if iv is not None else \
                sa.encrypt(plain, seq_num=seq, iv=b"")
        outer = pkt[IPv6]
        b = raw(pkt)
        # the facts are those of the cleartext packet scapy protected
        pb = raw(plain)
        inner_pkt = IPv6(pb)
        mhf = dict(mh)
        off = mh_offset(inner_pkt)
        mhf["checksum"] = "0x%04x" % struct.unpack("!H", pb[off + 4:off + 6])[0]
        mhf["hlen"] = pb[off + 1]
        mhf["proto"] = pb[off]
        facts = {"src": outer.src, "dst": outer.dst, "hao": None, "rh2": None,
                 "sa": sa_name, "spi": d["spi"], "seq": seq,
                 "protocol": "ah" if d["proto"] is AH else "esp"}
        if plain.haslayer(IPv6ExtHdrDestOpt) and tunnel is None:
            facts["hao"] = HOA
        if plain.haslayer(IPv6ExtHdrRouting) and tunnel is None:
            facts["rh2"] = HOA
        if tunnel is not None:
            facts["mode"] = "tunnel"
            facts["next_header"] = 41
            facts["inner"] = {"src": inner_pkt.src, "dst": inner_pkt.dst, "mh": mhf}
        else:
            facts["mode"] = "transport"
            facts["next_header"] = MH_PROTO
            facts["mh"] = mhf
        errors = []
        if corrupt is not None:
            b = corrupt(b)
            errors = ["icv"]
        vec = Vec(name, ids, pkt, facts, desc, errors)
        vec.bytes = b
        v.append(vec)

    def bu_hao(seq):
        return IPv6(src=COA, dst=HA) / hao_hdr() / bu(seq, "AH", 3600)

    def ba_rh2(seq):
        return IPv6(src=HA, dst=COA) / rh2_hdr() / ba(seq, 3600)

    hoti = IPv6(src=HOA, dst=CN) / MIP6MH_HoTI(cookie=COOKIE_HOTI)
    hot = IPv6(src=CN, dst=HOA) / MIP6MH_HoT(index=0x2345, cookie=COOKIE_HOTI, token=TOKEN_HOT)
    bu_f = lambda seq: mh_facts(5, seq=seq, lifetime=3600, flags=["A", "H"])
    ba_f = lambda seq: mh_facts(6, seq=seq, lifetime=3600, flags=[], status=0)
    hoti_f = mh_facts(1, cookie=COOKIE_HOTI.hex())
    hot_f = mh_facts(3, nonce_index=0x2345, cookie=COOKIE_HOTI.hex(), token=TOKEN_HOT.hex())
    tun_mn = IPv6(src=COA, dst=HA)
    tun_ha = IPv6(src=HA, dst=COA)

    for alg, ids in (("gcm128", ["ESP-02", "ALG-01", "ALG-05", "TV-04"]),
                     ("cbc", ["ESP-02", "ALG-01", "TV-04"])):
        add("esp_%s_bu_hao" % alg, ids, alg + "_mn", bu_hao(3001), 1,
            "BU protected by scapy ESP (%s), transport mode after the HAO" % alg, mh=bu_f(3001))
        add("esp_%s_ba_rh2" % alg, ids, alg + "_ha", ba_rh2(3001), 1,
            "BA protected by scapy ESP (%s), transport mode after the RH2" % alg, mh=ba_f(3001))
        add("esp_%s_tunnel_hoti" % alg, ids, alg + "_tun_mn", hoti, 7,
            "HoTI reverse-tunnelled by scapy ESP (%s), tunnel mode CoA -> HA" % alg,
            tunnel=tun_mn, mh=hoti_f)
        add("esp_%s_tunnel_hot" % alg, ids, alg + "_tun_ha", hot, 8,
            "HoT tunnelled by scapy ESP (%s), tunnel mode HA -> CoA" % alg, tunnel=tun_ha,
            mh=hot_f)
    add("esp_gcm256_ba_rh2", ["ESP-02", "ALG-01", "TV-04"], "gcm256_ha", ba_rh2(3002), 2,
        "BA protected by scapy ESP (AES-GCM-16 with a 256-bit key) after the RH2", mh=ba_f(3002))
    add("esp_null_bu_hao", ["ESP-02", "ALG-01"], "null_mn", bu_hao(3003), 3,
        "BU protected by scapy ESP (NULL encryption, HMAC-SHA-256-128) after the HAO",
        mh=bu_f(3003))
    add("esp_chacha_bu_hao", ["ESP-02", "ALG-01", "ALG-05"], "chacha_mn", bu_hao(3004), 4,
        "BU protected by scapy ESP (ChaCha20-Poly1305) after the HAO (tshark 4.0 cannot "
        "decrypt it)", mh=bu_f(3004))
    add("ah_ba_rh2", ["AH-01", "AH-03"], "ah_ha", ba_rh2(3005), 5,
        "BA with a scapy AH (HMAC-SHA-256-128) after the RH2; scapy computes the ICV over the "
        "receiver's view of the Routing header", mh=ba_f(3005))
    # ESP-07: one flipped bit in the ciphertext (last octet before the 16-octet tag)
    add("esp_gcm128_bu_hao_flipped", ["ESP-07"], "gcm128_mn", bu_hao(3006), 6,
        "the GCM BU with one ciphertext bit flipped: the ICV check must fail",
        mh=bu_f(3006), corrupt=lambda b: b[:-17] + bytes([b[-17] ^ 0x10]) + b[-16:])
    return v


# ---------------------------------------------------------------------------
# checks of the vectors themselves (RFC rules, not scapy defaults)

def check_valid(vec):
    b = vec.bytes
    expect(len(b) == 40 + struct.unpack("!H", b[4:6])[0], vec.name + ": Payload Length")
    m = vec.facts.get("mh") or (vec.facts.get("inner") or {}).get("mh")
    if m is None:
        return
    base = 40 if vec.facts.get("inner") else 0
    src = vec.facts["inner"]["src"] if base else (vec.facts["hao"] or vec.facts["src"])
    dst = vec.facts["inner"]["dst"] if base else (vec.facts["rh2"] or vec.facts["dst"])
    off = mh_offset(vec.pkt)
    mh = b[off:]
    expect(len(mh) % 8 == 0 and mh[1] == len(mh) // 8 - 1, vec.name + ": MH-02 Header Len")
    expect(mh[0] == 59, vec.name + ": MH-04 Payload Proto 59")
    expect(int(m["checksum"], 16) == mh_checksum(src, dst, mh),
           vec.name + ": scapy checksum equals the RFC 6275 computation")


def check_golden_in_packets(valid):
    by = {v.name: v.bytes for v in valid}
    expect(by["bu_hao_ah"][40:64] == golden_hao_dstopt(), "HAO-01 header in bu_hao_ah")
    expect(by["ba_rh2"][40:64] == golden_rh2(), "RH2-01 header in ba_rh2")
    expect(zero_csum(by["bu_acoa"][64:]) == golden_mh_bu_acoa(), "OPT-03 bu_acoa MH")
    expect(zero_csum(by["bu_cn_ni_bad"][64:]) == golden_mh_bu_ni_bad(), "OPT-03 bu_cn_ni_bad MH")
    expect(zero_csum(by["ba_bad"][64:]) == golden_mh_ba_bad(), "OPT-03 ba_bad MH")
    # MH-02 lengths with no options
    expect(by["brr"][64 + 1] == 0, "MH-02 BRR Header Len 0")
    expect(by["hoti"][40 + 1] == 1 and by["coti"][40 + 1] == 1, "MH-02 HoTI/CoTI Header Len 1")
    expect(by["hot"][40 + 1] == 2 and by["cot"][40 + 1] == 2, "MH-02 HoT/CoT Header Len 2")
    expect(by["bu_hao_ah"][64 + 1] == 1 and by["bu_hao_ah"][76:80] == b"\x01\x02\0\0",
           "MH-02 BU Header Len 1 with 4 octets of padding")
    expect(by["ba_rh2"][64 + 1] == 1, "MH-02 BA Header Len 1")
    expect(by["be_status1"][40 + 1] == 2, "MH-02 BE Header Len 2")
    expect(by["bu_hao_ah"][72:74] == b"\xc0\x00" and by["bu_hao_ahk"][72:74] == b"\xd0\x00" and
           by["bu_hao_ahl"][72:74] == b"\xe0\x00", "MH-07 A=0x8000 H=0x4000 L=0x2000 K=0x1000")
    expect(by["bu_hao_ah"][74:76] == struct.pack("!H", 900), "MH-07 3600 s -> 900")
    expect(by["ba_rh2_k"][71] == 0x80, "MH-08 BA K bit is the high bit")


# ---------------------------------------------------------------------------
# writers

def pcap_bytes(frames):
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]   # LINKTYPE_RAW
    for i, b in enumerate(frames, 1):
        out.append(struct.pack("<IIII", TS_BASE + i, 0, len(b), len(b)))
        out.append(b)
    return b"".join(out)


def c_ident(name):
    return "".join(c if c.isalnum() else "_" for c in name)


def c_array(name, data, comment):
    lines = ["/* %s */" % comment,
             "static const uint8_t %s[%d] SCAPY_VEC_UNUSED = {" % (name, len(data))]
    for i in range(0, len(data), 12):
        lines.append("\t" + " ".join("0x%02x," % x for x in data[i:i + 12]))
    lines.append("};")
    return "\n".join(lines)


def header_text(valid, corrupt, golden):
    parts = ["""/*
 * scapy_vectors.h - Mobile IPv6 packets built with scapy 2.5 (not by mip6sec),
 * generated by tests/vectors/gen_vectors.py: do not edit, re-run the script.
 *
 * Addresses: HoA 2001:db8:1::100, HA 2001:db8:1::1, CoA 2001:db8:2::100,
 * ACoA 2001:db8:2::200, CN 2001:db8:3::1.  Each packet is a raw IPv6 packet
 * (no link layer) and appears in scapy_valid.pcap / scapy_corrupt.pcap;
 * vectors.json lists the expected fields.  For corrupt packets `err` is the
 * first expected error id of m6_errid(), NULL for valid ones.
 *
 * Golden layouts (RFC 6275, checked byte by byte by the generator):
 *   SV_GOLDEN_HAO_DSTOPT   HAO-01: NH=135 | 2 | PadN 01 02 00 00 | C9 10 | HoA
 *   SV_GOLDEN_RH2          RH2-01: NH=135 | 2 | 2 | 1 | 00000000 | HoA
 *   SV_GOLDEN_MH_BU_ACOA   OPT-03: BU + ACoA, PadN at 12, ACoA at 14, 32 octets
 *   SV_GOLDEN_MH_BU_NI_BAD OPT-03: BU + Nonce Indices (12) + BAD (18), 32 octets
 *   SV_GOLDEN_MH_BA_BAD    OPT-03: BA + PadN(4) at 12 + BAD at 18, 32 octets
 * The golden Mobility Headers have their Checksum field set to 0 (as
 * mh_build() leaves it); their field values are given in each comment.
 */
#ifndef MIP6SEC_SCAPY_VECTORS_H
#define MIP6SEC_SCAPY_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define SCAPY_VEC_UNUSED __attribute__((unused))
#else
#define SCAPY_VEC_UNUSED
#endif

struct scapy_vector {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	const char *err;        /* first expected error id, NULL when valid */
};
"""]
    for gname, data, comment in golden:
        parts.append(c_array(gname, data, comment))
    parts.append("")
    for v in valid + corrupt:
        ids = ", ".join(v.ids)
        comment = "%s [%s]: %s" % (v.name, ids, v.desc)
        if v.errors:
            comment += " -> " + ", ".join(v.errors)
        parts.append(c_array("sv_" + c_ident(v.name), v.bytes, comment.replace("*/", "* /")))
    parts.append("")
    for tname, vecs in (("scapy_valid", valid), ("scapy_corrupt", corrupt)):
        parts.append("static const struct scapy_vector %s_vectors[] SCAPY_VEC_UNUSED = {" % tname)
        for v in vecs:
            err = '"%s"' % v.errors[0] if v.errors else "NULL"
            parts.append('\t{ "%s", sv_%s, sizeof(sv_%s), %s },' % (v.name, c_ident(v.name),
                                                                     c_ident(v.name), err))
        parts.append("};")
        parts.append("#define %s_COUNT (sizeof(%s_vectors) / sizeof(%s_vectors[0]))" %
                     (tname.upper(), tname, tname))
        parts.append("")
    parts.append("#endif /* MIP6SEC_SCAPY_VECTORS_H */")
    return "\n".join(parts) + "\n"


def vector_json(vecs, fname):
    out = []
    for i, v in enumerate(vecs, 1):
        d = {"name": v.name, "file": fname, "frame": i, "ids": v.ids, "desc": v.desc,
             "hex": v.bytes.hex(), "valid": not v.errors, "facts": v.facts}
        if v.errors:
            d["errors"] = v.errors
            d["tolerated"] = v.tolerated
        out.append(d)
    return out


def generate(outdir):
    valid = valid_vectors()
    corrupt = corrupt_vectors()
    esp = esp_vectors()
    names = [v.name for v in valid + corrupt + esp]
    expect(len(set(names)) == len(names), "unique vector names")
    for v in valid:
        check_valid(v)
    check_golden_in_packets(valid)
    golden = [
        ("SV_GOLDEN_HAO_DSTOPT", golden_hao_dstopt(), "HAO-01 Destination Options header, HoA 2001:db8:1::100"),
        ("SV_GOLDEN_RH2", golden_rh2(), "RH2-01 type 2 Routing header, HoA 2001:db8:1::100"),
        ("SV_GOLDEN_MH_BU_ACOA", golden_mh_bu_acoa(),
         "OPT-03 BU seq 1003 flags AH lifetime 3600 s + ACoA 2001:db8:2::200, checksum 0"),
        ("SV_GOLDEN_MH_BU_NI_BAD", golden_mh_bu_ni_bad(),
         "OPT-03 BU seq 50 flags A lifetime 420 s + NI(3,4) + BAD c0..cb, checksum 0"),
        ("SV_GOLDEN_MH_BA_BAD", golden_mh_ba_bad(),
         "OPT-03 BA status 0 seq 50 lifetime 420 s + BAD c0..cb, checksum 0"),
    ]
    files = {
        "scapy_valid.pcap": pcap_bytes([v.bytes for v in valid]),
        "scapy_corrupt.pcap": pcap_bytes([v.bytes for v in corrupt]),
        "scapy_esp.pcap": pcap_bytes([v.bytes for v in esp]),
        "scapy_esp.keys": keys_text().encode(),
        "vectors.json": (json.dumps({
            "comment": "generated by gen_vectors.py (scapy 2.5); lifetimes in seconds; "
                       "errors are m6_errid() ids that must be reported, tolerated ones may "
                       "also be ('*': anything)",
            "addresses": {"hoa": HOA, "ha": HA, "coa": COA, "acoa": ACOA, "cn": CN},
            "golden": {g[0]: g[1].hex() for g in golden},
            "vectors": vector_json(valid, "scapy_valid.pcap") +
                       vector_json(corrupt, "scapy_corrupt.pcap"),
            "esp_vectors": vector_json(esp, "scapy_esp.pcap"),
            "esp_keys": "scapy_esp.keys"},
            indent=1) + "\n").encode(),
        "scapy_vectors.h": header_text(valid, corrupt, golden).encode(),
    }
    for name, data in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate in a temporary directory and compare with the committed files")
    ap.add_argument("--outdir", default=HERE)
    args = ap.parse_args()
    if not args.check:
        for n in generate(args.outdir):
            print("wrote", os.path.join(args.outdir, n))
        return 0
    tmp = tempfile.mkdtemp(prefix="m6vec-")
    failed = 0
    try:
        names = generate(tmp)
        for i, n in enumerate(names, 1):
            committed = os.path.join(HERE, n)
            same = os.path.exists(committed) and \
                open(committed, "rb").read() == open(os.path.join(tmp, n), "rb").read()
            failed += not same
            print("%s %d - tests/vectors/%s is reproduced byte for byte by gen_vectors.py" %
                  ("ok" if same else "not ok", i, n))
        print("1..%d" % len(names))
    finally:
        shutil.rmtree(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
