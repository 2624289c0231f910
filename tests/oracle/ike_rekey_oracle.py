#!/usr/bin/python3
"""IKE SA and Child SA rekeys cross-checked against an independent implementation.

tests/oracle/ike_rekey_tool runs two src/core/ike ends through IKE_SA_INIT,
IKE_AUTH, an IKE SA rekey (CREATE_CHILD_SA, RFC 7296 2.18) and two Child
SA rekeys on the new IKE SA (without and with PFS, 2.17), and prints every
message as sent, the initiator's DH private key of each key exchange and
the keys each end ended with. This script takes the messages alone (and
the private keys), and with Python `cryptography` (HMAC, AES-GCM, X25519,
ECDH):

  - walks the payload chains itself, takes Ni, Nr, the KE values and the
    SPIs (header, or the IKE proposal's SPI for the rekey),
  - computes SKEYSEED = prf(Ni | Nr, g^ir) and the seven SK_* (2.14),
  - opens the SK payloads of the CREATE_CHILD_SA exchanges with the SK_e
    keys it derived (RFC 5282),
  - computes the rekeyed SKEYSEED = prf_old(SK_d_old, g^ir(new) | Ni | Nr)
    and the new IKE SA's keys with the new SPIs (2.18),
  - computes KEYMAT = prf+(SK_d, [g^ir(new) |] Ni | Nr) of the Child SA
    rekeys with the new SK_d (2.17),

and compares all of it with both ends' keys. Prints TAP, exits 1 on a
mismatch.

usage: ike_rekey_oracle.py PATH/TO/ike_rekey_tool
Needs Debian's /usr/bin/python3 with python3-cryptography.
"""
import os
import subprocess
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ike_kdf import prf, prf_plus  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# suite number of the tool -> (prf, AES-GCM key and salt octets, DH group)
SUITES = {0: (5, 36, 31), 1: (6, 20, 19)}
ESP_KEY = 16 + 4        # the Child SAs: AES-GCM-16/128 and its salt


def dh(group, priv, peer):
    if group == 31:
        k = x25519.X25519PrivateKey.from_private_bytes(priv)
        return k.exchange(x25519.X25519PublicKey.from_public_bytes(peer))
    k = ec.derive_private_key(int.from_bytes(priv, "big"), ec.SECP256R1())
    x, y = int.from_bytes(peer[:32], "big"), int.from_bytes(peer[32:], "big")
    pk = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    return k.exchange(ec.ECDH(), pk)


def chain(msg, first, start, end):
    """[(type, body)] of a payload chain."""
    out, t, off = [], first, start
    while t and off < end:
        ln = int.from_bytes(msg[off + 2:off + 4], "big")
        out.append((t, msg[off + 4:off + ln]))
        t, off = msg[off], off + ln
    return out


def outer(msg):
    return chain(msg, msg[16], 28, len(msg))


def sk_open(msg, ekey):
    """The SK payload's inner payloads, opened with AES-GCM-16 (RFC 5282)."""
    off = 28
    t = msg[16]
    while t != 46:
        t, off = msg[off], off + int.from_bytes(msg[off + 2:off + 4], "big")
    ln = int.from_bytes(msg[off + 2:off + 4], "big")
    first = msg[off]
    iv = msg[off + 4:off + 12]
    ct = msg[off + 12:off + ln]
    aad = msg[:off + 4]
    plain = AESGCM(ekey[:-4]).decrypt(ekey[-4:] + iv, ct, aad)
    plain = plain[:len(plain) - plain[-1] - 1]
    return chain(plain, first, 0, len(plain))


def one(pls, t):
    got = [b for (pt, b) in pls if pt == t]
    assert len(got) == 1, (t, len(got))
    return got[0]


def ike_keys(p, ekl, seed, ni, nr, spi_i, spi_r):
    pl = {5: 32, 6: 48, 7: 64}[p]
    s = prf_plus(p, seed, ni + nr + spi_i + spi_r, 3 * pl + 2 * ekl)
    d, ei, er = s[:pl], s[pl:pl + ekl], s[pl + ekl:pl + 2 * ekl]
    pi, pr = s[pl + 2 * ekl:2 * pl + 2 * ekl], s[2 * pl + 2 * ekl:]
    return {"spi_i": spi_i, "spi_r": spi_r, "sk_d": d, "sk_ai": b"", "sk_ar": b"",
            "sk_ei": ei, "sk_er": er, "sk_pi": pi, "sk_pr": pr}


def keymat(p, skd, gir, ni, nr):
    s = prf_plus(p, skd, gir + ni + nr, 2 * ESP_KEY)
    return {"ei": s[:ESP_KEY], "ai": b"", "er": s[ESP_KEY:], "ar": b""}


