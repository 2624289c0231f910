#!/usr/bin/python3
"""ESP/AH oracle: `mip6sec build` / `mip6sec decode --keys` against tshark 4.0,
scapy 2.5 and independent Python computations.

usage: test_esp_oracle.py [MIP6SEC]

  build    ESP packets built by
           mip6sec with AES-GCM-16 (128 and 256-bit keys), AES-CBC with
           HMAC-SHA-256-128 / -512-256 / -1-96, and NULL with HMAC-SHA-256-128,
           in transport mode after a HAO (BU) and after an RH2 (BA) and in
           tunnel mode (HoTI, HoT), plus TFC padding and UDP encapsulation:
             - tests/oracle/pcapcheck.py -k X.keys passes (tshark: ICV good,
               decrypted; the decrypted MH passes the RFC 6275 checks),
             - tshark with the lines of X.esp_sa exactly as written (no
               wildcard fallback) reports icv_good and the inner MH,
             - scapy verifies and decrypts with the same keys, and the
               plaintext MH has the specified fields and an RFC 6275 checksum,
             - `mip6sec decode --keys X.keys` reports icv_ok, decrypted and
               the MH fields.
           ChaCha20-Poly1305 (RFC 7634): scapy and mip6sec only (tshark 4.0 has
           no ChaCha20). ESN (RFC 4303 2.2.1): scapy for AES-GCM (the
           ESN high half in the AAD), an independent HMAC for AES-CBC.
  vectors  the scapy-built vectors of gen_vectors.py
           (scapy_esp.pcap, scapy_esp.keys, "esp_vectors" of vectors.json):
           `mip6sec decode --keys` reports icv_ok/decrypted and the facts of
           vectors.json; tshark agrees (pcapcheck -k); the flipped one fails
           in both.
  flips    every sampled single-bit flip in the ESP part (SPI
           excluded: it only selects the SA) of a GCM, a CBC+HMAC and a
           NULL+HMAC packet: mip6sec icv_ok false with an "icv" error and no
           plaintext, tshark icv_bad, scapy IPSecIntegrityError.
  ah       AH built by mip6sec over a BU with a HAO and a BA with
           an RH2: decode --keys verifies; an independent Python ICV over the
           receiver's view (HAO swapped, RH2 processed, mutable fields zero)
           equals the ICV; the AH length is 8n; changes to Hop Limit, Traffic
           Class, Flow Label and a mutable option still verify, flips of
           immutable octets do not; scapy verifies the RH2 case (after
           turning the packet into the receiver's view, as scapy needs).
  cli      key-file and spec errors name the line / layer.
Prints TAP; exit status 1 if any check failed.
"""
import hashlib
import hmac
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True      # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc          # noqa: E402
import pcapcheck                    # noqa: E402

from scapy.packet import raw                                          # noqa: E402
from scapy.layers.inet6 import IPv6, IPv6ExtHdrRouting                # noqa: E402
from scapy.layers.ipsec import (ESP, AH, SecurityAssociation,         # noqa: E402
                                IPSecIntegrityError)

HOA = "2001:db8:1::100"
HA = "2001:db8:1::1"
COA = "2001:db8:2::100"
CN = "2001:db8:3::1"
COOKIE = "0102030405060708"
TOKEN = "a1a2a3a4a5a6a7a8"


def hexk(start, n):
    return bytes((start + i) & 0xff for i in range(n))


# Algorithms: mip6sec names, keys, and the scapy equivalents.
SAS = {
    "gcm128": dict(enc="aes-gcm-16", ekey=hexk(0x10, 16) + b"\xc0\xc1\xc2\xc3", auth="null",
                   akey=b"", s_enc="AES-GCM", s_auth=None),
    "gcm256": dict(enc="aes-gcm-16", ekey=hexk(0x20, 32) + b"\xc4\xc5\xc6\xc7", auth="null",
                   akey=b"", s_enc="AES-GCM", s_auth=None),
    "cbc_sha256": dict(enc="aes-cbc", ekey=hexk(0x40, 16), auth="hmac-sha256-128",
                       akey=hexk(0x50, 32), s_enc="AES-CBC", s_auth="SHA2-256-128"),
    "cbc256_sha512": dict(enc="aes-cbc", ekey=hexk(0x70, 32), auth="hmac-sha512-256",
                          akey=hexk(0x90, 64), s_enc="AES-CBC", s_auth="SHA2-512-256"),
    "cbc_sha1": dict(enc="aes-cbc", ekey=hexk(0xd0, 16), auth="hmac-sha1-96",
                     akey=hexk(0xe0, 20), s_enc="AES-CBC", s_auth="HMAC-SHA1-96"),
    "null_sha256": dict(enc="null", ekey=b"", auth="hmac-sha256-128", akey=hexk(0x01, 32),
                        s_enc="NULL", s_auth="SHA2-256-128"),
    "chacha": dict(enc="chacha20-poly1305", ekey=hexk(0x33, 32) + b"\xb0\xb1\xb2\xb3",
                   auth="null", akey=b"", s_enc="CHACHA20-POLY1305", s_auth=None),
}
TSHARK_SAS = ["gcm128", "gcm256", "cbc_sha256", "cbc256_sha512", "cbc_sha1", "null_sha256"]
HASH = {"hmac-sha256-128": (hashlib.sha256, 16), "hmac-sha512-256": (hashlib.sha512, 32),
        "hmac-sha1-96": (hashlib.sha1, 12)}


def esp_words(sa, spi, seq, extra=""):
    d = SAS[sa]
    w = "esp spi=0x%x seq=%d enc=%s" % (spi, seq, d["enc"])
    if d["ekey"]:
        w += " key=" + d["ekey"].hex()
    if d["auth"] != "null":
        w += " auth=%s akey=%s" % (d["auth"], d["akey"].hex())
    return w + (" " + extra if extra else "")


