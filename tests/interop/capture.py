"""capture - what the interop cells read off captures and key tables:
IKEv2 messages as tshark decrypts them (or Python's cryptography where
Wireshark 4.0 has no ChaCha20-Poly1305), the RFC 4877 checks on the
negotiated SA, ESP opened with both ends' key tables, and handshake
times. interop.py re-exports all of it."""
import os
import re
import shutil
import socket
import struct

from base import *  # noqa: F401,F403 - Fail, log, run and the constants


# ---- checks ------------------------------------------------------------------

AUTH_FIELDS = ["frame.time_epoch", "isakmp.ispi", "isakmp.rspi", "isakmp.exchangetype", "isakmp.flags",
               "isakmp.id.data.user_fqdn", "isakmp.id.data.fqdn", "isakmp.notify.msgtype", "isakmp.ts.protoid",
               "isakmp.ts.start_ipv6", "isakmp.ts.end_ipv6", "isakmp.ts.start_port", "isakmp.ts.end_port",
               "isakmp.prop.protoid", "isakmp.tf.id.encr", "isakmp.tf.id.integ", "isakmp.spisize", "isakmp.spi"]
USE_TRANSPORT_MODE = "16391"


# the lifecycle cells read these too: who sent it, the message ID, the
# payloads (inside SK once decrypted) and the Delete payloads
LIFE_FIELDS = AUTH_FIELDS + ["ipv6.src", "isakmp.messageid", "isakmp.typepayload", "isakmp.delete.protoid",
                             "isakmp.delete.spi", "isakmp.enc.pad_length"]


def tshark_ike(pcap, conf, fields=AUTH_FIELDS):
    """IKEv2 messages of a capture, decrypted with the tables in conf."""
    args = ["tshark", "-n", "-r", pcap, "-Y", "isakmp", "-T", "fields", "-E", "aggregator=,", "-E",
            "occurrence=a"]
    for f in fields:
        args += ["-e", f]
    r = run(args, env=dict(os.environ, WIRESHARK_CONFIG_DIR=conf), timeout=120)
    msgs = []
    for line in r.stdout.splitlines():
        v = line.split("\t")
        if len(v) < len(fields):
            continue
        m = {k: (x.split(",") if x else []) for k, x in zip(fields, v)}
        m["time"] = float(m["frame.time_epoch"][0])
        m["response"] = bool(int(m["isakmp.flags"][0], 16) & 0x20)
        m["exchange"] = int(m["isakmp.exchangetype"][0])
        msgs.append(m)
    return msgs


# Wireshark 4.0 (Debian 12) has no ChaCha20-Poly1305 in its IKEv2 decryption
# table ("invalid value"): for those SAs the IKE_AUTH messages are opened
# here, with Python's cryptography and the same table line, and read into
# the fields tshark_ike() gives.
TSHARK_IKE_ENCR = ("AES-CBC-", "AES-GCM-")


