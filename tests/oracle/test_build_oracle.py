#!/usr/bin/python3
"""Build oracle: packets from `mip6sec build` checked by tshark, scapy and pcapcheck.

usage: test_build_oracle.py [MIP6SEC]

1. Valid specifications (every MH type, every mobility option, HAO, RH2,
   IPv6-in-IPv6, UDP, ICMPv6, ESP, Fragment, AH, Hop-by-Hop): the pcap must
   pass pcapcheck.py (tshark + RFC 6275 checks), scapy must dissect the same
   field values as the specification asked for, scapy's recomputed checksum
   must equal the one mip6sec wrote (scapy only uses the HAO when the
   Destination Options header holds exactly one option, so the parsed
   [PadN, HAO] header is given back to it as [HAO] first), and
   `mip6sec decode` must report no error.
2. Faulty specifications made with the overrides (hlen=, proto=, csum=bad,
   csum=wire, hao len=14, pad=0, rawopts=, ...): each frame must fail
   pcapcheck.py with the expected reason and `mip6sec decode` must report the
   matching error id.
3. Byte-for-byte: some packets built by mip6sec must be identical to the same
   packet built by scapy (the golden layouts of the HAO, the RH2 and the
   mobility options).
4. ESP with keys: scapy encrypts a BU (transport mode after the HAO) and a
   tunnelled BU (tunnel mode); mip6sec frames the ciphertext with its `esp`
   layer; pcapcheck.py -k must decrypt and check the inner MH, and fail on a
   flipped ICV bit or a wrong inner checksum.
Prints TAP; exit status 1 if any check failed.
"""
import os
import shutil
import struct
import sys
import tempfile

sys.dont_write_bytecode = True      # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc          # noqa: E402
import pcapcheck                    # noqa: E402

from scapy.packet import raw, Raw   # noqa: E402
from scapy.layers.inet import UDP   # noqa: E402
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,  # noqa: E402
                                IPv6ExtHdrFragment, HAO, Pad1, PadN,
                                MIP6MH_BU, MIP6MH_BA, MIP6MH_BE, MIP6MH_BRR, MIP6MH_HoTI,
                                MIP6MH_CoTI, MIP6MH_HoT, MIP6MH_CoT, MIP6MH_Generic,
                                MIP6OptAltCoA, MIP6OptBRAdvice, MIP6OptNonceIndices,
                                MIP6OptBindingAuthData, MIP6OptUnknown, ICMPv6EchoRequest,
                                _ICMPv6)
from scapy.layers.ipsec import ESP, AH, SecurityAssociation   # noqa: E402

HOA, HA, COA, ACOA, CN = ("2001:db8:1::100", "2001:db8:1::1", "2001:db8:2::100",
                          "2001:db8:2::200", "2001:db8:3::1")
BAD = "c0c1c2c3c4c5c6c7c8c9cacb"
CK1, CK2, TK = "0102030405060708", "1112131415161718", "a1a2a3a4a5a6a7a8"

MH_CLASSES = (MIP6MH_BU, MIP6MH_BA, MIP6MH_BE, MIP6MH_BRR, MIP6MH_HoTI, MIP6MH_CoTI,
              MIP6MH_HoT, MIP6MH_CoT, MIP6MH_Generic)
MH_CLS_BY_TYPE = {0: MIP6MH_BRR, 1: MIP6MH_HoTI, 2: MIP6MH_CoTI, 3: MIP6MH_HoT, 4: MIP6MH_CoT,
                  5: MIP6MH_BU, 6: MIP6MH_BA, 7: MIP6MH_BE}

P_BU = "ip6 src=%s dst=%s / hao %s / " % (COA, HA, HOA)       # MN -> HA from the CoA
P_BA = "ip6 src=%s dst=%s / rh2 %s / " % (HA, COA, HOA)       # HA -> MN at the CoA
P_CN = "ip6 src=%s dst=%s / hao %s / " % (COA, CN, HOA)       # MN -> CN (route optimisation)

