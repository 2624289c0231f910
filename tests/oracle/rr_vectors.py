#!/usr/bin/python3
"""Return routability test vectors from the Python standard library.

RFC 6275 defines no vectors for return routability, so this script computes
them from fixed inputs with nothing but the Python standard library (hmac,
hashlib), independently of mip6sec:

  keygen tokens   First(64, HMAC_SHA1(Kcn, address | nonce | 0 or 1))   5.2.5
  Kbm             SHA1(home token | care-of token), SHA1(home token)     5.2.5
  authenticator   First(96, HMAC_SHA1(Kbm, care-of | correspondent |
                  MH data)), MH data = the whole MH without the
                  Authenticator, Checksum taken as 0                     6.2.7

The Mobility Headers the authenticators cover are laid out here from the
RFC 6275 6.1 / 6.2 formats and alignment rules (not with mip6sec), carry
their real checksum (RFC 6275 6.1.1 pseudo-header) and are therefore also
golden layouts for mh_build().  The script writes

  tests/vectors/rr_vectors.json   every input and result, as hex
  tests/vectors/rr_vectors.h      the same values as C arrays for test_rr.c

Both are deterministic: running the script again reproduces them byte for
byte.

usage: rr_vectors.py [--check] [--outdir DIR]
  --check   generate into a temporary directory and compare with the
            committed files; prints TAP, exits 1 if anything differs.

Needs only Debian's /usr/bin/python3.
"""
import argparse
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VECDIR = os.path.normpath(os.path.join(HERE, "..", "vectors"))
FILES = ("rr_vectors.json", "rr_vectors.h")

# Fixed addressing plan (RFC 3849 documentation prefix), as in gen_vectors.py.
HOA = "2001:db8:1::100"
COA = "2001:db8:2::100"
ACOA = "2001:db8:2::200"
CN = "2001:db8:3::1"

KCN = bytes(range(0x00, 0x14))                       # 20 octets (RR-01)
KCN2 = hashlib.sha1(b"mip6sec rr vector Kcn 2").digest()
HOME_NONCE = bytes.fromhex("1011121314151617")
COA_NONCE = bytes.fromhex("2021222324252627")
HOME_INDEX = 0x0102
COA_INDEX = 0x0304

MH_BU, MH_BA = 5, 6
OPT_PADN, OPT_ACOA, OPT_NI, OPT_BAD = 1, 3, 4, 5
BU_A, BU_H = 0x8000, 0x4000
AUTH_LEN = 12


def a16(addr):
    return ipaddress.IPv6Address(addr).packed


# ---------------------------------------------------------------------------
# RR cryptography, straight from RFC 6275 5.2.5 and 6.2.7

def token(kcn, addr, nonce, which):
    return hmac.new(kcn, a16(addr) + nonce + bytes([which]), hashlib.sha1).digest()[:8]


def kbm(home_token, coa_token=None):
    return hashlib.sha1(home_token + (coa_token or b"")).digest()


def authenticator(k, coa, cn, mh, auth_off):
    data = bytearray(mh[:auth_off] + mh[auth_off + AUTH_LEN:])
    data[4:6] = b"\0\0"                      # Checksum counts as zero
    return hmac.new(k, a16(coa) + a16(cn) + bytes(data), hashlib.sha1).digest()[:AUTH_LEN]


# ---------------------------------------------------------------------------
# Mobility Header layout (RFC 6275 6.1.1, 6.1.7, 6.1.8, 6.2)

ALIGN = {OPT_ACOA: (8, 6), OPT_NI: (2, 0), OPT_BAD: (8, 2)}   # xn+y (6.2.5-6.2.7)


def pad(n):
    """n octets of padding: Pad1 for one, a single PadN otherwise (6.2.2-6.2.3)."""
    if n == 0:
        return b""
    if n == 1:
        return b"\0"
    return bytes([OPT_PADN, n - 2]) + bytes(n - 2)


def mh_layout(mh_type, data, options):
    """Header + message data + options with their alignment, padded to 8."""
    b = bytearray([59, 0, mh_type, 0, 0, 0]) + data
    for otype, odata in options:
        x, y = ALIGN[otype]
        b += pad((y - len(b)) % x)
        b += bytes([otype, len(odata)]) + odata
    b += pad(-len(b) % 8)
    b[1] = len(b) // 8 - 1
    return b


