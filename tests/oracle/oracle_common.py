"""Helpers common to the oracle tests: TAP output, running mip6sec and tshark.

Only the standard library is used here; the tests import scapy themselves.
"""
import ipaddress
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS_DIR = os.path.normpath(os.path.join(HERE, "..", "vectors"))
AGG = "\x1e"


class Tap:
    """Minimal TAP producer: one `ok N - desc` / `not ok N - desc` per check."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, desc, diag=None, skip=None):
        self.n += 1
        desc = desc.replace("#", "no.")
        if skip:
            print("ok %d - %s # SKIP %s" % (self.n, desc, skip))
        elif cond:
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
            for line in _lines(diag):
                print("#   " + line)
        sys.stdout.flush()
        return bool(cond) or bool(skip)

    def diag(self, text):
        for line in _lines(text):
            print("# " + line)

    def bail(self, why):
        print("Bail out! " + why)
        sys.exit(1)

    def done(self):
        print("1..%d" % self.n)
        if self.failed:
            print("# %d of %d checks failed" % (self.failed, self.n))
        return 1 if self.failed else 0


def _lines(d):
    if d is None:
        return []
    if isinstance(d, (list, tuple)):
        out = []
        for x in d:
            out.extend(str(x).splitlines() or [""])
        return out
    return str(d).splitlines()


def find_mip6sec(argv):
    """The mip6sec executable: argv[1], $MIP6SEC, or the usual build directory."""
    cands = []
    if len(argv) > 1:
        cands.append(argv[1])
    if os.environ.get("MIP6SEC"):
        cands.append(os.environ["MIP6SEC"])
    cands.append(os.path.join(HERE, "..", "..", "build", "src", "cli", "mip6sec"))
    for c in cands:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def mip6sec_decode(exe, pcap, keys=None):
    """Frames of `mip6sec decode --json pcap [--keys KEYS]` as a dict frame -> JSON object."""
    r = subprocess.run([exe, "decode", "--json", pcap] + (["--keys", keys] if keys else []),
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError("mip6sec decode %s: exit %d: %s" % (pcap, r.returncode, r.stderr))
    out = {}
    for line in r.stdout.splitlines():
        if line.strip():
            j = json.loads(line)
            out[j["frame"]] = j
    return out


def mip6sec_build(exe, specs, out_pcap):
    """Build one packet per spec into out_pcap. Returns (returncode, stderr)."""
    r = subprocess.run([exe, "build", "-o", out_pcap] + list(specs), capture_output=True,
                       text=True)
    return r.returncode, r.stderr


def mip6sec_build_hex(exe, spec):
    r = subprocess.run([exe, "build", "--hex", spec], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("mip6sec build --hex failed: %s" % r.stderr.strip())
    return bytes.fromhex(r.stdout.strip().split()[0])


def tshark_fields(pcap, fields, extra=()):
    """frame number -> {field: [values]} from tshark -T fields (all occurrences)."""
    cmd = ["tshark", "-n", "-r", pcap, "-o", "esp.do_esp_sequence_analysis:FALSE"] + list(extra)
    cmd += ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGG, "-E", "quote=n",
            "-e", "frame.number"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if r.returncode:
        raise RuntimeError("tshark failed: %s" % r.stderr.strip())
    rows = {}
    for line in r.stdout.split("\n"):           # not splitlines(): AGG is a line break there
        if not line.strip():
            continue
        cols = line.split("\t")
        cols += [""] * (len(fields) + 1 - len(cols))
        rows[int(cols[0])] = {f: [x for x in c.split(AGG) if x != ""] for f, c in
                              zip(fields, cols[1:])}
    return rows


def norm_addr(a):
    if a is None:
        return None
    return str(ipaddress.IPv6Address(a))


def tint(v):
    """tshark integer (decimal or 0x-hex)."""
    return int(v, 0)


def tbool(v):
    return v.lower() in ("1", "true")


def load_vectors():
    with open(os.path.join(VECTORS_DIR, "vectors.json")) as fh:
        return json.load(fh)


def err_ids(errors):
    """The id prefixes (before ':') of mip6sec's error strings."""
    return [e.split(":", 1)[0].strip() for e in errors]
