#!/usr/bin/python3
"""Regenerate fuzz/seeds/ike_msg/ and fuzz/seeds/ike_sa/ (seeds of
fuzz/fuzz_ike_msg.c and fuzz/fuzz_ike_sa.c).

  python3 fuzz/make-ike-seeds.py [PATH/TO/ike_oracle_tool]

Messages are laid out here from the RFC 7296 3.x figures (the same ones as
tests/unit/test_ike_msg.c); those with an SK or SKF payload are sealed by
tests/oracle/ike_oracle_tool with the keys fuzz_ike_msg.c uses, so that the
harness opens them and reaches the inner payloads. The other modes of the
harness (0xE0 bare chain, 0xE1 sealing, 0xE2 reassembly script) get a few
inputs each. The directory is emptied first (except regress-* files), so
the result depends only on this script and the tool. Python standard
library only.
"""
import glob
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "ike_msg")
OUT_SA = os.path.join(HERE, "seeds", "ike_sa")

# fuzz_ike_msg.c: encryption key octets 0..35, integrity key 0x40..0x5f
EKEY = bytes(range(36))
AKEY = bytes(range(0x40, 0x60))
SUITES = {"gcm": (20, 256, 0, 36), "chacha": (28, 0, 0, 36), "cbc": (12, 128, 12, 16)}


def pl(np, body, crit=False):
    return struct.pack("!BBH", np, 0x80 if crit else 0, 4 + len(body)) + body


def chain(items):
    """items: [(type, body)] -> (first type, octets) with Next Payload chained."""
    out = b""
    for i, (t, body) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += pl(nxt, body)
    return (items[0][0] if items else 0), out


def hdr(np, exch, flags, msgid, length, spii=bytes.fromhex("0011223344556677"), spir=bytes(8)):
    return spii + spir + struct.pack("!BBBBII", np, 0x20, exch, flags, msgid, length)


def message(exch, flags, msgid, items, spir=bytes(8)):
    first, body = chain(items)
    return hdr(first, exch, flags, msgid, 28 + len(body), spir=spir) + body


def xf(t, tid, keylen=None, last=False):
    attr = struct.pack("!HH", 0x800e, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attr), t, 0, tid) + attr


def prop(num, proto, spi, xfs, last):
    body = b"".join(xf(*x, last=(i == len(xfs) - 1)) for i, x in enumerate(xfs))
    return struct.pack("!BBHBBBB", 0 if last else 2, 0, 8 + len(spi) + len(body), num, proto,
                       len(spi), len(xfs)) + spi + body


def sa(props):
    return b"".join(prop(*p, last=(i == len(props) - 1)) for i, p in enumerate(props))


def notify(ntype, data=b"", proto=0, spi=b""):
    return struct.pack("!BBH", proto, len(spi), ntype) + spi + data


def ts6(proto, sp, ep, a, b):
    return struct.pack("!BBHHH", 8, proto, 40, sp, ep) + a + b


HOA = bytes.fromhex("20010db8000100000000000000000100")
HA = bytes.fromhex("20010db8000100000000000000000001")
IKE_SA = sa([(1, 1, b"", [(1, 20, 256), (2, 5), (4, 31)]),
             (2, 1, b"", [(1, 12, 128), (3, 12), (2, 5), (4, 14)])])
ESP_SA = sa([(1, 3, bytes.fromhex("c0010203"), [(1, 20, 128), (5, 0)])])


def auth_items():
    return [(35, struct.pack("!B3x", 2) + b"mn.example.org"),
            (39, struct.pack("!B3x", 2) + bytes(range(0x10, 0x30))),
            (47, struct.pack("!B3xHHHH", 1, 8, 0, 16, 0)),
            (33, ESP_SA),
            (44, struct.pack("!B3x", 1) + ts6(135, 0x0500, 0x06ff, HOA, HOA)),
            (45, struct.pack("!B3x", 2) + ts6(135, 65535, 0, HA, HA) +
             struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + bytes(4) + b"\xff" * 4),
            (41, notify(16384))]


class Tool:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def seal(self, suite, header, np, content, frag=None, iv=None):
        e, b, i, ivl = SUITES[suite]
        iv = iv or bytes(range(0xb0, 0xb0 + (8 if ivl == 36 else 16)))
        words = ["sealf" if frag else "seal", e, b, i, EKEY[:ivl].hex(), AKEY.hex() if i else "-",
                 iv.hex(), header.hex(), np] + (list(frag) if frag else []) + [content.hex() or "-"]
        self.p.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.p.stdin.flush()
        ans = self.p.stdout.readline().strip()
        if ans.startswith("err"):
            raise SystemExit("make-ike-seeds: tool says " + ans)
        return bytes.fromhex(ans)