def checksum(src, dst, mh):
    """RFC 6275 6.1.1: one's complement sum over the pseudo-header and MH."""
    data = a16(src) + a16(dst) + struct.pack("!IxxxB", len(mh), 135) + bytes(mh)
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) + (data[i + 1] if i + 1 < len(data) else 0)
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def signed_mh(mh_type, data, options, k, bad_coa, cn, ck_src, ck_dst):
    """Lay out an MH whose last option is a BAD, fill in the authenticator,
    then the checksum (which covers the authenticator)."""
    mh = mh_layout(mh_type, data, options + [(OPT_BAD, bytes(AUTH_LEN))])
    auth_off = len(mh) - AUTH_LEN             # BAD is last, no trailing padding
    assert mh[auth_off - 2] == OPT_BAD and mh[auth_off - 1] == AUTH_LEN
    auth = authenticator(k, bad_coa, cn, bytes(mh), auth_off)
    mh[auth_off:] = auth
    mh[4:6] = struct.pack("!H", checksum(ck_src, ck_dst, mh))
    return bytes(mh), auth_off, auth


def bu_data(seq, flags, lifetime_units):
    return struct.pack("!HHH", seq, flags, lifetime_units)


def ba_data(status, k, seq, lifetime_units):
    return struct.pack("!BBHH", status, 0x80 if k else 0, seq, lifetime_units)


# ---------------------------------------------------------------------------

def build():
    """Every vector as (C name, value, comment); value is bytes or an int."""
    home = token(KCN, HOA, HOME_NONCE, 0)
    coa_t = token(KCN, COA, COA_NONCE, 1)
    acoa_t = token(KCN, ACOA, COA_NONCE, 1)
    home2 = token(KCN2, HOA, COA_NONCE, 0)
    coa2 = token(KCN2, HOA, COA_NONCE, 1)     # same inputs, care-of octet only
    k = kbm(home, coa_t)
    k_acoa = kbm(home, acoa_t)
    k_del = kbm(home)
    ni = struct.pack("!HH", HOME_INDEX, COA_INDEX)

    # BU from the care-of address with a HAO: pseudo-header src = HoA (MH-03).
    bu, bu_off, bu_auth = signed_mh(MH_BU, bu_data(0x1234, BU_A, 105), [(OPT_NI, ni)],
                                    k, COA, CN, HOA, CN)
    # BU with an Alternate Care-of Address: the BAD uses the ACoA (BU-04).
    bua, bua_off, bua_auth = signed_mh(MH_BU, bu_data(0x1235, BU_A, 105),
                                       [(OPT_ACOA, a16(ACOA)), (OPT_NI, ni)],
                                       k_acoa, ACOA, CN, HOA, CN)
    # De-registration: Kbm from the home token, care-of address = HoA (6.2.7).
    bud, bud_off, bud_auth = signed_mh(MH_BU, bu_data(0x1236, BU_A, 0), [(OPT_NI, ni)],
                                       k_del, HOA, CN, HOA, CN)
    # BA from the CN, sent with an RH2: pseudo-header dst = HoA (MH-03).
    ba, ba_off, ba_auth = signed_mh(MH_BA, ba_data(0, False, 0x1234, 105), [],
                                    k, COA, CN, CN, HOA)

    assert len(bu) == 32 and bu_off == 20, "OPT-03: BU + NI (12) + BAD (18), 32 octets"
    assert len(ba) == 32 and ba_off == 20 and ba[12:18] == bytes([1, 4, 0, 0, 0, 0]), \
        "OPT-03: BA + PadN(4) at 12 + BAD at 18"
    assert bua[12:14] == bytes([1, 0]) and bua[14] == OPT_ACOA, "OPT-03: ACoA at 8n+6"
    return [
        ("KCN", KCN, "Kcn (20 octets, RR-01)"),
        ("KCN2", KCN2, "a second Kcn: SHA1(\"mip6sec rr vector Kcn 2\")"),
        ("HOA", a16(HOA), HOA),
        ("COA", a16(COA), COA),
        ("ACOA", a16(ACOA), ACOA),
        ("CN", a16(CN), CN),
        ("HOME_NONCE", HOME_NONCE, "home nonce"),
        ("COA_NONCE", COA_NONCE, "care-of nonce"),
        ("HOME_INDEX", HOME_INDEX, "home nonce index"),
        ("COA_INDEX", COA_INDEX, "care-of nonce index"),
        ("HOME_TOKEN", home, "First64(HMAC_SHA1(Kcn, HoA | home nonce | 00))"),
        ("COA_TOKEN", coa_t, "First64(HMAC_SHA1(Kcn, CoA | care-of nonce | 01))"),
        ("ACOA_TOKEN", acoa_t, "First64(HMAC_SHA1(Kcn, ACoA | care-of nonce | 01))"),
        ("KCN2_HOME_TOKEN", home2, "First64(HMAC_SHA1(Kcn2, HoA | care-of nonce | 00))"),
        ("KCN2_COA_TOKEN", coa2, "First64(HMAC_SHA1(Kcn2, HoA | care-of nonce | 01))"),
        ("KBM", k, "SHA1(home token | care-of token)"),
        ("KBM_ACOA", k_acoa, "SHA1(home token | ACoA care-of token)"),
        ("KBM_DEL", k_del, "SHA1(home token): de-registration"),
        ("BU_MH", bu, "BU seq 0x1234 A lifetime 105 (420 s) + NI + BAD; checksum HoA->CN"),
        ("BU_AUTH_OFF", bu_off, "offset of the BU authenticator in BU_MH"),
        ("BU_AUTH", bu_auth, "First96(HMAC_SHA1(KBM, CoA | CN | BU_MH without it))"),
        ("BU_ACOA_MH", bua, "BU seq 0x1235 A 105 + ACoA + NI + BAD; checksum HoA->CN"),
        ("BU_ACOA_AUTH_OFF", bua_off, "offset of the authenticator in BU_ACOA_MH"),
        ("BU_ACOA_AUTH", bua_auth, "First96(HMAC_SHA1(KBM_ACOA, ACoA | CN | ...))"),
        ("BU_DEL_MH", bud, "BU seq 0x1236 A lifetime 0 + NI + BAD; checksum HoA->CN"),
        ("BU_DEL_AUTH_OFF", bud_off, "offset of the authenticator in BU_DEL_MH"),
        ("BU_DEL_AUTH", bud_auth, "First96(HMAC_SHA1(KBM_DEL, HoA | CN | ...))"),
        ("BA_MH", ba, "BA status 0 K=0 seq 0x1234 lifetime 105 + BAD; checksum CN->HoA"),
        ("BA_AUTH_OFF", ba_off, "offset of the authenticator in BA_MH"),
        ("BA_AUTH", ba_auth, "First96(HMAC_SHA1(KBM, CoA | CN | BA_MH without it))"),
    ]