# name, conformance ids, spec, expected scapy facts (subset of scapy_facts()).
# Only items about the encoding itself are cited here: which layout a mobile
# node or home agent sends (RFC 3776 / 4877) is the engines' to show, and is
# tested with them (tests/unit/test_bits.c, tests/unit/test_node_ipsec.c).
VALID = [
    ("bu_hao", "HAO-01 MH-03 MH-07", P_BU + "mh bu seq=7 lifetime=3600 flags=AH",
     {"src": COA, "dst": HA, "hao": HOA,
      "mh": {"type": 5, "seq": 7, "lifetime": 3600, "flags": "AH", "opts": [], "hlen": 1}}),
    ("bu_hao_kl", "MH-07", P_BU + "mh bu seq=65535 lifetime=0 flags=AHLK",
     {"hao": HOA, "mh": {"type": 5, "seq": 65535, "lifetime": 0, "flags": "AHLK"}}),
    ("bu_lifetime_max", "MH-07", P_BU + "mh bu seq=1 lifetime=262140 flags=A",
     {"mh": {"type": 5, "lifetime": 262140, "flags": "A"}}),
    ("bu_acoa", "OPT-03 OPT-06 TMR-04", P_BU + "mh bu seq=8 lifetime=3600 flags=AH acoa=" + ACOA,
     {"hao": HOA, "mh": {"type": 5, "seq": 8, "flags": "AH", "opts": [(3, ACOA)], "hlen": 3}}),
    ("bu_cn_ni_bad", "OPT-03 OPT-04 OPT-06 MH-07",
     P_CN + "mh bu seq=9 lifetime=420 flags=A ni=3,4 bad=" + BAD,
     {"dst": CN, "hao": HOA, "mh": {"type": 5, "seq": 9, "lifetime": 420, "flags": "A",
                                    "opts": [(4, (3, 4)), (5, BAD)], "hlen": 3}}),
    ("bu_unknown_opt", "OPT-01", P_BU + "mh bu seq=10 lifetime=3600 flags=AH opt=99:010203",
     {"mh": {"type": 5, "opts": [(99, "010203")]}}),
    ("bu_padn_nonzero_unknown", "OPT-01 OPT-02",
     P_BU + "mh bu seq=11 lifetime=3600 flags=AH padn=6 opt=200:aabbccdd",
     {"mh": {"type": 5, "opts": [(200, "aabbccdd")]}}),
    ("bu_reserved", "MH-01", P_BU + "mh bu seq=12 lifetime=3600 flags=AH reserved=255",
     {"mh": {"type": 5, "seq": 12, "reserved": 255}}),
    ("ba_rh2", "RH2-01 MH-03 MH-08", P_BA + "mh ba status=0 seq=7 lifetime=3600",
     {"src": HA, "dst": COA, "rh2": (HOA, 1, 2),
      "mh": {"type": 6, "status": 0, "seq": 7, "lifetime": 3600, "flags": "", "hlen": 1}}),
    ("ba_k_status1", "MH-08", P_BA + "mh ba status=1 seq=8 lifetime=1800 flags=K",
     {"mh": {"type": 6, "status": 1, "seq": 8, "lifetime": 1800, "flags": "K"}}),
    ("ba_rejected", "MH-08", P_BA + "mh ba status=174 seq=9",
     {"mh": {"type": 6, "status": 174, "seq": 9, "lifetime": 0}}),
    ("ba_bra", "OPT-03 OPT-05", P_BA + "mh ba status=0 seq=10 lifetime=3600 bra=600",
     {"mh": {"type": 6, "opts": [(2, 600)], "hlen": 1}}),
    ("ba_bad", "OPT-03 OPT-04 BA-01",
     "ip6 src=%s dst=%s / rh2 %s / mh ba status=0 seq=9 lifetime=420 bad=%s" % (CN, COA, HOA, BAD),
     {"src": CN, "mh": {"type": 6, "opts": [(5, BAD)], "hlen": 3}}),
    ("be_1", "MH-09", "ip6 src=%s dst=%s / mh be status=1 hoa=%s" % (HA, COA, HOA),
     {"mh": {"type": 7, "status": 1, "hoa": HOA, "hlen": 2}}),
    ("be_2", "MH-06 MH-09", "ip6 src=%s dst=%s / mh be status=2" % (CN, COA),
     {"mh": {"type": 7, "status": 2, "hoa": "::", "hlen": 2}}),
    ("brr", "MH-02", "ip6 src=%s dst=%s / rh2 %s / mh brr" % (CN, COA, HOA),
     {"rh2": (HOA, 1, 2), "mh": {"type": 0, "hlen": 0}}),
    ("hoti", "MH-02", "ip6 src=%s dst=%s / mh hoti cookie=%s" % (HOA, CN, CK1),
     {"mh": {"type": 1, "cookie": CK1, "hlen": 1}}),
    ("coti", "MH-02", "ip6 src=%s dst=%s / mh coti cookie=%s" % (COA, CN, CK2),
     {"mh": {"type": 2, "cookie": CK2, "hlen": 1}}),
    ("hot", "MH-02", "ip6 src=%s dst=%s / mh hot index=4660 cookie=%s token=%s" % (CN, HOA, CK1, TK),
     {"mh": {"type": 3, "index": 4660, "cookie": CK1, "token": TK, "hlen": 2}}),
    ("cot", "MH-02", "ip6 src=%s dst=%s / mh cot index=17 cookie=%s token=%s" % (CN, COA, CK2, TK),
     {"mh": {"type": 4, "index": 17, "cookie": CK2, "token": TK, "hlen": 2}}),
    ("tunnel_bu", "", "ip6 src=%s dst=%s / ip6 src=%s dst=%s / mh bu seq=13 lifetime=3600 "
     "flags=AH acoa=%s" % (COA, HA, HOA, HA, COA),
     {"src": COA, "dst": HA, "inner": {"src": HOA, "dst": HA,
                                       "mh": {"type": 5, "seq": 13, "opts": [(3, COA)]}}}),
    ("tunnel_hoti_hlim", "", "ip6 src=%s dst=%s hlim=255 / ip6 src=%s dst=%s hlim=63 / "
     "mh hoti cookie=%s" % (COA, HA, HOA, CN, CK1),
     {"hlim": 255, "inner": {"src": HOA, "dst": CN, "hlim": 63, "mh": {"type": 1, "cookie": CK1}}}),
    ("udp", "", "ip6 src=%s dst=%s / udp sport=40000 dport=40001 data=68656c6c6f" % (HOA, CN),
     {"udp": {"sport": 40000, "dport": 40001, "len": 13}}),
    ("udp_after_hao", "HAO-01", P_CN + "udp sport=40002 dport=40003 data=00010203",
     {"hao": HOA, "udp": {"sport": 40002, "dport": 40003, "len": 12}}),
    ("icmp6_echo", "", "ip6 src=%s dst=%s / icmp6 type=128 code=0 data=12340001abcd" % (COA, CN),
     {"icmp": {"type": 128, "code": 0}}),
    ("icmp6_mps_hao", "", P_BU + "icmp6 type=146 code=0 data=00070000",
     {"hao": HOA, "icmp": {"type": 146, "code": 0}}),
    ("esp_after_hao", "", P_BU + "esp spi=0x1001 seq=1 data=" + "00" * 16 + "11" * 16,
     {"hao": HOA, "esp": {"spi": 0x1001, "seq": 1}}),
    ("esp_after_rh2", "", P_BA + "esp spi=0x1002 seq=7 data=" + "22" * 32,
     {"rh2": (HOA, 1, 2), "esp": {"spi": 0x1002, "seq": 7}}),
    ("esp_tunnel", "", "ip6 src=%s dst=%s / esp spi=0x1003 seq=2 data=%s" % (COA, HA, "33" * 48),
     {"esp": {"spi": 0x1003, "seq": 2}}),
    ("frag_atomic", "", "ip6 src=%s dst=%s / frag id=9 / udp sport=7 dport=7 data=0102030405" % (COA, CN),
     {"frag": (0, 0, 9), "udp": {"sport": 7, "dport": 7}}),
    ("frag_first", "", "ip6 src=%s dst=%s / frag id=10 more / udp sport=7 dport=7 data=%s" % (
        COA, CN, "ab" * 16), {"frag": (0, 1, 10)}),
    ("frag_later", "", "ip6 src=%s dst=%s / frag offset=1448 id=11 nh=17 / raw %s" % (
        COA, CN, "cd" * 24), {"frag": (1448, 0, 11)}),
    ("ah_bu", "AH-04", P_BU + "ah spi=0x3003 seq=5 / mh bu seq=14 lifetime=3600 flags=AH",
     {"hao": HOA, "ah": (0x3003, 5, 6), "mh": {"type": 5, "seq": 14, "flags": "AH"}}),
    ("ah_ba_rh2", "AH-04", P_BA + "ah spi=0x3004 seq=6 icv=%s / mh ba status=0 seq=14 lifetime=3600"
     % ("5a" * 12), {"rh2": (HOA, 1, 2), "ah": (0x3004, 6, 4), "mh": {"type": 6, "seq": 14}}),
    ("hbh_padn_udp", "", "ip6 src=%s dst=%s / hbh padn=6 / udp sport=9 dport=9" % (COA, CN),
     {"udp": {"sport": 9, "dport": 9}}),
    ("dstopt_hao_explicit", "HAO-01", "ip6 src=%s dst=%s / dstopt padn=4 hao=%s / mh bu seq=15 "
     "lifetime=3600 flags=AH" % (COA, HA, HOA), {"hao": HOA, "mh": {"type": 5, "seq": 15}}),
    ("bu_hao_after_rh2", "HAO-02", "ip6 src=%s dst=%s / rh2 %s / hao %s / mh bu seq=16 lifetime=60 "
     "flags=A" % (COA, CN, CN, HOA), {"hao": HOA, "rh2": (CN, 1, 2), "mh": {"type": 5, "seq": 16}}),
]