# Layouts: (name, spec with {esp}, expected facts)
def layouts(seq):
    return [
        ("bu_hao", "ip6 src=%s dst=%s / hao %s / {esp} / mh bu seq=%d lifetime=3600 flags=AH"
         % (COA, HA, HOA, seq), dict(mode="transport", type=5, seq=seq, nh=135)),
        ("ba_rh2", "ip6 src=%s dst=%s / rh2 %s / {esp} / mh ba seq=%d lifetime=3600"
         % (HA, COA, HOA, seq), dict(mode="transport", type=6, seq=seq, nh=135)),
        ("tun_hoti", "ip6 src=%s dst=%s / {esp} / ip6 src=%s dst=%s / mh hoti cookie=%s"
         % (COA, HA, HOA, CN, COOKIE), dict(mode="tunnel", type=1, cookie=COOKIE, nh=41)),
        ("tun_hot", "ip6 src=%s dst=%s / {esp} / ip6 src=%s dst=%s / mh hot index=0x%x "
         "cookie=%s token=%s" % (HA, COA, CN, HOA, seq, COOKIE, TOKEN),
         dict(mode="tunnel", type=3, index=seq, cookie=COOKIE, token=TOKEN, nh=41)),
    ]


class Pkt:
    """One packet built by mip6sec for these tests."""

    def __init__(self, tag, sa, spi, seq, spec, facts, udp=False, esn=False):
        self.tag, self.sa, self.spi, self.seq = tag, sa, spi, seq
        self.spec, self.facts, self.udp, self.esn = spec, facts, udp, esn
        self.bytes = None


def build_packets():
    pkts = []
    spi, seq = 0x7000, 1
    for sa in TSHARK_SAS + ["chacha"]:
        for i, (lname, spec, facts) in enumerate(layouts(100 + seq)):
            spi += 1
            pkts.append(Pkt("%s %s" % (sa, lname), sa, spi, seq,
                            spec.format(esp=esp_words(sa, spi, seq)), facts))
            seq += 1
    # TFC padding in tunnel mode (RFC 4303 2.7) and UDP encapsulation (RFC 3948)
    lname, spec, facts = layouts(0)[2]
    spi += 1
    pkts.append(Pkt("gcm128 tun_hoti tfc=24", "gcm128", spi, seq,
                    spec.format(esp=esp_words("gcm128", spi, seq, "tfc=24")), facts))
    seq += 1
    spi += 1
    pkts.append(Pkt("cbc_sha256 tun_hoti udp-encap", "cbc_sha256", spi, seq,
                    spec.format(esp=esp_words("cbc_sha256", spi, seq, "udp-encap")), facts,
                    udp=True))
    seq += 1
    spi += 1
    lname, spec, facts = layouts(7)[0]
    pkts.append(Pkt("null_sha256 bu_hao udp-encap sport=4501", "null_sha256", spi, seq,
                    spec.format(esp=esp_words("null_sha256", spi, seq,
                                              "udp-encap sport=4501")), facts, udp=True))
    return pkts


def esn_packets():
    out = []
    for i, sa in enumerate(("gcm128", "cbc_sha256")):
        seq = (1 << 32) + 5 + i            # high half 1, low half 5 / 6 on the wire
        lname, spec, facts = layouts(9)[0]
        out.append(Pkt("%s bu_hao esn seq=2^32+%d" % (sa, 5 + i), sa, 0x7e00 + i, seq,
                       spec.format(esp=esp_words(sa, 0x7e00 + i, seq, "esn")), facts, esn=True))
    return out


# ---------------------------------------------------------------------------
# helpers

def esp_location(b, udp=False):
    """(offset of the ESP header, offset of the Next Header octet naming it)."""
    w = pcapcheck.walk_ipv6(b)
    nh_field = w.headers[-1][1] if w.headers else 6
    off = w.proto_off + (8 if udp else 0)
    return off, nh_field


def scapy_sa(sa, spi, esn_hi=None, proto=ESP):
    d = SAS[sa]
    kw = dict(spi=spi)
    if proto is ESP:
        kw.update(crypt_algo=d["s_enc"], crypt_key=d["ekey"] or None)
    if d["s_auth"]:
        kw.update(auth_algo=d["s_auth"], auth_key=d["akey"])
    if esn_hi is not None:
        kw.update(esn_en=True, esn=esn_hi)
    return SecurityAssociation(proto, **kw)


def scapy_open(b, sa, spi, udp=False, esn_hi=None):
    """Verify and decrypt with scapy's algorithms, then splice the plaintext
    into the outer headers (scapy's own transport-mode decrypt() cannot after
    an extension header).  Returns (plaintext packet bytes, next header) or
    raises IPSecIntegrityError."""
    s = scapy_sa(sa, spi, esn_hi)
    off, nh_field = esp_location(b, udp)
    esp = ESP(b[off:])
    if not s.crypt_algo.is_aead:
        s.auth_algo.verify(esp, s.auth_key)
    icv = s.crypt_icv_size or s.crypt_algo.icv_size or s.auth_algo.icv_size
    p = s.crypt_algo.decrypt(s, esp, s.crypt_key, icv, esn_en=s.esn_en, esn=s.esn)
    hdr = bytearray(b[:off - (8 if udp else 0)])
    hdr[nh_field] = p.nh
    data = raw(p.data) if not isinstance(p.data, bytes) else p.data
    hdr[4:6] = struct.pack("!H", len(hdr) - 40 + len(data))
    return bytes(hdr) + data, p.nh


def mh_of(pkt_bytes):
    """(MH bytes, pseudo src, pseudo dst) of a transport packet, or of the
    inner packet of a tunnel."""
    w = pcapcheck.walk_ipv6(pkt_bytes)
    if w.proto == 41:
        return mh_of(pkt_bytes[w.proto_off:w.end])
    if w.proto != 135:
        return None, None, None
    return pkt_bytes[w.proto_off:w.end], w.pseudo_src, w.pseudo_dst


def mh_fields_bad(mh, facts):
    """Differences between MH bytes and the expected facts."""
    bad = []
    if mh is None:
        return ["no Mobility Header"]
    if mh[2] != facts["type"]:
        bad.append("type %d != %d" % (mh[2], facts["type"]))
    if facts["type"] == 5 and struct.unpack("!H", mh[6:8])[0] != facts["seq"]:
        bad.append("BU seq")
    if facts["type"] == 6 and struct.unpack("!H", mh[8:10])[0] != facts["seq"]:
        bad.append("BA seq")
    if facts["type"] in (1, 3) and mh[8:16].hex() != facts["cookie"]:
        bad.append("cookie")
    if facts["type"] == 3 and (mh[16:24].hex() != facts["token"] or
                               struct.unpack("!H", mh[6:8])[0] != facts["index"]):
        bad.append("HoT index/token")
    return bad


