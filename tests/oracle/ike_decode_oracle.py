#!/usr/bin/python3
"""`mip6sec decode` on IKEv2 checked against tshark's ISAKMP dissector.

IKEv2 messages are laid out here from the RFC 7296 3.x figures (one of each
payload: SA with IKE and ESP proposals, KE, IDi/IDr, CERT, CERTREQ, AUTH,
Nonce, N, D, V, TSi/TSr with MH-type selectors, CP with the RFC
5026 home prefix, EAP, SK and SKF (RFC 7383)), put in UDP datagrams on port
500 and on 4500 after the non-ESP marker by `mip6sec build`, and dissected
by both `mip6sec decode --json` and tshark 4.0. For every frame the
exchange type, Message ID, flags, SPIs, the top-level payload types in
order and each payload's fields that tshark shows (proposal numbers and
protocols, transform types, IDs and key lengths, DH group, ID type, AUTH
method, notify types, Delete protocol and SPIs, traffic selectors, CFG
type and attribute types, fragment number and total) must agree. Faulty
messages must give the named error in mip6sec decode; where tshark flags
the frame as malformed too, both must see a fault.

usage: ike_decode_oracle.py PATH/TO/mip6sec
Needs /usr/bin/python3 (standard library) and tshark.
"""
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap, find_mip6sec, mip6sec_build, mip6sec_decode, tshark_fields, tint  # noqa: E402


def pl(np, body, crit=False):
    return struct.pack("!BBH", np, 0x80 if crit else 0, 4 + len(body)) + body


def chain(items):
    out = b""
    for i, (t, body) in enumerate(items):
        out += pl(items[i + 1][0] if i + 1 < len(items) else 0, body)
    return (items[0][0] if items else 0), out


def message(exch, flags, msgid, items, spii=bytes.fromhex("0011223344556677"), spir=bytes(8)):
    first, body = chain(items)
    return spii + spir + struct.pack("!BBBBII", first, 0x20, exch, flags, msgid, 28 + len(body)) + body


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


def ts4(proto, sp, ep, a, b):
    return struct.pack("!BBHHH", 7, proto, 16, sp, ep) + a + b


HOA = bytes.fromhex("20010db8000100000000000000000100")
HA = bytes.fromhex("20010db8000100000000000000000001")
IKE_SA = sa([(1, 1, b"", [(1, 20, 256), (2, 5), (4, 31)]),
             (2, 1, b"", [(1, 12, 128), (3, 12), (2, 7), (4, 19)]),
             (3, 1, b"", [(1, 28), (2, 6), (4, 32)])])
ESP_SA = sa([(1, 3, bytes.fromhex("c0010203"), [(1, 20, 128), (5, 0)]),
             (2, 3, bytes.fromhex("c0010203"), [(1, 12, 256), (3, 14), (5, 1)])])
NONCE = bytes(range(0x40, 0x60))