# name, ids, spec, pcapcheck failure codes (one must appear), mip6sec error id
FAULTY = [
    ("csum_bad", "MH-03", P_BU + "mh bu seq=1 lifetime=3600 flags=AH csum=bad",
     ["mh-checksum"], "mh_checksum"),
    ("csum_wire_hao", "MH-03", P_BU + "mh bu seq=2 lifetime=3600 flags=AH csum=wire",
     ["mh-checksum"], "mh_checksum"),
    ("csum_wire_rh2", "MH-03", P_BA + "mh ba status=0 seq=2 lifetime=3600 csum=wire",
     ["mh-checksum"], "mh_checksum"),
    ("csum_fixed", "MH-03", P_BU + "mh bu seq=3 lifetime=3600 flags=AH csum=0x0000",
     ["mh-checksum"], "mh_checksum"),
    ("hlen_too_big", "MH-02", P_BU + "mh bu seq=4 lifetime=3600 flags=AH hlen=3",
     ["mh-hlen", "tshark-malformed"], "mh_hlen"),
    ("hlen_too_small", "MH-02", P_BU + "mh bu seq=4 lifetime=3600 flags=AH acoa=%s hlen=1" % ACOA,
     ["mh-hlen"], "mh_hlen"),
    ("hlen_below_min", "MH-05", P_BU + "mh bu seq=5 lifetime=3600 flags=AH hlen=0",
     ["mh-hlen-min"], "mh_hlen_min"),
    ("hlen_below_min_hot", "MH-05", "ip6 src=%s dst=%s / mh hot index=1 hlen=1" % (CN, HOA),
     ["mh-hlen-min"], "mh_hlen_min"),
    ("proto6", "MH-04", P_BU + "mh bu seq=6 lifetime=3600 flags=AH proto=6",
     ["mh-proto"], "mh_proto"),
    ("mh_type200", "MH-06", "ip6 src=%s dst=%s / mh 200" % (COA, CN), ["mh-type"], "mh_type"),
    ("hao_len14", "HAO-01", "ip6 src=%s dst=%s / hao %s len=14 / mh bu seq=7 lifetime=3600 flags=AH"
     % (COA, HA, HOA), ["hao-len"], "hao_len"),
    ("hao_pad0", "HAO-01", "ip6 src=%s dst=%s / hao %s pad=0 / mh bu seq=8 lifetime=3600 flags=AH"
     % (COA, HA, HOA), ["hao-align"], "hao_align"),
    ("hao_multicast", "HAO-05", "ip6 src=%s dst=%s / hao ff02::1 / mh bu seq=9 lifetime=3600 "
     "flags=AH" % (COA, HA), ["hao-addr"], "hao_addr"),
    ("hao_twice", "HAO-02", "ip6 src=%s dst=%s / dstopt padn=4 hao=%s padn=6 hao=%s / mh bu seq=10 "
     "lifetime=3600 flags=AH" % (COA, HA, HOA, HOA), ["hao-dup"], "hao_dup"),
    ("hao_in_hbh", "HAO-02", "ip6 src=%s dst=%s / hbh padn=4 hao=%s / mh bu seq=11 lifetime=3600 "
     "flags=AH" % (COA, HA, HOA), ["hao-place"], "hao_place"),
    ("hao_before_rh2", "HAO-02", "ip6 src=%s dst=%s / hao %s / rh2 %s / mh bu seq=12 lifetime=60 "
     "flags=A" % (COA, CN, HOA, CN), ["hao-place"], "hao_place"),
    ("dstopt_overrun", "HAO-01", "ip6 src=%s dst=%s / dstopt padn=4 opt=201:%s hlen=0 / "
     "mh bu seq=13 lifetime=3600 flags=AH" % (COA, HA, "20010db8000100000000000000000100"),
     ["opt-overrun"], "opt_overrun"),
    ("rh2_segleft0", "RH2-02", "ip6 src=%s dst=%s / rh2 %s segleft=0 / mh ba status=0 seq=3 "
     "lifetime=3600" % (HA, COA, HOA), ["rh2-segleft"], "rh2_segleft"),
    ("rh2_hlen4", "RH2-02", "ip6 src=%s dst=%s / rh2 %s hlen=4 / mh ba status=0 seq=4 "
     "lifetime=3600" % (HA, COA, HOA), ["rh2-len"], "rh2_len"),
    ("rh2_multicast", "RH2-02", "ip6 src=%s dst=%s / rh2 ff02::1 / mh ba status=0 seq=5 "
     "lifetime=3600" % (HA, COA), ["rh2-addr"], "rh2_addr"),
    ("rh0_segleft1", "RH2-05", "ip6 src=%s dst=%s / rh0 %s / mh brr" % (CN, COA, HOA),
     ["rh0"], "rh0"),
    ("opt_overrun", "OPT-01", P_BU + "mh bu seq=14 lifetime=3600 flags=AH rawopts=6314aabb",
     ["mh-opt-overrun"], "mh_opt_overrun"),
    ("bad_not_last", "OPT-04", P_CN + "mh bu seq=15 lifetime=420 flags=A ni=3,4 bad=%s padn=8" % BAD,
     ["mh-bad-not-last"], "mh_bad_not_last"),
    ("ni_with_h", "OPT-06", P_BU + "mh bu seq=16 lifetime=420 flags=AH ni=3,4 bad=" + BAD,
     ["mh-ni-with-h"], "mh_ni_with_h"),
    ("ni_without_bad", "OPT-06", P_CN + "mh bu seq=17 lifetime=420 flags=A ni=3,4",
     ["mh-opt-place"], "mh_opt_place"),
    ("acoa_in_ba", "OPT-06", P_BA + "mh ba status=0 seq=6 lifetime=3600 acoa=" + ACOA,
     ["mh-opt-place"], "mh_opt_place"),
    ("bra_in_bu", "OPT-05", P_BU + "mh bu seq=18 lifetime=3600 flags=AH bra=600",
     ["mh-opt-place"], "mh_opt_place"),
    ("acoa_len14", "OPT-03", P_BU + "mh bu seq=19 lifetime=3600 flags=AH opt=3:" + "20010db80002" +
     "0000" * 4, ["mh-opt-len"], "mh_opt_len"),
    ("ni_len16", "OPT-03", P_CN + "mh bu seq=20 lifetime=420 flags=A opt=4:%s bad=%s" % ("00" * 16, BAD),
     ["mh-opt-len"], "mh_opt_len"),
    ("plen_too_big", "", "ip6 src=%s dst=%s plen=200 / mh brr" % (CN, COA), ["ip6-plen"], "ip6_plen"),
]

