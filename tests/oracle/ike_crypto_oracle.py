#!/usr/bin/python3
"""IKEv2 crypto cross-check against an independent implementation.

Computes, independently of mip6sec and with Python `cryptography` (HMAC,
AES-GCM, AES-CBC, ChaCha20-Poly1305, X25519, X448, ECDH) plus plain Python
integers for MODP, the same values as src/core/ike from the same inputs,
and compares them with what tests/oracle/ike_oracle_tool prints:

  prf, prf+            RFC 7296 2.13, RFC 4868 PRFs (SHA2-256/384/512)
  SKEYSEED, SK_*       2.14, the seven keys cut from one prf+ stream
  rekeyed SKEYSEED     2.18
  KEYMAT               2.17, with and without PFS, all I->R keys first
  AUTH (PSK)           2.15, prf(prf(PSK, "Key Pad for IKEv2"), ...)
  SK / SKF payload     3.14, RFC 5282 (AES-GCM-16), RFC 7634, RFC 4868
                       truncations, RFC 7383 (SKF header in the AAD):
                       our sealing compared byte for byte, Python's sealing
                       (random padding, 2.x "MUST accept any") opened by us,
                       tampered messages and bad Pad Lengths refused
  key exchange         X25519/X448 (RFC 8031), ECP-256/384 (RFC 5903 x||y,
                       x-only secret), MODP-2048/3072 (RFC 3526, primes
                       derived here from their pi formula and checked
                       prime), invalid peer values refused (RFC 6989)

Inputs come from a fixed seed, so every run checks the same cases. Prints
TAP (one line per group, with its case count) and exits 1 on a mismatch.

usage: ike_crypto_oracle.py PATH/TO/ike_oracle_tool
Needs Debian's /usr/bin/python3 with python3-cryptography.
"""
import random
import os
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, hmac

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ike_kdf import prf, prf_plus  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

SEED = 7296
HASHES = {5: hashes.SHA256, 6: hashes.SHA384, 7: hashes.SHA512}
HLEN = {5: 32, 6: 48, 7: 64}
# encr id -> (aead, {bits: key octets incl. salt})
ENCR = {12: (False, {128: 16, 192: 24, 256: 32}),
        20: (True, {128: 20, 192: 28, 256: 36}),
        28: (True, {0: 36}),
        11: (False, {0: 0})}
# integ id -> (hash, key octets, icv octets)
INTEG = {0: (None, 0, 0), 2: (hashes.SHA1, 20, 12), 12: (hashes.SHA256, 32, 16),
         13: (hashes.SHA384, 48, 24), 14: (hashes.SHA512, 64, 32)}
IKE_SUITES = [(20, 128, 5, 0), (20, 256, 6, 0), (28, 0, 7, 0), (12, 128, 5, 12),
              (12, 192, 6, 13), (12, 256, 7, 14), (20, 192, 7, 0), (12, 256, 5, 12)]
CHILD_ALGS = [(20, 128, 0), (20, 192, 0), (20, 256, 0), (28, 0, 0), (12, 128, 12),
              (12, 256, 14), (11, 0, 13), (12, 128, 2)]


# ---- primitives ----

def mac(integ, key, data):
    h = hmac.HMAC(key, INTEG[integ][0]())
    h.update(data)
    return h.finalize()[:INTEG[integ][2]]


# ---- MODP groups (RFC 3526): p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + c) ----

def pi_scaled(bits):
    """floor(pi * 2^bits) by Machin's formula with guard bits."""
    guard = 64
    one = 1 << (bits + guard)

    def arctan_inv(x):
        total, term, k, x2 = 0, one // x, 0, x * x
        while term:
            total += term // (2 * k + 1) if k % 2 == 0 else -(term // (2 * k + 1))
            term //= x2
            k += 1
        return total
    return (16 * arctan_inv(5) - 4 * arctan_inv(239)) >> guard


def modp_prime(n, c):
    return 2 ** n - 2 ** (n - 64) - 1 + 2 ** 64 * (pi_scaled(n - 130) + c)


def probably_prime(n, rnd):
    if n % 2 == 0:
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(16):
        a = rnd.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


MODP = {14: (modp_prime(2048, 124476), 256), 15: (modp_prime(3072, 1690314), 384)}
CURVES = {19: (ec.SECP256R1(), 32), 20: (ec.SECP384R1(), 48)}
P256 = 2 ** 256 - 2 ** 224 + 2 ** 192 + 2 ** 96 - 1
P384 = 2 ** 384 - 2 ** 128 - 2 ** 96 + 2 ** 32 - 1