def decoded_mh(j, facts):
    return (j.get("inner") or {}).get("mh") if facts["mode"] == "tunnel" else j.get("mh")


def json_mh_bad(m, facts):
    if not m:
        return ["no mh in the JSON"]
    names = {1: "HoTI", 3: "HoT", 5: "BU", 6: "BA"}
    bad = []
    if m.get("type") != names[facts["type"]]:
        bad.append("type %r" % m.get("type"))
    if facts["type"] in (5, 6) and m.get("seq") != facts["seq"]:
        bad.append("seq %r" % m.get("seq"))
    if facts["type"] in (1, 3) and m.get("cookie") != facts["cookie"]:
        bad.append("cookie %r" % m.get("cookie"))
    if facts["type"] == 3 and (m.get("token") != facts["token"] or
                               m.get("nonce_index") != facts["index"]):
        bad.append("token/index")
    if m.get("checksum_ok") is not True:
        bad.append("checksum_ok %r" % m.get("checksum_ok"))
    return bad


def esp_sa_tshark_args(path):
    """tshark options installing the lines of an .esp_sa file as written."""
    args = ["-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE"]
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                args += ["-o", "uat:esp_sa:" + line]
    return args


TS_FIELDS = ["esp.spi", "esp.icv_good", "esp.icv_bad", "esp.protocol", "mip6.mhtype",
             "mip6.bu.seqnr", "mip6.ba.seqnr", "mip6.hoti.cookie", "mip6.hot.token"]


def decode(exe, pcap, keys=None, text=False):
    cmd = [exe, "decode"] + ([] if text else ["--json"]) + (["--keys", keys] if keys else [])
    r = subprocess.run(cmd + [pcap], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError("mip6sec decode: exit %d: %s" % (r.returncode, r.stderr))
    if text:
        return r.stdout
    out = {}
    for line in r.stdout.splitlines():
        if line.strip():
            j = oc.json.loads(line)
            out[j["frame"]] = j
    return out


def build(exe, specs, pcap):
    r = subprocess.run([exe, "build", "-o", pcap] + specs, capture_output=True, text=True)
    return r.returncode, r.stderr


def read_frames(pcap):
    return [fr for _, fr in pcapcheck.read_pcap(pcap)]


def write_pcap(path, frames):
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]
    for i, b in enumerate(frames, 1):
        out.append(struct.pack("<IIII", 1700000000 + i, 0, len(b), len(b)))
        out.append(b)
    with open(path, "wb") as fh:
        fh.write(b"".join(out))


def fails(r):
    return ["%s: %s" % f for f in r.failures]


# ---------------------------------------------------------------------------
# (a) ESP built by mip6sec

