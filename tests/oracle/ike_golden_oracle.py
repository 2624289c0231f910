#!/usr/bin/python3
"""IKEv2 exchanges captured between two strongSwan daemons, replayed.

tests/vectors/ike_golden/ holds, per run (gcm: AES-GCM-16 with X25519; cbc:
AES-CBC with HMAC-SHA2-256-128 and MODP-2048), a capture of one PSK
exchange between two strongSwan 5.9.8 charons (IKE_SA_INIT, IKE_AUTH on
port 4500 after NAT detection, ESP in UDP, an INFORMATIONAL Delete), the
IKE SA's ikev2_decryption_table and the keys charon logged at level 4
(RUN.json; tests/vectors/ike_golden/README.md, made by make.sh there, which
the test suite does not run). From those files only, this test checks:

  mip6sec decode   with the table as strongSwan's save-keys plugin would
                   write it: every encrypted IKE message verified and
                   decrypted, IKE_AUTH listing IDi/IDr, AUTH, SA, TSi, TSr;
                   the ESP in UDP verified and decrypted with the CHILD_SA
                   keys
  Python           (cryptography): SKEYSEED and the seven SK_* keys from
                   charon's DH secret and the captured nonces and SPIs; the
                   SK payloads opened with SK_e/SK_a and their IDs, AUTH,
                   SA SPI, TS and notifies compared with mip6sec decode's;
                   both AUTH payloads recomputed from the PSK, the captured
                   IKE_SA_INIT messages and nonces and SK_pi/SK_pr; the ESP
                   KEYMAT from SK_d
  tshark           the same messages decrypted with the same table, its AUTH
                   data equal to Python's
  mip6sec's code   through tests/oracle/ike_oracle_tool: ike_auth_psk() on
                   the captured inputs gives the AUTH strongSwan sent,
                   ike_skeyseed()/ike_derive_keys()/ike_child_keymat() give
                   strongSwan's keys, ike_sk_open() opens every captured SK
                   payload to Python's plaintext

usage: ike_golden_oracle.py MIP6SEC IKE_ORACLE_TOOL
Needs Debian's /usr/bin/python3 with python3-cryptography, and tshark.
"""
import ipaddress
import json
import os
import struct
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ike_kdf import prf, prf_plus  # noqa: E402
from oracle_common import VECTORS_DIR, Tap, tshark_fields  # noqa: E402

GOLDEN = os.path.join(VECTORS_DIR, "ike_golden")
RUNS = ("gcm", "cbc")
KEY_PAD = b"Key Pad for IKEv2"
PRF_LEN = {5: 32}
# encr id -> (AEAD, IV octets); integ id -> (hash, key octets, ICV octets)
ENCR = {20: (True, 8), 12: (False, 16)}
INTEG = {0: (None, 0, 16), 12: (hashes.SHA256, 32, 16)}
NON_ESP_MARKER = b"\0\0\0\0"
P_SA, P_KE, P_IDI, P_IDR, P_AUTH, P_NONCE, P_N, P_D, P_TSI, P_TSR, P_SK = \
    33, 34, 35, 36, 39, 40, 41, 42, 44, 45, 46
ID_NAMES = {1: "ID_IPV4_ADDR", 2: "ID_FQDN", 3: "ID_RFC822_ADDR", 5: "ID_IPV6_ADDR", 11: "ID_KEY_ID"}
AUTH_PSK = 2                    # Shared Key Message Integrity Code
IKE_SA_INIT, IKE_AUTH = 34, 35


# ---- capture and message parsing (standard library) ----

def read_pcap(path):
    """[(frame, src, dst, sport, dport, udp payload)] of a classic pcap (Ethernet or raw IPv6)."""
    data = open(path, "rb").read()
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off, n, out = 24, 0, []
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if linktype == 1:
            if pkt[12:14] != b"\x86\xdd":
                continue
            pkt = pkt[14:]
        if len(pkt) < 48 or pkt[6] != 17:
            continue
        sport, dport = struct.unpack(">HH", pkt[40:44])
        out.append((n, pkt[8:24], pkt[24:40], sport, dport, pkt[48:]))
    return out


