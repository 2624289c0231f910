#!/usr/bin/env python3
"""Home address assignment in IKE_AUTH, read by tshark.

Runs tests/sim/ike_cp.scn and reads every IKE_AUTH message of its captures
with tshark 4.0, decrypted with the run's own ikev2_decryption_table: each
request carries CP(CFG_REQUEST) with INTERNAL_IP6_ADDRESS (the suggested
address, prefix length 128) and MIP6_HOME_PREFIX of length 0; each
response CP(CFG_REPLY) with INTERNAL_IP6_ADDRESS = the address the home
agent's PAD allows (prefix length 64) and a 21-octet MIP6_HOME_PREFIX whose
lifetime, prefix and length tshark's raw attribute value shows; the Child
SA's TSi in the response is that address alone. The first request suggests
the configured address, later ones (new IKE SAs after moves) the assigned
one.

usage: cp_oracle.py MIP6SEC SCENARIO
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap, norm_addr, tshark_fields  # noqa: E402

IKE_AUTH, CFG_REQUEST, CFG_REPLY = 35, 1, 2
INTERNAL_IP6_ADDRESS, MIP6_HOME_PREFIX = 8, 16
CONFIGURED, ASSIGNED = "2001:db8:1::100", "2001:db8:1::200"


def main():
    exe, scn = sys.argv[1], sys.argv[2]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="mip6sec-cp-")
    try:
        out = os.path.join(tmp, "run")
        r = subprocess.run([exe, "sim", scn, "--out", out, "--quiet"], capture_output=True, text=True)
        tap.check(r.returncode == 0, "ike_cp: the run and its expectations pass", r.stdout[-2000:])
        extra = ["-Y", "isakmp.exchangetype == %d" % IKE_AUTH]
        for line in open(os.path.join(out, "ikev2_decryption_table")):
            if line.strip():
                extra += ["-o", "uat:ikev2_decryption_table:" + line.strip()]
        fields = ["isakmp.flags", "isakmp.enc.decrypted", "isakmp.cfg.type", "isakmp.cfg.attr.type",
                  "isakmp.cfg.attr.value", "isakmp.cfg.attr.internal_ip6_address",
                  "isakmp.cfg.attr.internal_ip6_address.prefix", "isakmp.ts.start_ipv6", "isakmp.ts.end_ipv6"]
        reqs, resps = [], []
        for p in ("r1.pcap", "r2.pcap"):
            for fn, row in sorted(tshark_fields(os.path.join(out, p), fields, extra).items()):
                (resps if int(row["isakmp.flags"][0], 16) & 0x20 else reqs).append(row)
        tap.check(len(reqs) >= 2 and len(resps) >= 2, "IKE_AUTH requests and responses on r1 and r2 (%d, %d)"
                  % (len(reqs), len(resps)))
        for i, q in enumerate(reqs):
            want = CONFIGURED if i == 0 else ASSIGNED
            types = [int(x) for x in q["isakmp.cfg.attr.type"]]
            tap.check(q["isakmp.enc.decrypted"] == ["1"] and q["isakmp.cfg.type"] == [str(CFG_REQUEST)] and
                      types == [INTERNAL_IP6_ADDRESS, MIP6_HOME_PREFIX] and
                      [norm_addr(a) for a in q["isakmp.cfg.attr.internal_ip6_address"]] == [want] and
                      q["isakmp.cfg.attr.internal_ip6_address.prefix"] == ["128"],
                      "4877-12, 4877-13: request %d: CFG_REQUEST, INTERNAL_IP6_ADDRESS %s/128 and an empty "
                      "MIP6_HOME_PREFIX" % (i + 1, want), repr(q))
        for i, a in enumerate(resps):
            types = [int(x) for x in a["isakmp.cfg.attr.type"]]
            vals = [v.replace(":", "") for v in a["isakmp.cfg.attr.value"]]
            pfx = vals[-1] if vals else ""
            # lifetime (4) | prefix (16) | length (1)
            pfx_ok = len(pfx) == 42 and norm_addr(":".join(pfx[8 + k:12 + k] for k in range(0, 32, 4))) == \
                "2001:db8:1::" and int(pfx[40:42], 16) == 64 and int(pfx[:8], 16) > 0
            tap.check(a["isakmp.cfg.type"] == [str(CFG_REPLY)] and types == [INTERNAL_IP6_ADDRESS, MIP6_HOME_PREFIX]
                      and [norm_addr(x) for x in a["isakmp.cfg.attr.internal_ip6_address"]] == [ASSIGNED]
                      and a["isakmp.cfg.attr.internal_ip6_address.prefix"] == ["64"] and pfx_ok,
                      "4877-12, 4877-13: response %d: CFG_REPLY, INTERNAL_IP6_ADDRESS %s/64, MIP6_HOME_PREFIX "
                      "2001:db8:1::/64 with a lifetime" % (i + 1, ASSIGNED), repr(a))
            tap.check([norm_addr(x) for x in a["isakmp.ts.start_ipv6"][:1] + a["isakmp.ts.end_ipv6"][:1]] ==
                      [ASSIGNED, ASSIGNED], "response %d: TSi narrowed to %s" % (i + 1, ASSIGNED),
                      repr(a["isakmp.ts.start_ipv6"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
