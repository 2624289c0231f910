#!/usr/bin/python3
"""pcapcheck - check every frame of a capture with tshark plus RFC 6275 rules.

usage: pcapcheck.py [-k KEYS] [--allow-warnings] [-q] FILE.pcap

A frame fails when tshark (4.0) marks it malformed or raises expert info of
severity warning or higher (error or higher with --allow-warnings), and when
one of the checks tshark does not do fails:

  Mobility Header  Header Len vs the octets present, and the per-type
                   minimum; the checksum over the RFC 6275 pseudo-header
                   (source = home address of a valid Home Address option,
                   destination = final address of a Routing header with
                   Segments Left > 0, the RH2 home address); Payload Proto
                   59; a known MH Type (0..7)
  mobility options inside the MH, known lengths, BAD last, ACoA/NI only in
                   a BU, BRA only in a BA, NI not with H=1
  HAO              in a Destination Options header (not before a Routing
                   header), Option Length 16, at 8n+6, only one, unicast
  RH2              type 2 Routing header: Hdr Ext Len 2, Segments Left 1; no
                   type 0 Routing header with Segments Left > 0
  option or extension header overruns, Payload Length vs octets present
The conformance items each check implements are cited where it is made.

-k KEYS turns on tshark's ESP decryption: one SA per line
    src dst spi enc-alg enc-key auth-alg auth-key      ('#' comments, '-' = none)
  enc-alg : null aes-cbc aes-ctr 3des-cbc aes-gcm-8 aes-gcm-12 aes-gcm-16
            (AES-GCM key = key || 4-octet salt)
  auth-alg: null hmac-sha1-96 hmac-sha256-128 hmac-sha384-192 hmac-sha512-256
            hmac-md5-96 any-96 any-128
  chacha20-poly1305 lines (RFC 7634) are accepted but skipped: tshark 4.0 has
  no ChaCha20-Poly1305, so such frames are checked as opaque ESP.
Keyed frames fail on esp.icv_bad and when tshark could not decrypt them; the
checks above then run on the decrypted payload too.  tshark looks SAs up by the
addresses it shows (HAO home address as source, RH2 address as destination),
so each SA is installed as given and again with wildcard addresses.

Exit status: 0 every frame passed, 1 a frame failed, 2 usage or tshark error.
As a library: check_pcap(path, keys=None) returns one FrameResult per frame,
with .failures = [(code, text), ...]; check_packet(bytes) runs the local
checks on one IPv6 packet; walk_ipv6() and mh_checksum() expose the walker.
"""
import argparse
import ipaddress
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SEV_ERROR = 0x800000
SEV_WARN = 0x600000

