"""cells_retry - the interop cells where IKE_SA_INIT is retried: charon or
mip6secd answers INVALID_KE_PAYLOAD naming another group, or asks for a
COOKIE (with a decoy half-open IKE SA first), and the initiator tries again
as RFC 7296 1.2 and 2.6 say. The harness, its testbed and its checks are
interop.py's.
"""
from interop import *  # noqa: F401,F403 - the harness: Bed, Charon, checks, constants

# ---- IKE_SA_INIT retried: INVALID_KE_PAYLOAD and COOKIE -----------------------

N_INVALID_KE, N_COOKIE = "17", "16390"
INIT_FIELDS = ["frame.time_epoch", "ipv6.src", "ipv6.dst", "isakmp.ispi", "isakmp.rspi", "isakmp.exchangetype",
               "isakmp.flags", "isakmp.messageid", "isakmp.nextpayload", "isakmp.notify.msgtype",
               "isakmp.notify.data", "isakmp.notify.data.accepted_dh_group", "isakmp.key_exchange.dh_group",
               "isakmp.key_exchange.data", "isakmp.nonce", "isakmp.prop.number", "isakmp.tf.id.dh"]
PL_SA, PL_KE, PL_N = "33", "34", "41"
# name -> (what it shows, direction, mip6secd's proposals (testbed.sh --ike),
# charon's proposals, charon's strongswan.conf, mip6secd's extra ike keys,
# decoy half-open IKE SA first, what the capture must show)
RETRY = {
    "kex-r-invalid-ke": ("mip6secd's mobile node guesses ECP-256 for its first KE, charon (x25519 only) answers "
                         "INVALID_KE_PAYLOAD, mip6secd retries with x25519", "r",
                         "aes128gcm16-prfsha256-ecp256,aes128gcm16-prfsha256-x25519", "aes128gcm16-prfsha256-x25519",
                         "", "", False, "invalid-ke"),
    "kex-i-invalid-ke": ("charon's first KE is ECP-256 (proposal ecp256-x25519), mip6secd's home agent (x25519 only) "
                         "answers INVALID_KE_PAYLOAD, charon retries with x25519", "i",
                         "aes128gcm16-prfsha256-x25519", "aes128gcm16-prfsha256-ecp256-x25519", "", "", False,
                         "invalid-ke"),
    "cookie-r": ("charon (dos_protection, cookie_threshold = 1) holds one half-open IKE SA and answers mip6secd's "
                 "mobile node with a COOKIE; mip6secd retries with it", "r", MATRIX[0], MATRIX[0],
                 "dos_protection = yes\ncookie_threshold = 1", "", True, "cookie"),
    "cookie-i": ("mip6secd's home agent (cookies = 1) holds one half-open IKE SA and answers charon with a COOKIE; "
                 "charon retries with it", "i", MATRIX[0], MATRIX[0], "", "cookies = 1;", True, "cookie"),
}
RETRY_CELLS = list(RETRY)

# the decoy sends one IKE_SA_INIT from the correspondent node's namespace
# (another address than the initiator's) and waits for the answer
DECOY_SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1.0)
for _ in range(5):
    s.sendto(bytes.fromhex(sys.argv[1]), (sys.argv[2], 500))
    try:
        print(s.recv(65535).hex())
        sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
