#!/usr/bin/python3
"""Decode oracle: `mip6sec decode --json` against tshark and the scapy vectors.

usage: test_decode_oracle.py [MIP6SEC]

For every frame of tests/vectors/scapy_valid.pcap and scapy_corrupt.pcap
(built with scapy by gen_vectors.py) the decoder's JSON is compared with
tshark 4.0 (-T fields) and with the facts in vectors.json:
  addresses  src, dst, HAO home address, RH2 address
  MH         type, Payload Proto, Header Len, checksum field
  message    seq, lifetime (tshark counts 4-second units), flags A/H/L/K
             (BU) and K (BA), BA status, BE status and home address,
             cookies / tokens / nonce index (HoTI..CoT)
  options    option types and their values (ACoA, BRA, NI, BAD)
  ESP        SPI and sequence number
  errors     [] for valid frames; for corrupt ones the expected ids of
             vectors.json (prefix before ':'), nothing outside its tolerated list
  checksum   checksum_ok equals an independent Python computation of the RFC
             6275 checksum (pseudo-header: HAO home address, RH2 address)
  framing    the same packets behind Ethernet / Linux cooked headers and in
             pcapng decode to the same JSON; --check exits 0 / 1
Prints TAP; exit status 1 if any check failed.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True      # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc          # noqa: E402
import pcapcheck                    # noqa: E402

FIELDS = ["ipv6.src", "ipv6.dst", "ipv6.opt.mipv6.home_address", "ipv6.routing.type",
          "ipv6.routing.segleft", "ipv6.routing.mipv6.home_address",
          "mip6.proto", "mip6.hlen", "mip6.mhtype", "mip6.csum",
          "mip6.bu.seqnr", "mip6.bu.a_flag", "mip6.bu.h_flag", "mip6.bu.l_flag", "mip6.bu.k_flag",
          "mip6.bu.lifetime", "mip6.ba.status", "mip6.ba.k_flag", "mip6.ba.seqnr",
          "mip6.ba.lifetime", "mip6.be.status", "mip6.be.haddr",
          "mip6.options.bra", "mip6.options.acoa", "mip6.options.ni", "mip6.options.bad_auth",
          "mip6.mobility_opt", "mip6.acoa.acoa", "mip6.ni.hni", "mip6.ni.cni", "mip6.bad.auth",
          "mip6.bra.interval", "mip6.hoti.cookie", "mip6.coti.cookie", "mip6.hot.nindex",
          "mip6.hot.cookie", "mip6.hot.token", "mip6.cot.nindex", "mip6.cot.cookie",
          "esp.spi", "esp.sequence"]

KNOWN_OPT_FIELDS = {"mip6.options.bra": 2, "mip6.options.acoa": 3, "mip6.options.ni": 4,
                    "mip6.options.bad_auth": 5}


class Cmp:
    """Collects mismatches of one check case."""

    def __init__(self):
        self.bad = []

    def eq(self, what, **vals):
        """All given sources (mip6sec=..., tshark=..., vectors=...) must agree;
        a source given as the string 'n/a' is left out."""
        vs = {k: v for k, v in vals.items() if not (isinstance(v, str) and v == "n/a")}
        if len(set(map(repr, vs.values()))) > 1:
            self.bad.append("%s: %s" % (what, ", ".join("%s=%r" % kv for kv in vs.items())))


def first(t, f):
    v = t.get(f, [])
    return v[0] if v else None


def taddr(t, f, i=0):
    v = t.get(f, [])
    return oc.norm_addr(v[i]) if len(v) > i else None


def tshark_opt_codes(t):
    codes = []
    for f, c in KNOWN_OPT_FIELDS.items():
        codes += [c] * len(t.get(f, []))
    codes += [oc.tint(x) for x in t.get("mip6.mobility_opt", [])]
    return sorted(codes)


def tshark_flags(t, mtype):
    if mtype == 5:
        return sorted(l for l in "AHLK" if first(t, "mip6.bu.%s_flag" % l.lower()) and
                      oc.tbool(first(t, "mip6.bu.%s_flag" % l.lower())))
    if mtype == 6:
        return ["K"] if first(t, "mip6.ba.k_flag") and oc.tbool(first(t, "mip6.ba.k_flag")) else []
    return []


def hexnorm(x):
    """tshark prints 64-bit cookies as 0x..., bytes as hex with or without ':'."""
    if x is None:
        return None
    x = x.lower().replace(":", "")
    return x[2:] if x.startswith("0x") else x


def check_addresses(tap, tag, j, t, facts, tunnel_index=0):
    c = Cmp()
    i = tunnel_index
    c.eq("src", mip6sec=oc.norm_addr(j.get("src")), tshark=taddr(t, "ipv6.src", i),
         vectors=oc.norm_addr(facts["src"]))
    c.eq("dst", mip6sec=oc.norm_addr(j.get("dst")), tshark=taddr(t, "ipv6.dst", i),
         vectors=oc.norm_addr(facts["dst"]))
    c.eq("hao", mip6sec=oc.norm_addr(j.get("hao")),
         tshark=taddr(t, "ipv6.opt.mipv6.home_address") if not i else "n/a",
         vectors=oc.norm_addr(facts.get("hao")))
    c.eq("rh2", mip6sec=oc.norm_addr(j.get("rh2")),
         tshark=taddr(t, "ipv6.routing.mipv6.home_address") if not i else "n/a",
         vectors=oc.norm_addr(facts.get("rh2")))
    if facts.get("rh2"):
        c.eq("routing type/segleft", mip6sec=[j.get("routing", {}).get("type"),
                                              j.get("routing", {}).get("segleft")],
             tshark=[oc.tint(first(t, "ipv6.routing.type")),
                     oc.tint(first(t, "ipv6.routing.segleft"))], vectors=[2, 1])
    tap.check(not c.bad, "%s: addresses src/dst/HAO/RH2 agree (mip6sec, tshark, vectors; "
              "HAO-01, RH2-01)" % tag, c.bad)


def check_mh_valid(tap, tag, m, t, fm):
    """Every MH field of a valid frame: mip6sec = tshark = vectors."""
    mtype = fm["type_code"]
    c = Cmp()
    c.eq("type", mip6sec=m.get("type_code"), tshark=oc.tint(first(t, "mip6.mhtype") or "-1"),
         vectors=mtype)
    c.eq("type name", mip6sec=m.get("type"), vectors=fm["type"])
    c.eq("Payload Proto", mip6sec=m.get("proto"), tshark=oc.tint(first(t, "mip6.proto") or "-1"),
         vectors=fm["proto"])
    c.eq("Header Len", mip6sec=m.get("hlen"), tshark=oc.tint(first(t, "mip6.hlen") or "-1"),
         vectors=fm["hlen"])
    c.eq("checksum", mip6sec=m.get("checksum"), tshark=(first(t, "mip6.csum") or "").lower(),
         vectors=fm["checksum"])
    tap.check(not c.bad, "%s: MH header type %s, proto, Header Len, checksum field agree "
              "(MH-01, MH-02)" % (tag, fm["type"]), c.bad)

    c = Cmp()
    if mtype in (5, 6):
        p = "mip6.bu" if mtype == 5 else "mip6.ba"
        c.eq("seq", mip6sec=m.get("seq"), tshark=oc.tint(first(t, p + ".seqnr") or "-1"),
             vectors=fm["seq"])
        lt = first(t, p + ".lifetime")
        c.eq("lifetime (4 s units)", mip6sec=m.get("lifetime", -4) // 4,
             tshark=oc.tint(lt) if lt else None, vectors=fm["lifetime"] // 4)
        c.eq("lifetime seconds", mip6sec=m.get("lifetime"), vectors=fm["lifetime"])
        c.eq("flags", mip6sec=sorted(m.get("flags", [])), tshark=tshark_flags(t, mtype),
             vectors=sorted(fm["flags"]))
        if mtype == 6:
            c.eq("BA status", mip6sec=m.get("status"),
                 tshark=oc.tint(first(t, "mip6.ba.status") or "-1"), vectors=fm["status"])
        what = "seq, lifetime (tshark /4), flags%s (MH-07, MH-08)" % (", status" if mtype == 6 else "")
    elif mtype == 7:
        c.eq("BE status", mip6sec=m.get("status"),
             tshark=oc.tint(first(t, "mip6.be.status") or "-1"), vectors=fm["status"])
        c.eq("BE home address", mip6sec=oc.norm_addr(m.get("hoa")),
             tshark=taddr(t, "mip6.be.haddr"), vectors=oc.norm_addr(fm["hoa"]))
        what = "BE status and home address (MH-09)"
    elif mtype in (1, 2):
        p = "mip6.hoti" if mtype == 1 else "mip6.coti"
        c.eq("cookie", mip6sec=m.get("cookie"), tshark=hexnorm(first(t, p + ".cookie")),
             vectors=fm["cookie"])
        what = "init cookie"
    elif mtype in (3, 4):
        p = "mip6.hot" if mtype == 3 else "mip6.cot"
        c.eq("nonce index", mip6sec=m.get("nonce_index"),
             tshark=oc.tint(first(t, p + ".nindex") or "-1"), vectors=fm["nonce_index"])
        c.eq("cookie", mip6sec=m.get("cookie"), tshark=hexnorm(first(t, p + ".cookie")),
             vectors=fm["cookie"])
        # tshark 4.0 shows the care-of keygen token with the HoT token field
        c.eq("token", mip6sec=m.get("token"), tshark=hexnorm(first(t, "mip6.hot.token")),
             vectors=fm["token"])
        what = "nonce index, cookie, keygen token"
    else:
        what = "no message fields"
    tap.check(not c.bad, "%s: %s %s agree" % (tag, fm["type"], what), c.bad)

    c = Cmp()
    mo = m.get("options", [])
    c.eq("option codes in order", mip6sec=[o.get("code") for o in mo],
         vectors=[o["code"] for o in fm["options"]])
    c.eq("option codes", mip6sec=sorted(o.get("code") for o in mo), tshark=tshark_opt_codes(t),
         vectors=sorted(o["code"] for o in fm["options"]))
    c.eq("option names", mip6sec=[o.get("type") for o in mo],
         vectors=[o["name"] for o in fm["options"]])
    for o in mo:
        code = o.get("code")
        if code == 3:
            c.eq("ACoA", mip6sec=oc.norm_addr(o.get("addr")), tshark=taddr(t, "mip6.acoa.acoa"),
                 vectors=oc.norm_addr(fm.get("acoa")))
        elif code == 2:
            iv = first(t, "mip6.bra.interval")
            c.eq("BRA interval s", mip6sec=o.get("interval"),
                 tshark=4 * oc.tint(iv) if iv else None, vectors=fm.get("bra"))
        elif code == 4:
            c.eq("Nonce Indices", mip6sec=[o.get("home_index"), o.get("coa_index")],
                 tshark=[oc.tint(first(t, "mip6.ni.hni") or "-1"),
                         oc.tint(first(t, "mip6.ni.cni") or "-1")], vectors=fm.get("ni"))
        elif code == 5:
            c.eq("BAD authenticator", mip6sec=o.get("auth"), tshark=hexnorm(first(t, "mip6.bad.auth")),
                 vectors=fm.get("bad"))
    tap.check(not c.bad, "%s: mobility option types and values agree (OPT-01, OPT-03): %s" % (
        tag, [o["name"] for o in fm["options"]] or "none"), c.bad)


def check_mh_corrupt(tap, tag, m, fm):
    """MH facts of a corrupt frame (vectors only: tshark may be misled on purpose)."""
    c = Cmp()
    if m is None:
        tap.check(False, "%s: decoder reports the Mobility Header" % tag, "no 'mh' key")
        return
    for k in ("type_code", "seq", "lifetime", "status", "proto", "checksum"):
        if k in fm:
            c.eq(k, mip6sec=m.get(k), vectors=fm[k])
    if "type" in fm:
        c.eq("type name", mip6sec=m.get("type"), vectors=fm["type"])
    if "flags" in fm:
        c.eq("flags", mip6sec=sorted(m.get("flags", [])), vectors=sorted(fm["flags"]))
    if fm.get("options"):
        c.eq("option codes", mip6sec=[o.get("code") for o in m.get("options", [])],
             vectors=[o["code"] for o in fm["options"]])
    tap.check(not c.bad, "%s: MH fields of the corrupt packet match vectors.json" % tag, c.bad)


def check_checksum_verdict(tap, tag, j, pkt, vec):
    """MH-03: checksum_ok equals our own RFC 6275 computation."""
    w = pcapcheck.walk_ipv6(pkt)
    inner = None
    if w.proto == 41:
        inner = pkt[w.proto_off:w.end]
        w = pcapcheck.walk_ipv6(inner)
        j = j.get("inner", {})
        pkt = inner
    m = j.get("mh")
    if w.proto != 135 or m is None:
        return
    mh = pkt[w.proto_off:w.end]
    if len(mh) < 8:
        return
    declared = 8 * (mh[1] + 1)
    have = struct.unpack("!H", mh[4:6])[0]
    errors = [e.split(":")[0] for e in j.get("errors", [])]
    src, dst, covered = w.pseudo_src, w.pseudo_dst, mh
    rule = "pseudo-header %s -> %s" % (pcapcheck.ntop(src), pcapcheck.ntop(dst))
    if declared < len(mh):
        # Header Len is the MH length (MH-02): the decoder reports mh_hlen
        # and checks the sum over the octets Header Len declares, with that
        # length in the pseudo-header, never over the octets that follow.
        covered = mh[:declared]
        rule += ", the %d octets Header Len declares of %d present" % (declared, len(mh))
        tap.check("mh_hlen" in errors, "%s: Header Len shorter than the MH: the decoder reports "
                  "mh_hlen (MH-02)" % tag, errors)
    elif w.hao is not None and w.hao_form and not w.hao_ok:
        # An invalid HAO (misplaced, or an address that is not unicast
        # routable) is no home address: the decoder reports it and takes the
        # pseudo-header source from the IPv6 header, as for a packet without
        # a HAO (MH-03 substitutes only a valid home address).
        src = pkt[8:24]
        rule = "invalid HAO ignored: pseudo-header %s -> %s" % (pcapcheck.ntop(src),
                                                                pcapcheck.ntop(dst))
        tap.check(any(e.startswith("hao_") for e in errors),
                  "%s: a well-formed but invalid HAO is reported (HAO-02, HAO-05)" % tag, errors)
    want = pcapcheck.mh_checksum(src, dst, covered)
    tap.check(m.get("checksum_ok") == (want == have) and m.get("checksum_expected", "0x%04x" % have)
              == "0x%04x" % want,
              "%s: checksum_ok=%s equals the RFC 6275 computation (%s: 0x%04x, MH-03)" % (
                  tag, m.get("checksum_ok"), rule, want),
              "wire checksum 0x%04x, computed 0x%04x, decoder expected %s" % (
                  have, want, m.get("checksum_expected")))


def write_pcap(path, frames, link):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, link))
        for i, b in enumerate(frames, 1):
            fh.write(struct.pack("<IIII", 1700000000 + i, 0, len(b), len(b)) + b)


def check_link_types(tap, exe, fname):
    """The same packets behind Ethernet / Linux cooked headers and in pcapng
    must decode to the same JSON; --check exits 1 iff a frame has an error."""
    path = os.path.join(oc.VECTORS_DIR, fname)
    frames = [b for _, b in pcapcheck.read_pcap(path)]
    ref = oc.mip6sec_decode(exe, path)
    tmp = tempfile.mkdtemp(prefix="m6dec-")
    try:
        eth = os.path.join(tmp, "eth.pcap")
        write_pcap(eth, [b"\x02\0\0\0\0\1\x02\0\0\0\0\2\x86\xdd" + b for b in frames], 1)
        sll = os.path.join(tmp, "sll.pcap")
        write_pcap(sll, [b"\0\0\0\1\0\6\x02\0\0\0\0\2\0\0\x86\xdd" + b for b in frames], 113)
        ng = os.path.join(tmp, "raw.pcapng")
        r = subprocess.run(["tshark", "-r", path, "-F", "pcapng", "-w", ng], capture_output=True)
        for desc, p in (("Ethernet (linktype 1)", eth), ("Linux cooked (linktype 113)", sll),
                        ("pcapng", ng if r.returncode == 0 else None)):
            got = oc.mip6sec_decode(exe, p) if p else {}
            tap.check(got == ref, "%s: decode of the same packets in %s gives the same JSON" % (
                fname, desc), [k for k in ref if got.get(k) != ref[k]][:5])
        r = subprocess.run([exe, "decode", "--check", path], capture_output=True)
        want = 0 if "valid" in fname else 1
        tap.check(r.returncode == want, "%s: decode --check exits %d" % (fname, want),
                  "exit %d" % r.returncode)
    finally:
        shutil.rmtree(tmp)


def main():
    tap = oc.Tap()
    exe = oc.find_mip6sec(sys.argv)
    if not exe:
        tap.bail("mip6sec executable not found (pass it as the first argument)")
    vecs = oc.load_vectors()["vectors"]
    for fname in ("scapy_valid.pcap", "scapy_corrupt.pcap"):
        path = os.path.join(oc.VECTORS_DIR, fname)
        mine = [v for v in vecs if v["file"] == fname]
        try:
            dec = oc.mip6sec_decode(exe, path)
            ts = oc.tshark_fields(path, FIELDS)
        except (RuntimeError, OSError) as e:
            tap.check(False, "%s: run mip6sec decode and tshark" % fname, str(e))
            continue
        frames = pcapcheck.read_pcap(path)
        tap.check(len(dec) == len(ts) == len(frames) == len(mine),
                  "%s: %d frames in mip6sec, tshark, the pcap and vectors.json" % (fname, len(mine)),
                  "mip6sec %d, tshark %d, pcap %d, vectors %d" % (len(dec), len(ts), len(frames),
                                                                  len(mine)))
        tap.check(all(frames[v["frame"] - 1][1].hex() == v["hex"] for v in mine),
                  "%s: pcap bytes equal the hex of vectors.json" % fname)
        for v in mine:
            n = v["frame"]
            tag = "%s frame %d %s [%s]" % (fname.replace(".pcap", ""), n, v["name"],
                                           " ".join(v["ids"]))
            j, t, pkt = dec.get(n), ts.get(n, {}), frames[n - 1][1]
            if j is None:
                tap.check(False, "%s: decoded by mip6sec" % tag)
                continue
            facts = v["facts"]
            errs = j.get("errors", [])
            if v["valid"]:
                check_addresses(tap, tag, j, t, facts)
                tap.check(errs == [], "%s: valid packet decodes with errors == []" % tag, errs)
                if "mh" in facts:
                    check_mh_valid(tap, tag, j.get("mh", {}), t, facts["mh"])
                if "esp" in facts:
                    e = j.get("esp", {})
                    c = Cmp()
                    c.eq("ESP SPI", mip6sec=e.get("spi"), tshark=oc.tint(first(t, "esp.spi") or "-1"),
                         vectors=facts["esp"]["spi"])
                    c.eq("ESP seq", mip6sec=e.get("seq"),
                         tshark=oc.tint(first(t, "esp.sequence") or "-1"), vectors=facts["esp"]["seq"])
                    tap.check(not c.bad, "%s: ESP SPI and sequence number agree" % tag, c.bad)
                if "inner" in facts:
                    ji = j.get("inner", {})
                    check_addresses(tap, tag + " inner", ji, t, facts["inner"], tunnel_index=1)
                    check_mh_valid(tap, tag + " inner", ji.get("mh", {}), t, facts["inner"]["mh"])
            else:
                c = Cmp()
                c.eq("src", mip6sec=oc.norm_addr(j.get("src")), tshark=taddr(t, "ipv6.src"),
                     vectors=oc.norm_addr(facts["src"]))
                c.eq("dst", mip6sec=oc.norm_addr(j.get("dst")), tshark=taddr(t, "ipv6.dst"),
                     vectors=oc.norm_addr(facts["dst"]))
                c.eq("hao", mip6sec=oc.norm_addr(j.get("hao")), vectors=oc.norm_addr(facts.get("hao")))
                if facts.get("rh2"):
                    c.eq("rh2", mip6sec=oc.norm_addr(j.get("rh2")), vectors=oc.norm_addr(facts["rh2"]))
                tap.check(not c.bad, "%s: addresses agree (mip6sec, tshark, vectors)" % tag, c.bad)
                ids = oc.err_ids(errs)
                missing = [e for e in v["errors"] if e not in ids]
                tap.check(not missing, "%s: errors contain %s" % (tag, ", ".join(v["errors"])),
                          ["missing %s" % missing, "errors: %s" % errs])
                tol = v.get("tolerated", [])
                extra = [e for e in ids if e not in v["errors"] and e not in tol]
                tap.check("*" in tol or not extra,
                          "%s: no error outside the expected/tolerated ids %s" % (
                              tag, v["errors"] + tol), ["unexpected: %s" % extra, errs])
                if "mh" in facts:
                    check_mh_corrupt(tap, tag, j.get("mh"), facts["mh"])
            check_checksum_verdict(tap, tag, j, pkt, v)
        check_link_types(tap, exe, fname)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