def ike_messages(frames):
    """IKE messages as sent (the non-ESP marker on port 4500 removed), in capture order."""
    msgs = []
    for n, src, dst, sport, dport, p in frames:
        if sport == 500 or dport == 500:
            m = p
        elif (sport == 4500 or dport == 4500) and p[:4] == NON_ESP_MARKER:
            m = p[4:]
        else:
            continue
        msgs.append({"frame": n, "msg": m, "np": m[16], "exchange": m[18], "flags": m[19],
                     "msgid": struct.unpack(">I", m[20:24])[0], "spi_i": m[:8].hex(), "spi_r": m[8:16].hex()})
    return msgs


def payloads(buf, np, off=0):
    """[(type, body, offset of the generic header)] of a payload chain starting at off."""
    out = []
    while np and off + 4 <= len(buf):
        nxt, plen = buf[off], struct.unpack(">H", buf[off + 2:off + 4])[0]
        out.append((np, buf[off + 4:off + plen], off))
        if np == P_SK:
            break
        np, off = nxt, off + plen
    return out


def body_of(pl, t):
    for typ, body, _ in pl:
        if typ == t:
            return body
    return None


# ---- Python's IKEv2 crypto (RFC 7296 2.13-2.15, 3.14; RFC 5282) ----

def key_lengths(encr, bits, integ):
    aead = ENCR[encr][0]
    return bits // 8 + (4 if aead else 0), INTEG[integ][1]


def derive_keys(ike, skeyseed, ni, nr, spi_i, spi_r):
    """RFC 7296 2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)."""
    p = ike["prf"]
    el, al = key_lengths(ike["encr"], ike["encr_bits"], ike["integ"])
    lens = [("sk_d", PRF_LEN[p]), ("sk_ai", al), ("sk_ar", al), ("sk_ei", el), ("sk_er", el),
            ("sk_pi", PRF_LEN[p]), ("sk_pr", PRF_LEN[p])]
    stream = prf_plus(p, skeyseed, ni + nr + spi_i + spi_r, sum(n for _, n in lens))
    out, o = {}, 0
    for k, n in lens:
        out[k] = stream[o:o + n]
        o += n
    return out


def sk_open(ike, msg, sk_off, ekey, akey):
    """Verify and decrypt the SK payload at sk_off: (first inner type, plaintext without padding)."""
    aead, ivlen = ENCR[ike["encr"]]
    np = msg[sk_off]
    plen = struct.unpack(">H", msg[sk_off + 2:sk_off + 4])[0]
    body = msg[sk_off + 4:sk_off + plen]
    iv, rest = body[:ivlen], body[ivlen:]
    icvlen = INTEG[ike["integ"]][2]
    if aead:
        # RFC 5282: nonce = salt | IV, AAD = IKE header .. SK generic header
        k, salt = ekey[:-4], ekey[-4:]
        plain = AESGCM(k).decrypt(salt + iv, rest, msg[:sk_off + 4])
    else:
        h = hmac.HMAC(akey, INTEG[ike["integ"]][0]())
        h.update(msg[:len(msg) - icvlen])
        if h.finalize()[:icvlen] != msg[len(msg) - icvlen:]:
            raise ValueError("integrity check failed")
        d = Cipher(algorithms.AES(ekey), modes.CBC(iv)).decryptor()
        plain = d.update(rest[:-icvlen]) + d.finalize()
    padlen = plain[-1]
    return np, plain[:len(plain) - 1 - padlen]


def psk_auth(p, psk, real_msg, nonce, sk_p, id_body):
    """RFC 7296 2.15: prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce | prf(SK_p, ID'))."""
    octets = real_msg + nonce + prf(p, sk_p, id_body)
    return prf(p, prf(p, psk, KEY_PAD), octets), octets


# ---- mip6sec's IKEv2 crypto, through ike_oracle_tool ----