def find_tool():
    if len(sys.argv) > 1:
        return sys.argv[1]
    for c in sorted(glob.glob(os.path.join(HERE, "..", "build*", "tests", "oracle", "ike_oracle_tool"))):
        if os.access(c, os.X_OK):
            return c
    raise SystemExit("make-ike-seeds: no ike_oracle_tool; build one or give its path")


def main():
    tool = Tool(find_tool())
    seeds = {}
    nonce = bytes(range(0x40, 0x60))
    ke = bytes(range(32))
    seeds["init-req"] = message(34, 0x08, 0, [(33, IKE_SA), (34, struct.pack("!HH", 31, 0) + ke), (40, nonce),
                                              (41, notify(16388, bytes(20))), (41, notify(16389, bytes(20))),
                                              (41, notify(16430)), (43, bytes(range(16)))])
    seeds["init-resp"] = message(34, 0x20, 0, [(33, sa([(1, 1, b"", [(1, 20, 256), (2, 5), (4, 31)])])),
                                               (34, struct.pack("!HH", 31, 0) + ke[::-1]), (40, nonce[::-1]),
                                               (41, notify(16430))], spir=bytes(range(8)))
    seeds["init-cookie"] = message(34, 0x20, 0, [(41, notify(16390, bytes(range(64))))])
    seeds["init-req-with-cookie"] = message(34, 0x08, 0, [(41, notify(16390, bytes(range(64)))), (33, IKE_SA),
                                                          (34, struct.pack("!HH", 31, 0) + ke), (40, nonce)])
    seeds["init-invalid-ke"] = message(34, 0x20, 0, [(41, notify(17, struct.pack("!H", 19)))])
    seeds["init-ecp256"] = message(34, 0x08, 0, [(33, IKE_SA), (34, struct.pack("!HH", 19, 0) + bytes(64)),
                                                 (40, nonce)])
    seeds["unknown-critical"] = message(37, 0x08, 2, [(200, b"\x01\x02")])
    seeds["unknown-skipped"] = hdr(200, 37, 0x08, 2, 28 + 6 + 5) + pl(43, b"\x01\x02") + pl(0, b"\x01")
    seeds["version3"] = hdr(0, 34, 8, 0, 28)[:17] + b"\x30" + hdr(0, 34, 8, 0, 28)[18:]
    seeds["truncated"] = seeds["init-req"][:60]
    # RFC 7634 Appendix B (another key: parse only)
    seeds["rfc7634-b"] = bytes.fromhex(
        "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250000000009000000452900002910111213141516176103947"
        "01f8d017f7c12924889" "6b71bfe25236efd7cdc67066906315b2")

    first, content = chain(auth_items())
    for name in SUITES:
        h = hdr(0, 35, 0x08, 1, 0)
        seeds["auth-" + name] = tool.seal(name, h, first, content)
        seeds["auth-resp-" + name] = tool.seal(name, hdr(0, 35, 0x20, 1, 0, spir=bytes(range(8))), 36,
                                               chain([(36, struct.pack("!B3x", 2) + b"ha.example.org"),
                                                      (39, struct.pack("!B3x", 2) + bytes(32)),
                                                      (47, struct.pack("!B3xHH", 2, 8, 17) + HOA + b"\x40" +
                                                       struct.pack("!HH", 16, 21) + struct.pack("!I", 3600) +
                                                       HOA[:8] + bytes(8) + b"\x40"),
                                                      (33, ESP_SA)])[1])
        # fragments of the IKE_AUTH request (RFC 7383)
        half = len(content) // 2
        seeds["auth-frag1-" + name] = tool.seal(name, h, first, content[:half], frag=(1, 2))
        seeds["auth-frag2-" + name] = tool.seal(name, h, 0, content[half:], frag=(2, 2))
    f, c = chain([(42, struct.pack("!BBHII", 3, 4, 2, 0xc0010203, 0xc0010204)), (42, struct.pack("!BBH", 1, 0, 0))])
    seeds["info-delete"] = tool.seal("gcm", hdr(0, 37, 0x08, 2, 0), f, c)
    seeds["info-empty"] = tool.seal("chacha", hdr(0, 37, 0x08, 3, 0), 0, b"")
    f, c = chain([(33, ESP_SA), (40, nonce), (34, struct.pack("!HH", 31, 0) + ke),
                  (44, struct.pack("!B3x", 1) + ts6(0, 0, 65535, HOA, HOA)),
                  (45, struct.pack("!B3x", 1) + ts6(0, 0, 65535, bytes(16), b"\xff" * 16)),
                  (41, notify(16393, proto=3, spi=bytes.fromhex("c0010203")))])
    seeds["create-child-rekey"] = tool.seal("cbc", hdr(0, 36, 0x08, 4, 0), f, c)
    f, c = chain([(48, bytes([1, 7, 0, 9, 1]) + b"user"), (41, notify(16385, struct.pack("!I", 10)))])
    seeds["auth-eap"] = tool.seal("gcm", hdr(0, 35, 0x20, 2, 0), f, c)

    # 0xE0: bare chains
    f, c = chain(auth_items())
    seeds["chain-auth"] = bytes([0xE0, f]) + c
    f, c = chain([(38, b"\x04" + bytes(20)), (37, b"\x04\x30\x03\x02\x01\x05"), (48, bytes([3, 1, 0, 4]))])
    seeds["chain-cert"] = bytes([0xE0, f]) + c
    # 0xE1: sealing
    for s in range(6):
        seeds["seal-%d" % s] = bytes([0xE1, s]) + bytes(range(s * 7))
    # 0xE2: reassembly scripts (msgid, num, total, np, len, fill)
    rec = lambda *r: bytes(r)  # noqa: E731
    seeds["frag-in-order"] = bytes([0xE2, 0]) + rec(1, 1, 3, 35, 10, 1) + rec(1, 2, 3, 0, 10, 2) + rec(1, 3, 3, 0, 5, 3)
    seeds["frag-restart"] = bytes([0xE2, 0]) + rec(1, 2, 2, 0, 9, 1) + rec(1, 1, 4, 35, 9, 2) + rec(1, 1, 2, 35, 9, 3) + \
        rec(1, 2, 4, 0, 9, 4) + rec(1, 2, 4, 0, 9, 4) + rec(1, 3, 4, 0, 9, 5) + rec(1, 4, 4, 0, 9, 6)
    seeds["frag-bad"] = bytes([0xE2, 0]) + rec(1, 0, 3, 0, 1, 1) + rec(1, 4, 3, 0, 1, 1) + rec(1, 1, 65, 0, 1, 1) + \
        rec(2, 1, 2, 35, 63, 9) + rec(1, 2, 2, 0, 63, 9)

    # fuzz_ike_sa: 0 IKE_SA_INIT request, 1 IKE_AUTH request, 2 IKE_AUTH
    # plaintext, 3 the same after a genuine IDi and AUTH, 4 a request on
    # the established SA, 5 a response to the established initiator
    sa_seeds = {}
    for name in ("init-req", "init-ecp256", "init-req-with-cookie", "unknown-critical"):
        sa_seeds["init-" + name] = b"\x00" + seeds[name]
    sa_seeds["init-cbc-ecp256"] = b"\x00" + message(34, 0x08, 0, [
        (33, sa([(1, 1, b"", [(1, 12, 128), (3, 12), (2, 5), (4, 19)])])),
        (34, struct.pack("!HH", 19, 0) + bytes.fromhex(
            "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
            "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3")), (40, nonce)])
    sa_seeds["init-wrong-group"] = b"\x00" + message(34, 0x08, 0, [
        (33, IKE_SA), (34, struct.pack("!HH", 14, 0) + bytes(range(256))), (40, nonce)])
    sa_seeds["auth-sealed"] = b"\x01" + seeds["auth-gcm"]
    f, c = chain(auth_items())
    sa_seeds["auth-plain"] = bytes([2, f]) + c
    child = [(33, ESP_SA), (44, struct.pack("!B3x", 1) + ts6(135, 0x0500, 0x0500, HOA, HOA)),
             (45, struct.pack("!B3x", 1) + ts6(135, 0x0600, 0x0600, HA, HA)), (41, notify(16384))]
    f, c = chain(child)
    sa_seeds["auth-child"] = bytes([3, f]) + c
    f, c = chain([(33, sa([(1, 3, bytes.fromhex("c0010203"), [(1, 12, 128), (3, 12), (5, 0)])]))] + child[1:])
    sa_seeds["auth-child-cbc"] = bytes([3, f]) + c
    f, c = chain([child[0], (44, struct.pack("!B3x", 1) + ts6(0, 0, 65535, bytes(16), b"\xff" * 16))] + child[2:])
    sa_seeds["auth-child-wide-ts"] = bytes([3, f]) + c
    f, c = chain([(47, struct.pack("!B3xHHHH", 1, 8, 0, 16, 0))] + child)
    sa_seeds["auth-child-cp"] = bytes([3, f]) + c

    # 4: requests on the established IKE SA (octet 1: odd = CREATE_CHILD_SA)
    ts_i = (44, struct.pack("!B3x", 1) + ts6(135, 0x0500, 0x0500, HOA, HOA))
    ts_r = (45, struct.pack("!B3x", 1) + ts6(135, 0x0600, 0x0600, HA, HA))
    f, c = chain([(33, ESP_SA), (40, nonce), ts_i, ts_r])
    sa_seeds["est-new-child"] = bytes([4, 1, f]) + c
    f, c = chain([(41, notify(16393, proto=3, spi=bytes.fromhex("c0000001"))), (33, ESP_SA), (40, nonce),
                  ts_i, ts_r])
    sa_seeds["est-rekey-child"] = bytes([4, 1, f]) + c
    pfs = sa([(1, 3, bytes.fromhex("c0010204"), [(1, 20, 128), (4, 31), (5, 0)])])
    f, c = chain([(41, notify(16393, proto=3, spi=bytes.fromhex("c0000001"))), (33, pfs), (40, nonce),
                  (34, struct.pack("!HH", 31, 0) + bytes(range(9, 41))), ts_i, ts_r])
    sa_seeds["est-rekey-child-pfs"] = bytes([4, 1, f]) + c
    f, c = chain([(33, sa([(1, 1, bytes(range(1, 9)), [(1, 20, 256), (2, 5), (4, 31)])])), (40, nonce),
                  (34, struct.pack("!HH", 31, 0) + bytes(range(9, 41)))])
    sa_seeds["est-rekey-ike"] = bytes([4, 1, f]) + c
    f, c = chain([(42, struct.pack("!BBHI", 3, 4, 1, 0xc0000001))])
    sa_seeds["est-delete-child"] = bytes([4, 0, f]) + c
    f, c = chain([(42, struct.pack("!BBH", 1, 0, 0))])
    sa_seeds["est-delete-ike"] = bytes([4, 0, f]) + c
    sa_seeds["est-empty"] = bytes([4, 0, 0])
    # 5: responses to the established initiator's requests (octet 1: which)
    sa_seeds["resp-empty"] = bytes([5, 0, 0])
    f, c = chain([(42, struct.pack("!BBHI", 3, 4, 1, 0xd0000001))])
    sa_seeds["resp-delete-child"] = bytes([5, 1, f]) + c
    resp_sa = sa([(1, 3, bytes.fromhex("d0010203"), [(1, 20, 128), (5, 0)])])
    f, c = chain([(33, resp_sa), (40, nonce), ts_i, ts_r])
    sa_seeds["resp-new-child"] = bytes([5, 2, f]) + c
    sa_seeds["resp-rekey-child"] = bytes([5, 3, f]) + c
    resp_pfs = sa([(1, 3, bytes.fromhex("d0010204"), [(1, 20, 128), (4, 31), (5, 0)])])
    f, c = chain([(33, resp_pfs), (40, nonce), (34, struct.pack("!HH", 31, 0) + bytes(range(9, 41))), ts_i, ts_r])
    sa_seeds["resp-rekey-child-pfs"] = bytes([5, 4, f]) + c
    f, c = chain([(33, sa([(1, 1, bytes(range(11, 19)), [(1, 20, 256), (2, 5), (4, 31)])])), (40, nonce),
                  (34, struct.pack("!HH", 31, 0) + bytes(range(9, 41)))])
    sa_seeds["resp-rekey-ike"] = bytes([5, 5, f]) + c
    f, c = chain([(41, notify(43))])
    sa_seeds["resp-temporary-failure"] = bytes([5, 5, f]) + c

    for out, group in ((OUT, seeds), (OUT_SA, sa_seeds)):
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(out):
            if not f.startswith("regress-"):
                os.remove(os.path.join(out, f))
        for name, data in sorted(group.items()):
            with open(os.path.join(out, name), "wb") as fh:
                fh.write(data)
        print("make-ike-seeds: %d seeds in %s" % (len(group), os.path.relpath(out)))


if __name__ == "__main__":
    main()