def run_build(tap, exe, tmp):
    """ALG-01, ALG-05: ESP with the required algorithms, built by mip6sec,
    opened by tshark, scapy and mip6sec --keys (see the module docstring)."""
    pkts = build_packets()
    pcap = os.path.join(tmp, "esp.pcap")
    rc, err = build(exe, [p.spec for p in pkts], pcap)
    if not tap.check(rc == 0, "mip6sec build writes %d keyed ESP specifications" % len(pkts), err):
        return pkts, pcap
    keys, esp_sa = os.path.join(tmp, "esp.keys"), os.path.join(tmp, "esp.esp_sa")
    tap.check(os.path.exists(keys) and os.path.exists(esp_sa) and "esp.keys" in err and
              "esp.esp_sa" in err, "build -o esp.pcap writes esp.keys and esp.esp_sa and says so",
              err)
    for p, b in zip(pkts, read_frames(pcap)):
        p.bytes = b
    kf_lines = [ln.split() for ln in open(keys) if ln.strip() and not ln.startswith("#")]
    tap.check(len(kf_lines) == len(pkts) and all(len(w) == 7 for w in kf_lines),
              "esp.keys: one 7-field line per SA", open(keys).read())
    wsa = open(esp_sa).read()
    chacha_spis = {p.spi for p in pkts if p.sa == "chacha"}
    tap.check(all(("0x%08x" % s) not in "\n".join(ln for ln in wsa.splitlines()
                                                   if not ln.startswith("#"))
                  for s in chacha_spis) and "chacha20-poly1305" in wsa,
              "esp.esp_sa: ChaCha20-Poly1305 SAs only as a comment (tshark 4.0 lacks it)", wsa)
    # BU SA keyed HoA -> HA, BA SA HA -> HoA: the addresses tshark looks up
    bu = next(p for p in pkts if p.tag == "gcm128 bu_hao")
    ba = next(p for p in pkts if p.tag == "gcm128 ba_rh2")
    tap.check('"IPv6","%s","%s","0x%08x"' % (HOA, HA, bu.spi) in wsa and
              '"IPv6","%s","%s","0x%08x"' % (HA, HOA, ba.spi) in wsa,
              "esp.esp_sa: SAs keyed by the receiver's view (HAO home address, RH2 address)", wsa)

    res = pcapcheck.check_pcap(pcap, keys)
    ts = oc.tshark_fields(pcap, TS_FIELDS, esp_sa_tshark_args(esp_sa))
    dec = decode(exe, pcap, keys)
    for n, p in enumerate(pkts, 1):
        tag = "build " + p.tag
        tshark_ok = p.sa != "chacha"
        t = ts.get(n, {})
        if tshark_ok:
            tap.check(res[n - 1].ok, "%s: pcapcheck -k passes (tshark ICV good, decrypted, "
                      "inner MH checks)" % tag, fails(res[n - 1]))
            good = [oc.tbool(x) for x in t.get("esp.icv_good", [])]
            tap.check(good == [True] and not any(oc.tbool(x) for x in t.get("esp.icv_bad", [])),
                      "%s: tshark with the .esp_sa lines as written: ICV good" % tag, str(t))
            mt = [oc.tint(x) for x in t.get("mip6.mhtype", [])]
            proto = [oc.tint(x) for x in t.get("esp.protocol", [])]
            tap.check(mt == [p.facts["type"]] and proto == [p.facts["nh"]],
                      "%s: tshark decrypts MH type %d, ESP next header %d" % (
                          tag, p.facts["type"], p.facts["nh"]), str(t))
        else:
            tap.check(True, "%s: tshark" % tag, skip="tshark 4.0 has no ChaCha20-Poly1305")
        # scapy
        try:
            plain, nh = scapy_open(p.bytes, p.sa, p.spi, p.udp)
            mh, src, dst = mh_of(plain)
            bad = mh_fields_bad(mh, p.facts)
            if mh is not None:
                bad += ["%s: %s" % f for f in pcapcheck.check_mh(mh, src, dst)]
            if nh != p.facts["nh"]:
                bad.append("next header %d" % nh)
            tap.check(not bad, "%s: scapy verifies, decrypts, and the MH fields and RFC 6275 "
                      "checksum are right" % tag, bad)
        except (IPSecIntegrityError, Exception) as e:      # noqa: B014
            tap.check(False, "%s: scapy verifies and decrypts" % tag, repr(e))
        if p.facts["mode"] == "tunnel" and not p.udp:
            # scapy's own tunnel-mode decrypt() path as well
            s = scapy_sa(p.sa, p.spi)
            s.tunnel_header = IPv6()
            try:
                inner = s.decrypt(IPv6(p.bytes).copy())
                mh, _, _ = mh_of(raw(inner))
                tap.check(not mh_fields_bad(mh, p.facts) and inner.src in (HOA, CN),
                          "%s: scapy SecurityAssociation.decrypt() returns the inner packet" % tag,
                          inner.summary())
            except Exception as e:                          # noqa: B902
                tap.check(False, "%s: scapy decrypt()" % tag, repr(e))
        # mip6sec decode --keys
        j = dec.get(n, {})
        e = j.get("esp") or {}
        bad = []
        if not (e.get("icv_ok") is True and e.get("decrypted") is True and
                e.get("next_header") == p.facts["nh"] and e.get("spi") == p.spi and
                e.get("seq") == p.seq):
            bad.append("esp %r" % e)
        bad += json_mh_bad(decoded_mh(j, p.facts), p.facts)
        if j.get("errors"):
            bad.append("errors %r" % j.get("errors"))
        if p.udp and not (j.get("udp") or {}).get("esp_in_udp"):
            bad.append("udp %r" % j.get("udp"))
        tap.check(not bad, "%s: mip6sec decode --keys: icv_ok, decrypted, MH fields" % tag, bad)
        if p.udp:
            # RFC 3948 over IPv6: a real checksum (RFC 8200 8.1), pseudo-header
            # with the home address when there is a HAO (RFC 6275 6.3)
            w = pcapcheck.walk_ipv6(p.bytes)
            u = p.bytes[w.proto_off:w.end]
            ph = w.pseudo_src + w.pseudo_dst + struct.pack("!I3xB", len(u), 17)
            tap.check(w.proto == 17 and struct.unpack("!H", u[2:4])[0] == 4500 and
                      u[6:8] != b"\0\0" and pcapcheck.csum16(ph + u) == 0 and
                      struct.unpack("!H", u[4:6])[0] == len(u),
                      "%s: UDP header (port 4500, length, checksum over the HoA pseudo-header)"
                      % tag, u[:8].hex())
    # text mode
    txt = decode(exe, pcap, keys, text=True).splitlines()
    first = next((ln for ln in txt if ln.startswith("1 ")), "")
    tap.check("ESP spi=0x%08x seq=1 icv ok | MH BU" % pkts[0].spi in first,
              "decode text mode: 'ESP spi=... seq=1 icv ok | MH BU ...'", first)
    # without keys: opaque, no error
    plain = decode(exe, pcap)
    tap.check(all(not j.get("errors") and "icv_ok" not in (j.get("esp") or {}) and "mh" not in j
                  for j in plain.values()), "decode without --keys: ESP stays opaque, no errors")
    return pkts, pcap


def run_esn(tap, exe, tmp):
    pkts = esn_packets()
    pcap = os.path.join(tmp, "esn.pcap")
    rc, err = build(exe, [p.spec for p in pkts], pcap)
    if not tap.check(rc == 0, "mip6sec build with esn and seq > 2^32", err):
        return
    for p, b in zip(pkts, read_frames(pcap)):
        off, _ = esp_location(b)
        tag = "esn " + p.tag
        tap.check(struct.unpack("!I", b[off + 4:off + 8])[0] == p.seq & 0xffffffff,
                  "%s: only the low 32 bits are on the wire" % tag)
        if p.sa == "gcm128":
            try:
                plain, nh = scapy_open(b, p.sa, p.spi, esn_hi=p.seq >> 32)
                tap.check(not mh_fields_bad(mh_of(plain)[0], p.facts) and
                          struct.unpack("!Q", b[off + 8:off + 16])[0] == p.seq,
                          "%s: scapy (esn_en, high half in the AAD) decrypts; IV = 64-bit seq "
                          "(ALG-05)" % tag)
            except Exception as e:                          # noqa: B902
                tap.check(False, "%s: scapy decrypts" % tag, repr(e))
            try:
                scapy_open(b, p.sa, p.spi)
                tap.check(False, "%s: scapy without ESN rejects it" % tag)
            except IPSecIntegrityError:
                tap.check(True, "%s: scapy without ESN rejects it" % tag)
        else:
            d = SAS[p.sa]
            h, n = HASH[d["auth"]]
            icv = hmac.new(d["akey"], b[off:-n] + struct.pack("!I", p.seq >> 32), h).digest()[:n]
            tap.check(icv == b[-n:], "%s: ICV = HMAC(SPI..Next Header || seq high) (RFC 4303 "
                      "2.2.1), computed independently" % tag)


# ---------------------------------------------------------------------------
# (b) scapy-built vectors

