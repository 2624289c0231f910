#!/usr/bin/python3
"""bench/moves.py - what a move costs under each protection model with IKE.

Runs the two scenarios that make the same moves (home agent on the home
link, r1 -> r2 -> r1 -> home, MOBIKE with K agreed):
  tests/sim/ike_mobike.scn        normalising model (BU/BA SAs on the home address)
  tests/sim/ike_true_address.scn  true-address model (BU/BA SAs on the care-of
                                  address, moved with the IKE SA)
and prints, for each move after the first registration:
  rt     round trips from the new care-of address (the mobile node's
         `moved` event) to the home agent accepting the Binding Update,
         in units of that path's round trip (the BA's one-way time, twice);
  ms     the same in milliseconds;
  bytes  octets of signalling the mobile node's link carried from the
         move to the BA: IKE (UDP 500/4500) and ESP (in these scenarios
         only the BU/BA SAs use ESP; traffic is tunnelled in clear), IPv6
         headers included, each message counted once (on the mobile
         node's own link);
  ike    how many of those were IKE messages.
Nothing is asserted: the figures go to the README.

usage: bench/moves.py MIP6SEC [TOP]   (TOP: the source tree, default ..)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from scapy.all import IPv6, UDP, rdpcap  # Debian python3-scapy
from scapy.layers.ipsec import ESP

SCENARIOS = [("normalise", "tests/sim/ike_mobike.scn"), ("true-address", "tests/sim/ike_true_address.scn")]


def events(out):
    return [json.loads(line) for line in open(os.path.join(out, "events.jsonl"))]


def links(out):
    """(time, link) of each attachment of the mobile node."""
    at = []
    for line in open(os.path.join(out, "timeline.txt")):
        m = re.match(r"\s*([0-9.]+) mn\s+interface \d attached to link (\S+)", line)
        if m:
            at.append((float(m.group(1)), m.group(2)))
    return at


def signalling(pcap, t0, t1):
    """Octets and IKE messages of IKE and ESP frames in [t0, t1] (seconds)."""
    n_bytes, n_ike = 0, 0
    for p in rdpcap(pcap):
        t = float(p.time)
        if t < t0 or t > t1 or IPv6 not in p:
            continue
        ip = p[IPv6]
        if ESP in ip:   # after a HAO (Destination Options) or an RH2 too
            n_bytes += len(ip)
        elif UDP in p and (p[UDP].sport in (500, 4500) or p[UDP].dport in (500, 4500)):
            n_bytes += len(ip)
            n_ike += 1
    return n_bytes, n_ike


def run(exe, top, model, scn, tmp):
    out = os.path.join(tmp, model)
    r = subprocess.run([exe, "sim", os.path.join(top, scn), "--out", out, "--quiet"], capture_output=True,
                       text=True)
    if r.returncode:
        sys.exit("moves: %s failed:\n%s" % (scn, r.stdout[-2000:]))
    ev = events(out)
    att = links(out)
    start = ev[0]["t_ns"] / 1e9 if ev else 0
    rows = []
    moves = [e for e in ev if e["node"] == "mn" and e["type"] in ("moved", "returned_home")]
    for mv in moves:
        t_move = mv["t_ns"] / 1e9
        if t_move < start + 2:
            continue            # the boot's first registration, with its IKE_SA_INIT
        reg = next((e for e in ev if e["node"] == "ha" and e["t_ns"] >= mv["t_ns"] and
                    e["type"] in ("binding_updated", "binding_added", "binding_deleted")), None)
        ba = next((e for e in ev if e["node"] == "mn" and e["t_ns"] >= mv["t_ns"] and
                   e["type"] == "ba_received"), None)
        if not reg or not ba:
            continue
        t_reg, t_ba = reg["t_ns"] / 1e9, ba["t_ns"] / 1e9
        rtt = 2 * (t_ba - t_reg)
        link = [lk for t, lk in att if t <= t_move][-1]
        b, ike = signalling(os.path.join(out, link + ".pcap"), t_move, t_ba)
        where = "home" if mv["type"] == "returned_home" else mv["addr"]
        rows.append((model, "%.3f s" % t_move, link, where, (t_reg - t_move) / rtt if rtt else 0,
                     (t_reg - t_move) * 1000, b, ike))
    return rows


def main():
    exe = sys.argv[1]
    top = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    tmp = tempfile.mkdtemp(prefix="mip6sec-moves-")
    try:
        rows = []
        for model, scn in SCENARIOS:
            rows += run(exe, top, model, scn, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%-13s %-9s %-5s %-16s %5s %7s %6s %4s" % ("model", "move at", "link", "care-of", "rt", "ms", "bytes",
                                                     "ike"))
    for r in rows:
        print("%-13s %-9s %-5s %-16s %5.2f %7.1f %6d %4d" % r)


if __name__ == "__main__":
    main()
