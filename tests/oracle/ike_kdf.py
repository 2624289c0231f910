"""IKEv2's prf and prf+ (RFC 7296 2.13) with Python `cryptography`, shared
by the oracles that recompute mip6sec's and strongSwan's keys independently
of the C code: HMAC-SHA2-256/384/512 by their IKEv2 transform ids."""
from cryptography.hazmat.primitives import hashes, hmac

HASHES = {5: hashes.SHA256, 6: hashes.SHA384, 7: hashes.SHA512}


def prf(p, key, data):
    h = hmac.HMAC(key, HASHES[p]())
    h.update(data)
    return h.finalize()


def prf_plus(p, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(p, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]