# RFC 6275 6.1: smallest MH length (octets) per type, Header Len minimum = len/8 - 1
MH_MIN_LEN = {0: 8, 1: 16, 2: 16, 3: 24, 4: 24, 5: 12, 6: 12, 7: 24}
MH_MIN_HLEN = {t: (n + 7) // 8 - 1 for t, n in MH_MIN_LEN.items()}   # BRR 0, BU 1, HoT 2 ...
MH_FIXED = {0: 2, 1: 10, 2: 10, 3: 18, 4: 18, 5: 6, 6: 6, 7: 18}    # data after the 6-octet header
MH_NAME = {0: "BRR", 1: "HoTI", 2: "CoTI", 3: "HoT", 4: "CoT", 5: "BU", 6: "BA", 7: "BE"}
MHO_LEN = {2: 2, 3: 16, 4: 4, 5: 12}                     # OPT-03 Option Length
MHO_ALLOWED = {2: (6,), 3: (5,), 4: (5,), 5: (5, 6)}      # OPT-05, OPT-06, BAD in BU and BA

ENC_ALGS = {"null": "NULL", "aes-cbc": "AES-CBC [RFC3602]", "aes-ctr": "AES-CTR [RFC3686]",
            "3des-cbc": "TripleDES-CBC [RFC2451]",
            "aes-gcm-8": "AES-GCM with 8 octet ICV [RFC4106]",
            "aes-gcm-12": "AES-GCM with 12 octet ICV [RFC4106]",
            "aes-gcm-16": "AES-GCM with 16 octet ICV [RFC4106]"}
# In the key-file format, but not in tshark 4.0's esp_sa table: skipped.
UNSUPPORTED_ENC = ("chacha20-poly1305",)
AUTH_ALGS = {"null": "NULL", "hmac-sha1-96": "HMAC-SHA-1-96 [RFC2404]",
             "hmac-md5-96": "HMAC-MD5-96 [RFC2403]",
             "hmac-sha256-128": "HMAC-SHA-256-128 [RFC4868]",
             "hmac-sha384-192": "HMAC-SHA-384-192 [RFC4868]",
             "hmac-sha512-256": "HMAC-SHA-512-256 [RFC4868]",
             "any-96": "ANY 96 bit authentication [no checking]",
             "any-128": "ANY 128 bit authentication [no checking]"}

TSHARK_FIELDS = ["frame.number", "_ws.col.Info", "_ws.malformed", "_ws.expert.severity",
                 "_ws.expert.message", "esp.spi", "esp.sequence", "esp.icv_good", "esp.icv_bad",
                 "esp.protocol", "esp.contained_data"]
AGG = "\x1e"


class CheckError(Exception):
    """Usage, file or tshark problem (exit status 2)."""


# ---------------------------------------------------------------------------
# checksum and addresses

def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mh_checksum(src, dst, mh):
    """RFC 6275 6.1.1: one's complement over the pseudo-header (src, dst, MH
    length, 135) and the MH with the Checksum field counted as zero.  src and
    dst are 16-octet strings."""
    body = mh[:4] + b"\0\0" + mh[6:] if len(mh) >= 6 else mh
    return csum16(bytes(src) + bytes(dst) + struct.pack("!I3xB", len(mh), 135) + body)


def unicast_routable(a):
    ip = ipaddress.IPv6Address(bytes(a))
    return not (ip.is_multicast or ip.is_link_local or ip.is_unspecified or ip.is_loopback)


def ntop(a):
    return str(ipaddress.IPv6Address(bytes(a)))


# ---------------------------------------------------------------------------
# IPv6 walker

class Walk:
    """What walk_ipv6() found in one IPv6 packet (offsets into the packet)."""

    def __init__(self):
        self.failures = []
        self.src = self.dst = None
        self.end = 0
        self.headers = []           # (proto, offset, length)
        self.hao = None             # address octets of the first HAO with length 16
        self.hao_ok = False         # that HAO passed every check (HAO-01, HAO-02, HAO-05)
        self.hao_form = False       # ... and is in a Destination Options header at 8n+6
        self.rh = None              # (type, segleft, offset, hdr_ext_len)
        self.rh_final = None        # final destination named by a Routing header
        self.frag = None            # (offset_bytes, more)
        self.proto = None           # first non-extension protocol
        self.proto_off = None
        self.ah = []                # (spi, seq)

    def fail(self, code, text):
        self.failures.append((code, text))

    @property
    def pseudo_src(self):
        # MH-03: the home address of a well-formed HAO (its address class is
        # checked separately, HAO-05); otherwise the wire source
        return self.hao if self.hao_form else self.src

    @property
    def pseudo_dst(self):
        return self.rh_final if self.rh_final is not None else self.dst


def _walk_options(w, b, start, end, hdr, late=False):
    i = start + 2
    while i < end:
        t = b[i]
        if t == 0:              # Pad1
            i += 1
            continue
        if i + 2 > end or i + 2 + b[i + 1] > end:
            w.fail("opt-overrun", "option type %d at offset %d runs past its %s header "
                   "(ends at %d)" % (t, i, hdr, end))
            return
        olen = b[i + 1]
        if t == 0xC9:
            ok = True
            form = hdr == "dstopt" and olen == 16 and (i - start) % 8 == 6
            if hdr != "dstopt":
                w.fail("hao-place", "Home Address option in a %s header (HAO-02)" % hdr)
                ok = False
            elif w.rh is None and _rh_follows(b, start):
                w.fail("hao-place", "Home Address option in a Destination Options header "
                       "before the Routing header (HAO-02)")
                ok = False
            elif late:
                w.fail("hao-place", "Home Address option after a Fragment or AH header "
                       "(RFC 6275 6.3)")
                ok = False
            if w.hao is not None:
                w.fail("hao-dup", "second Home Address option at offset %d (HAO-02)" % i)
            if olen != 16:
                w.fail("hao-len", "Home Address option length %d, not 16 (HAO-01)" % olen)
                ok = False
            elif (i - start) % 8 != 6:
                w.fail("hao-align", "Home Address option at header offset %d, not 8n+6 (HAO-01)"
                       % (i - start))
                ok = False
            if olen == 16 and not unicast_routable(b[i + 2:i + 18]):
                w.fail("hao-addr", "home address %s is not unicast routable (HAO-05)"
                       % ntop(b[i + 2:i + 18]))
                ok = False
            if w.hao is None and olen == 16:
                w.hao = bytes(b[i + 2:i + 18])
                w.hao_ok = ok
                w.hao_form = form
        i += 2 + olen


def _rh_follows(b, start):
    """True if a Routing header comes later in the chain after the header at start."""
    nh, off = b[start], start + 8 * (b[start + 1] + 1)
    for _ in range(16):
        if nh == 43:
            return True
        if nh not in (0, 60, 44, 51) or off + 2 > len(b):
            return False
        hl = 8 if nh == 44 else (4 * (b[off + 1] + 2) if nh == 51 else 8 * (b[off + 1] + 1))
        nh, off = b[off], off + hl
    return False


def walk_ipv6(b):
    """Walk the IPv6 header and extension headers of packet b (bytes)."""
    w = Walk()
    if len(b) < 40:
        w.fail("ip6-trunc", "%d octets, shorter than an IPv6 header" % len(b))
        return w
    if b[0] >> 4 != 6:
        w.fail("ip6-version", "version %d" % (b[0] >> 4))
        return w
    plen = struct.unpack("!H", b[4:6])[0]
    w.src, w.dst = bytes(b[8:24]), bytes(b[24:40])
    w.end = 40 + plen
    if w.end > len(b):
        w.fail("ip6-plen", "Payload Length %d but only %d octets follow" % (plen, len(b) - 40))
        w.end = len(b)
    b = b[:w.end]
    nh, off = b[6], 40
    while nh in (0, 60, 43, 44, 51):
        if nh == 0 and off != 40:
            w.fail("ext-order", "Hop-by-Hop header not first")
        need = 8 if nh in (43, 44) else 2
        if off + need > len(b):
            w.fail("ext-trunc", "extension header %d at %d truncated" % (nh, off))
            return w
        if nh == 44:
            hl = 8
        elif nh == 51:
            hl = 4 * (b[off + 1] + 2)
        else:
            hl = 8 * (b[off + 1] + 1)
        if off + hl > len(b):
            w.fail("ext-trunc", "extension header %d at %d (%d octets) runs past the packet"
                   % (nh, off, hl))
            return w
        w.headers.append((nh, off, hl))
        if nh in (0, 60):
            _walk_options(w, b, off, off + hl, "dstopt" if nh == 60 else "hop-by-hop",
                          late=any(h[0] in (44, 51) for h in w.headers[:-1]))
        elif nh == 43:
            rtype, sl = b[off + 2], b[off + 3]
            if w.rh is not None:
                w.fail("rh-dup", "more than one Routing header")
            else:
                w.rh = (rtype, sl, off, b[off + 1])
                naddr = b[off + 1] // 2
                if rtype in (0, 2) and sl > 0 and naddr > 0:
                    w.rh_final = bytes(b[off + 8 + 16 * (naddr - 1):off + 8 + 16 * naddr])
            if rtype == 2:
                if b[off + 1] != 2:
                    w.fail("rh2-len", "type 2 Routing header Hdr Ext Len %d, not 2 (RH2-02)"
                           % b[off + 1])
                if sl != 1:
                    w.fail("rh2-segleft", "type 2 Routing header Segments Left %d, not 1 (RH2-02)"
                           % sl)
                if hl >= 24 and not unicast_routable(b[off + 8:off + 24]):
                    w.fail("rh2-addr", "type 2 Routing header address %s is not unicast "
                           "routable (RH2-02)" % ntop(b[off + 8:off + 24]))
            elif rtype == 0 and sl > 0:
                w.fail("rh0", "type 0 Routing header with Segments Left %d (RH2-05, RFC 5095)" % sl)
        elif nh == 44:
            fo = struct.unpack("!H", b[off + 2:off + 4])[0]
            w.frag = (fo & ~7, bool(fo & 1))
        elif nh == 51:
            w.ah.append(struct.unpack("!II", b[off + 4:off + 12]))
        nh, off = b[off], off + hl
        if w.frag and (w.frag[0] or w.frag[1]):
            break               # a real fragment: the upper layer is not whole here
    w.proto, w.proto_off = nh, off
    return w


# ---------------------------------------------------------------------------
# Mobility Header

def check_mh(mh, src, dst, where=""):
    """Checks of one Mobility Header (bytes from its first octet to the end of
    the packet) with pseudo-header addresses src/dst. Returns [(code, text)]."""
    f = []
    if len(mh) < 8:
        return [("mh-trunc", "Mobility Header of %d octets%s" % (len(mh), where))]
    proto, hlen, mtype = mh[0], mh[1], mh[2]
    declared = 8 * (hlen + 1)
    if proto != 59:
        f.append(("mh-proto", "Payload Proto %d, not 59 (MH-04)%s" % (proto, where)))
    if declared != len(mh):
        f.append(("mh-hlen", "Header Len %d (%d octets) but %d octets present (MH-02)%s"
                  % (hlen, declared, len(mh), where)))
    if mtype not in MH_MIN_LEN:
        f.append(("mh-type", "unknown MH Type %d (MH-06)%s" % (mtype, where)))
    elif hlen < MH_MIN_HLEN[mtype]:
        f.append(("mh-hlen-min", "Header Len %d below the minimum %d for %s (MH-05)%s"
                  % (hlen, MH_MIN_HLEN[mtype], MH_NAME[mtype], where)))
    want = mh_checksum(src, dst, mh)
    have = struct.unpack("!H", mh[4:6])[0]
    if want != have:
        f.append(("mh-checksum", "checksum 0x%04x, RFC 6275 pseudo-header (%s -> %s) gives "
                  "0x%04x (MH-03)%s" % (have, ntop(src), ntop(dst), want, where)))
    if mtype in MH_MIN_LEN and hlen >= MH_MIN_HLEN[mtype] and len(mh) >= MH_MIN_LEN[mtype]:
        f.extend(check_mh_options(mh[:min(declared, len(mh))], mtype, where))
    return f


def check_mh_options(mh, mtype, where=""):
    f = []
    i, end = 6 + MH_FIXED[mtype], len(mh)
    seen, after_bad, reported = [], False, False
    while i < end:
        t = mh[i]
        if after_bad and not reported:
            f.append(("mh-bad-not-last", "option %d after the Binding Authorization Data "
                      "(OPT-04)%s" % (t, where)))
            reported = True
        if t == 0:
            i += 1
            continue
        if i + 2 > end or i + 2 + mh[i + 1] > end:
            f.append(("mh-opt-overrun", "mobility option %d at MH offset %d runs past the "
                      "Mobility Header (OPT-01)%s" % (t, i, where)))
            return f
        olen = mh[i + 1]
        if t in MHO_LEN and olen != MHO_LEN[t]:
            f.append(("mh-opt-len", "mobility option %d length %d, not %d (OPT-03)%s"
                      % (t, olen, MHO_LEN[t], where)))
        if t in MHO_ALLOWED and mtype not in MHO_ALLOWED[t]:
            f.append(("mh-opt-place", "mobility option %d not valid in a %s (OPT-05, OPT-06)%s"
                      % (t, MH_NAME[mtype], where)))
        if t == 5:
            after_bad = True
        if t != 1:
            seen.append(t)
        i += 2 + olen
    if mtype == 5 and 4 in seen:
        if mh[8] & 0x40:
            f.append(("mh-ni-with-h", "Nonce Indices in a BU with H=1 (OPT-06)%s" % where))
        if 5 not in seen:
            f.append(("mh-opt-place", "Nonce Indices without Binding Authorization Data "
                      "(OPT-06)%s" % where))
    return f


def check_packet(b, depth=0):
    """Local (non-tshark) checks of one raw IPv6 packet; returns [(code, text)]."""
    w = walk_ipv6(b)
    f = list(w.failures)
    if w.proto is None or (w.frag and (w.frag[0] or w.frag[1])):
        return f
    up = b[w.proto_off:w.end]
    where = " (tunnelled)" if depth else ""
    if w.proto == 135:
        f.extend(check_mh(up, w.pseudo_src, w.pseudo_dst, where))
    elif w.proto == 41 and depth < 4:
        f.extend((c, t + ("" if t.endswith("(tunnelled)") else " (tunnelled)"))
                 for c, t in check_packet(up, depth + 1))
    return f


# ---------------------------------------------------------------------------
# capture files

LINK_RAW = (12, 14, 101, 229)


def read_pcap(path):
    """Frames of a classic pcap file as (linktype, bytes); pcapng is converted."""
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 24:
        raise CheckError("%s: not a capture file" % path)
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return _read_pcapng_via_tshark(path)
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise CheckError("%s: not a pcap or pcapng file" % path)
    link = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frames.append((link, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return frames


def _read_pcapng_via_tshark(path):
    tmp = tempfile.mkdtemp(prefix="pcapcheck-")
    try:
        out = os.path.join(tmp, "conv.pcap")
        r = subprocess.run(["tshark", "-n", "-r", path, "-F", "pcap", "-w", out],
                           capture_output=True, text=True)
        if r.returncode:
            raise CheckError("tshark could not convert %s: %s" % (path, r.stderr.strip()))
        return read_pcap(out)
    finally:
        shutil.rmtree(tmp)


def ipv6_of_frame(link, fr):
    """The IPv6 packet in a frame, or None."""
    if link in LINK_RAW:
        return fr if fr[:1] and fr[0] >> 4 == 6 else None
    if link in (0, 108):
        # 4-octet address family in the capturer's byte order: AF_INET6 is
        # 10 (Linux), 24 (OpenBSD/NetBSD), 28 (FreeBSD), 30 (macOS)
        if len(fr) <= 4:
            return None
        fams = {struct.unpack("<I", fr[:4])[0], struct.unpack(">I", fr[:4])[0]}
        return fr[4:] if fams & {10, 24, 28, 30} else None
    if link == 1:
        off, et = 12, None
        while off + 2 <= len(fr):
            et = struct.unpack("!H", fr[off:off + 2])[0]
            if et in (0x8100, 0x88a8):
                off += 4
                continue
            break
        return fr[off + 2:] if et == 0x86dd else None
    if link == 113:
        return fr[16:] if len(fr) > 16 and fr[14:16] == b"\x86\xdd" else None
    if link == 276:
        return fr[20:] if len(fr) > 20 and fr[0:2] == b"\x86\xdd" else None
    return None


# ---------------------------------------------------------------------------
# keys and tshark

def load_keys(path, skipped=None):
    """SAs of a key file as dicts for tshark; lines with an algorithm tshark
    lacks (UNSUPPORTED_ENC) are appended to `skipped` as (line, spi, alg)."""
    sas = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            w = line.split("#", 1)[0].split()
            if not w:
                continue
            if len(w) == 7 and w[3].lower() in UNSUPPORTED_ENC:
                if skipped is not None:
                    skipped.append((n, int(w[2], 0), w[3].lower()))
                continue
            if len(w) != 7 or w[3].lower() not in ENC_ALGS or w[5].lower() not in AUTH_ALGS:
                raise CheckError("%s:%d: expected 'src dst spi enc-alg enc-key auth-alg auth-key' "
                                 "with enc-alg in %s and auth-alg in %s"
                                 % (path, n, " ".join(ENC_ALGS), " ".join(AUTH_ALGS)))
            try:
                spi = int(w[2], 0)
            except ValueError:
                raise CheckError("%s:%d: bad SPI %r" % (path, n, w[2]))
            sas.append({"src": w[0], "dst": w[1], "spi": spi, "enc": ENC_ALGS[w[3].lower()],
                        "ekey": _hexkey(w[4]), "auth": AUTH_ALGS[w[5].lower()],
                        "akey": _hexkey(w[6])})
    return sas


def _hexkey(k):
    if k in ("-", ""):
        return ""
    k = k[2:] if k.lower().startswith("0x") else k
    bytes.fromhex(k)
    return "0x" + k


# Application payloads (an iperf3 stream's random octets) are not ours to
# check, and heuristic dissectors above TCP can take them for their protocol
# and report errors: these are switched off.
HEURISTIC_MISFIRES = ["thrift"]


def tshark_args(sas):
    args = ["-o", "esp.do_esp_sequence_analysis:FALSE"]
    for proto in HEURISTIC_MISFIRES:
        args += ["--disable-protocol", proto]
    if sas:
        args += ["-o", "esp.enable_encryption_decode:TRUE",
                 "-o", "esp.enable_authentication_check:TRUE"]
        for sa in sas:
            for s, d in ((sa["src"], sa["dst"]), ("*", "*")):
                fam = "IPv4" if "." in s + d and ":" not in s + d else "IPv6"
                args += ["-o", 'uat:esp_sa:"%s","%s","%s","0x%08x","%s","%s","%s","%s"' % (
                    fam, s, d, sa["spi"], sa["enc"], sa["ekey"], sa["auth"], sa["akey"])]
    return args


def run_tshark(path, sas=(), tshark="tshark"):
    """Per frame number: dict field -> list of values."""
    cmd = [tshark, "-n", "-r", path] + tshark_args(sas) + [
        "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGG, "-E", "quote=n"]
    for fld in TSHARK_FIELDS:
        cmd += ["-e", fld]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    except OSError as e:
        raise CheckError("cannot run tshark: %s" % e)
    if r.returncode:
        raise CheckError("tshark failed (%d): %s" % (r.returncode, r.stderr.strip()))
    rows = {}
    for line in r.stdout.split("\n"):
        if not line.strip():
            continue
        cols = line.split("\t")
        cols += [""] * (len(TSHARK_FIELDS) - len(cols))
        d = {k: ([x for x in v.split(AGG) if x != ""] if v else [])
             for k, v in zip(TSHARK_FIELDS, cols)}
        rows[int(d["frame.number"][0])] = d
    return rows


def _int(x):
    try:
        return int(x, 0)
    except ValueError:
        return int(x, 16)


def _bool(x):
    return x.lower() in ("1", "true")


class FrameResult:
    def __init__(self, frame, info):
        self.frame = frame
        self.info = info
        self.failures = []

    @property
    def ok(self):
        return not self.failures

    def codes(self):
        return [c for c, _ in self.failures]


def check_pcap(path, keys=None, allow_warnings=False, tshark="tshark"):
    """Check every frame of path; keys is a keys-file path or a list of SA dicts."""
    sas = load_keys(keys) if isinstance(keys, str) else list(keys or [])
    frames = read_pcap(path)
    ts = run_tshark(path, sas, tshark)
    keyed = {sa["spi"] for sa in sas}
    limit = SEV_ERROR if allow_warnings else SEV_WARN
    results = []
    for n, (link, fr) in enumerate(frames, 1):
        t = ts.get(n, {})
        res = FrameResult(n, " ".join(t.get("_ws.col.Info", [])))
        if not t:
            res.failures.append(("tshark-missing", "tshark did not report this frame"))
        ip = ipv6_of_frame(link, fr)
        # An ICMPv6 error quotes as much of the offending packet as fits
        # (RFC 4443 2.4 c), often cutting its ESP short: that ESP is a
        # quotation, neither verified nor decrypted (the frame itself is).
        quoted = False
        if ip is not None:
            w = walk_ipv6(ip)
            quoted = w.proto == 58 and w.proto_off is not None and w.proto_off < len(ip) and ip[w.proto_off] < 128
        # With the keys, tshark still decrypts a quoted ESP cut short and
        # reads a trailer out of the middle of its plaintext: whatever it
        # then dissects (and calls malformed) is not in the packet. The
        # frame's own headers are checked below all the same.
        quoted_esp = quoted and bool(t.get("esp.spi"))
        if t.get("_ws.malformed") and not quoted_esp:
            res.failures.append(("tshark-malformed", "tshark: malformed packet"))
        sevs = [_int(s) for s in t.get("_ws.expert.severity", [])]
        msgs = t.get("_ws.expert.message", [])
        for i, s in enumerate(sevs):
            if s >= limit and not quoted_esp:
                res.failures.append(("tshark-expert", "tshark %s: %s" % (
                    "error" if s >= SEV_ERROR else "warning", msgs[i] if i < len(msgs) else "?")))
        for v in t.get("esp.icv_bad", []):
            if _bool(v) and not quoted:
                res.failures.append(("esp-icv-bad", "ESP ICV incorrect"))
        if ip is not None:
            res.failures.extend(check_packet(ip))
            spis = [] if quoted else [_int(s) for s in t.get("esp.spi", [])]
            data = t.get("esp.contained_data", [])
            protos = [_int(p) for p in t.get("esp.protocol", [])]
            if any(s in keyed for s in spis):
                if not data:
                    res.failures.append(("esp-not-decrypted", "SPI 0x%08x has a key but tshark "
                                         "did not decrypt it" % spis[0]))
                elif not protos:
                    # tshark shows the payload but no Next Header: the pad
                    # length/padding check failed, i.e. a wrong key
                    res.failures.append(("esp-not-decrypted", "SPI 0x%08x: tshark found no valid "
                                         "padding / Next Header after decryption (wrong key?)"
                                         % spis[0]))
                else:
                    res.failures.extend(_check_decrypted(ip, data[0], protos[:1]))
        results.append(res)
    return results


def _check_decrypted(ip, hexdata, protos):
    """Run the local checks on an ESP payload decrypted by tshark."""
    data = bytes.fromhex(hexdata.replace(":", ""))
    if not protos:
        return []
    w = walk_ipv6(ip)
    where = " (in ESP)"
    if protos[0] == 135:
        return check_mh(data, w.pseudo_src, w.pseudo_dst, where)
    if protos[0] == 41:
        return [(c, t + where) for c, t in check_packet(data, 1)]
    return []


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check a capture with tshark and RFC 6275 rules.")
    ap.add_argument("-k", "--keys", help="ESP SAs: src dst spi enc-alg enc-key auth-alg auth-key")
    ap.add_argument("--allow-warnings", action="store_true",
                    help="fail only on tshark expert errors, not warnings")
    ap.add_argument("-q", "--quiet", action="store_true", help="print failing frames only")
    ap.add_argument("pcap")
    args = ap.parse_args(argv)
    try:
        if args.keys:
            skipped = []
            load_keys(args.keys, skipped)
            for n, spi, alg in skipped:
                print("pcapcheck: %s:%d: SPI 0x%08x uses %s, which tshark 4.0 cannot decrypt: "
                      "skipped" % (args.keys, n, spi, alg), file=sys.stderr)
        results = check_pcap(args.pcap, args.keys, args.allow_warnings)
    except (CheckError, OSError, ValueError) as e:
        print("pcapcheck: %s" % e, file=sys.stderr)
        return 2
    bad = 0
    for r in results:
        if r.ok and args.quiet:
            continue
        print("frame %d: %s  %s" % (r.frame, "ok" if r.ok else "FAIL", r.info))
        for code, text in r.failures:
            print("    %s: %s" % (code, text))
        bad += not r.ok
    print("%d frame(s), %d failed" % (len(results), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