def run_vectors(tap, exe):
    """AH-03, ESP-07: the scapy-built ESP/AH vectors, and the flipped one."""
    vecs = oc.load_vectors().get("esp_vectors", [])
    if not tap.check(len(vecs) >= 10, "vectors.json has the scapy ESP/AH vectors"):
        return
    pcap = os.path.join(oc.VECTORS_DIR, "scapy_esp.pcap")
    keys = os.path.join(oc.VECTORS_DIR, "scapy_esp.keys")
    dec = decode(exe, pcap, keys)
    res = pcapcheck.check_pcap(pcap, keys)
    for v in vecs:
        f = v["facts"]
        tag = "vector %s [%s]" % (v["name"], ", ".join(v["ids"]))
        j = dec.get(v["frame"], {})
        tshark_ok = f["sa"] not in ("chacha_mn",)
        if not v["valid"]:
            e = j.get("esp") or {}
            tap.check("icv" in oc.err_ids(j.get("errors", [])) and e.get("icv_ok") is False and
                      e.get("decrypted") is False and "mh" not in j,
                      "%s: mip6sec reports icv_ok false, error icv, no plaintext" % tag, str(j))
            tap.check("esp-icv-bad" in res[v["frame"] - 1].codes(),
                      "%s: tshark reports the ICV bad" % tag, fails(res[v["frame"] - 1]))
            continue
        bad = []
        for k in ("src", "dst", "hao", "rh2"):
            if j.get(k) != f[k]:
                bad.append("%s %r != %r" % (k, j.get(k), f[k]))
        if f["protocol"] == "ah":
            a = j.get("ah") or {}
            if not (a.get("icv_ok") is True and a.get("spi") == f["spi"] and a.get("seq") == f["seq"]):
                bad.append("ah %r" % a)
        else:
            e = j.get("esp") or {}
            if not (e.get("icv_ok") is True and e.get("decrypted") is True and
                    e.get("next_header") == f["next_header"] and e.get("spi") == f["spi"] and
                    e.get("seq") == f["seq"]):
                bad.append("esp %r" % e)
        if f["mode"] == "tunnel":
            inner = j.get("inner") or {}
            for k in ("src", "dst"):
                if inner.get(k) != f["inner"][k]:
                    bad.append("inner %s %r" % (k, inner.get(k)))
            m, fm = inner.get("mh") or {}, f["inner"]["mh"]
        else:
            m, fm = j.get("mh") or {}, f["mh"]
        for k, want in fm.items():
            if k == "options":
                got = [o.get("code") for o in m.get("options", [])]
                want = [o["code"] for o in want]
            else:
                got = m.get(k)
            if got != want:
                bad.append("mh.%s %r != %r" % (k, got, want))
        if m.get("checksum_ok") is not True:
            bad.append("checksum_ok %r" % m.get("checksum_ok"))
        if j.get("errors"):
            bad.append("errors %r" % j["errors"])
        tap.check(not bad, "%s: mip6sec decode --keys verifies%s and matches vectors.json" % (
            tag, "" if f["protocol"] == "ah" else ", decrypts"), bad)
        r = res[v["frame"] - 1]
        if f["protocol"] == "ah":
            tap.check(r.ok, "%s: tshark dissects it cleanly (it cannot verify AH)" % tag, fails(r))
        elif tshark_ok:
            tap.check(r.ok, "%s: tshark decrypts it with scapy_esp.keys (pcapcheck -k)" % tag,
                      fails(r))
        else:
            tap.check(True, "%s: tshark" % tag, skip="tshark 4.0 has no ChaCha20-Poly1305")
    # key selection: wrong key, wrong addresses
    tmp = tempfile.mkdtemp(prefix="m6keys-")
    try:
        v = next(x for x in vecs if x["name"] == "esp_cbc_bu_hao")
        spi = v["facts"]["spi"]
        wrong = os.path.join(tmp, "wrong.keys")
        line = next(ln for ln in open(keys) if "0x%08x" % spi in ln).split()
        with open(wrong, "w") as fh:
            fh.write("%s %s %s %s %s %s %s\n" % (tuple(line[:6]) + ("ff" * 32,)))
            fh.write("%s %s 0x%08x aes-gcm-16 %s null -\n" % (HA, CN, 0x1101, "00" * 20))
        d = decode(exe, pcap, wrong)
        j = d[v["frame"]]
        tap.check("icv" in oc.err_ids(j["errors"]) and j["esp"].get("icv_ok") is False,
                  "decode --keys with a wrong HMAC key: icv error (ESP-07)", str(j))
        g = next(x for x in vecs if x["name"] == "esp_gcm128_bu_hao")
        tap.check("icv_ok" not in d[g["frame"]]["esp"] and not d[g["frame"]]["errors"],
                  "decode --keys: a line for other addresses does not apply (SPI + src/dst match)",
                  str(d[g["frame"]]))
        star = os.path.join(tmp, "star.keys")
        with open(star, "w") as fh:
            ln = next(ln for ln in open(keys) if "0x%08x" % g["facts"]["spi"] in ln).split()
            fh.write("* * %s\n" % " ".join(ln[2:]))
        d = decode(exe, pcap, star)
        tap.check(d[g["frame"]]["esp"].get("icv_ok") is True, "decode --keys: '*' matches any "
                  "address", str(d[g["frame"]]))
        with open(star, "w") as fh:
            fh.write("%s %s %s\n" % (COA, HA, " ".join(ln[2:])))
        d = decode(exe, pcap, star)
        tap.check(d[g["frame"]]["esp"].get("icv_ok") is True, "decode --keys: the wire addresses "
                  "(CoA -> HA) match as well as the HAO home address", str(d[g["frame"]]))
    finally:
        shutil.rmtree(tmp)


# ---------------------------------------------------------------------------
# (c) bit flips

FLIPS_PER_PACKET = 64


