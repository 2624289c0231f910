#!/usr/bin/python3
"""IKEv2 certificate authentication cross-checked against an independent implementation.

tests/oracle/ike_sig_tool runs two src/core/ike ends through IKE_SA_INIT and
IKE_AUTH with the certificates of tests/vectors/ike_certs and prints the
four messages as sent and the initiator's SK_e and SK_p keys. This script,
with Python `cryptography` alone:

  - walks the payload chains itself and takes Ni, Nr, the responder's
    CERTREQ and both SIGNATURE_HASH_ALGORITHMS notifies (RFC 7427 4),
  - opens the IKE_AUTH messages (AES-GCM-16, RFC 5282) and takes IDi/IDr,
    CERT and AUTH,
  - builds the signed octets of RFC 7296 2.15 (RealMessage | Nonce |
    prf(SK_p, ID')) and verifies each AUTH with the certificate's key:
    method 1 (RSA PKCS#1 v1.5 SHA-1), 9 and 10 (ECDSA r||s, RFC 4754),
    14 (RFC 7427: the AlgorithmIdentifier compared with RFC 7427 A's DER,
    RSASSA-PSS SHA-256 salt 32, PKCS#1 v1.5 SHA-256, ECDSA DER, Ed25519),
  - checks the CERT is the end entity's (its CA's signature, the ID in
    its subjectAltName) and CERTREQ = SHA-1 of the CA's
    SubjectPublicKeyInfo (3.7),

then the other way: it signs octets of its own with each key and method
(Python's random PSS salts and ECDSA nonces, its DER encoding) and has
ike_sig_tool verify them, and a flipped bit must fail. Prints TAP, exits 1
on a mismatch.

usage: ike_sig_oracle.py PATH/TO/ike_sig_tool PATH/TO/ike_certs
Needs Debian's /usr/bin/python3 with python3-cryptography.
"""
import hashlib
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# RFC 7427 Appendix A (A.1, A.3) and RFC 8420 2; PSS with SHA-256, MGF1
# SHA-256, salt 32 as RFC 7427 A.4.3 writes it.
ALG = {
    "30410609" "2a864886f70d01010a" "3034a00f300d0609608648016503040201" "0500"
    "a11c301a06092a864886f70d010108300d0609608648016503040201" "0500" "a203020120": ("pss", hashes.SHA256),
    "300d06092a864886f70d01010b0500": ("pkcs1", hashes.SHA256),
    "300d06092a864886f70d01010c0500": ("pkcs1", hashes.SHA384),
    "300d06092a864886f70d01010d0500": ("pkcs1", hashes.SHA512),
    "300a06082a8648ce3d040302": ("ecdsa", hashes.SHA256),
    "300a06082a8648ce3d040303": ("ecdsa", hashes.SHA384),
    "300a06082a8648ce3d040304": ("ecdsa", hashes.SHA512),
    "300506032b6570": ("ed25519", None),
}

PL_ID_I, PL_ID_R, PL_CERT, PL_CERTREQ, PL_AUTH, PL_NONCE, PL_N = 35, 36, 37, 38, 39, 40, 41


def chain(msg, first, start, end):
    out, t, off = [], first, start
    while t and off < end:
        ln = int.from_bytes(msg[off + 2:off + 4], "big")
        out.append((t, msg[off + 4:off + ln]))
        t, off = msg[off], off + ln
    return out


def outer(msg):
    return chain(msg, msg[16], 28, len(msg))


def sk_open(msg, ekey):
    off, t = 28, msg[16]
    while t != 46:
        t, off = msg[off], off + int.from_bytes(msg[off + 2:off + 4], "big")
    ln = int.from_bytes(msg[off + 2:off + 4], "big")
    first = msg[off]
    iv, ct, aad = msg[off + 4:off + 12], msg[off + 12:off + ln], msg[:off + 4]
    plain = AESGCM(ekey[:-4]).decrypt(ekey[-4:] + iv, ct, aad)
    plain = plain[:len(plain) - plain[-1] - 1]
    return chain(plain, first, 0, len(plain))


def all_of(pls, t):
    return [b for (pt, b) in pls if pt == t]


def one(pls, t):
    got = all_of(pls, t)
    assert len(got) == 1, (t, len(got))
    return got[0]


