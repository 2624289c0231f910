#!/usr/bin/env python3
"""The K bit against what the key managers can do.

tests/sim/ike_mobike.scn has both ends k_capable with MOBIKE. This runs it
and three variants of it: the home agent without MOBIKE, the mobile node
without MOBIKE, and the home agent not k_capable. Only in the first does
the IKE SA follow the mobile node (one IKE SA, moved three times); in the
others K is not agreed and each move makes a new IKE SA from the new
care-of address. The wire is read by tshark with the run's own
ikev2_decryption_table: the update is an INFORMATIONAL carrying
UPDATE_SA_ADDRESSES (16400), NAT detection (16388, 16389: both ends do NAT
traversal by default) and COOKIE2 (16401) from the new care-of address, and
its response echoes COOKIE2 and the NAT detection; without K no such message
is sent. A fifth cell switches NAT traversal off at the mobile node
(natt = false): its updates carry NO_NATS_ALLOWED (16402) instead.

usage: k_matrix.py MIP6SEC SCENARIO
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap, norm_addr, tshark_fields  # noqa: E402

INFORMATIONAL = 37
UPDATE_SA_ADDRESSES, COOKIE2, NO_NATS_ALLOWED = 16400, 16401, 16402
NATD_SRC, NATD_DST = 16388, 16389


def variant(text, name):
    """The scenario text for one cell, its own expectations on IKE dropped."""
    ha, mn = text.index('{ name = "ha";'), text.index('{ name = "mn";')
    if name == "ha-no-mobike":
        text = text[:ha] + text[ha:mn].replace("mobike = true", "mobike = false") + text[mn:]
    elif name == "mn-no-mobike":
        text = text[:mn] + text[mn:].replace("mobike = true", "mobike = false")
    elif name == "mn-no-natt":
        text = text[:mn] + text[mn:].replace("mobike = true", "mobike = true; natt = false")
    elif name == "ha-not-k-capable":
        text = text[:ha] + text[ha:mn].replace("k_capable = true", "k_capable = false") + text[mn:]
    return re.sub(r'\n *\{ type = "event"; node = "[a-z]+"; event = "ike_(up|moved)";[^\n]*', "", text)


def updates(out):
    """(source, destination, notify types) of each decrypted INFORMATIONAL."""
    table = os.path.join(out, "ikev2_decryption_table")
    extra = ["-Y", "isakmp.exchangetype == %d" % INFORMATIONAL]
    for line in open(table):
        if line.strip():
            extra += ["-o", "uat:ikev2_decryption_table:" + line.strip()]
    seen = []
    for p in sorted(f for f in os.listdir(out) if f.endswith(".pcap")):
        rows = tshark_fields(os.path.join(out, p), ["ipv6.src", "ipv6.dst", "isakmp.notify.msgtype",
                                                     "isakmp.flags", "isakmp.enc.decrypted"], extra)
        for fn, r in sorted(rows.items()):
            seen.append((p, fn, norm_addr(r["ipv6.src"][0]), norm_addr(r["ipv6.dst"][0]),
                         [int(x) for x in r["isakmp.notify.msgtype"]], r["isakmp.enc.decrypted"]))
    return seen


def main():
    exe, scn = sys.argv[1], sys.argv[2]
    text = open(scn).read()
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="mip6sec-k-")
    cells = [("both-mobike-k", 1, 3), ("mn-no-natt", 1, 3), ("ha-no-mobike", 4, 0), ("mn-no-mobike", 4, 0),
             ("ha-not-k-capable", 4, 0)]
    try:
        for name, want_up, want_moved in cells:
            out = os.path.join(tmp, name)
            path = os.path.join(tmp, name + ".scn")
            with open(path, "w") as f:
                f.write(variant(text, name))
            r = subprocess.run([exe, "sim", path, "--out", out, "--quiet"], capture_output=True, text=True)
            tap.check(r.returncode == 0, "%s: the run and its binding, traffic and plaintext expectations pass"
                      % name, r.stdout[-2500:])
            count = {}
            for line in open(os.path.join(out, "events.jsonl")):
                e = json.loads(line)
                if e["type"] in ("ike_up", "ike_moved"):
                    count[(e["node"], e["type"])] = count.get((e["node"], e["type"]), 0) + 1
            got = (count.get(("mn", "ike_up"), 0), count.get(("mn", "ike_moved"), 0),
                   count.get(("ha", "ike_moved"), 0))
            tap.check(got == (want_up, want_moved, want_moved),
                      "%s: INT-03, 3776-16: mobile node IKE SAs made %d, moved %d (home agent moved %d)"
                      % ((name,) + got), "want %d made, %d moved" % (want_up, want_moved))
            ups = updates(out)
            reqs = [u for u in ups if UPDATE_SA_ADDRESSES in u[4]]
            tap.check(all(u[5] == ["1"] for u in ups), "%s: tshark decrypts every INFORMATIONAL (%d)"
                      % (name, len(ups)))
            if want_moved:
                coas = sorted(set(u[2] for u in reqs))
                # RFC 4555 3.5: NAT detection with NAT traversal, else NO_NATS_ALLOWED (3.9)
                natt = name != "mn-no-natt"
                nat_info = (lambda t: NATD_SRC in t and NATD_DST in t and NO_NATS_ALLOWED not in t) if natt else \
                    (lambda t: NO_NATS_ALLOWED in t and NATD_SRC not in t)
                tap.check(len(reqs) >= want_moved and
                          all(nat_info(u[4]) and COOKIE2 in u[4] for u in reqs) and
                          coas == ["2001:db8:1::100", "2001:db8:2::100", "2001:db8:3::100"],
                          "%s: MK-05, MK-09, IKE-20: %d UPDATE_SA_ADDRESSES with %s and COOKIE2, sent from %s"
                          % (name, len(reqs), "NAT detection" if natt else "NO_NATS_ALLOWED", ", ".join(coas)),
                          repr(reqs))
                resp = [u for u in ups if u[3] in coas and COOKIE2 in u[4] and UPDATE_SA_ADDRESSES not in u[4]]
                tap.check(len(resp) >= want_moved and all((NATD_SRC in u[4]) == natt for u in resp),
                          "%s: MK-07, MK-08: the home agent's answers carry COOKIE2 back to the new address (%d)%s"
                          % (name, len(resp), ", with NAT detection" if natt else ""))
            else:
                tap.check(not reqs, "%s: no UPDATE_SA_ADDRESSES without K" % name, repr(reqs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