def run_flips(tap, exe, tmp, pkts):
    """ESP-07: single-bit flips are refused by all three."""
    chosen = [p for p in pkts if p.tag in ("gcm128 bu_hao", "cbc_sha256 ba_rh2",
                                           "null_sha256 tun_hoti", "chacha ba_rh2")]
    rng = random.Random(4303)
    keys = os.path.join(tmp, "esp.keys")
    esp_sa = os.path.join(tmp, "esp.esp_sa")
    for p in chosen:
        if p.bytes is None:
            continue
        off, _ = esp_location(p.bytes)
        bits = list(range((off + 4) * 8, len(p.bytes) * 8))     # SPI excluded
        sample = sorted(rng.sample(bits, min(FLIPS_PER_PACKET, len(bits))))
        frames = []
        for bit in sample:
            b = bytearray(p.bytes)
            b[bit // 8] ^= 0x80 >> (bit % 8)
            frames.append(bytes(b))
        pcap = os.path.join(tmp, "flips.pcap")
        write_pcap(pcap, frames)
        dec = decode(exe, pcap, keys)
        bad = []
        for n, bit in enumerate(sample, 1):
            j = dec.get(n, {})
            e = j.get("esp") or {}
            if not (e.get("icv_ok") is False and e.get("decrypted") is False and
                    "icv" in oc.err_ids(j.get("errors", [])) and "mh" not in j and
                    "inner" not in j):
                bad.append("bit %d (octet %d): %r" % (bit, bit // 8, j))
        tag = "flips %s" % p.tag
        tap.check(not bad, "%s: all %d sampled single-bit flips in the ESP part: mip6sec icv_ok "
                  "false, error icv, no plaintext (ESP-07)" % (tag, len(sample)), bad[:5])
        if p.sa != "chacha":
            # tshark 4.0 dissects the decrypted payload before it adds the ICV
            # verdict: when the garbage plaintext throws (e.g. an MH Header Len
            # running past the end) the frame is "Malformed" and carries
            # neither icv_good nor icv_bad.  That counts as rejected here.
            ts = oc.tshark_fields(pcap, ["esp.icv_good", "esp.icv_bad", "_ws.malformed"],
                                  esp_sa_tshark_args(esp_sa))
            tbad, malformed = [], []
            for n in range(1, len(sample) + 1):
                t = ts.get(n, {})
                icv_bad = [oc.tbool(x) for x in t.get("esp.icv_bad", [])]
                if icv_bad == [True]:
                    continue
                if not t.get("esp.icv_good") and t.get("_ws.malformed"):
                    malformed.append(sample[n - 1])
                else:
                    tbad.append(sample[n - 1])
            tap.check(not tbad, "%s: tshark reports icv_bad for every flip (%d of them only as "
                      "Malformed, without an ICV verdict)" % (tag, len(malformed)),
                      "bits tshark accepted: %s" % tbad[:10])
        else:
            tap.check(True, "%s: tshark" % tag, skip="tshark 4.0 has no ChaCha20-Poly1305")
        sbad = []
        for bit, b in zip(sample, frames):
            try:
                scapy_open(b, p.sa, p.spi)
                sbad.append(bit)
            except IPSecIntegrityError:
                pass
            except Exception as e:                          # noqa: B902
                sbad.append("%d: %r" % (bit, e))
        tap.check(not sbad, "%s: scapy raises IPSecIntegrityError for every flip" % tag, sbad[:5])
    # a flipped SPI selects no SA: neither side decrypts, nothing is claimed
    p = chosen[0]
    off, _ = esp_location(p.bytes)
    b = bytearray(p.bytes)
    b[off + 3] ^= 0x01
    pcap = os.path.join(tmp, "spi.pcap")
    write_pcap(pcap, [bytes(b)])
    j = decode(exe, pcap, keys)[1]
    ts = oc.tshark_fields(pcap, ["esp.icv_good", "esp.icv_bad", "mip6.mhtype"],
                          esp_sa_tshark_args(esp_sa))[1]
    tap.check("icv_ok" not in j["esp"] and "mh" not in j and not ts["mip6.mhtype"] and
              not ts["esp.icv_good"], "flipped SPI: no SA matches; neither mip6sec nor tshark "
              "decrypts", [str(j), str(ts)])


# ---------------------------------------------------------------------------
# (d) AH

AH_KEYS = {"hmac-sha256-128": ("SHA2-256-128", hexk(0x11, 32)),
           "hmac-sha1-96": ("HMAC-SHA1-96", hexk(0x22, 20)),
           "hmac-sha512-256": ("SHA2-512-256", hexk(0x33, 64))}


def ah_receiver_view(b, ah_off, icv_len):
    """The octets the AH ICV covers (RFC 4302 3.3.3; AH-01, AH-02, AH-03): Traffic
    Class, Flow Label and Hop Limit zero; an option with the change bit has
    zero data; a HAO is swapped with the source (RFC 6275 11.3.2, as Linux
    ah6.c does); a Routing header of type 0/2 as it arrives (Segments Left
    0, destination = last address); the ICV zero.  Written from the RFCs,
    independently of src/core/ipsec/ah.c."""
    w = pcapcheck.walk_ipv6(b)
    p = bytearray(b[:w.end])
    p[0], p[1], p[2], p[3], p[7] = 0x60, 0, 0, 0, 0
    for proto, off, hl in w.headers:
        if off >= ah_off:
            break
        if proto in (0, 60):
            i = off + 2
            while i < off + hl:
                t = p[i]
                if t == 0:
                    i += 1
                    continue
                olen = p[i + 1]
                if t == 0xC9 and olen == 16:
                    hoa = bytes(p[i + 2:i + 18])
                    p[i + 2:i + 18] = p[8:24]
                    p[8:24] = hoa
                elif t & 0x20:
                    p[i + 2:i + 2 + olen] = b"\0" * olen
                i += 2 + olen
        elif proto == 43 and p[off + 2] in (0, 2) and p[off + 3] > 0:
            n, sl = p[off + 1] // 2, p[off + 3]
            addrs = [bytes(p[off + 8 + 16 * k:off + 24 + 16 * k]) for k in range(n)]
            first = n - sl
            final = addrs[-1]
            addrs = addrs[:first] + [bytes(p[24:40])] + addrs[first:-1]
            p[24:40] = final
            p[off + 3] = 0
            for k, a in enumerate(addrs):
                p[off + 8 + 16 * k:off + 24 + 16 * k] = a
    p[ah_off + 12:ah_off + 12 + icv_len] = b"\0" * icv_len
    return bytes(p)


def run_ah(tap, exe, tmp):
    """AH-01, AH-02, AH-03, AH-04: AH over a HAO and an RH2."""
    cases = []
    spi = 0x6000
    for alg in AH_KEYS:
        k = AH_KEYS[alg][1].hex()
        spi += 1
        cases.append(("BU+HAO %s" % alg, alg, spi, "ip6 src=%s dst=%s / hao %s / ah spi=0x%x "
                      "seq=3 auth=%s akey=%s / mh bu seq=40 lifetime=3600 flags=AH" % (
                          COA, HA, HOA, spi, alg, k)))
        spi += 1
        cases.append(("BA+RH2 %s" % alg, alg, spi, "ip6 src=%s dst=%s / rh2 %s / ah spi=0x%x "
                      "seq=4 auth=%s akey=%s / mh ba seq=40 lifetime=3600" % (
                          HA, COA, HOA, spi, alg, k)))
    k = AH_KEYS["hmac-sha256-128"][1].hex()
    spi += 1
    cases.append(("BU+HAO after a mutable HbH option", "hmac-sha256-128", spi,
                  "ip6 src=%s dst=%s tc=0x20 flow=0x12345 / hbh opt=0x3e:00112233 / hao %s / "
                  "ah spi=0x%x auth=hmac-sha256-128 akey=%s / mh bu seq=41 lifetime=3600 "
                  "flags=AH" % (COA, HA, HOA, spi, k)))
    pcap = os.path.join(tmp, "ah.pcap")
    rc, err = build(exe, [c[3] for c in cases], pcap)
    if not tap.check(rc == 0, "mip6sec build writes keyed AH specifications", err):
        return
    keys = os.path.join(tmp, "ah.keys")
    kl = [ln.split() for ln in open(keys) if ln.strip() and not ln.startswith("#")]
    tap.check(all(w[3] == "null" and w[4] == "-" for w in kl) and len(kl) == len(cases),
              "ah.keys: AH SAs as 'null -' plus the HMAC", open(keys).read())
    tap.check("AH SA" in open(os.path.join(tmp, "ah.esp_sa")).read(),
              "ah.esp_sa: AH SAs are comments (tshark cannot verify AH)")
    frames = read_frames(pcap)
    dec = decode(exe, pcap, keys)
    tsr = pcapcheck.check_pcap(pcap)
    # flips of addresses change which line matches: use '*' for those tests
    star = os.path.join(tmp, "ah_star.keys")
    with open(star, "w") as fh:
        for w in kl:
            fh.write("* * %s\n" % " ".join(w[2:]))
    rng = random.Random(4302)
    for n, ((tag, alg, spi, spec), b) in enumerate(zip(cases, frames), 1):
        tag = "ah " + tag
        j = dec[n]
        a = j.get("ah") or {}
        tap.check(a.get("icv_ok") is True and a.get("spi") == spi and not j["errors"] and
                  (j.get("mh") or {}).get("checksum_ok") is True,
                  "%s: mip6sec decode --keys verifies the ICV" % tag, str(j))
        tap.check(tsr[n - 1].ok, "%s: tshark/pcapcheck dissect it cleanly" % tag,
                  fails(tsr[n - 1]))
        w = pcapcheck.walk_ipv6(b)
        ah_off = next(off for proto, off, hl in w.headers if proto == 51)
        ah_len = (b[ah_off + 1] + 2) * 4
        h, icv_len = HASH[alg]
        tap.check(ah_len % 8 == 0 and ah_len == (12 + icv_len + 7) // 8 * 8,
                  "%s: AH length %d is a multiple of 8 (AH-04)" % (tag, ah_len))
        mine = hmac.new(AH_KEYS[alg][1], ah_receiver_view(b, ah_off, icv_len), h).digest()
        tap.check(mine[:icv_len] == b[ah_off + 12:ah_off + 12 + icv_len],
                  "%s: ICV equals an independent computation over the receiver's view "
                  "(AH-01, AH-02, AH-03)" % tag)
        # mutable fields (AH-01)
        muts = []
        x = bytearray(b)
        x[7] ^= 0x3f
        muts.append(("hop limit", bytes(x)))
        x = bytearray(b)
        x[0] ^= 0x0f
        x[1] ^= 0xff
        x[3] ^= 0x5a
        muts.append(("traffic class and flow label", bytes(x)))
        if "mutable" in tag:
            hbh = next(off for proto, off, hl in w.headers if proto == 0)
            x = bytearray(b)
            x[hbh + 4] ^= 0xff
            muts.append(("option data with the change bit", bytes(x)))
        # immutable octets: anything but the mutable fields, the Payload Length
        # (framing), the SPI (SA selection) and the RH Segments Left (changes
        # what the receiver computes, tested separately)
        skip = {0, 1, 2, 3, 4, 5, 7} | set(range(ah_off + 4, ah_off + 8))
        if w.rh:
            skip.add(w.rh[2] + 3)
        if "mutable" in tag:
            skip |= set(range(hbh + 4, hbh + 8))
        cand = [i for i in range(len(b)) if i not in skip]
        flips = sorted(rng.sample(cand, min(32, len(cand))))
        frames2 = [m[1] for m in muts]
        for i in flips:
            x = bytearray(b)
            x[i] ^= 1 << rng.randrange(8)
            frames2.append(bytes(x))
        p2 = os.path.join(tmp, "ahmut.pcap")
        write_pcap(p2, frames2)
        d2 = decode(exe, p2, star)
        for k, (what, _) in enumerate(muts, 1):
            tap.check((d2[k].get("ah") or {}).get("icv_ok") is True,
                      "%s: changed %s still verifies (AH-01)" % (tag, what), str(d2[k]))
        # a flip may also break the header chain (no AH found, or a structural
        # error first); what must never happen is icv_ok true
        got = [d2[len(muts) + k + 1] for k in range(len(flips))]
        bad = [flips[k] for k, j in enumerate(got)
               if (j.get("ah") or {}).get("icv_ok") is True or not j["errors"]]
        n_icv = sum("icv" in oc.err_ids(j["errors"]) for j in got)
        tap.check(not bad and n_icv >= len(flips) // 2,
                  "%s: %d flipped immutable octets do not verify, %d with error icv "
                  "(AH-01, AH-02, AH-03)" % (tag, len(flips), n_icv),
                  ["octets still verifying: %s" % bad] +
                  ["%d: %s" % (flips[k], j["errors"]) for k, j in enumerate(got)
                   if "icv" not in oc.err_ids(j["errors"])])
        if "RH2" in tag:
            # scapy: verify needs the receiver's view (RH2 processed)
            s = SecurityAssociation(AH, spi=spi, auth_algo=AH_KEYS[alg][0],
                                    auth_key=AH_KEYS[alg][1])
            pk = IPv6(b)
            rh = pk[IPv6ExtHdrRouting]
            final = rh.addresses[0]
            rh.addresses = [pk.dst]
            rh.segleft = 0
            pk.dst = final
            try:
                s.decrypt(pk.copy())
                ok = True
            except IPSecIntegrityError as e:
                ok = repr(e)
            tap.check(ok is True, "%s: scapy verifies the ICV on the receiver's view (AH-03)"
                      % tag, str(ok))
            pk2 = IPv6(frames2[len(muts)])
            if pk2.haslayer(IPv6ExtHdrRouting) and pk2.haslayer(AH):
                rh = pk2[IPv6ExtHdrRouting]
                final = rh.addresses[0]
                rh.addresses = [pk2.dst]
                rh.segleft = 0
                pk2.dst = final
                try:
                    s.decrypt(pk2)
                    rej = False
                except (IPSecIntegrityError, TypeError):
                    rej = True
                tap.check(rej, "%s: scapy rejects the first immutable flip too" % tag)
    # Segments Left of the RH2 changed on the wire: the receiver's view changes
    n = next(k for k, c in enumerate(cases, 1) if c[0].startswith("BA+RH2"))
    b = bytearray(frames[n - 1])
    w = pcapcheck.walk_ipv6(bytes(b))
    b[w.rh[2] + 3] = 0
    p3 = os.path.join(tmp, "ahsl.pcap")
    write_pcap(p3, [bytes(b)])
    j = decode(exe, p3, star)[1]
    tap.check((j.get("ah") or {}).get("icv_ok") is False,
              "ah BA+RH2 with Segments Left 0 on the wire (destination not swapped): fails",
              str(j))


# ---------------------------------------------------------------------------
# CLI errors

def run_cli(tap, exe, tmp):
    cases = [
        ("2001:db8::1 * 0x100 aes-gcm-16 0011 null -\n", ":1:", "20 or 36"),
        ("# c\n* * 0x100 aes-cbc %s\n" % ("00" * 16), ":2:", "7"),
        ("* * 0x100 des-cbc - null -\n", ":1:", "des-cbc"),
        ("* * 0x1ffffffff null - hmac-sha256-128 %s\n" % ("00" * 32), ":1:", "spi"),
        ("\n\n* nowhere 0x100 null - hmac-sha256-128 %s\n" % ("00" * 32), ":3:", "dst"),
        ("* * 0x100 aes-gcm-16 %s hmac-sha256-128 %s\n" % ("00" * 20, "00" * 32), ":1:", "AEAD"),
    ]
    empty = os.path.join(tmp, "empty.pcap")
    write_pcap(empty, [])
    for i, (text, where, word) in enumerate(cases, 1):
        kf = os.path.join(tmp, "bad%d.keys" % i)
        with open(kf, "w") as fh:
            fh.write(text)
        r = subprocess.run([exe, "decode", "--keys", kf, empty], capture_output=True, text=True)
        tap.check(r.returncode == 2 and (kf + where) in r.stderr and word in r.stderr,
                  "decode --keys rejects a bad line with FILE%s and '%s'" % (where, word),
                  r.stderr)
    specs = [
        ("ip6 src=::1 dst=::2 / esp spi=1 enc=aes-gcm-16 key=00 / mh brr", "layer 2 (esp)"),
        ("ip6 src=::1 dst=::2 / esp spi=1 enc=aes-cbc key=%s / mh brr" % ("00" * 16),
         "integrity"),
        ("ip6 src=::1 dst=::2 / ip6 src=::3 dst=::4 / ah spi=1 auth=hmac-sha256-128 akey=%s / "
         "mh brr" % ("00" * 32), "outermost"),
        ("ip6 src=::1 dst=::2 / esp spi=1 seq=0 enc=null auth=hmac-sha1-96 akey=%s / mh brr"
         % ("00" * 20), "seq=0"),
        ("ip6 src=::1 dst=::2 / mh brr / esp spi=1 enc=null auth=hmac-sha1-96 akey=%s"
         % ("00" * 20), "Next Header"),
    ]
    for spec, word in specs:
        r = subprocess.run([exe, "build", "--hex", spec], capture_output=True, text=True)
        tap.check(r.returncode == 2 and word in r.stderr, "build rejects '%s...' (%s)" % (
            spec[30:70], word), r.stderr)
    # ESP and AH together: AH outside ESP, the chain says 51 -> 50 -> 135
    k = "00" * 32
    r = subprocess.run([exe, "build", "--hex", "ip6 src=%s dst=%s / hao %s / ah spi=0x51 "
                        "auth=hmac-sha256-128 akey=%s / esp spi=0x50 enc=null "
                        "auth=hmac-sha256-128 akey=%s / mh bu seq=1 lifetime=60 flags=AH"
                        % (COA, HA, HOA, k, k)], capture_output=True, text=True)
    b = bytes.fromhex(r.stdout.strip()) if r.returncode == 0 else b""
    ok = len(b) > 100 and b[40] == 51 and b[64] == 50 and \
        struct.unpack("!I", b[68:72])[0] == 0x51 and struct.unpack("!I", b[96:100])[0] == 0x50
    tap.check(ok, "build: ah / esp / mh gives IPv6 -> DstOpt -> AH(nh 50) -> ESP", r.stderr)


def main():
    tap = oc.Tap()
    exe = oc.find_mip6sec(sys.argv)
    if not exe:
        tap.bail("mip6sec executable not found (pass it as the first argument)")
    tmp = tempfile.mkdtemp(prefix="m6esp-")
    try:
        pkts, _ = run_build(tap, exe, tmp)
        run_esn(tap, exe, tmp)
        run_vectors(tap, exe)
        run_flips(tap, exe, tmp, pkts)
        run_ah(tap, exe, tmp)
        run_cli(tap, exe, tmp)
    finally:
        shutil.rmtree(tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
