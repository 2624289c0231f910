#!/usr/bin/env python3
"""IKE messages in simulated captures, decrypted by tshark and by
`mip6sec decode --keys` with the run's own ikev2_decryption_table.

For each scenario, `mip6sec sim --out` writes one pcap per link and the
IKE SAs' keys in the format of strongSwan's save-keys plugin. Every IKE
message after IKE_SA_INIT must be decrypted by tshark 4.0 (with the table
as its ikev2_decryption_table preference, its integrity check correct) and
by mip6sec decode (icv_ok), and the two must list the same payloads in the
same order (outside and inside the SK payload) with the same notify types.
The tables also go to mip6sec decode as they are, one file, as a user would
pass strongSwan's.

usage: ike_decrypt_oracle.py MIP6SEC SCENARIO...
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap, mip6sec_decode, tshark_fields  # noqa: E402

IKE_SA_INIT = 34
SUB_PAYLOADS = {2, 3}           # proposal and transform: tshark lists them as payloads too


def tshark_view(pcap, table):
    extra = []
    for line in open(table):
        if line.strip() and not line.startswith("#"):
            extra += ["-o", "uat:ikev2_decryption_table:" + line.strip()]
    rows = tshark_fields(pcap, ["isakmp.exchangetype", "isakmp.typepayload", "isakmp.notify.msgtype",
                                "isakmp.enc.decrypted", "isakmp.ikev2.integrity_checksum"],
                         ["-Y", "isakmp"] + extra)
    return rows


def ours(frame):
    ike = frame.get("ike") or {}
    outer = [p["code"] for p in ike.get("payloads", [])]
    inner = [p["code"] for p in ike.get("decrypted", [])]
    notes = [p.get("notify_type", p.get("notify")) for p in ike.get("payloads", []) + ike.get("decrypted", [])
             if p["code"] == 41]
    return ike, outer + inner, notes


def main():
    exe, scenarios = sys.argv[1], sys.argv[2:]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="mip6sec-ike-")
    try:
        for scn in scenarios:
            name = os.path.splitext(os.path.basename(scn))[0]
            out = os.path.join(tmp, name)
            r = subprocess.run([exe, "sim", scn, "--out", out, "--quiet"], capture_output=True, text=True)
            tap.check(r.returncode == 0, "%s: simulation and its expectations pass" % name, r.stdout[-2000:])
            table = os.path.join(out, "ikev2_decryption_table")
            n_sa = sum(1 for l in open(table) if l.strip()) if os.path.exists(table) else 0
            tap.check(n_sa > 0, "%s: ikev2_decryption_table written (%d IKE SAs)" % (name, n_sa))
            if not n_sa:
                continue
            total = 0
            for p in sorted(f for f in os.listdir(out) if f.endswith(".pcap")):
                path = os.path.join(out, p)
                ts = tshark_view(path, table)
                if not ts:
                    continue
                dec = mip6sec_decode(exe, path, table)
                bad = []
                for fn, row in sorted(ts.items()):
                    exch = int(row["isakmp.exchangetype"][0]) if row["isakmp.exchangetype"] else None
                    ike, types, notes = ours(dec.get(fn, {}))
                    t_types = [int(x) for x in row["isakmp.typepayload"] if int(x) not in SUB_PAYLOADS]
                    if exch != IKE_SA_INIT:
                        total += 1
                        if row["isakmp.enc.decrypted"] != ["1"]:
                            bad.append("frame %d: tshark did not decrypt it" % fn)
                        if not ike.get("icv_ok"):
                            bad.append("frame %d: mip6sec decode: %s" % (fn, ike.get("decrypt_error", "not decrypted")))
                    if types != t_types:
                        bad.append("frame %d: payloads %s, tshark %s" % (fn, types, t_types))
                    t_notes = [int(x) for x in row["isakmp.notify.msgtype"]]
                    if [n for n in notes if isinstance(n, int)] != t_notes:
                        bad.append("frame %d: notify types %s, tshark %s" % (fn, notes, t_notes))
                tap.check(not bad, "%s/%s: %d IKE messages, payloads and notifies agree with tshark"
                          % (name, p, len(ts)), bad[:6])
            tap.check(total > 0, "%s: %d encrypted IKE messages decrypted by both" % (name, total))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
