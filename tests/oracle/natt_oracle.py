#!/usr/bin/env python3
"""NAT traversal on the wire, checked apart from the code under test.

Runs tests/sim/ike_natt.scn (the mobile node forces UDP encapsulation) and
reads every capture with tshark:

  NAT-D   each IKE_SA_INIT carries NAT_DETECTION_SOURCE_IP (16388) and
          NAT_DETECTION_DESTINATION_IP (16389), recomputed here with hashlib
          as SHA-1(SPIi | SPIr | IP | port) from the frame's own headers
          (SPIr zero in the request): the destination hashes match, the home
          agent's source hash matches, the mobile node's does not (forced);
  float   every IKE message after IKE_SA_INIT is on UDP 4500 at both ends,
          with the non-ESP marker (tshark reads it as IKE there);
  encap   every ESP packet is in UDP 4500 (none bare, none on port 500),
          and tshark decrypts each with the run's esp_sa, ICV good;
  RFC 3948 2.3: NAT-keepalives (one octet 0xFF) from the mobile node to
          the home agent's port 4500, about every keepalive interval (5 s).

usage: natt_oracle.py MIP6SEC SCENARIO
"""
import hashlib
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_common import Tap, norm_addr, tshark_fields  # noqa: E402

IKE_SA_INIT, NATD_SRC, NATD_DST = 34, 16388, 16389
MN_ADDRS = ("2001:db8:2::100", "2001:db8:3::100")
HA = "2001:db8:1::1"


def natd(spi_i, spi_r, addr, port):
    return hashlib.sha1(bytes.fromhex(spi_i) + bytes.fromhex(spi_r) + ipaddress.IPv6Address(addr).packed +
                        int(port).to_bytes(2, "big")).hexdigest()


def esp_opts(out):
    opts = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]
    for line in open(os.path.join(out, "esp_sa")):
        if line.strip() and not line.startswith("#"):
            opts += ["-o", "uat:esp_sa:" + line.strip()]
    return opts


def main():
    exe, scn = sys.argv[1], sys.argv[2]
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="mip6sec-natt-")
    try:
        out = os.path.join(tmp, "run")
        r = subprocess.run([exe, "sim", scn, "--out", out, "--quiet"], capture_output=True, text=True)
        tap.check(r.returncode == 0, "the scenario's own expectations pass", r.stdout[-2000:])
        pcaps = [os.path.join(out, p) for p in ("r1.pcap", "r2.pcap")]
        fields = ["ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "isakmp.ispi", "isakmp.rspi",
                  "isakmp.exchangetype", "isakmp.flags", "isakmp.notify.msgtype", "isakmp.notify.data"]
        inits, later = [], []
        for p in pcaps:
            for fn, f in sorted(tshark_fields(p, fields, ["-Y", "isakmp"]).items()):
                (inits if f["isakmp.exchangetype"] == [str(IKE_SA_INIT)] else later).append((p, fn, f))
        tap.check(len(inits) == 2, "IKE_SA_INIT: one request and one response on the mobile node's links (%d)"
                  % len(inits))
        for p, fn, f in inits:
            src, dst = norm_addr(f["ipv6.src"][0]), norm_addr(f["ipv6.dst"][0])
            sport, dport = f["udp.srcport"][0], f["udp.dstport"][0]
            types, data = [int(t) for t in f["isakmp.notify.msgtype"]], f["isakmp.notify.data"]
            request = src in MN_ADDRS
            who = "request" if request else "response"
            if len(types) != len(data) or NATD_SRC not in types or NATD_DST not in types:
                tap.check(False, "IKE-20: %s carries both NAT detection notifies" % who, repr(f))
                continue
            by = dict(zip(types, data))
            spi_i, spi_r = f["isakmp.ispi"][0], f["isakmp.rspi"][0]
            if request:
                tap.check(spi_r == "0" * 16, "IKE-20: the request's SPIr is zero (%s)" % spi_r)
            want_dst = natd(spi_i, spi_r, dst, dport)
            want_src = natd(spi_i, spi_r, src, sport)
            tap.check(by[NATD_DST] == want_dst, "IKE-20: %s NAT_DETECTION_DESTINATION_IP = SHA-1(SPIi|SPIr|%s|%s)"
                      % (who, dst, dport), "%s != %s" % (by[NATD_DST], want_dst))
            if request:
                tap.check(by[NATD_SRC] != want_src, "IKE-20: the mobile node's forced source hash matches "
                          "no address (encap = true)")
            else:
                tap.check(by[NATD_SRC] == want_src, "IKE-20: response NAT_DETECTION_SOURCE_IP = "
                          "SHA-1(SPIi|SPIr|%s|%s)" % (src, sport), "%s != %s" % (by[NATD_SRC], want_src))
        ports = sorted(set((f["udp.srcport"][0], f["udp.dstport"][0]) for _, _, f in later))
        tap.check(later and ports == [("4500", "4500")],
                  "MK-02: all %d IKE messages after IKE_SA_INIT on UDP 4500 -> 4500 with the non-ESP marker"
                  % len(later), repr(ports))
        esp_f = ["ipv6.nxt", "udp.srcport", "udp.dstport", "esp.spi", "esp.icv_good", "esp.icv_bad",
                 "ipv6.src", "ipv6.dst"]
        n_udp = n_bare = n_good = n_bad = 0
        for p in [os.path.join(out, x) for x in sorted(os.listdir(out)) if x.endswith(".pcap")]:
            for fn, f in tshark_fields(p, esp_f, esp_opts(out) + ["-Y", "esp"]).items():
                if f["udp.dstport"][:1] == ["4500"] and f["udp.srcport"][:1] == ["4500"]:
                    n_udp += 1
                else:
                    n_bare += 1
                n_good += f["esp.icv_good"][:1] in (["1"], ["True"])
                n_bad += f["esp.icv_bad"][:1] in (["1"], ["True"])
        tap.check(n_udp > 0 and n_bare == 0, "IKE-20: every ESP packet in UDP 4500 (%d), none bare or on "
                  "another port (%d)" % (n_udp, n_bare))
        tap.check(n_good == n_udp and n_bad == 0, "tshark decrypts every ESP-in-UDP packet with the run's "
                  "esp_sa, ICV good (%d of %d)" % (n_good, n_udp), "bad %d" % n_bad)
        ka = []
        for p in pcaps:
            rows = tshark_fields(p, ["frame.time_relative", "ipv6.src", "ipv6.dst", "udp.srcport",
                                     "udp.dstport", "udp.payload"], ["-Y", "udp.length == 9"])
            ka += [(float(f["frame.time_relative"][0]), f) for f in rows.values()]
        ka.sort(key=lambda x: x[0])
        good = [t for t, f in ka if norm_addr(f["ipv6.src"][0]) in MN_ADDRS and norm_addr(f["ipv6.dst"][0]) == HA
                and f["udp.dstport"] == ["4500"] and f["udp.payload"][:1] in (["ff"], ["0xff"])]
        gaps = [b - a for a, b in zip(good, good[1:])]
        tap.check(len(good) >= 4 and len(good) == len(ka) and all(g <= 5.5 for g in gaps),
                  "RFC 3948 2.3: %d NAT-keepalives (0xFF) from the mobile node to %s port 4500, at most 5.5 s "
                  "apart" % (len(good), HA), repr([(t, f) for t, f in ka][:4]) + " gaps " + repr(gaps))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