# name, ids, spec, scapy builder: identical bytes expected
BYTE_EXACT = [
    ("bu_hao", "HAO-01 MH-03", P_BU + "mh bu seq=7 lifetime=3600 flags=AH",
     lambda: IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
     MIP6MH_BU(seq=7, flags="AH", mhtime=900)),
    ("ba_rh2", "RH2-01 MH-03", P_BA + "mh ba status=0 seq=7 lifetime=3600 flags=K",
     lambda: IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) /
     MIP6MH_BA(status=0, flags="K", seq=7, mhtime=900)),
    ("bu_acoa", "OPT-03", P_BU + "mh bu seq=8 lifetime=3600 flags=AHK acoa=" + ACOA,
     lambda: IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
     MIP6MH_BU(seq=8, flags="AHK", mhtime=900, options=[MIP6OptAltCoA(acoa=ACOA)])),
    ("bu_ni_bad", "OPT-03", P_CN + "mh bu seq=9 lifetime=420 flags=A ni=3,4 bad=" + BAD,
     lambda: IPv6(src=COA, dst=CN) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
     MIP6MH_BU(seq=9, flags="A", mhtime=105, options=[
         MIP6OptNonceIndices(olen=4, hni=3, coni=4),
         MIP6OptBindingAuthData(olen=12, authenticator=int(BAD, 16))])),
    ("ba_bad", "OPT-03", "ip6 src=%s dst=%s / rh2 %s / mh ba status=0 seq=9 lifetime=420 bad=%s"
     % (CN, COA, HOA, BAD),
     lambda: IPv6(src=CN, dst=COA) / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) /
     MIP6MH_BA(status=0, flags=0, seq=9, mhtime=105, options=[
         MIP6OptBindingAuthData(olen=12, authenticator=int(BAD, 16))])),
    ("ba_bra", "OPT-03", P_BA + "mh ba status=0 seq=10 lifetime=3600 bra=600",
     lambda: IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) /
     MIP6MH_BA(status=0, flags=0, seq=10, mhtime=900, options=[MIP6OptBRAdvice(rinter=150)])),
    ("be", "MH-09", "ip6 src=%s dst=%s / mh be status=1 hoa=%s" % (HA, COA, HOA),
     lambda: IPv6(src=HA, dst=COA) / MIP6MH_BE(status=1, ha=HOA)),
    ("brr", "MH-02", "ip6 src=%s dst=%s / rh2 %s / mh brr" % (CN, COA, HOA),
     lambda: IPv6(src=CN, dst=COA) / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) /
     MIP6MH_BRR()),
    ("hoti", "MH-02", "ip6 src=%s dst=%s / mh hoti cookie=%s" % (HOA, CN, CK1),
     lambda: IPv6(src=HOA, dst=CN) / MIP6MH_HoTI(cookie=bytes.fromhex(CK1))),
    ("coti", "MH-02", "ip6 src=%s dst=%s / mh coti cookie=%s" % (COA, CN, CK2),
     lambda: IPv6(src=COA, dst=CN) / MIP6MH_CoTI(cookie=bytes.fromhex(CK2))),
    ("hot", "MH-02", "ip6 src=%s dst=%s / mh hot index=4660 cookie=%s token=%s" % (CN, HOA, CK1, TK),
     lambda: IPv6(src=CN, dst=HOA) / MIP6MH_HoT(index=4660, cookie=bytes.fromhex(CK1),
                                                  token=bytes.fromhex(TK))),
    ("cot", "MH-02", "ip6 src=%s dst=%s / mh cot index=17 cookie=%s token=%s" % (CN, COA, CK2, TK),
     lambda: IPv6(src=CN, dst=COA) / MIP6MH_CoT(index=17, cookie=bytes.fromhex(CK2),
                                                  token=bytes.fromhex(TK))),
    ("tunnel_bu", "", "ip6 src=%s dst=%s / ip6 src=%s dst=%s / mh bu seq=13 lifetime=3600 "
     "flags=AH acoa=%s" % (COA, HA, HOA, HA, COA),
     lambda: IPv6(src=COA, dst=HA) / IPv6(src=HOA, dst=HA) /
     MIP6MH_BU(seq=13, flags="AH", mhtime=900, options=[MIP6OptAltCoA(acoa=COA)])),
    ("bu_unknown_opt", "OPT-01", P_BU + "mh bu seq=10 lifetime=3600 flags=AH opt=99:010203",
     lambda: IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
     MIP6MH_BU(seq=10, flags="AH", mhtime=900,
               options=[MIP6OptUnknown(otype=99, odata=b"\x01\x02\x03")])),
    ("esp_after_hao", "", P_BU + "esp spi=0x1001 seq=1 data=" + "00" * 16 + "11" * 16,
     lambda: IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
     ESP(spi=0x1001, seq=1, data=b"\0" * 16 + b"\x11" * 16)),
    ("udp_after_hao", "HAO-01", P_CN + "udp sport=40002 dport=40003 data=00010203",
     lambda: IPv6(src=COA, dst=CN) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
     UDP(sport=40002, dport=40003) / Raw(b"\0\1\2\3")),
    ("icmp6_echo", "", "ip6 src=%s dst=%s / icmp6 type=128 code=0 data=12340001abcd" % (COA, CN),
     lambda: IPv6(src=COA, dst=CN) / ICMPv6EchoRequest(id=0x1234, seq=1, data=b"\xab\xcd")),
]


