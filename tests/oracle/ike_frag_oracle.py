#!/usr/bin/env python3
"""IKE fragmentation (RFC 7383) in simulated captures, read by
tshark 4.0 and by `mip6sec decode --keys`, with the run's own
ikev2_decryption_table.

For each scenario, `mip6sec sim --out` writes one pcap per link and the
IKE SAs' keys. On every link that carries IKE_AUTH: each IKE_AUTH message
goes as SKF fragments (type 53, Total at least 2), one per IPv6 datagram
of at most 1280 octets (2.5.1); tshark decrypts every fragment and its
reassembly of each set lists the identity, CERT and AUTH payloads; mip6sec
decode verifies every fragment's ICV. No SK payload in IKE_AUTH: with
fragmentation negotiated nothing that big goes whole.

usage: ike_frag_oracle.py MIP6SEC SCENARIO...
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap, mip6sec_decode, tshark_fields  # noqa: E402

IKE_AUTH = 35
SK, SKF = 46, 53
IDI, IDR, CERT, AUTH = 35, 36, 37, 39


def tshark_view(pcap, table):
    extra = []
    for line in open(table):
        if line.strip() and not line.startswith("#"):
            extra += ["-o", "uat:ikev2_decryption_table:" + line.strip()]
    return tshark_fields(pcap, ["ipv6.plen", "isakmp.exchangetype", "isakmp.typepayload",
                                "isakmp.enc.decrypted", "isakmp.frag.number", "isakmp.frag.total",
                                "isakmp.flags"],
                         ["-Y", "isakmp.exchangetype == 35"] + extra)


def main():
    exe, scenarios = sys.argv[1], sys.argv[2:]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="mip6sec-frag-")
    try:
        for scn in scenarios:
            name = os.path.splitext(os.path.basename(scn))[0]
            out = os.path.join(tmp, name)
            r = subprocess.run([exe, "sim", scn, "--out", out, "--quiet"], capture_output=True, text=True)
            tap.check(r.returncode == 0, "%s: simulation and its expectations pass" % name, r.stdout[-2000:])
            table = os.path.join(out, "ikev2_decryption_table")
            if not os.path.exists(table):
                tap.check(False, "%s: ikev2_decryption_table written" % name)
                continue
            sets = 0
            for p in sorted(f for f in os.listdir(out) if f.endswith(".pcap")):
                path = os.path.join(out, p)
                ts = tshark_view(path, table)
                if not ts:
                    continue
                dec = mip6sec_decode(exe, path, table)
                bad = []
                for fn, row in sorted(ts.items()):
                    types = [int(x) for x in row["isakmp.typepayload"]]
                    plen = int(row["ipv6.plen"][0]) if row["ipv6.plen"] else 0
                    if not types or types[0] != SKF:
                        bad.append("frame %d: IKE_AUTH without SKF: %s" % (fn, types))
                        continue
                    if 40 + plen > 1280:
                        bad.append("frame %d: %d-octet datagram" % (fn, 40 + plen))
                    num = int(row["isakmp.frag.number"][0])
                    total = int(row["isakmp.frag.total"][0])
                    if total < 2:
                        bad.append("frame %d: Total Fragments %d" % (fn, total))
                    if row["isakmp.enc.decrypted"] != ["1"]:
                        bad.append("frame %d: tshark did not decrypt it" % fn)
                    ike = (dec.get(fn) or {}).get("ike") or {}
                    if not ike.get("icv_ok"):
                        bad.append("frame %d: mip6sec decode: %s" % (fn, ike.get("decrypt_error", "no ICV check")))
                    if num == total:
                        # tshark shows the reassembled message with the last fragment
                        sets += 1
                        inner = set(types[1:])
                        if not ({IDI, IDR} & inner and CERT in inner and AUTH in inner):
                            bad.append("frame %d: reassembled payloads %s" % (fn, types[1:]))
                # IKE-23: fragments decrypted one by one, within 1280 octets
                tap.check(not bad, "%s/%s: %d IKE_AUTH fragments, each decrypted and at most 1280 octets"
                          % (name, p, len(ts)), bad[:6])
            tap.check(sets >= 2, "%s: %d fragmented IKE_AUTH messages reassembled by tshark" % (name, sets))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