"""


def decoy_init():
    """An IKE_SA_INIT (RFC 7296 1.2) offering aes128gcm16-prfsha256-x25519,
    a random KE value and nonce: (SPIi hex, message)."""
    def pl(nxt, body):
        return struct.pack(">BBH", nxt, 0, 4 + len(body)) + body

    def tf(more, typ, tid, attr=b""):
        return struct.pack(">BBHBBH", 3 if more else 0, 0, 8 + len(attr), typ, 0, tid) + attr
    tfs = tf(True, 1, 20, struct.pack(">HH", 0x800e, 128)) + tf(True, 2, 5) + tf(False, 4, 31)
    prop = struct.pack(">BBHBBBB", 0, 0, 8 + len(tfs), 1, 1, 0, 3) + tfs
    body = pl(34, prop) + pl(40, struct.pack(">HH", 31, 0) + os.urandom(32)) + pl(0, os.urandom(32))
    spi = os.urandom(8)
    return spi.hex(), spi + bytes(8) + struct.pack(">BBBBII", 33, 0x20, 34, 0x08, 0, 28 + len(body)) + body


def decoy_half_open(bed):
    """One half-open IKE SA at the home agent's responder (charon or
    mip6secd), from 2001:db8:4::1 (m6x-cn): IKE_SA_INIT answered, no
    IKE_AUTH. With a threshold of 1 the next IKE_SA_INIT needs a cookie."""
    spi, msg = decoy_init()
    r = nsexec("cn", ["python3", "-c", DECOY_SEND, msg.hex(), HA], check=False, timeout=15)
    resp = bytes.fromhex(r.stdout.strip()) if r.returncode == 0 else b""
    if len(resp) < 28 or resp[:8].hex() != spi or resp[18] != 34 or not resp[19] & 0x20 or resp[16] != 33 \
            or not any(resp[8:16]):
        raise Fail("the decoy IKE_SA_INIT from 2001:db8:4::1 got no answer with SA (%s): no half-open IKE SA"
                   % (r.stdout.strip()[:120] or "nothing"))
    log("  decoy: IKE_SA_INIT from 2001:db8:4::1 answered (SA, KE, Nr), half-open IKE SA %s/%s at the home agent"
        % (spi, resp[8:16].hex()))


def init_exchange(pcap):
    """The IKE_SA_INIT messages to and from the care-of address (the
    initiator in every cell; the decoy's are from elsewhere), in capture
    order, read by tshark (no keys needed)."""
    conf = os.path.join(DIR, "wireshark-plain")
    shutil.rmtree(conf, ignore_errors=True)
    os.makedirs(conf)
    msgs = [m for m in tshark_ike(pcap, conf, INIT_FIELDS)
            if m["exchange"] == 34 and COA in (m["ipv6.src"] + m["ipv6.dst"])]
    # a retransmission (RFC 7296 2.1: the same request again, answered
    # again from the responder's cache with the same message, 2.2) is
    # one exchange, not a new one: a packet lost on a loaded host must
    # not fail a cell
    same = lambda a, b: {k: v for k, v in a.items() if k not in ("frame.time_epoch", "time")} == \
        {k: v for k, v in b.items() if k not in ("frame.time_epoch", "time")}
    kept = []
    for m in msgs:
        prev = [k for k in kept if k["response"] == m["response"]]
        if prev and same(prev[-1], m):
            log("  (a retransmitted IKE_SA_INIT %s at %.3f s, counted once)"
                % ("response" if m["response"] else "request", m["time"] - msgs[0]["time"]))
            continue
        kept.append(m)
    return kept


def check_retry(pcap, m6, kind, first_group=None):
    """IKE_SA_INIT, refused statelessly (N(INVALID_KE_PAYLOAD) naming
    x25519, or N(COOKIE)), retried, answered: exactly these four messages
    from and to the care-of address, as RFC 7296 1.2, 2.6 and 2.6.1 say."""
    msgs = init_exchange(pcap)
    shape = ["response" if m["response"] else "request" for m in msgs]
    if shape != ["request", "response", "request", "response"]:
        raise Fail("want IKE_SA_INIT request, refusal, retried request, response from/to %s; the capture has %s"
                   % (COA, shape))
    q1, a1, q2, a2 = msgs
    rows = []

    def row(item, got, want):
        rows.append((item, got, want, got == want))

    def spi(m, f):
        return m[f][0].replace(":", "")

    def notify_only(m):
        # the first payload (the header's next payload), the notifies, a KE
        return (m["isakmp.nextpayload"][:1], m["isakmp.notify.msgtype"], bool(m["isakmp.key_exchange.dh_group"]))
    zero = "0" * 16
    if kind == "invalid-ke":
        row("KE group (first request)", q1["isakmp.key_exchange.dh_group"], [first_group])
        row("N(INVALID_KE_PAYLOAD) alone (refusal)", notify_only(a1), ([PL_N], [N_INVALID_KE], False))
        row("  accepted group (refusal, 3.10.1)", a1["isakmp.notify.data.accepted_dh_group"], [X25519])
        row("  SPIr (refusal: zero, 2.6)", spi(a1, "isakmp.rspi"), zero)
        # 2.6.1: the retry is HDR(A,0) again; 1.2 does not ask for a new SPI
        row("SPIi (first, retried request; 2.6.1)", (spi(q1, "isakmp.ispi"), spi(q2, "isakmp.ispi")),
            (m6["spi_i"], m6["spi_i"]))
        row("message ID (retried request; 2.2)", q2["isakmp.messageid"], ["0x00000000"])
        row("KE group (retried request)", q2["isakmp.key_exchange.dh_group"], [X25519])
        # 1.2: the initiator MUST again propose its full set (charon puts
        # the group asked for first in its proposal: the order is free)
        row("full set again: proposals, groups (1.2)", (q2["isakmp.prop.number"], sorted(q2["isakmp.tf.id.dh"])),
            (q1["isakmp.prop.number"], sorted(q1["isakmp.tf.id.dh"])))
    else:
        row("no COOKIE (first request)", N_COOKIE in q1["isakmp.notify.msgtype"], False)
        row("N(COOKIE) alone (refusal)", notify_only(a1), ([PL_N], [N_COOKIE], False))
        cookie = a1["isakmp.notify.data"][:1]
        clen = len(cookie[0].replace(":", "")) // 2 if cookie else 0
        row("  cookie length (1..64 octets, 2.6)", "%d (%s)" % (clen, 1 <= clen <= 64), "%d (True)" % clen)
        row("  SPIr (refusal: zero, 2.6)", spi(a1, "isakmp.rspi"), zero)
        # 2.6: the cookie first, all other payloads unchanged
        row("N(COOKIE) first (retried request, 2.6)", (q2["isakmp.nextpayload"][:1], q2["isakmp.notify.msgtype"][:1]),
            ([PL_N], [N_COOKIE]))
        row("  its data: the refusal's cookie", bool(cookie) and q2["isakmp.notify.data"][:1] == cookie, True)
        row("SPIi (first, retried request)", (spi(q1, "isakmp.ispi"), spi(q2, "isakmp.ispi")),
            (m6["spi_i"], m6["spi_i"]))
        row("message ID (retried request; 2.2)", q2["isakmp.messageid"], ["0x00000000"])
        row("Ni, KEi, SA unchanged (retried, 2.6)", tuple(bool(q1[f]) and q2[f] == q1[f] for f in (
            "isakmp.nonce", "isakmp.key_exchange.data", "isakmp.tf.id.dh")), (True, True, True))
    row("response: SA, KE, SPIr of the IKE SA", (a2["isakmp.nextpayload"][:1], a2["isakmp.key_exchange.dh_group"],
                                                       spi(a2, "isakmp.rspi")), ([PL_SA], [X25519], m6["spi_r"]))
    def brief(m):
        what = [{N_INVALID_KE: "N(INVALID_KE_PAYLOAD)", N_COOKIE: "N(COOKIE)"}[n]
                for n in m["isakmp.notify.msgtype"] if n in (N_INVALID_KE, N_COOKIE)]
        what += ["KE %s" % g for g in m["isakmp.key_exchange.dh_group"]]
        return "%s %s" % ("response" if m["response"] else "request", " ".join(what))
    log("  IKE_SA_INIT from/to %s: %s" % (COA, ", ".join(brief(m) for m in msgs)))
    print_rows(rows, "the retried IKE_SA_INIT is not RFC 7296's")


def retry_cell(name, plugin):
    what, direction, m6_prop, ch_prop, ch_opts, m6_extra, decoy, kind = RETRY[name]
    log("cell %s: %s; IKE mip6secd [%s], charon %s, ESP %s" % (name, what, m6_prop.replace(",", ", "), ch_prop, ESP))

    def after(pcap, m6):
        check_retry(pcap, m6, kind, ECP256)
    before = decoy_half_open if decoy else None
    if direction == "r":
        return cell_charon_responder(m6_prop, plugin, ch_prop, ch_opts, before, after)
    return cell_charon_initiator(m6_prop, plugin, ch_prop, m6_extra, before, after)