# ---------------------------------------------------------------------------
# scapy side

def mh_layer(p):
    for cls in MH_CLASSES:
        if p.haslayer(cls):
            return p.getlayer(cls)
    return None


def opt_facts(mh):
    out = []
    for o in getattr(mh, "options", []) or []:
        if isinstance(o, (Pad1, PadN)):
            continue
        if isinstance(o, MIP6OptAltCoA):
            out.append((3, o.acoa))
        elif isinstance(o, MIP6OptBRAdvice):
            out.append((2, 4 * o.rinter))
        elif isinstance(o, MIP6OptNonceIndices):
            out.append((4, (o.hni, o.coni)))
        elif isinstance(o, MIP6OptBindingAuthData):
            out.append((5, "%024x" % o.authenticator))
        else:
            out.append((o.otype, bytes(o.odata).hex() if hasattr(o, "odata") else raw(o)[2:].hex()))
    return out


def mh_facts(mh):
    b = raw(mh)
    f = {"type": mh.mhtype, "hlen": mh.len, "proto": mh.nh, "cksum": mh.cksum, "reserved": b[3]}
    if isinstance(mh, MIP6MH_BU):
        v = int(mh.flags)
        f.update(seq=mh.seq, lifetime=4 * mh.mhtime,
                 flags="".join(l for l, bit in (("A", 64), ("H", 32), ("L", 16), ("K", 8)) if v & bit))
    elif isinstance(mh, MIP6MH_BA):
        f.update(status=mh.status, seq=mh.seq, lifetime=4 * mh.mhtime,
                 flags="K" if int(mh.flags) & 4 else "")
    elif isinstance(mh, MIP6MH_BE):
        f.update(status=mh.status, hoa=mh.ha)
    elif isinstance(mh, (MIP6MH_HoT, MIP6MH_CoT)):
        f.update(index=mh.index, cookie=bytes(mh.cookie).hex(), token=bytes(mh.token).hex())
    elif isinstance(mh, (MIP6MH_HoTI, MIP6MH_CoTI)):
        f.update(cookie=bytes(mh.cookie).hex())
    f["opts"] = opt_facts(mh)
    return f