def messages():
    """(name, udp port, octets, expected mip6sec error id or None)."""
    m = []
    m.append(("IKE_SA_INIT request", 500, message(34, 0x08, 0, [
        (33, IKE_SA), (34, struct.pack("!HH", 31, 0) + bytes(range(32))), (40, NONCE),
        (41, notify(16388, bytes(20))), (41, notify(16389, bytes(20))), (41, notify(16430)),
        (43, bytes(range(16)))]), None))
    m.append(("IKE_SA_INIT response with ECP-256", 500, message(34, 0x20, 0, [
        (33, sa([(2, 1, b"", [(1, 12, 128), (3, 12), (2, 7), (4, 19)])])),
        (34, struct.pack("!HH", 19, 0) + bytes(range(64))), (40, NONCE[::-1]),
        (38, b"\x04" + bytes(range(20))), (41, notify(16430))], spir=bytes(range(8))), None))
    m.append(("COOKIE reply", 500, message(34, 0x20, 0, [(41, notify(16390, bytes(range(64))))]), None))
    m.append(("INVALID_KE_PAYLOAD reply", 500, message(34, 0x20, 0, [(41, notify(17, b"\x00\x13"))]), None))
    m.append(("IKE_AUTH in the clear (all payloads)", 4500, message(35, 0x08, 1, [
        (35, struct.pack("!B3x", 2) + b"mn.example.org"),
        (37, b"\x04" + bytes(range(40))), (38, b"\x04" + bytes(20)),
        (39, struct.pack("!B3x", 2) + bytes(32)),
        (47, struct.pack("!B3xHHHH", 1, 8, 0, 16, 0)),
        (33, ESP_SA),
        (44, struct.pack("!B3x", 1) + ts6(135, 0x0500, 0x06ff, HOA, HOA)),
        (45, struct.pack("!B3x", 2) + ts6(135, 65535, 0, HA, HA) +
         ts4(0, 0, 65535, bytes(4), b"\xff" * 4)),
        (41, notify(16384)), (41, notify(16396))], spir=bytes(range(8))), None))
    m.append(("IKE_AUTH response in the clear", 500, message(35, 0x20, 1, [
        (36, struct.pack("!B3x", 5) + HA),
        (39, struct.pack("!B3x", 14) + bytes(48)),
        (47, struct.pack("!B3xHH", 2, 8, 17) + HOA + b"\x40" + struct.pack("!HH", 16, 21) +
         struct.pack("!I", 3600) + HOA[:8] + bytes(8) + b"\x40"),
        (33, sa([(1, 3, bytes.fromhex("d0010203"), [(1, 20, 128), (5, 0)])])),
        (44, struct.pack("!B3x", 1) + ts6(135, 0x0500, 0x0500, HOA, HOA)),
        (45, struct.pack("!B3x", 1) + ts6(135, 0x0600, 0x0600, HA, HA))], spir=bytes(range(8))), None))
    m.append(("INFORMATIONAL with Deletes", 500, message(37, 0x08, 2, [
        (42, struct.pack("!BBHII", 3, 4, 2, 0xc0010203, 0xc0010204)), (42, struct.pack("!BBH", 1, 0, 0))],
        spir=bytes(range(8))), None))
    m.append(("EAP", 500, message(35, 0x20, 2, [(48, bytes([1, 7, 0, 9, 1]) + b"user")],
                                  spir=bytes(range(8))), None))
    # SK's Next Payload is the first inner payload (IDi), not 0
    sk = bytearray(message(35, 0x08, 1, [(46, bytes(8) + bytes(range(48)))], spir=bytes(range(8))))
    sk[28] = 35
    m.append(("SK", 4500, bytes(sk), None))
    skf = bytearray(message(35, 0x08, 1, [(53, struct.pack("!HH", 2, 3) + bytes(8) + bytes(range(40)))],
                            spir=bytes(range(8))))
    m.append(("SKF 2 of 3", 4500, bytes(skf), None))
    skf1 = bytearray(message(35, 0x08, 1, [(53, struct.pack("!HH", 1, 3) + bytes(8) + bytes(range(40)))],
                             spir=bytes(range(8))))
    skf1[28] = 35
    m.append(("SKF 1 of 3", 4500, bytes(skf1), None))
    # faults
    good = m[0][2]
    bad = bytearray(good)
    bad[28 + 2:28 + 4] = struct.pack("!H", 2000)        # SA Payload Length past the end
    m.append(("SA length past the end", 500, bytes(bad), "ike_pl_overrun"))
    m.append(("nonce of 8 octets", 500, message(34, 0x08, 0, [(40, bytes(8))]), "ike_nonce_len"))
    m.append(("message cut in a payload header", 500, good[:28 + 2], "ike_len"))
    m.append(("unknown critical payload", 500, message(37, 0x08, 3, [(200, b"\x01\x02")]), None))
    crit = bytearray(m[-1][2])
    crit[29] = 0x80
    m[-1] = ("unknown critical payload", 500, bytes(crit), "ike_pl_critical")
    m.append(("Key Length in TLV form", 500, message(34, 0x08, 0, [(33, struct.pack("!BBHBBBB", 0, 0, 22, 1, 1, 0, 1) +
              struct.pack("!BBHBBHHHH", 0, 0, 14, 1, 0, 12, 0x000e, 0x0002, 0x0080))]), "ike_attr_format"))
    return m