def py_ike(pcap, table):
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    keys = {}
    for line in open(table):
        v = line.strip().split(",")
        if len(v) == 8 and v[4].strip('"').startswith("ChaCha20-Poly1305"):
            keys[(v[0], v[1])] = (bytes.fromhex(v[2]), bytes.fromhex(v[3]))
    data = open(pcap, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        raise Fail("%s: not a pcap file" % pcap)
    le = data[:4] == b"\xd4\xc3\xb2\xa1"
    order = "<" if le else ">"
    off, msgs = 24, []
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack(order + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 + 40 + 8 + 28 or frame[12:14] != b"\x86\xdd" or frame[14 + 6] != 17:
            continue
        udp = frame[54:]
        sport, dport = struct.unpack(">HH", udp[0:4])
        if dport == 500 or (dport == 4500 and sport == 500):
            ike = udp[8:]
        elif dport == 4500 and udp[8:12] == b"\0\0\0\0":
            ike = udp[12:]          # RFC 3948 2.2: the non-ESP marker, then IKE
        else:
            continue
        if len(ike) < 28:
            continue
        spi_i, spi_r = ike[0:8].hex(), ike[8:16].hex()
        m = {k: [] for k in AUTH_FIELDS}
        m.update({"time": sec + usec / 1e6, "response": bool(ike[19] & 0x20), "exchange": ike[18]})
        m["isakmp.ispi"], m["isakmp.rspi"] = [spi_i], [spi_r]
        msgs.append(m)
        if ike[18] != 35 or ike[16] != 46 or (spi_i, spi_r) not in keys:
            continue
        ei, er = keys[(spi_i, spi_r)]
        k = er if m["response"] else ei
        sk_len = struct.unpack(">H", ike[30:32])[0]
        body = ike[32:28 + sk_len]
        try:
            plain = ChaCha20Poly1305(k[:32]).decrypt(k[32:36] + body[:8], body[8:], ike[:32])
        except Exception:
            raise Fail("IKE_AUTH %s/%s does not open with the table's keys" % (spi_i, spi_r))
        plain = plain[:len(plain) - plain[-1] - 1]
        np, p = ike[28], 0
        while np and p + 4 <= len(plain):
            nxt, ln = plain[p], struct.unpack(">H", plain[p + 2:p + 4])[0]
            b = plain[p + 4:p + ln]
            if np in (35, 36):
                m["isakmp.id.data.user_fqdn" if b[0] == 3 else "isakmp.id.data.fqdn"].append(b[4:].decode())
            elif np == 41:
                m["isakmp.notify.msgtype"].append(str(struct.unpack(">H", b[2:4])[0]))
            elif np in (44, 45):
                t = b[4:]
                m["isakmp.ts.protoid"].append(str(t[1]))
                m["isakmp.ts.start_port"].append(str(struct.unpack(">H", t[4:6])[0]))
                m["isakmp.ts.end_port"].append(str(struct.unpack(">H", t[6:8])[0]))
                m["isakmp.ts.start_ipv6"].append(socket.inet_ntop(socket.AF_INET6, t[8:24]))
                m["isakmp.ts.end_ipv6"].append(socket.inet_ntop(socket.AF_INET6, t[24:40]))
            elif np == 33:
                m["isakmp.prop.protoid"].append(str(b[5]))
                q = 8 + b[6]
                while q + 8 <= len(b):
                    if b[q + 4] == 1:
                        m["isakmp.tf.id.encr"].append(str(struct.unpack(">H", b[q + 6:q + 8])[0]))
                    q += struct.unpack(">H", b[q + 2:q + 4])[0] or len(b)
            np, p = nxt, p + ln
    return msgs


def ike_messages(pcap, conf, who):
    """The capture's IKE messages decrypted with the tables in conf: by
    tshark, or (ChaCha20-Poly1305, which tshark 4.0 lacks) by py_ike()."""
    table = os.path.join(conf, "ikev2_decryption_table")
    if all(any(n in l for n in TSHARK_IKE_ENCR) for l in open(table) if l.strip()):
        log("  tshark with %s's tables alone decrypts IKE_AUTH" % who)
        return tshark_ike(pcap, conf)
    log("  tshark 4.0 cannot use %s's table (no ChaCha20-Poly1305 for IKEv2): IKE_AUTH opened by "
        "Python's cryptography with it instead" % who)
    return py_ike(pcap, table)


def ws_conf(name, keydir, tables=("ikev2_decryption_table", "esp_sa")):
    """A private Wireshark configuration with one side's decryption tables only."""
    conf = os.path.join(DIR, "wireshark-" + name)
    shutil.rmtree(conf, ignore_errors=True)
    os.makedirs(conf)
    for t in tables:
        src = os.path.join(keydir, t)
        if not os.path.exists(src):
            raise Fail("%s wrote no %s" % (name, src))
        shutil.copy(src, os.path.join(conf, t))
    with open(os.path.join(conf, "preferences"), "w") as f:
        f.write("esp.enable_encryption_decode: TRUE\n")
    return conf


# ESP transform ids (RFC 7296 3.3.2, IANA): encryption, integrity ("-" none)
ESP_IDS = {"aes128gcm16": ("20", "-"), "aes128gcm16-esn": ("20", "-"), "aes256-sha256": ("12", "12"), "aes128-sha256": ("12", "12"),
           "chacha20poly1305": ("28", "-")}


def rfc4877_sa(msgs, spi_i, esp=ESP):
    """RFC 4877's BU/BA SA as the decrypted IKE_AUTH exchange shows it; a
    list of (item, value, expected, ok) rows."""
    auth = [m for m in msgs if m["exchange"] == 35 and m["isakmp.ispi"] and m["isakmp.ispi"][0] == spi_i]
    req = [m for m in auth if not m["response"]]
    resp = [m for m in auth if m["response"]]
    if not req or not resp:
        raise Fail("no IKE_AUTH request and response for SPIi %s in the capture" % spi_i)
    q, a = req[-1], resp[-1]
    if not q["isakmp.ts.protoid"] or not a["isakmp.ts.protoid"]:
        raise Fail("IKE_AUTH not decrypted (no traffic selectors read): the key table does not fit")
    rows = []

    def row(item, got, want):
        rows.append((item, got, want, got == want))

    row("IDi (request, RFC822)", ",".join(q["isakmp.id.data.user_fqdn"]), MN_ID)
    row("IDr (response, FQDN)", ",".join(a["isakmp.id.data.fqdn"]), HA_ID)
    for who, m in (("request", q), ("response", a)):
        row("USE_TRANSPORT_MODE (%s)" % who, USE_TRANSPORT_MODE in m["isakmp.notify.msgtype"], True)
        row("TSi (%s)" % who, "%s-%s proto %s ports %s-%s" % (
            m["isakmp.ts.start_ipv6"][0], m["isakmp.ts.end_ipv6"][0], m["isakmp.ts.protoid"][0],
            m["isakmp.ts.start_port"][0], m["isakmp.ts.end_port"][0]),
            "%s-%s proto 135 ports 1280-1791" % (HOA, HOA))
        row("TSr (%s)" % who, "%s-%s proto %s ports %s-%s" % (
            m["isakmp.ts.start_ipv6"][-1], m["isakmp.ts.end_ipv6"][-1], m["isakmp.ts.protoid"][-1],
            m["isakmp.ts.start_port"][-1], m["isakmp.ts.end_port"][-1]),
            "%s-%s proto 135 ports 1280-1791" % (HA, HA))
    row("Child SA protocol (response)", ",".join(a["isakmp.prop.protoid"]), "3")
    encr, integ = ESP_IDS[esp]
    row("Child SA ESP transform (response)", ",".join(a["isakmp.tf.id.encr"]), encr)
    row("Child SA ESP integrity (response)", ",".join(a["isakmp.tf.id.integ"]) or "-", integ)
    return rows, q, a


def print_rows(rows, what="the negotiated SA is not RFC 4877's"):
    for item, got, want, ok in rows:
        log("  %-40s %-58s %s" % (item, got, "ok" if ok else "WRONG (wanted: %s)" % (want,)))
    bad = [r for r in rows if not r[3]]
    if bad:
        raise Fail("%s: %s" % (what, "; ".join(r[0] for r in bad)))


def py_esp_bus(pcap, esp_sa, spi, esn=False):
    """[spi, BU sequence] of the Binding Updates under ESP SPI spi with
    ChaCha20-Poly1305 (RFC 7634: key, then a 4-octet salt; nonce = salt |
    IV; AAD = SPI | sequence) or AES-GCM-16 (RFC 4106, the same layout),
    decrypted with charon's esp_sa alone. esn: 64-bit sequence numbers, the
    AAD then SPI | high 32 bits (0 here) | low 32 bits (RFC 4106 5, RFC 7634
    2.3), which tshark 4.0's esp_sa cannot be told."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
    from scapy.all import IPv6, rdpcap
    from scapy.layers.ipsec import ESP
    key = bytes.fromhex(esp_keys_charon(esp_sa)[spi])
    aead = ChaCha20Poly1305(key[:32]) if len(key) == 36 else AESGCM(key[:-4])
    salt = key[-4:]
    out = []
    for p in rdpcap(pcap):
        if IPv6 not in p or ESP not in p[IPv6] or p[IPv6][ESP].spi != spi:
            continue
        e = bytes(p[IPv6][ESP])
        try:
            pt = aead.decrypt(salt + e[8:16], e[16:], e[:4] + (b"\0\0\0\0" if esn else b"") + e[4:8])
        except Exception:
            raise Fail("ESP SPI 0x%08x sequence %d does not open with charon's key" % (spi, int.from_bytes(e[4:8], "big")))
        pad, nh = pt[-2], pt[-1]
        mh = pt[:len(pt) - 2 - pad]
        if nh == 135 and len(mh) >= 6 and mh[2] == 5:
            out.append(["0x%08x" % spi, str(int.from_bytes(mh[6:8], "big"))])
    return out


def esp_keys_charon(path):
    """SPI -> encryption key from charon's esp_sa."""
    keys = {}
    for line in open(path):
        m = re.match(r"# ChaCha20-Poly1305 \[RFC7634\] SPI (0x[0-9a-f]+) key (0x)?([0-9a-fA-F]+)", line)
        if m:
            keys[int(m.group(1), 16)] = m.group(3).lower()
            continue
        v = [x.strip('"') for x in line.strip().split('","')]
        if len(v) == 8 and v[3].startswith("0x"):
            keys[int(v[3], 16)] = v[5].lower().replace("0x", "")
    return keys


def esp_keys_mip6sec(path):
    """SPI -> encryption key from a `mip6sec keys` file."""
    keys = {}
    for line in open(path):
        v = line.split()
        if len(v) >= 5 and not line.startswith("#") and v[2].startswith("0x"):
            keys[int(v[2], 16)] = v[4].lower().replace("0x", "")
    return keys


def compare_tables(charon, m6dir, m6name, spis, ike_spis=None):
    """IKE lines byte for byte (in any order: crossing IKE SA rekeys make
    the two new IKE SAs in different orders at the two ends; with ike_spis,
    only the lines of those IKE SAs, "SPIi,SPIr"), ESP keys SPI by SPI."""
    ours = open(os.path.join(m6dir, m6name + ".ikev2_decryption_table")).read()
    theirs = open(os.path.join(charon.keys, "ikev2_decryption_table")).read()
    if ike_spis is not None:
        ours = "".join(sorted(l + "\n" for l in ours.splitlines() if l[:33] in ike_spis))
        theirs = "".join(sorted(l + "\n" for l in theirs.splitlines() if l[:33] in ike_spis))
        if len(ours.splitlines()) != len(ike_spis):
            raise Fail("mip6secd's IKE key table lacks one of %s:\n%s" % (sorted(ike_spis), ours))
    if not ours.strip() or sorted(ours.splitlines()) != sorted(theirs.splitlines()):
        raise Fail("IKE key tables differ:\n  mip6secd %s\n  charon   %s" % (ours.strip(), theirs.strip()))
    ck = esp_keys_charon(os.path.join(charon.keys, "esp_sa")) if spis else {}
    mk = esp_keys_mip6sec(os.path.join(m6dir, m6name + ".keys")) if spis else {}
    for spi in spis:
        if spi not in ck or spi not in mk or ck[spi] != mk[spi]:
            raise Fail("ESP SA 0x%08x: charon %s, mip6secd %s" % (spi, ck.get(spi), mk.get(spi)))
    n = len(ours.splitlines())
    log("  key tables agree: IKE line%s identical (%s), %s"
        % ("" if n == 1 else "s", "%d octets" % len(ours) if n == 1 else "%d lines" % n,
           "ESP keys of SPIs %s identical" % ", ".join("0x%08x" % s for s in spis) if spis else
           "no ESP keys compared"))


def charon_sa(charon):
    est = [sa for sa in charon.sas() if sa["state"] == "ESTABLISHED"]
    return est[0] if est else None


def check_charon_child(ike, m6):
    """charon's view: the same SPIs, one installed transport-mode ESP Child
    SA (TRANSPORT_PROXY: RFC 3776/4877's transport mode whose selectors
    are the home address, not the IKE SA's care-of address)."""
    if ike["initiator-spi"] != m6["spi_i"] or ike["responder-spi"] != m6["spi_r"]:
        raise Fail("IKE SPIs differ: charon %s/%s, mip6secd %s/%s" % (ike["initiator-spi"], ike["responder-spi"],
                                                                     m6["spi_i"], m6["spi_r"]))
    if len(ike["children"]) != 1:
        raise Fail("charon has %d Child SAs: %s" % (len(ike["children"]), ike))
    c = ike["children"][0]
    if c["state"] != "INSTALLED" or c["mode"] not in ("TRANSPORT", "TRANSPORT_PROXY") or c["protocol"] != "ESP":
        raise Fail("charon's Child SA is not an installed transport-mode ESP SA: %s" % c)
    if int(c["spi-in"], 16) != m6["child"]["spi_out"] or int(c["spi-out"], 16) != m6["child"]["spi_in"]:
        raise Fail("Child SA SPIs do not pair up: charon in %s out %s, mip6secd in 0x%08x out 0x%08x"
                   % (c["spi-in"], c["spi-out"], m6["child"]["spi_in"], m6["child"]["spi_out"]))
    log("  charon:   IKE %s/%s %s, Child SA %s %s %s in %s out %s, TS %s === %s" % (
        ike["initiator-spi"], ike["responder-spi"], ike.get("suite"), c["protocol"], c["esp"], c["mode"],
        c["spi-in"], c["spi-out"], c.get("local-ts"), c.get("remote-ts")))
    return c


def handshake_time(msgs, spi_i):
    """IKE_SA_INIT request to IKE_AUTH response (the first attempt's request
    after any COOKIE/INVALID_KE retry is what counts: the first one seen)."""
    mine = [m for m in msgs if m["isakmp.ispi"] and m["isakmp.ispi"][0] == spi_i]
    t0 = min(m["time"] for m in mine if m["exchange"] == 34 and not m["response"])
    t1 = max(m["time"] for m in mine if m["exchange"] == 35 and m["response"])
    return t1 - t0


def initiator_time(msgs, spi_i):
    """The initiator's own work on the wire: the IKE_SA_INIT response seen
    to the IKE_AUTH request seen (key exchange, keys, AUTH)."""
    mine = [m for m in msgs if m["isakmp.ispi"] and m["isakmp.ispi"][0] == spi_i]
    t0 = max(m["time"] for m in mine if m["exchange"] == 34 and m["response"])
    t1 = min(m["time"] for m in mine if m["exchange"] == 35 and not m["response"])
    return t1 - t0