def scapy_facts(b):
    """Field values scapy dissects from raw IPv6 bytes b."""
    p = IPv6(b)
    f = {"src": p.src, "dst": p.dst, "hlim": p.hlim}
    layer = p.payload
    while layer is not None and not isinstance(layer, (Raw,)) and layer.name != "NoPayload":
        if isinstance(layer, IPv6ExtHdrDestOpt):
            for o in layer.options:
                if isinstance(o, HAO):
                    f.setdefault("hao", o.hoa)
        elif isinstance(layer, IPv6ExtHdrRouting) and layer.type == 2:
            f["rh2"] = (layer.addresses[0] if layer.addresses else None, layer.segleft, layer.len)
        elif isinstance(layer, IPv6ExtHdrFragment):
            f["frag"] = (8 * layer.offset, layer.m, layer.id)
        elif isinstance(layer, AH):
            f["ah"] = (layer.spi, layer.seq, layer.payloadlen)
            pay = bytes(layer.payload)
            if layer.nh == 135 and len(pay) >= 3:
                cls = MH_CLS_BY_TYPE.get(pay[2], MIP6MH_Generic)
                f["mh"] = mh_facts(cls(pay))
            break
        elif isinstance(layer, ESP):
            f["esp"] = {"spi": layer.spi, "seq": layer.seq}
            break
        elif isinstance(layer, IPv6):
            f["inner"] = scapy_facts(bytes(layer))
            break
        elif isinstance(layer, MH_CLASSES):
            f["mh"] = mh_facts(layer)
            break
        elif isinstance(layer, UDP):
            f["udp"] = {"sport": layer.sport, "dport": layer.dport, "len": layer.len,
                        "chksum": layer.chksum}
            break
        elif isinstance(layer, _ICMPv6):
            f["icmp"] = {"type": layer.type, "code": layer.code, "cksum": layer.cksum}
            break
        layer = layer.payload
    return f


def scapy_recompute(b):
    """(wire checksum, scapy's recomputed checksum, note) of the upper layer.

    scapy's in6_chksum uses the HAO only when the Destination Options header
    holds exactly one option; the parsed header holds [PadN, HAO], so it is
    given back as [HAO] (autopad rebuilds the same bytes, which is checked)."""
    p = IPv6(b)
    note = []
    for d in p.iterpayloads():
        if isinstance(d, IPv6ExtHdrDestOpt):
            haos = [o for o in d.options if isinstance(o, HAO)]
            rest = [o for o in d.options if not isinstance(o, (HAO, Pad1, PadN))]
            if len(haos) == 1 and not rest and len(d.options) > 1:
                hl = 8 * (d.len + 1)
                before = raw(d)[:hl]
                old = d.options
                d.options = haos
                if raw(d)[:hl] == before:
                    note.append("DestOpt given to scapy as [HAO]")
                else:
                    d.options = old
                    note.append("HAO layout not golden: scapy keeps the wire source")
    up = None
    for d in p.iterpayloads():
        if isinstance(d, AH) and d.nh == 135:
            pay = bytes(d.payload)
            mh = MH_CLS_BY_TYPE.get(pay[2], MIP6MH_Generic)(pay)
            d.remove_payload()
            d.add_payload(mh)
            up, fld = mh, "cksum"
            break
        if isinstance(d, MH_CLASSES):
            up, fld = d, "cksum"
            break
        if isinstance(d, UDP):
            up, fld = d, "chksum"
            break
        if isinstance(d, _ICMPv6):
            up, fld = d, "cksum"
            break
    if up is None:
        return None, None, "no checksummed upper layer"
    wire = getattr(up, fld)
    setattr(up, fld, None)
    rebuilt = IPv6(raw(p))
    for d in rebuilt.iterpayloads():
        if isinstance(d, AH) and up.__class__ in MH_CLASSES:
            pay = bytes(d.payload)
            return wire, struct.unpack("!H", pay[4:6])[0], "; ".join(note)
        if isinstance(d, up.__class__):
            return wire, getattr(d, fld), "; ".join(note)
    return wire, None, "rebuilt packet lost its upper layer"