def notify(pls, ntype):
    for b in all_of(pls, PL_N):
        if int.from_bytes(b[2:4], "big") == ntype:
            return b[4 + b[1]:]
    return None


def verify(pub, method, data, tbs):
    """True when AUTH (method, data) verifies over tbs with pub."""
    try:
        if method == 1:
            pub.verify(data, tbs, padding.PKCS1v15(), hashes.SHA1())
        elif method in (9, 10):
            n = 32 if method == 9 else 48
            curve = ec.SECP256R1 if method == 9 else ec.SECP384R1
            if not isinstance(pub.curve, curve) or len(data) != 2 * n:
                return False
            sig = encode_dss_signature(int.from_bytes(data[:n], "big"), int.from_bytes(data[n:], "big"))
            pub.verify(sig, tbs, ec.ECDSA(hashes.SHA256() if n == 32 else hashes.SHA384()))
        elif method == 14:
            ln = data[0]
            kind, h = ALG[data[1:1 + ln].hex()]
            sig = data[1 + ln:]
            if kind == "pss":
                pub.verify(sig, tbs, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), h())
            elif kind == "pkcs1":
                pub.verify(sig, tbs, padding.PKCS1v15(), h())
            elif kind == "ecdsa":
                pub.verify(sig, tbs, ec.ECDSA(h()))
            else:
                pub.verify(sig, tbs)
        else:
            return False
        return True
    except Exception:  # noqa: BLE001 - any failure is a failed verification
        return False