def dh_expect(group, priv, peer):
    """(pub, shared) or None when the peer value must be refused."""
    if group in (31, 32):
        cls = x25519.X25519PrivateKey if group == 31 else x448.X448PrivateKey
        pcls = x25519.X25519PublicKey if group == 31 else x448.X448PublicKey
        k = cls.from_private_bytes(priv)
        pub = k.public_key().public_bytes(*_raw())
        try:
            shared = k.exchange(pcls.from_public_bytes(peer))
        except ValueError:
            return pub, None
        return pub, (None if shared == bytes(len(shared)) else shared)
    if group in CURVES:
        curve, fl = CURVES[group]
        k = ec.derive_private_key(int.from_bytes(priv, "big"), curve)
        nums = k.public_key().public_numbers()
        pub = nums.x.to_bytes(fl, "big") + nums.y.to_bytes(fl, "big")
        x, y = int.from_bytes(peer[:fl], "big"), int.from_bytes(peer[fl:], "big")
        field = P256 if group == 19 else P384
        if x >= field or y >= field:
            return pub, None
        try:
            pk = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
        except ValueError:
            return pub, None
        return pub, k.exchange(ec.ECDH(), pk)
    p, ml = MODP[group]
    x = int.from_bytes(priv, "big")
    pub = pow(2, x, p).to_bytes(ml, "big")
    y = int.from_bytes(peer, "big")
    if not 1 < y < p - 1:
        return pub, None
    return pub, pow(y, x, p).to_bytes(ml, "big")


def _raw():
    from cryptography.hazmat.primitives import serialization
    return serialization.Encoding.Raw, serialization.PublicFormat.Raw


# ---- SK payload ----

def sk_expect(encr, bits, integ, ekey, akey, iv, hdr, np, content, frag=None, pad=None, padbyte=0):
    """The sealed message, laid out here from RFC 7296 3.14 / RFC 5282 / RFC 7383."""
    aead = ENCR[encr][0]
    block = 1 if aead else 16
    if pad is None:         # our policy: the minimum, zero octets
        pad = (block - (len(content) + 1) % block) % block
    icv_len = 16 if aead else INTEG[integ][2]
    plain = content + bytes([padbyte]) * pad + bytes([pad])
    skhdr_len = 8 if frag else 4
    sk_len = skhdr_len + len(iv) + len(plain) + icv_len
    ptype = 53 if frag else 46
    total = 28 + sk_len
    h = bytearray(hdr)
    h[16] = ptype
    h[24:28] = total.to_bytes(4, "big")
    skh = bytes([np, 0]) + sk_len.to_bytes(2, "big")
    if frag:
        skh += frag[0].to_bytes(2, "big") + frag[1].to_bytes(2, "big")
    aad = bytes(h) + skh
    if aead:
        key, salt = ekey[:-4], ekey[-4:]
        c = AESGCM(key) if encr == 20 else ChaCha20Poly1305(key)
        ct = c.encrypt(salt + iv, plain, aad)
        return aad + iv + ct
    enc = Cipher(algorithms.AES(ekey), modes.CBC(iv)).encryptor()
    ct = enc.update(plain) + enc.finalize()
    body = aad + iv + ct
    return body + mac(integ, akey, body)


def hx(b):
    return b.hex() if b else "-"


class Tool:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, *words):
        self.p.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