def compare(expected, got, path=""):
    """Mismatches between an expected subset and scapy's facts."""
    bad = []
    for k, v in expected.items():
        g = got.get(k) if isinstance(got, dict) else None
        if isinstance(v, dict):
            if not isinstance(g, dict):
                bad.append("%s%s: expected %r, scapy has %r" % (path, k, v, g))
            else:
                bad += compare(v, g, path + k + ".")
        else:
            if isinstance(v, str) and isinstance(g, str) and ":" in v:
                same = oc.norm_addr(v) == oc.norm_addr(g)
            elif k == "opts":
                same = [(c, oc.norm_addr(x) if isinstance(x, str) and ":" in x else x) for c, x in v] == \
                       [(c, oc.norm_addr(x) if isinstance(x, str) and ":" in x else x) for c, x in g or []]
            elif isinstance(v, tuple) and isinstance(g, tuple):
                same = tuple(oc.norm_addr(x) if isinstance(x, str) else x for x in v) == \
                       tuple(oc.norm_addr(x) if isinstance(x, str) else x for x in g)
            else:
                same = v == g
            if not same:
                bad.append("%s%s: expected %r, scapy has %r" % (path, k, v, g))
    return bad


# ---------------------------------------------------------------------------

def run_valid(tap, exe, tmp):
    pcap = os.path.join(tmp, "valid.pcap")
    rc, err = oc.mip6sec_build(exe, [s for _, _, s, _ in VALID], pcap)
    if not tap.check(rc == 0, "mip6sec build writes the %d valid specifications" % len(VALID), err):
        return
    frames = pcapcheck.read_pcap(pcap)
    tap.check(len(frames) == len(VALID), "one frame per valid specification")
    results = pcapcheck.check_pcap(pcap)
    dec = oc.mip6sec_decode(exe, pcap)
    for i, (name, ids, spec, exp) in enumerate(VALID):
        n = i + 1
        tag = "build %s%s" % (name, " [%s]" % ids if ids else "")
        b = frames[i][1]
        r = results[i]
        tap.check(r.ok, "%s: passes pcapcheck (tshark + RFC 6275 checks)" % tag,
                  ["spec: " + spec] + ["%s: %s" % f for f in r.failures])
        facts = scapy_facts(b)
        bad = compare(exp, facts)
        tap.check(not bad, "%s: scapy dissects the specified field values" % tag,
                  ["spec: " + spec] + bad)
        wire, again, note = scapy_recompute(b)
        frag = facts.get("frag")
        if wire is not None and not (frag and (frag[0] or frag[1])):
            tap.check(wire == again, "%s: scapy recomputes the same checksum 0x%04x%s" % (
                tag, wire, " (%s)" % note if note else ""),
                "written 0x%04x, scapy 0x%s" % (wire, "%04x" % again if again is not None else "?"))
        w = pcapcheck.walk_ipv6(b)
        if w.proto == 135:
            mh = b[w.proto_off:w.end]
            tap.check(pcapcheck.mh_checksum(w.pseudo_src, w.pseudo_dst, mh) ==
                      struct.unpack("!H", mh[4:6])[0],
                      "%s: checksum equals the RFC 6275 computation over %s -> %s (MH-03)" % (
                          tag, pcapcheck.ntop(w.pseudo_src), pcapcheck.ntop(w.pseudo_dst)))
        j = dec.get(n, {})
        tap.check(j.get("errors") == [], "%s: mip6sec decode reports no error" % tag,
                  j.get("errors"))


def run_faulty(tap, exe, tmp):
    pcap = os.path.join(tmp, "faulty.pcap")
    rc, err = oc.mip6sec_build(exe, [s for _, _, s, _, _ in FAULTY], pcap)
    if not tap.check(rc == 0, "mip6sec build writes the %d faulty specifications" % len(FAULTY), err):
        return
    results = pcapcheck.check_pcap(pcap)
    dec = oc.mip6sec_decode(exe, pcap)
    tap.check(len(results) == len(FAULTY) == len(dec), "one frame per faulty specification")
    for i, (name, ids, spec, codes, eid) in enumerate(FAULTY):
        tag = "faulty %s%s" % (name, " [%s]" % ids if ids else "")
        r = results[i] if i < len(results) else None
        got = r.codes() if r else []
        tap.check(any(c in got for c in codes), "%s: fails pcapcheck with %s" % (tag, " or ".join(codes)),
                  ["spec: " + spec] + ["%s: %s" % f for f in (r.failures if r else [])])
        errs = dec.get(i + 1, {}).get("errors", [])
        tap.check(eid in oc.err_ids(errs), "%s: mip6sec decode reports %s" % (tag, eid),
                  ["spec: " + spec] + errs)


def run_byte_exact(tap, exe):
    for name, ids, spec, fn in BYTE_EXACT:
        try:
            ours = oc.mip6sec_build_hex(exe, spec)
        except RuntimeError as e:
            tap.check(False, "byte-exact %s: mip6sec builds it" % name, str(e))
            continue
        theirs = raw(fn())
        diff = [i for i in range(max(len(ours), len(theirs)))
                if i >= len(ours) or i >= len(theirs) or ours[i] != theirs[i]]
        tap.check(ours == theirs, "byte-exact %s%s: mip6sec and scapy build identical %d octets" % (
            name, " [%s]" % ids if ids else "", len(theirs)),
            ["spec: " + spec, "mip6sec: " + ours.hex(), "scapy:   " + theirs.hex(),
             "first difference at octet %s" % (diff[0] if diff else "-")])