def sign(key, method, tbs, pss=True):
    """AUTH data of method over tbs with a private key, made here."""
    if method == 1:
        return key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    if method in (9, 10):
        n = 32 if method == 9 else 48
        r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256() if n == 32 else hashes.SHA384())))
        return r.to_bytes(n, "big") + s.to_bytes(n, "big")
    if isinstance(key, rsa.RSAPrivateKey):
        want = ("pss" if pss else "pkcs1", hashes.SHA256)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        want = ("ecdsa", hashes.SHA384 if key.curve.key_size == 384 else hashes.SHA256)
    else:
        want = ("ed25519", None)
    alg = bytes.fromhex([k for k, v in ALG.items() if v == want][0])
    if want[0] == "pss":
        sig = key.sign(tbs, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    elif want[0] == "pkcs1":
        sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    elif want[0] == "ecdsa":
        sig = key.sign(tbs, ec.ECDSA(want[1]()))
    else:
        sig = key.sign(tbs)
    return bytes([len(alg)]) + alg + sig


class Tap:
    def __init__(self):
        self.n, self.bad = 0, 0

    def ok(self, cond, what):
        self.n += 1
        print(("ok %d - " if cond else "not ok %d - ") % self.n + what)
        self.bad += not cond


def load(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def check_handshake(tap, tool, d, mn, ha, classic, pkcs1, want):
    out = subprocess.run([tool, "handshake", d, mn, ha, str(classic), str(pkcs1)], check=True,
                         capture_output=True, text=True).stdout
    v = {}
    for line in out.splitlines():
        k, _, h = line.partition(" ")
        v[k] = h
    m = {k: bytes.fromhex(v[k]) for k in ("msg1", "msg2", "msg3", "msg4", "sk_ei", "sk_er", "sk_pi", "sk_pr")}
    ca = x509.load_pem_x509_certificate(load(d, "ca.pem"))
    p1, p2 = outer(m["msg1"]), outer(m["msg2"])
    ni, nr = one(p1, PL_NONCE), one(p2, PL_NONCE)
    name = "%s/%s classic=%d pkcs1=%d" % (mn, ha, classic, pkcs1)
    # RFC 7427 4: the hashes both ways, unless classic
    hs = [notify(p, 16431) for p in (p1, p2)]
    tap.ok(all((h is None) == bool(classic) for h in hs) and
           all(h is None or h == bytes.fromhex("0002000300040005") for h in hs),
           "%s: SIGNATURE_HASH_ALGORITHMS in IKE_SA_INIT" % name)
    # 3.7: CERTREQ = encoding 4 and SHA-1 of the CA's SubjectPublicKeyInfo
    spki = ca.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    tap.ok(one(p2, PL_CERTREQ) == b"\x04" + hashlib.sha1(spki).digest(), "%s: CERTREQ hash" % name)
    sides = (("i", m["msg3"], m["sk_ei"], PL_ID_I, m["msg1"], nr, m["sk_pi"], "mn.example.org"),
             ("r", m["msg4"], m["sk_er"], PL_ID_R, m["msg2"], ni, m["sk_pr"], "ha.example.org"))
    for side, msg, ek, idt, real, nonce, skp, ident in sides:
        inner = sk_open(msg, ek)
        idb = one(inner, idt)
        certs = all_of(inner, PL_CERT)
        auth = one(inner, PL_AUTH)
        method, data = auth[0], auth[4:]
        h = hmac.HMAC(skp, hashes.SHA256())
        h.update(idb)
        # IKE-12: the signer's RealMessage, the peer's nonce, prf(SK_p, ID')
        tbs = real + nonce + h.finalize()
        cert = x509.load_der_x509_certificate(certs[0][1:])
        tap.ok(certs[0][0] == 4 and len(certs) == 1, "%s %s: one CERT, X.509 Signature" % (name, side))
        try:
            ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                   ec.ECDSA(cert.signature_hash_algorithm))
            chained = True
        except Exception:  # noqa: BLE001
            chained = False
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        tap.ok(chained and idb[0] == 2 and idb[4:].decode() == ident and
               ident in san.get_values_for_type(x509.DNSName),
               "%s %s: certificate of the CA, ID in its subjectAltName" % (name, side))
        tap.ok(method == want and int(v["auth_" + side]) == want, "%s %s: AUTH method %d" % (name, side, want))
        tap.ok(verify(cert.public_key(), method, data, tbs), "%s %s: AUTH verifies over the 2.15 octets" % (name, side))
        bad = bytearray(data)
        bad[-1] ^= 1
        tap.ok(not verify(cert.public_key(), method, bytes(bad), tbs), "%s %s: a flipped bit does not" % (name, side))


def check_python_signed(tap, tool, d):
    tbs = bytes(range(256)) * 3
    cases = (("mn-rsa", 1, True), ("mn-rsa", 14, True), ("mn-rsa", 14, False), ("mn-p256", 9, True),
             ("mn-p384", 10, True), ("mn-p256", 14, True), ("mn-p384", 14, True), ("mn-ed25519", 14, True))
    for who, method, pss in cases:
        key = serialization.load_pem_private_key(load(d, who + ".key"), None)
        der = x509.load_pem_x509_certificate(load(d, who + ".pem")).public_bytes(serialization.Encoding.DER)
        for k in range(3):
            data = sign(key, method, tbs, pss=pss)
            got = subprocess.run([tool, "verify", der.hex(), str(method), data.hex(), tbs.hex()], check=True,
                                 capture_output=True, text=True).stdout.strip()
            tap.ok(got == "ok", "%s method %d%s, signed by Python (%d): %s" %
                   (who, method, "" if pss else " pkcs1", k, got))
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 0x10
        got = subprocess.run([tool, "verify", der.hex(), str(method), bytes(bad).hex(), tbs.hex()], check=True,
                             capture_output=True, text=True).stdout.strip()
        tap.ok(got != "ok", "%s method %d: tampered, refused (%s)" % (who, method, got))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, d = sys.argv[1], sys.argv[2]
    tap = Tap()
    print("TAP version 13")
    for mn, ha, classic, pkcs1, want in (("mn-rsa", "ha-rsa", 0, 0, 14), ("mn-rsa", "ha-rsa", 0, 1, 14),
                                         ("mn-rsa", "ha-rsa", 1, 0, 1), ("mn-p256", "ha-p256", 0, 0, 14),
                                         ("mn-p256", "ha-p256", 1, 0, 9), ("mn-p384", "ha-p384", 0, 0, 14),
                                         ("mn-p384", "ha-p384", 1, 0, 10), ("mn-ed25519", "ha-ed25519", 0, 0, 14)):
        check_handshake(tap, tool, d, mn, ha, classic, pkcs1, want)
    check_python_signed(tap, tool, d)
    print("1..%d" % tap.n)
    sys.exit(1 if tap.bad else 0)


if __name__ == "__main__":
    main()