def write_json(vecs, path):
    doc = {
        "generator": "tests/oracle/rr_vectors.py (Python hmac/hashlib, RFC 6275 5.2.5, 6.2.7)",
        "conformance": ["TV-08", "RR-02", "RR-03", "OPT-03", "MH-03"],
        "vectors": {n.lower(): (v.hex() if isinstance(v, bytes) else v) for n, v, _ in vecs},
        "comments": {n.lower(): c for n, _, c in vecs},
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")


def write_header(vecs, path):
    out = ["/*",
           " * rr_vectors.h - return routability vectors computed with Python's hmac and",
           " * hashlib (not by mip6sec), generated by tests/oracle/rr_vectors.py: do not",
           " * edit, re-run the script.  The same values are in rr_vectors.json.",
           " * Mobility Headers carry their real checksum; authenticators are computed",
           " * with the Checksum taken as zero (RFC 6275 6.2.7).",
           " */",
           "#ifndef MIP6SEC_RR_VECTORS_H",
           "#define MIP6SEC_RR_VECTORS_H",
           "",
           "#include <stdint.h>",
           "",
           "#if defined(__GNUC__) || defined(__clang__)",
           "#define RRV_UNUSED __attribute__((unused))",
           "#else",
           "#define RRV_UNUSED",
           "#endif",
           ""]
    for name, v, comment in vecs:
        out.append("/* %s */" % comment)
        if isinstance(v, int):
            out.append("#define RRV_%s %d" % (name, v))
            continue
        out.append("static const uint8_t RRV_%s[%d] RRV_UNUSED = {" % (name, len(v)))
        for i in range(0, len(v), 12):
            out.append("\t" + ", ".join("0x%02x" % b for b in v[i:i + 12]) + ",")
        out.append("};")
    out += ["", "#endif", ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def generate(outdir):
    vecs = build()
    write_json(vecs, os.path.join(outdir, FILES[0]))
    write_header(vecs, os.path.join(outdir, FILES[1]))
    return list(FILES)


def self_test():
    """The primitives against RFC 2202 test case 2 (HMAC-SHA-1) and FIPS 180 'abc'."""
    ok = hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha1).hexdigest() == \
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    return ok and hashlib.sha1(b"abc").hexdigest() == "a9993e364706816aba3e25717850c26c9cd0d89d"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate in a temporary directory and compare with the committed files")
    ap.add_argument("--outdir", default=VECDIR)
    args = ap.parse_args()
    if not args.check:
        for n in generate(args.outdir):
            print("wrote", os.path.join(args.outdir, n))
        return 0
    tmp = tempfile.mkdtemp(prefix="m6rr-")
    failed = 0
    try:
        st = self_test()
        failed += not st
        print("%s 1 - hmac/hashlib give the RFC 2202 and FIPS 180 results" % ("ok" if st else "not ok"))
        names = generate(tmp)
        for i, n in enumerate(names, 2):
            committed = os.path.join(VECDIR, n)
            same = os.path.exists(committed) and \
                open(committed, "rb").read() == open(os.path.join(tmp, n), "rb").read()
            failed += not same
            print("%s %d - tests/vectors/%s is reproduced byte for byte by rr_vectors.py" %
                  ("ok" if same else "not ok", i, n))
        print("1..%d" % (len(names) + 1))
    finally:
        shutil.rmtree(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