class Tap:
    def __init__(self):
        self.n, self.bad = 0, 0

    def ok(self, cond, what):
        self.n += 1
        print(("ok %d - " if cond else "not ok %d - ") % self.n + what)
        self.bad += not cond


def run(tool, suite, seed, tap):
    out = subprocess.run([tool, str(suite), str(seed)], capture_output=True, text=True, check=True).stdout
    v = {}
    for line in out.splitlines():
        k, _, x = line.partition(" ")
        v[k] = b"" if x == "-" else bytes.fromhex(x) if k != "suite" else x
    p, ekl, group = SUITES[suite]
    tag = "suite %d seed %d" % (suite, seed)

    # IKE_SA_INIT: everything from the two messages and the initiator's key
    req, resp = v["init.req"], v["init.resp"]
    ni, nr = one(outer(req), 40), one(outer(resp), 40)
    ke_r = one(outer(resp), 34)[4:]
    seed1 = prf(p, ni + nr, dh(group, v["init.priv"], ke_r))
    k1 = ike_keys(p, ekl, seed1, ni, nr, resp[:8], resp[8:16])
    for end in ("i", "r"):
        tap.ok(all(v["ike1.%s.%s" % (end, n)] == k1[n] for n in k1),
               "%s: IKE SA keys of the %s end (2.14, IKE-11)" % (tag, end))

    # IKE SA rekey: SK payloads opened with the keys derived above
    rq = sk_open(v["rekey.req"], k1["sk_ei"])
    rs = sk_open(v["rekey.resp"], k1["sk_er"])
    tap.ok(not [t for (t, _) in rq if t in (44, 45)], "%s: no TS in the IKE SA rekey (IKE-14)" % tag)
    sa_i, sa_r = one(rq, 33), one(rs, 33)
    # proposal header: last, reserved, length(2), num, proto, spi size, #xf; SPI next
    tap.ok(sa_i[5] == 1 and sa_i[6] == 8 and sa_r[6] == 8, "%s: IKE proposals with 8-octet SPIs" % tag)
    spi_i, spi_r = sa_i[8:16], sa_r[8:16]
    rni, rnr = one(rq, 40), one(rs, 40)
    gir = dh(group, v["rekey.priv"], one(rs, 34)[4:])
    seed2 = prf(p, k1["sk_d"], gir + rni + rnr)
    k2 = ike_keys(p, ekl, seed2, rni, rnr, spi_i, spi_r)
    for end in ("i", "r"):
        tap.ok(all(v["ike2.%s.%s" % (end, n)] == k2[n] for n in k2),
               "%s: rekeyed IKE SA keys of the %s end, SKEYSEED from the old SK_d (2.18, IKE-14)" % (tag, end))

    # Child SA rekey without PFS, started by the new SA's responder
    cq = sk_open(v["child1.req"], k2["sk_er"])
    cs = sk_open(v["child1.resp"], k2["sk_ei"])
    notes = [b for (t, b) in cq if t == 41 and int.from_bytes(b[2:4], "big") == 16393]
    tap.ok(len(notes) == 1 and not [t for (t, _) in cq if t == 34], "%s: REKEY_SA, no KE (IKE-15)" % tag)
    km = keymat(p, k2["sk_d"], b"", one(cq, 40), one(cs, 40))
    for end in ("init_end", "resp_end"):
        tap.ok(all(v["child1.%s.%s" % (end, n)] == km[n] for n in km),
               "%s: KEYMAT without PFS at the %s (2.17, IKE-13, IKE-15)" % (tag, end))

    # Child SA rekey with PFS, from the other end
    cq = sk_open(v["child2.req"], k2["sk_ei"])
    cs = sk_open(v["child2.resp"], k2["sk_er"])
    gir = dh(group, v["child2.priv"], one(cs, 34)[4:])
    km = keymat(p, k2["sk_d"], gir, one(cq, 40), one(cs, 40))
    for end in ("init_end", "resp_end"):
        tap.ok(all(v["child2.%s.%s" % (end, n)] == km[n] for n in km),
               "%s: KEYMAT with PFS at the %s (2.17, IKE-13, IKE-15)" % (tag, end))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tap = Tap()
    cases = [(0, 1), (0, 99), (1, 7), (1, 1234)]
    print("1..%d" % (len(cases) * 11))
    for suite, seed in cases:
        run(sys.argv[1], suite, seed, tap)
    return 1 if tap.bad else 0


if __name__ == "__main__":
    sys.exit(main())