def run_esp_keys(tap, exe, tmp):
    ekey, akey = bytes(range(16)), bytes(range(0x20, 0x40))
    spi_t, spi_u = 0x2002, 0x2003
    keys = os.path.join(tmp, "keys.txt")
    with open(keys, "w") as fh:
        fh.write("# src dst spi enc-alg enc-key auth-alg auth-key\n")
        fh.write("%s %s 0x%x aes-cbc %s hmac-sha256-128 %s\n" % (COA, HA, spi_t, ekey.hex(), akey.hex()))
        fh.write("* * 0x%x aes-cbc 0x%s hmac-sha256-128 0x%s\n" % (spi_u, ekey.hex(), akey.hex()))
    sa_t = SecurityAssociation(ESP, spi=spi_t, crypt_algo="AES-CBC", crypt_key=ekey,
                               auth_algo="SHA2-256-128", auth_key=akey)
    sa_u = SecurityAssociation(ESP, spi=spi_u, crypt_algo="AES-CBC", crypt_key=ekey,
                               auth_algo="SHA2-256-128", auth_key=akey,
                               tunnel_header=IPv6(src=COA, dst=HA))
    iv = bytes(range(0xa0, 0xb0))

    def esp_body(sa, pkt, seq):
        e = sa.encrypt(pkt, seq_num=seq, iv=iv)
        b = bytes(e[ESP])
        return b[8:]                       # IV || ciphertext || ICV (after SPI and seq)

    bu = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / \
        MIP6MH_BU(seq=21, flags="AH", mhtime=900, options=[MIP6OptAltCoA(acoa=COA)])
    bad_inner = bu.copy()
    bad_inner[MIP6MH_BU].cksum = 0x1234
    tun = IPv6(src=HOA, dst=HA) / MIP6MH_BU(seq=22, flags="AH", mhtime=900,
                                            options=[MIP6OptAltCoA(acoa=COA)])
    good_t = esp_body(sa_t, bu, 1)
    flipped = good_t[:-1] + bytes([good_t[-1] ^ 1])
    cases = [
        ("transport BU after HAO (RFC 3776 3.1 layout)", "%s / hao %s / esp spi=0x%x seq=1 data=%s" % (
            "ip6 src=%s dst=%s" % (COA, HA), HOA, spi_t, good_t.hex()), None),
        ("tunnel-mode BU (RFC 4877 3 layout)", "ip6 src=%s dst=%s / esp spi=0x%x seq=1 data=%s" % (
            COA, HA, spi_u, esp_body(sa_u, tun, 1).hex()), None),
        ("transport BU with a flipped ICV bit (ESP-07)", "ip6 src=%s dst=%s / hao %s / esp spi=0x%x "
         "seq=1 data=%s" % (COA, HA, HOA, spi_t, flipped.hex()), "esp-icv-bad"),
        ("transport BU with a wrong inner MH checksum (MH-03)", "ip6 src=%s dst=%s / hao %s / esp "
         "spi=0x%x seq=2 data=%s" % (COA, HA, HOA, spi_t, esp_body(sa_t, bad_inner, 2).hex()),
         "mh-checksum"),
    ]
    pcap = os.path.join(tmp, "esp.pcap")
    rc, err = oc.mip6sec_build(exe, [c[1] for c in cases], pcap)
    if not tap.check(rc == 0, "mip6sec build frames scapy-encrypted ESP payloads", err):
        return
    res = pcapcheck.check_pcap(pcap, keys)
    plain = pcapcheck.check_pcap(pcap)
    for i, (desc, spec, want) in enumerate(cases):
        r = res[i]
        if want is None:
            tap.check(r.ok, "esp -k: %s decrypts and passes pcapcheck" % desc,
                      ["%s: %s" % f for f in r.failures])
        else:
            tap.check(want in r.codes(), "esp -k: %s fails pcapcheck with %s" % (desc, want),
                      ["%s: %s" % f for f in r.failures])
        if i < 2:
            tap.check(plain[i].ok, "esp without keys: %s passes (opaque)" % desc,
                      ["%s: %s" % f for f in plain[i].failures])
    # a key for an SPI tshark cannot decrypt (wrong encryption key) must fail
    wrong = os.path.join(tmp, "wrongkeys.txt")
    with open(wrong, "w") as fh:
        fh.write("* * 0x%x aes-cbc %s hmac-sha256-128 %s\n" % (spi_t, "ff" * 16, akey.hex()))
    r = pcapcheck.check_pcap(pcap, wrong)[0]
    tap.check(not r.ok and ("esp-not-decrypted" in r.codes() or "esp-icv-bad" in r.codes() or
                            any(c.startswith("mh-") for c in r.codes())),
              "esp -k: a wrong encryption key is reported (not decrypted)",
              ["%s: %s" % f for f in r.failures])


def main():
    tap = oc.Tap()
    exe = oc.find_mip6sec(sys.argv)
    if not exe:
        tap.bail("mip6sec executable not found (pass it as the first argument)")
    tmp = tempfile.mkdtemp(prefix="m6build-")
    try:
        run_valid(tap, exe, tmp)
        run_faulty(tap, exe, tmp)
        run_byte_exact(tap, exe)
        run_esp_keys(tap, exe, tmp)
    finally:
        shutil.rmtree(tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