class Group:
    def __init__(self, name):
        self.name, self.n, self.bad = name, 0, []

    def check(self, what, got, want):
        self.n += 1
        if got != want and len(self.bad) < 5:
            self.bad.append("%s: got %s want %s" % (what, got[:160], want[:160]))
        elif got != want:
            self.bad.append("")


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("usage:")[1].strip().splitlines()[0], file=sys.stderr)
        return 2
    rnd = random.Random(SEED)
    rb = lambda n: bytes(rnd.getrandbits(8) for _ in range(n))  # noqa: E731
    tool = Tool(sys.argv[1])
    groups = []

    # the MODP primes themselves: pi's known leading octets, safe primes
    g = Group("RFC 3526 primes derived from their formula")
    for grp, (p, ml) in MODP.items():
        g.check("group %d leading octets" % grp, p.to_bytes(ml, "big")[:24].hex(),
                "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1")
        g.check("group %d p and (p-1)/2 prime" % grp,
                str(probably_prime(p, rnd) and probably_prime((p - 1) // 2, rnd)), "True")
    groups.append(g)

    g = Group("prf (HMAC-SHA2-256/384/512)")
    for p in HASHES:
        for _ in range(25):
            k, d = rb(rnd.choice([0, 1, 16, 32, 64, 65, 128, 129, 200])), rb(rnd.randrange(0, 300))
            g.check("prf %d" % p, tool.ask("prf", p, hx(k), hx(d)), hx(prf(p, k, d)))
    groups.append(g)

    g = Group("prf+ (IKE-10)")
    for p in HASHES:
        for n in [1, 31, 32, 33, 64, 100, 255 * HLEN[p]] + [rnd.randrange(1, 2000) for _ in range(15)]:
            k, s = rb(rnd.randrange(1, 100)), rb(rnd.randrange(0, 120))
            g.check("prf+ %d/%d" % (p, n), tool.ask("prfplus", p, hx(k), hx(s), n), hx(prf_plus(p, k, s, n)))
        g.check("prf+ %d past 255 blocks" % p, tool.ask("prfplus", p, "00", "00", 255 * HLEN[p] + 1),
                "err ike_prf_plus")
    groups.append(g)

    g = Group("SKEYSEED and SK_d/ai/ar/ei/er/pi/pr (IKE-11)")
    for (encr, bits, p, integ) in IKE_SUITES:
        for _ in range(8):
            ni, nr = rb(rnd.randrange(16, 257)), rb(rnd.randrange(16, 257))
            gir = rb(rnd.choice([32, 56, 64, 96, 256, 384]))
            spii, spir = rb(8), rb(8)
            seed = prf(p, ni + nr, gir)
            g.check("skeyseed", tool.ask("skeyseed", p, hx(ni), hx(nr), hx(gir)), hx(seed))
            pl, al, el = HLEN[p], INTEG[integ][1], ENCR[encr][1][bits]
            km = prf_plus(p, seed, ni + nr + spii + spir, 3 * pl + 2 * al + 2 * el)
            cuts, o = [], 0
            for ln in (pl, al, al, el, el, pl, pl):
                cuts.append(km[o:o + ln])
                o += ln
            g.check("keys %d/%d/%d/%d" % (encr, bits, p, integ),
                    tool.ask("keys", encr, bits, p, integ, hx(seed), hx(ni), hx(nr), hx(spii), hx(spir)),
                    " ".join(hx(c) for c in cuts))
    groups.append(g)

    g = Group("rekeyed SKEYSEED (IKE-14)")
    for p in HASHES:
        for _ in range(10):
            skd, gir, ni, nr = rb(HLEN[p]), rb(rnd.choice([32, 64, 256])), rb(32), rb(32)
            g.check("rekey", tool.ask("rekey", p, hx(skd), hx(gir), hx(ni), hx(nr)), hx(prf(p, skd, gir + ni + nr)))
        g.check("rekey without DH", tool.ask("rekey", p, hx(rb(HLEN[p])), "-", hx(rb(32)), hx(rb(32))), "err inval")
    groups.append(g)

    g = Group("Child SA KEYMAT with and without PFS (IKE-13)")
    for (encr, bits, integ) in CHILD_ALGS:
        for pfs in (False, True):
            for p in HASHES:
                skd, ni, nr = rb(HLEN[p]), rb(rnd.randrange(16, 65)), rb(rnd.randrange(16, 65))
                gir = rb(rnd.choice([32, 96, 256])) if pfs else b""
                el, al = ENCR[encr][1][bits], INTEG[integ][1]
                km = prf_plus(p, skd, gir + ni + nr, 2 * (el + al))
                want = [km[:el], km[el:el + al], km[el + al:2 * el + al], km[2 * el + al:]]
                g.check("keymat %d/%d/%d pfs=%s" % (encr, bits, integ, pfs),
                        tool.ask("keymat", p, hx(skd), hx(gir) if pfs else "-", hx(ni), hx(nr), encr, bits, integ),
                        " ".join(hx(c) for c in want))
    groups.append(g)

    g = Group("AUTH with a pre-shared key (IKE-12)")
    for p in HASHES:
        for _ in range(15):
            psk = bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(rnd.randrange(64, 100))) \
                if rnd.random() < 0.5 else rb(rnd.randrange(16, 80))
            msg, nonce, skp = rb(rnd.randrange(200, 1200)), rb(rnd.randrange(16, 257)), rb(HLEN[p])
            idb = bytes([rnd.choice([2, 3, 5, 9, 11]), 0, 0, 0]) + rb(rnd.randrange(4, 40))
            want = prf(p, prf(p, psk, b"Key Pad for IKEv2"), msg + nonce + prf(p, skp, idb))
            g.check("auth", tool.ask("auth", p, hx(psk), hx(msg), hx(nonce), hx(skp), hx(idb)), hx(want))
    groups.append(g)

    sk_suites = [(20, 128, 0), (20, 192, 0), (20, 256, 0), (28, 0, 0),
                 (12, 128, 12), (12, 192, 13), (12, 256, 14), (12, 128, 14)]
    seal, opened, refused = Group("SK/SKF sealed by us, byte for byte"), \
        Group("SK/SKF sealed here (any padding), opened by us"), Group("tampered SK and bad Pad Length refused")
    for (encr, bits, integ) in sk_suites:
        aead = ENCR[encr][0]
        el, al = ENCR[encr][1][bits], INTEG[integ][1]
        for j in range(16):
            ekey, akey = rb(el), rb(al)
            iv = rb(8 if aead else 16)
            hdr = rb(16) + bytes([0, 0x20, 37, 0x08]) + rb(4) + bytes(4)
            content = rb(rnd.choice([0, 1, 4, 15, 16, 17, 31, 100, 1000, rnd.randrange(1, 1500)]))
            np = rnd.choice([0, 41, 35, 42])
            frag = (rnd.randrange(1, 5), 4) if j % 3 == 2 else None
            op = ("sealf",) if frag else ("seal",)
            fr = (frag[0], frag[1]) if frag else ()
            want = sk_expect(encr, bits, integ, ekey, akey, iv, hdr, np, content, frag)
            seal.check("seal %d/%d/%d len %d" % (encr, bits, integ, len(content)),
                       tool.ask(*op, encr, bits, integ, hx(ekey), hx(akey), hx(iv), hx(hdr), np, *fr, hx(content)),
                       hx(want))
            # Python's sealing with another padding: any length that aligns, any octets
            blk = 1 if aead else 16
            base = (blk - (len(content) + 1) % blk) % blk
            pad = min(255, base + blk * rnd.randrange(0, 255 // blk + 1) if blk > 1 else rnd.randrange(0, 256))
            if (len(content) + 1 + pad) % blk:
                pad = base
            msg = sk_expect(encr, bits, integ, ekey, akey, iv, hdr, np, content, frag, pad=pad,
                            padbyte=rnd.randrange(256))
            opened.check("open %d/%d/%d pad %d" % (encr, bits, integ, pad),
                         tool.ask("open", encr, bits, integ, hx(ekey), hx(akey), hx(msg)),
                         "ok %d %s" % (np, hx(content)))
            if j < 6:
                bad = bytearray(msg)
                k = rnd.randrange(len(bad))
                if 24 <= k < 28 or 30 <= k < 32:
                    k = len(bad) - 1        # not the lengths: the parse would refuse first
                bad[k] ^= 1 << rnd.randrange(8)
                refused.check("tampered octet %d" % k,
                              tool.ask("open", encr, bits, integ, hx(ekey), hx(akey), hx(bytes(bad))), "err ike_icv")
            if j < 2:
                # authentic, but a Pad Length beyond the content (one block for CBC)
                c2 = rb(3 if aead else 15)
                m2 = _lying_pad(encr, bits, integ, ekey, akey, iv, hdr, np, c2, len(c2) + 5, frag)
                refused.check("Pad Length %d over %d octets" % (len(c2) + 5, len(c2)),
                              tool.ask("open", encr, bits, integ, hx(ekey), hx(akey), hx(m2)), "err ike_sk_pad")
    groups += [seal, opened, refused]

    g = Group("key exchange: public values and g^ir (RFC 7748/8031, RFC 5903, RFC 3526)")
    bad = Group("key exchange: invalid peer values refused (IKE-22, RFC 6989)")
    privlen = {31: 32, 32: 56, 19: 32, 20: 48, 14: 32, 15: 32}
    for grp in (31, 32, 19, 20, 14, 15):
        peers = []
        for _ in range(6):
            peers.append(rb(privlen[grp]))
        for i in range(8):
            priv = rb(privlen[grp])
            if grp in CURVES:
                order = int.from_bytes(bytes.fromhex(
                    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551" if grp == 19 else
                    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"),
                    "big")
                priv = (int.from_bytes(priv, "big") % (order - 1) + 1).to_bytes(privlen[grp], "big")
            peer_priv = peers[i % len(peers)]
            if grp in CURVES:
                peer_priv = (int.from_bytes(peer_priv, "big") % (order - 1) + 1).to_bytes(privlen[grp], "big")
            ppub = _pub_of(grp, peer_priv)
            pub, shared = dh_expect(grp, priv, ppub)
            g.check("group %d" % grp, tool.ask("dh", grp, hx(priv), hx(ppub)), "%s %s" % (hx(pub), hx(shared)))
        priv = (1).to_bytes(privlen[grp], "big") if grp not in (31, 32) else rb(privlen[grp])
        for peer in _invalid_peers(grp):
            pub, shared = dh_expect(grp, priv, peer)
            want = "err ike_ke_value" if shared is None else "%s %s" % (hx(pub), hx(shared))
            bad.check("group %d peer %s" % (grp, peer.hex()[:16]), tool.ask("dh", grp, hx(priv), hx(peer)), want)
    groups += [g, bad]

    tool.close()
    print("1..%d" % len(groups))
    failed = 0
    total = 0
    for i, g in enumerate(groups, 1):
        total += g.n
        if g.bad:
            failed += 1
            print("not ok %d - %s: %d of %d cases differ" % (i, g.name, len(g.bad), g.n))
            for b in g.bad:
                if b:
                    print("# " + b)
        else:
            print("ok %d - %s: %d cases agree" % (i, g.name, g.n))
    print("# %d cases in all" % total)
    return 1 if failed else 0


def _pub_of(grp, priv):
    if grp in (31, 32):
        cls = x25519.X25519PrivateKey if grp == 31 else x448.X448PrivateKey
        return cls.from_private_bytes(priv).public_key().public_bytes(*_raw())
    if grp in CURVES:
        curve, fl = CURVES[grp]
        n = ec.derive_private_key(int.from_bytes(priv, "big"), curve).public_key().public_numbers()
        return n.x.to_bytes(fl, "big") + n.y.to_bytes(fl, "big")
    p, ml = MODP[grp]
    return pow(2, int.from_bytes(priv, "big"), p).to_bytes(ml, "big")


def _invalid_peers(grp):
    if grp in (31, 32):
        n = 32 if grp == 31 else 56
        # small-order u-coordinates: 0 and 1 (all-zero result), and for
        # X25519 the order-8 points of RFC 7748's curve, plus p - 1
        out = [bytes(n), (1).to_bytes(n, "little")]
        if grp == 31:
            out.append(bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"))
            out.append(((2 ** 255 - 19) - 1).to_bytes(32, "little"))
        else:
            out.append(((2 ** 448 - 2 ** 224 - 1) - 1).to_bytes(56, "little"))
        return out
    if grp in CURVES:
        curve, fl = CURVES[grp]
        field = P256 if grp == 19 else P384
        good = _pub_of(grp, (7).to_bytes(fl, "big"))
        off = bytearray(good)
        off[-1] ^= 1
        x = int.from_bytes(good[:fl], "big")
        y = int.from_bytes(good[fl:], "big")
        out = [bytes(2 * fl), bytes(off), field.to_bytes(fl, "big") + good[fl:]]
        if y + field < 2 ** (8 * fl):
            out.append(good[:fl] + (y + field).to_bytes(fl, "big"))     # non-canonical y
        if x + field < 2 ** (8 * fl):
            out.append((x + field).to_bytes(fl, "big") + good[fl:])
        return out
    p, ml = MODP[grp]
    return [bytes(ml), (1).to_bytes(ml, "big"), (p - 1).to_bytes(ml, "big"), p.to_bytes(ml, "big"),
            (2).to_bytes(ml, "big"), (p - 2).to_bytes(ml, "big"), b"\xff" * ml]


def _lying_pad(encr, bits, integ, ekey, akey, iv, hdr, np, content, padlen, frag):
    """An authentic SK payload whose Pad Length octet claims padlen octets."""
    aead = ENCR[encr][0]
    icv_len = 16 if aead else INTEG[integ][2]
    plain = content + bytes([padlen])
    skhdr_len = 8 if frag else 4
    sk_len = skhdr_len + len(iv) + len(plain) + icv_len
    h = bytearray(hdr)
    h[16] = 53 if frag else 46
    h[24:28] = (28 + sk_len).to_bytes(4, "big")
    skh = bytes([np, 0]) + sk_len.to_bytes(2, "big")
    if frag:
        skh += frag[0].to_bytes(2, "big") + frag[1].to_bytes(2, "big")
    aad = bytes(h) + skh
    if aead:
        key, salt = ekey[:-4], ekey[-4:]
        c = AESGCM(key) if encr == 20 else ChaCha20Poly1305(key)
        return aad + iv + c.encrypt(salt + iv, plain, aad)
    enc = Cipher(algorithms.AES(ekey), modes.CBC(iv)).encryptor()
    body = aad + iv + enc.update(plain) + enc.finalize()
    return body + mac(integ, akey, body)


if __name__ == "__main__":
    sys.exit(main())
