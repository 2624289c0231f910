#!/usr/bin/env python3
"""Every capture a simulated scenario writes passes the project's tshark
check with the run's own keys (tshark decrypts and verifies every ESP frame,
plus the RFC 6275 checks tshark does not make), and the run is reproducible:
the same scenario and seed give the same pcap bytes.

usage: test_sim_pcaps.py MIP6SEC SCENARIO...
"""
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap  # noqa: E402
from pcapcheck import check_pcap  # noqa: E402


def run(exe, scn, out):
    return subprocess.run([exe, "sim", scn, "--out", out], capture_output=True, text=True)


def main():
    exe, scenarios = sys.argv[1], sys.argv[2:]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="mip6sec-sim-")
    try:
        for scn in scenarios:
            name = os.path.splitext(os.path.basename(scn))[0]
            a, b = os.path.join(tmp, name + "-a"), os.path.join(tmp, name + "-b")
            r = run(exe, scn, a)
            tap.check(r.returncode == 0, "%s: simulation and its expectations pass" % name,
                      r.stdout[-3000:] + r.stderr[-2000:])
            keys = os.path.join(a, "keys.txt")
            pcaps = sorted(f for f in os.listdir(a) if f.endswith(".pcap")) if os.path.isdir(a) else []
            tap.check(bool(pcaps) and os.path.exists(keys), "%s: pcaps and keys.txt written" % name)
            for p in pcaps:
                res = check_pcap(os.path.join(a, p), keys)
                bad = [f for f in res if f.failures]
                tap.check(not bad, "%s/%s: %d frames pass the tshark check, ESP decrypted with keys.txt"
                          % (name, p, len(res)),
                          ["frame %d: %s" % (f.frame, f.failures) for f in bad[:5]])
            r2 = run(exe, scn, b)
            same = r2.returncode == r.returncode and all(
                filecmp.cmp(os.path.join(a, p), os.path.join(b, p), shallow=False) for p in pcaps)
            tap.check(same, "%s: a second run with the same seed gives identical pcaps" % name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