FIELDS = ["isakmp.exchangetype", "isakmp.messageid", "isakmp.flags", "isakmp.ispi", "isakmp.rspi",
          "isakmp.typepayload", "isakmp.prop.number", "isakmp.prop.protoid", "isakmp.tf.type",
          "isakmp.tf.id.encr", "isakmp.tf.id.prf", "isakmp.tf.id.integ", "isakmp.tf.id.dh",
          "isakmp.tf.id.esn", "isakmp.ike2.attr.key_length", "isakmp.key_exchange.dh_group",
          "isakmp.id.type", "isakmp.auth.method", "isakmp.notify.msgtype", "isakmp.delete.protoid",
          "isakmp.delete.spi", "isakmp.ts.type", "isakmp.ts.protoid", "isakmp.ts.start_port",
          "isakmp.ts.end_port", "isakmp.ts.start_ipv6", "isakmp.ts.end_ipv6", "isakmp.ts.start_ipv4",
          "isakmp.ts.end_ipv4", "isakmp.cfg.type", "isakmp.cfg.attr.type", "isakmp.frag.number",
          "isakmp.frag.total", "isakmp.cert.encoding", "isakmp.certreq.type", "_ws.malformed",
          "_ws.expert.severity"]


def ours(ike):
    """The same facts from mip6sec's JSON."""
    f = {k: [] for k in FIELDS}
    f["isakmp.exchangetype"] = [ike["exchange_type"]]
    f["isakmp.messageid"] = [ike["msgid"]]
    fl = 0
    for x in ike["flags"]:
        fl |= {"I": 0x08, "V": 0x10, "R": 0x20}[x]
    f["isakmp.flags"] = [fl]
    f["isakmp.ispi"] = [ike["spi_i"]]
    f["isakmp.rspi"] = [ike["spi_r"]]
    for p in ike["payloads"]:
        f["isakmp.typepayload"].append(p["code"])
        for pr in p.get("proposals", []):
            f["isakmp.prop.number"].append(pr["num"])
            f["isakmp.prop.protoid"].append({"IKE": 1, "AH": 2, "ESP": 3}.get(pr["protocol"], pr["protocol"]))
            for x in pr["transforms"]:
                f["isakmp.tf.type"].append({"ENCR": 1, "PRF": 2, "INTEG": 3, "DH": 4, "ESN": 5}.get(x["type"], x["type"]))
                f["isakmp.tf.id." + x["type"].lower()].append(x["id"])
                if "key_length" in x:
                    f["isakmp.ike2.attr.key_length"].append(x["key_length"])
        if p["code"] == 34 and "group" in p:
            f["isakmp.key_exchange.dh_group"].append(p["group"])
        if "id_type" in p:
            f["isakmp.id.type"].append(ID_TYPES.get(p["id_type"], p["id_type"]))
        if "method" in p:
            f["isakmp.auth.method"].append(AUTH.get(p["method"], p["method"]))
        if "notify_type" in p:
            f["isakmp.notify.msgtype"].append(p["notify_type"])
        if p["code"] == 42 and "spis" in p:
            f["isakmp.delete.protoid"].append({"IKE": 1, "AH": 2, "ESP": 3}.get(p["protocol"], p["protocol"]))
            f["isakmp.delete.spi"] += [int(s, 16) for s in p["spis"]]
        for t in p.get("selectors", []):
            v6 = t["type"] == "TS_IPV6_ADDR_RANGE"
            f["isakmp.ts.type"].append(8 if v6 else 7)
            f["isakmp.ts.protoid"].append(t["proto"])
            f["isakmp.ts.start_port"].append(t["start_port"])
            f["isakmp.ts.end_port"].append(t["end_port"])
            f["isakmp.ts.start_ipv6" if v6 else "isakmp.ts.start_ipv4"].append(t["start"])
            f["isakmp.ts.end_ipv6" if v6 else "isakmp.ts.end_ipv4"].append(t["end"])
        if "cfg_type" in p:
            f["isakmp.cfg.type"].append({"CFG_REQUEST": 1, "CFG_REPLY": 2, "CFG_SET": 3, "CFG_ACK": 4}[p["cfg_type"]])
            f["isakmp.cfg.attr.type"] += [CP_ATTRS.get(a["type"], a["type"]) for a in p["attributes"]]
        if "fragment" in p:
            f["isakmp.frag.number"].append(p["fragment"])
            f["isakmp.frag.total"].append(p["total"])
        if p["code"] == 37:
            f["isakmp.cert.encoding"].append(4)
        if p["code"] == 38:
            f["isakmp.certreq.type"].append(4)
    return f