class Tool:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, *words):
        self.p.stdin.write(" ".join(w if isinstance(w, str) else (w.hex() or "-") if isinstance(w, bytes)
                                    else str(w) for w in words) + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# ---- one run ----

class Run:
    """The committed files of one run and what the capture says."""

    def __init__(self, name):
        self.name = name
        self.doc = json.load(open(os.path.join(GOLDEN, name + ".json")))
        f = self.doc["files"]
        self.pcap = os.path.join(GOLDEN, f["pcap"])
        self.table = os.path.join(GOLDEN, f["ikev2_decryption_table"])
        self.keys = os.path.join(GOLDEN, f["keys"])
        self.ike = self.doc["ike"]
        self.k = {k: bytes.fromhex(v) for k, v in self.doc["keys"].items()}
        self.psk = self.doc["psk"].encode()
        self.frames = read_pcap(self.pcap)
        self.msgs = ike_messages(self.frames)
        init = [m for m in self.msgs if m["exchange"] == IKE_SA_INIT]
        self.init_req = next(m for m in init if not m["flags"] & 0x20)
        self.init_resp = next(m for m in init if m["flags"] & 0x20)
        self.ni = body_of(payloads(self.init_req["msg"], self.init_req["np"], 28), P_NONCE)
        self.nr = body_of(payloads(self.init_resp["msg"], self.init_resp["np"], 28), P_NONCE)
        self.spi_i = bytes.fromhex(self.init_resp["spi_i"])
        self.spi_r = bytes.fromhex(self.init_resp["spi_r"])
        self.encrypted = [m for m in self.msgs if m["exchange"] != IKE_SA_INIT]
        self.opened = {}        # frame -> (np, plaintext, inner payloads)

    def sk_keys(self, m):
        """SK_e, SK_a of the message's sender (I flag: the original initiator)."""
        if m["flags"] & 0x08:
            return self.k["sk_ei"], self.k["sk_ai"]
        return self.k["sk_er"], self.k["sk_ar"]

    def sk_off(self, m):
        return next(off for t, _, off in payloads(m["msg"], m["np"], 28) if t == P_SK)

    def auth_msg(self, initiator):
        """The IKE_AUTH request (the initiator's) or response (the responder's)."""
        return next(m for m in self.encrypted
                    if m["exchange"] == IKE_AUTH and bool(m["flags"] & 0x20) != initiator)


def check_capture(tap, r):
    # TV-07: the capture holds a whole exchange, and the committed files agree
    # with it (the IKE SPIs of the table, two nonces, IKE_AUTH both ways).
    tap.check(r.ni and r.nr and len(r.ni) >= 16 and len(r.nr) >= 16,
              "%s: the capture has IKE_SA_INIT with both nonces (%d and %d octets)"
              % (r.name, len(r.ni or b""), len(r.nr or b"")))
    line = open(r.table).read().strip().split(",")
    tap.check(line[0] == r.doc["spi_i"] == r.init_resp["spi_i"] and line[1] == r.doc["spi_r"] == r.init_resp["spi_r"],
              "%s: the ikev2_decryption_table names the captured IKE SA (SPIs %s/%s)"
              % (r.name, r.init_resp["spi_i"], r.init_resp["spi_r"]), line[:2])
    auth = [m for m in r.encrypted if m["exchange"] == IKE_AUTH]
    tap.check(len(auth) == 2 and all(m["msgid"] == 1 for m in auth),
              "%s: one IKE_AUTH request and one response, message ID 1" % r.name,
              [(m["frame"], m["flags"], m["msgid"]) for m in auth])


def check_decode(tap, r, exe):
    # TV-07: `mip6sec decode --keys` with strongSwan's own key table (the
    # format of its save-keys plugin) verifies and decrypts every IKE message
    # after IKE_SA_INIT, and the CHILD_SA's ESP in UDP with the ESP keys.
    rr = subprocess.run([exe, "decode", "--json", "--keys", r.table, "--keys", r.keys, r.pcap],
                        capture_output=True, text=True)
    tap.check(rr.returncode == 0, "%s: mip6sec decode --keys TABLE --keys ESP-KEYS exits 0" % r.name, rr.stderr)
    dec = {}
    for ln in rr.stdout.splitlines():
        if ln.strip():
            j = json.loads(ln)
            dec[j["frame"]] = j
    r.dec = dec
    errs = ["frame %d: %s" % (n, j["errors"]) for n, j in sorted(dec.items()) if j.get("errors")]
    tap.check(dec and not errs, "%s: %d frames decoded without errors" % (r.name, len(dec)), errs[:6])
    bad = []
    want = {True: [P_IDI, P_IDR, P_AUTH, P_SA, P_TSI, P_TSR], False: [P_IDR, P_AUTH, P_SA, P_TSI, P_TSR]}
    for m in r.encrypted:
        ike = dec.get(m["frame"], {}).get("ike") or {}
        if not ike.get("icv_ok"):
            bad.append("frame %d: %s" % (m["frame"], ike.get("decrypt_error", "not verified")))
            continue
        if m["exchange"] == IKE_AUTH:
            codes = [p["code"] for p in ike.get("decrypted", [])]
            req = not m["flags"] & 0x20
            miss = [c for c in want[req] if c not in codes]
            if miss:
                bad.append("frame %d: IKE_AUTH %s lacks payloads %s (has %s)"
                           % (m["frame"], "request" if req else "response", miss, codes))
    n_auth = sum(1 for m in r.encrypted if m["exchange"] == IKE_AUTH)
    tap.check(not bad and n_auth == 2,
              "%s: mip6sec decode verifies and decrypts all %d encrypted IKE messages; both IKE_AUTH "
              "list IDi/IDr, AUTH, SA, TSi, TSr" % (r.name, len(r.encrypted)), bad)
    esp = [(n, j["esp"]) for n, j in sorted(dec.items()) if "esp" in j]
    ebad = ["frame %d: %s" % (n, e) for n, e in esp if not (e.get("icv_ok") and e.get("decrypted"))]
    spis = {int(sa["spi"], 16) for sa in r.doc["esp_sa"]}
    tap.check(len(esp) >= 6 and not ebad and {e["spi"] for _, e in esp} == spis,
              "%s: %d ESP-in-UDP packets of both CHILD_SA directions verified and decrypted" % (r.name, len(esp)),
              ebad[:6])
    inner = [j.get("inner", {}).get("icmpv6", {}).get("type") for _, j in sorted(dec.items()) if "esp" in j]
    tap.check(inner and all(t in (128, 129) for t in inner),
              "%s: the tunnelled packets are the ICMPv6 echo requests and replies" % r.name, inner)


def check_kdf(tap, r):
    # IKE-11, IKE-10: SKEYSEED = prf(Ni | Nr, g^ir) and the seven SK_* keys,
    # computed in Python from charon's DH secret and the captured nonces and
    # SPIs, are the keys strongSwan used (and that the table holds).
    p = r.ike["prf"]
    skeyseed = prf(p, r.ni + r.nr, r.k["g_ir"])
    tap.check(skeyseed == r.k["skeyseed"], "%s: SKEYSEED from the captured nonces and g^ir is strongSwan's"
              % r.name, ["python %s" % skeyseed.hex(), "charon %s" % r.k["skeyseed"].hex()])
    mine = derive_keys(r.ike, skeyseed, r.ni, r.nr, r.spi_i, r.spi_r)
    diff = [k for k in mine if mine[k] != r.k[k]]
    tap.check(not diff, "%s: SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr from prf+ are strongSwan's" % r.name,
              ["%s: python %s charon %s" % (k, mine[k].hex(), r.k[k].hex()) for k in diff])


def check_sk_python(tap, r):
    # TV-07: every SK payload opened in Python with SK_e/SK_a of the table;
    # the inner payloads (IDs, AUTH method and length, SA SPI, TS, notifies)
    # are those mip6sec decode printed.
    line = open(r.table).read().strip().split(",")
    tab = {"sk_ei": line[2], "sk_er": line[3], "sk_ai": line[5], "sk_ar": line[6]}
    tap.check(all(bytes.fromhex(v) == r.k[k] for k, v in tab.items()),
              "%s: the table's SK_e/SK_a are charon's logged keys" % r.name)
    bad = []
    for m in r.encrypted:
        ek, ak = r.sk_keys(m)
        off = r.sk_off(m)
        try:
            np, plain = sk_open(r.ike, m["msg"], off, ek, ak)
        except Exception as e:  # noqa: BLE001 - any failure is a finding
            bad.append("frame %d: Python cannot open the SK payload: %r" % (m["frame"], e))
            continue
        inner = payloads(plain, np)
        r.opened[m["frame"]] = (np, plain, inner)
        ours = (r.dec.get(m["frame"], {}).get("ike") or {}).get("decrypted", [])
        if [t for t, _, _ in inner] != [p["code"] for p in ours]:
            bad.append("frame %d: payloads %s, mip6sec %s" % (m["frame"], [t for t, _, _ in inner],
                                                           [p["code"] for p in ours]))
            continue
        for (t, body, _), d in zip(inner, ours):
            why = compare_payload(t, body, d)
            if why:
                bad.append("frame %d payload %d: %s" % (m["frame"], t, why))
    tap.check(not bad and len(r.opened) == len(r.encrypted),
              "%s: Python opens all %d SK payloads and their payloads match mip6sec decode's"
              % (r.name, len(r.encrypted)), bad[:8])
    ids = {}
    for m in r.encrypted:
        if m["exchange"] == IKE_AUTH and m["frame"] in r.opened:
            inner = r.opened[m["frame"]][2]
            for t in (P_IDI, P_IDR):
                b = body_of(inner, t)
                if b is not None and (t, m["flags"] & 0x20) not in ids:
                    ids[(t, m["flags"] & 0x20)] = (b[0], b[4:].decode(errors="replace"))
    tap.check(ids.get((P_IDI, 0)) == (r.doc["initiator"]["id_type"], r.doc["initiator"]["id"]) and
              ids.get((P_IDR, 0x20)) == (r.doc["responder"]["id_type"], r.doc["responder"]["id"]),
              "%s: IDi %s and IDr %s as configured" % (r.name, r.doc["initiator"]["id"], r.doc["responder"]["id"]),
              ids)


def compare_payload(t, body, d):
    """Why mip6sec decode's JSON d disagrees with the payload body, or None."""
    if d.get("length") != len(body) + 4:
        return "length %d, mip6sec %s" % (len(body) + 4, d.get("length"))
    if t in (P_IDI, P_IDR):
        if d.get("id_type") != ID_NAMES.get(body[0]) or d.get("id") != body[4:].decode(errors="replace"):
            return "ID %d %r, mip6sec %s %r" % (body[0], body[4:], d.get("id_type"), d.get("id"))
    elif t == P_AUTH:
        if body[0] != AUTH_PSK or d.get("method") != "PSK" or d.get("data_length") != len(body) - 4:
            return "AUTH method %d/%d octets, mip6sec %s/%s" % (body[0], len(body) - 4, d.get("method"),
                                                               d.get("data_length"))
    elif t == P_SA:
        spi = body[8:8 + body[6]].hex()          # first proposal: SPI size at 6, SPI at 8
        got = [pr.get("spi") for pr in d.get("proposals", [])][:1]
        if got != [spi]:
            return "SA SPI %s, mip6sec %s" % (spi, got)
    elif t in (P_TSI, P_TSR):
        sel, off = [], 4
        for _ in range(body[0]):
            slen = struct.unpack(">H", body[off + 2:off + 4])[0]
            s = body[off:off + slen]
            sel.append((s[1], struct.unpack(">H", s[4:6])[0], struct.unpack(">H", s[6:8])[0],
                        s[8:24], s[24:40]))
            off += slen
        got = [(x.get("proto"), x.get("start_port"), x.get("end_port"),
                ipaddress.IPv6Address(x.get("start")).packed, ipaddress.IPv6Address(x.get("end")).packed)
               for x in d.get("selectors", [])]
        if got != sel:
            return "TS %s, mip6sec %s" % (sel, d.get("selectors"))
    elif t == P_N:
        if d.get("notify_type") != struct.unpack(">H", body[2:4])[0]:
            return "notify %d, mip6sec %s" % (struct.unpack(">H", body[2:4])[0], d.get("notify_type"))
    return None


def check_auth(tap, r):
    # IKE-12: both AUTH payloads recomputed in Python from the PSK, the captured
    # IKE_SA_INIT messages (no non-ESP marker: they went to port 500), the
    # peer's nonce and prf(SK_px, IDx') with ID' the ID payload without its
    # generic header; equal to the AUTH data strongSwan sent, to the octets and
    # AUTH charon logged, and a wrong PSK or nonce does not match.
    p = r.ike["prf"]
    for initiator in (True, False):
        side = "initiator" if initiator else "responder"
        m = r.auth_msg(initiator)
        inner = r.opened.get(m["frame"], (None, None, []))[2]
        idb = body_of(inner, P_IDI if initiator else P_IDR)
        auth = body_of(inner, P_AUTH)
        if idb is None or auth is None:
            tap.check(False, "%s: %s AUTH recomputed" % (r.name, side), "no ID or AUTH payload opened")
            continue
        real = (r.init_req if initiator else r.init_resp)["msg"]
        nonce = r.nr if initiator else r.ni
        skp = r.k["sk_pi" if initiator else "sk_pr"]
        mine, octets = psk_auth(p, r.psk, real, nonce, skp, idb)
        logged = r.doc["auth_logged"][side]
        tap.check(auth[0] == AUTH_PSK and auth[4:] == mine,
                  "%s: %s AUTH = prf(prf(PSK, \"Key Pad for IKEv2\"), RealMessage%d | Nonce%sData | "
                  "prf(SK_p%s, ID%s')) is the AUTH strongSwan sent"
                  % (r.name, side, 1 if initiator else 2, "R" if initiator else "I", side[0], side[0]),
                  ["sent   %s" % auth[4:].hex(), "python %s" % mine.hex()])
        tap.check(octets.hex() == logged["octets"] and mine.hex() == logged["auth"],
                  "%s: %s signed octets and AUTH are those charon logged" % (r.name, side))
        wrong = [psk_auth(p, r.psk + b"x", real, nonce, skp, idb)[0],
                 psk_auth(p, r.psk, real, r.ni if initiator else r.nr, skp, idb)[0],
                 psk_auth(p, r.psk, real, nonce, r.k["sk_pr" if initiator else "sk_pi"], idb)[0]]
        tap.check(all(w != auth[4:] for w in wrong),
                  "%s: %s AUTH with a wrong PSK, the own nonce or the other SK_p does not match" % (r.name, side))


def check_keymat(tap, r):
    # IKE-13: the CHILD_SA's KEYMAT = prf+(SK_d, Ni | Nr) (no PFS), all
    # initiator-to-responder keys first, GCM with its 4 salt octets: the ESP
    # keys strongSwan logged and used.
    sa = r.doc["esp_sa"][0]
    el, al = key_lengths(sa["encr"], sa["encr_bits"], sa["integ"])
    km = prf_plus(r.ike["prf"], r.k["sk_d"], r.ni + r.nr, 2 * (el + al))
    want = {"initiator": (km[:el], km[el:el + al]), "responder": (km[el + al:2 * el + al], km[2 * el + al:])}
    bad = [s["spi"] for s in r.doc["esp_sa"]
           if (bytes.fromhex(s["enc_key"]), bytes.fromhex(s["integ_key"])) != want[s["from"]]]
    tap.check(not bad and len(r.doc["esp_sa"]) == 2,
              "%s: ESP keys of both directions = prf+(SK_d, Ni | Nr)" % r.name, bad)


def check_tshark(tap, r):
    # TV-07: tshark 4.0, given the same table, decrypts the same messages and
    # reads the same AUTH data as Python.
    line = open(r.table).read().strip()
    rows = tshark_fields(r.pcap, ["isakmp.exchangetype", "isakmp.enc.decrypted", "isakmp.auth.data"],
                         ["-Y", "isakmp", "-o", "uat:ikev2_decryption_table:" + line])
    bad = []
    for m in r.encrypted:
        row = rows.get(m["frame"])
        if not row or row["isakmp.enc.decrypted"] != ["1"]:
            bad.append("frame %d: tshark did not decrypt it" % m["frame"])
            continue
        if m["exchange"] == IKE_AUTH:
            auth = body_of(r.opened.get(m["frame"], (None, None, []))[2], P_AUTH)
            got = [x.replace(":", "") for x in row["isakmp.auth.data"]]
            if auth is None or got != [auth[4:].hex()]:
                bad.append("frame %d: AUTH tshark %s, python %s" % (m["frame"], got, auth and auth[4:].hex()))
    tap.check(not bad, "%s: tshark decrypts all %d encrypted IKE messages with the table, same AUTH data"
              % (r.name, len(r.encrypted)), bad)


def check_tool(tap, r, tool):
    # IKE-12, IKE-11, IKE-10, IKE-13: mip6sec's own functions (ike_auth_psk,
    # ike_skeyseed, ike_derive_keys, ike_child_keymat, ike_sk_open), fed the
    # captured inputs, reproduce what strongSwan computed and sent.
    ike, p = r.ike, r.ike["prf"]
    for initiator in (True, False):
        side = "initiator" if initiator else "responder"
        m = r.auth_msg(initiator)
        inner = r.opened.get(m["frame"], (None, None, []))[2]
        idb = body_of(inner, P_IDI if initiator else P_IDR)
        auth = body_of(inner, P_AUTH)
        real = (r.init_req if initiator else r.init_resp)["msg"]
        got = tool.ask("auth", p, r.psk, real, r.nr if initiator else r.ni,
                       r.k["sk_pi" if initiator else "sk_pr"], idb or b"")
        tap.check(auth is not None and got == auth[4:].hex(),
                  "%s: mip6sec ike_auth_psk() on the captured inputs gives the %s's AUTH" % (r.name, side),
                  ["sent    %s" % (auth[4:].hex() if auth else None), "mip6sec %s" % got])
    got = tool.ask("skeyseed", p, r.ni, r.nr, r.k["g_ir"])
    tap.check(got == r.k["skeyseed"].hex(), "%s: mip6sec ike_skeyseed() gives strongSwan's SKEYSEED" % r.name,
              ["mip6sec %s" % got, "charon  %s" % r.k["skeyseed"].hex()])
    got = tool.ask("keys", ike["encr"], ike["encr_bits"], p, ike["integ"], r.k["skeyseed"], r.ni, r.nr,
                   r.spi_i, r.spi_r).split()
    want = [r.k[k].hex() or "-" for k in ("sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr")]
    tap.check(got == want, "%s: mip6sec ike_derive_keys() gives strongSwan's seven SK_* keys" % r.name,
              ["mip6sec %s" % got, "charon  %s" % want])
    sa = r.doc["esp_sa"][0]
    got = tool.ask("keymat", p, r.k["sk_d"], "-", r.ni, r.nr, sa["encr"], sa["encr_bits"], sa["integ"]).split()
    by = {s["from"]: s for s in r.doc["esp_sa"]}
    want = [by["initiator"]["enc_key"], by["initiator"]["integ_key"] or "-",
            by["responder"]["enc_key"], by["responder"]["integ_key"] or "-"]
    tap.check(got == want, "%s: mip6sec ike_child_keymat() gives strongSwan's ESP keys" % r.name,
              ["mip6sec %s" % got, "charon  %s" % want])
    bad = []
    for m in r.encrypted:
        ek, ak = r.sk_keys(m)
        got = tool.ask("open", ike["encr"], ike["encr_bits"], ike["integ"], ek, ak, m["msg"])
        np, plain, _ = r.opened.get(m["frame"], (None, b"", None))
        if got != "ok %s %s" % (np, plain.hex() or "-"):
            bad.append("frame %d: mip6sec %s, python np %s %s" % (m["frame"], got[:80], np, plain.hex()[:60]))
    tap.check(not bad, "%s: mip6sec ike_sk_open() opens all %d captured SK payloads to Python's plaintext"
              % (r.name, len(r.encrypted)), bad)


def main():
    if len(sys.argv) != 3:
        print("usage: %s MIP6SEC IKE_ORACLE_TOOL" % sys.argv[0], file=sys.stderr)
        return 2
    exe, tool_path = sys.argv[1], sys.argv[2]
    tap = Tap()
    tool = Tool(tool_path)
    try:
        for name in RUNS:
            r = Run(name)
            tap.diag("%s: %s, %d frames, IKE SA %s/%s" % (name, r.doc["ike_proposal"], len(r.frames),
                                                         r.doc["spi_i"], r.doc["spi_r"]))
            check_capture(tap, r)
            check_decode(tap, r, exe)
            check_kdf(tap, r)
            check_sk_python(tap, r)
            check_auth(tap, r)
            check_keymat(tap, r)
            check_tshark(tap, r)
            check_tool(tap, r, tool)
    finally:
        tool.close()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