ID_TYPES = {"ID_IPV4_ADDR": 1, "ID_FQDN": 2, "ID_RFC822_ADDR": 3, "ID_IPV6_ADDR": 5, "ID_DER_ASN1_DN": 9,
            "ID_KEY_ID": 11}
AUTH = {"RSA_SIG": 1, "PSK": 2, "DSS_SIG": 3, "ECDSA_SHA256_P256": 9, "DIGITAL_SIGNATURE": 14}
CP_ATTRS = {"INTERNAL_IP4_ADDRESS": 1, "INTERNAL_IP6_ADDRESS": 8, "MIP6_HOME_PREFIX": 16}


def theirs(row):
    f = {}
    for k in FIELDS:
        vals = row.get(k, [])
        if k in ("isakmp.ispi", "isakmp.rspi", "isakmp.ts.start_ipv6", "isakmp.ts.end_ipv6",
                 "isakmp.ts.start_ipv4", "isakmp.ts.end_ipv4", "_ws.malformed", "_ws.expert.severity"):
            f[k] = vals
        elif k == "isakmp.delete.spi":
            f[k] = [int(v, 16) for v in vals]
        elif k == "isakmp.typepayload":
            # proposals (2) and transforms (3) are substructures, not payloads
            f[k] = [tint(v) for v in vals if tint(v) not in (2, 3)]
        else:
            f[k] = [tint(v) for v in vals]
    return f


def main():
    # 4877-06 (MH-type selectors), IKE-18 (OPAQUE ports) and IKE-23 (SKF) are
    # among the fields compared with tshark
    tap = Tap()
    exe = find_mip6sec(sys.argv)
    if not exe:
        tap.bail("no mip6sec executable")
    msgs = messages()
    specs = []
    for name, port, octets, _ in msgs:
        data = (bytes(4) if port == 4500 else b"") + octets
        specs.append("ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / udp sport=%d dport=%d data=%s" %
                     (port, port, data.hex()))
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "ike.pcap")
        rc, err = mip6sec_build(exe, specs, pcap)
        if rc:
            tap.bail("mip6sec build: " + err)
        dec = mip6sec_decode(exe, pcap)
        ts = tshark_fields(pcap, FIELDS)
    for i, (name, port, octets, want_err) in enumerate(msgs, 1):
        j, row = dec.get(i, {}), ts.get(i, {})
        ike = j.get("ike")
        errs = [e.split(":", 1)[0] for e in j.get("errors", [])]
        if not tap.check(ike is not None, "%s: mip6sec decode sees IKE on port %d" % (name, port), j):
            continue
        if want_err:
            tap.check(want_err in errs, "%s: mip6sec reports %s" % (name, want_err), errs)
            if row.get("_ws.malformed") or "error" in [s.lower() for s in row.get("_ws.expert.severity", [])]:
                tap.check(bool(errs), "%s: both see a fault" % name, errs)
            continue
        tap.check(not errs, "%s: no fault" % name, errs)
        a, b = ours(ike), theirs(row)
        diff = [("%s: mip6sec %s, tshark %s" % (k, a[k], b[k])) for k in FIELDS
                if not k.startswith("_ws") and a[k] != b[k]]
        # tshark shows SPIs as hex, IPv6 addresses canonical: compare normalised
        tap.check(not diff, "%s: %d payloads agree with tshark" % (name, len(a["isakmp.typepayload"])), diff)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
