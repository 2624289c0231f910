"""cells_ike - interop cells for the parts of IKEv2 beyond the matrix: MOBIKE
(either end moves), the home address from charon's pool (RFC 4877 9), the
tunnel-mode Child SA of the mobile node - home agent tunnel, and
certificate authentication. The harness, its testbed and its checks are
interop.py's; `interop.py cell NAME` runs these too.
"""
import threading

from interop import *  # noqa: F401,F403 - the harness: Bed, Charon, checks, constants

# Certificates (RFC 7296 2.15 with RFC 7427 signatures): the test PKI of
# tests/vectors/ike_certs (an ECDSA P-256 root; the mobile node's
# certificate names mn@example.org and its home address, the home agent's
# ha.example.org)
CERTS = os.path.join(TOP, "tests", "vectors", "ike_certs")
CERT_MN_ID, CERT_HA_ID = "mn@example.org", "ha.example.org"
CERT_KINDS = {"ecdsa": "p256", "rsa": "rsa", "ed25519": "ed25519"}
CERT_CELLS = ["cert-%s-%s" % (d, k) for k in CERT_KINDS for d in "ri"]
# IKE fragmentation (RFC 7383): RSA certificates at both ends, the mobile
# node's with its intermediate CA's, charon with fragmentation = yes
FRAG_CELLS = ["frag-r", "frag-i"]
AUTH_METHODS = {"1": "RSA (PKCS#1 v1.5, SHA-1)", "9": "ECDSA P-256 SHA-256", "14": "RFC 7427 digital signature"}


def m6_cert(node, kind, frag=False):
    """mip6secd's configuration the testbed wrote, switched from PSK to
    certificates: its ike group authenticates with <node>-<kind>.pem under
    the test CA; a home agent's PAD lets mn@example.org in by certificate
    for the home address."""
    conf = os.path.join(DIR, "bed", node + ".conf")
    text = open(conf).read()
    creds = 'auth = "pubkey"; cert = "%s/%s-%s.pem"; key = "%s/%s-%s.key"; ca = "%s/ca.pem"; ' % (
        CERTS, node, kind, CERTS, node, kind, CERTS)
    if frag and node == "mn":
        # a chain for IKE_AUTH to carry: mn-inter.pem under inter.pem
        creds = creds.replace("%s-%s." % (node, kind), "%s-inter." % node)
        creds += 'intermediates = "%s/inter.pem"; ' % CERTS
    if frag:
        # fragments of at most 1000 octets: the home agent's RSA IKE_AUTH
        # alone would about fit 1280
        creds += 'fragmentation = true; fragment_size = 1000; '

    if node == "mn":
        old = 'ike = { id = "%s"; peer_id = "%s"; peer_id_type = "fqdn";\n            psk = "%s"; ' % (
            MN_ID, HA_ID, PSK)
        new = 'ike = { id = "%s"; peer_id = "%s"; peer_id_type = "fqdn";\n            %s' % (
            CERT_MN_ID, CERT_HA_ID, creds)
    else:
        old = 'ike = { id = "%s"; id_type = "fqdn"; ' % HA_ID
        new = 'ike = { id = "%s"; id_type = "fqdn"; %s' % (CERT_HA_ID, creds)
        pad_old = 'pad = ( { id = "%s"; psk = "%s";' % (MN_ID, PSK)
        if pad_old not in text:
            raise Fail("%s: no PAD entry for %s to switch to certificates" % (conf, MN_ID))
        text = text.replace(pad_old, 'pad = ( { id = "%s"; auth = "cert";' % CERT_MN_ID)
    if old not in text:
        raise Fail("%s: no ike group to switch to certificates" % conf)
    with open(conf, "w") as f:
        f.write(text.replace(old, new))


def charon_cert_conf(initiator, kind, frag=False):
    """charon's swanctl.conf for the same SA with certificates: its own in
    x509/ and private/, the CA in x509ca/ (frag: fragmentation = yes said
    outright; it is swanctl's default)."""
    me, peer = ("mn", "ha") if initiator else ("ha", "mn")
    ids = {"mn": CERT_MN_ID, "ha": CERT_HA_ID}
    c = swanctl_conf(initiator, LIFE_PROPOSAL, "transport_proxy",
                     ike_opts="rekey_time = 0\n    dpd_delay = 0" + ("\n    fragmentation = yes" if frag else ""))
    c = c.replace("""      auth = psk
      id = %s""" % (MN_ID if initiator else HA_ID), """      auth = pubkey
      certs = %s-%s.pem
      id = %s""" % (me, kind, ids[me]))
    c = c.replace("""      auth = psk
      id = %s""" % (HA_ID if initiator else MN_ID), """      auth = pubkey
      cacerts = ca.pem
      id = %s""" % ids[peer])
    return c[:c.index("secrets {")]


def cert_cell(name, plugin):
    """Both ends authenticate with certificates of the test PKI (the cell's
    key type at both ends), charon responding (r, as the home agent) or
    initiating (i, as the mobile node): both establish the IKE SA and the
    RFC 4877 Child SA with the same SPIs, the key tables agree, tshark
    decrypts IKE_AUTH with charon's table alone and shows CERT payloads and
    the AUTH method each end used (of a fragmented message, in tshark's
    reassembly with its last fragment).
    frag-r, frag-i (IKE-23): RSA certificates (mip6secd's mobile node:
    ECDSA under an intermediate CA, both sent); mip6secd's IKE_AUTH goes as
    SKF fragments (RFC 7383, fragment_size = 1000) that charon reassembles,
    and charon's (its fragment_size = 1000 too) are reassembled by
    mip6secd; each datagram of either end at most 1280 octets."""
    frag = name in FRAG_CELLS
    direction = name.split("-")[1]
    kind = "rsa" if frag else CERT_KINDS[name.split("-")[2]]
    log("cell %s: certificates (%s) at both ends, charon %s, IKE %s, ESP %s%s"
        % (name, kind, "responds" if direction == "r" else "initiates", LIFE_PROPOSAL, ESP,
           ", fragmentation" if frag else ""))
    with Bed(LIFE_PROPOSAL) as bed:
        node = "mn" if direction == "r" else "ha"
        m6_cert(node, kind, frag)
        me = "ha" if direction == "r" else "mn"
        if direction == "r":
            bed.kernel_host("ha", HA, "2001:db8:1::2", "ha0")
        else:
            testbed("restart", "ha")
            testbed("move", "r1")
            bed.kernel_host("mn", COA, "2001:db8:2::1", "mn0")
        # frag: charon's fragments of at most 1000 octets too, so that its
        # RSA IKE_AUTH is cut as well
        ch = Charon(me, me, plugin, opts="fragment_size = 1000" if frag else "")
        bed.charons.append(ch)
        for src, sub in (("%s-%s.pem" % (me, kind), "x509"), ("ca.pem", "x509ca"), ("%s-%s.key" % (me, kind),
                                                                                     "private")):
            shutil.copy(os.path.join(CERTS, src), os.path.join(ch.d, "swanctl", sub, src))
        ch.conf(charon_cert_conf(direction == "i", kind, frag))
        ch.start()
        pcap, cap = bed.capture()
        m6 = establish(ch, direction)
        ike = wait_for("charon's IKE SA", lambda: charon_sa(ch), 5)
        if not m6["child"]["installed"]:
            raise Fail("mip6secd did not install the Child SA: %s" % m6)
        check_charon_child(ike, m6)
        want_peer = CERT_HA_ID if direction == "r" else CERT_MN_ID
        if m6.get("peer_id") != want_peer:
            raise Fail("mip6secd's peer is %r, not %r" % (m6.get("peer_id"), want_peer))
        m6dir = os.path.join(DIR, "bed")
        nsexec(node, [MIP6SEC, "keys", os.path.join(m6dir, node + ".keys")])
        bed.stop(cap)
        compare_tables(ch, m6dir, node, [m6["child"]["spi_in"], m6["child"]["spi_out"]])
        fields = AUTH_FIELDS + ["isakmp.auth.method", "isakmp.typepayload", "isakmp.cert.encoding",
                                "isakmp.frag.number", "isakmp.frag.total", "ipv6.plen"]
        auth = [m for m in tshark_ike(pcap, ws_conf("charon", ch.keys), fields)
                if m["exchange"] == 35 and m["isakmp.ispi"] and m["isakmp.ispi"][0] == m6["spi_i"]]
        if frag:
            check_frag(auth, direction)
            if not (m6.get("fragmentation") or {}).get("negotiated"):
                raise Fail("mip6secd's show ike does not say fragmentation was negotiated: %s"
                           % m6.get("fragmentation"))
        # a fragment before the last of its set shows SKF alone
        auth = [m for m in auth if m["isakmp.typepayload"] != ["53"]]
        if len(auth) < 2:
            raise Fail("IKE_AUTH not decrypted by tshark with charon's table (%d messages)" % len(auth))
        for m in auth:
            who = "responder" if m["response"] else "initiator"
            if "37" not in m["isakmp.typepayload"] or not m["isakmp.auth.method"]:
                raise Fail("the %s's IKE_AUTH has no CERT payload or no AUTH: %s" % (who, m["isakmp.typepayload"]))
            log("  %s's IKE_AUTH: CERT (encoding %s), AUTH method %s (%s)" % (
                who, ",".join(m["isakmp.cert.encoding"]), m["isakmp.auth.method"][0],
                AUTH_METHODS.get(m["isakmp.auth.method"][0], "?")))
        t = handshake_time(tshark_ike(pcap, ws_conf("charon", ch.keys), AUTH_FIELDS), m6["spi_i"])
        log("  IKE %s/%s, peer %s, Child SA in 0x%08x out 0x%08x; handshake %.1f ms" % (
            m6["spi_i"], m6["spi_r"], m6["peer_id"], m6["child"]["spi_in"], m6["child"]["spi_out"], t * 1000))


def check_frag(auth, direction):
    """IKE-23: every IKE_AUTH datagram of the exchange within 1280 octets;
    both ends' messages in SKF fragments (mip6secd's reassembled by charon,
    charon's by mip6secd), each decrypted by tshark with charon's table."""
    ours_resp = direction == "i"        # mip6secd answers when charon initiates
    sets = {}
    for m in auth:
        plen = int(m["ipv6.plen"][0]) if m["ipv6.plen"] else 0
        if 40 + plen > 1280:
            raise Fail("an IKE_AUTH datagram of %d octets" % (40 + plen))
        if m["isakmp.frag.total"]:
            sets.setdefault(m["response"], []).append(int(m["isakmp.frag.number"][0]))
    mine, theirs = sets.get(ours_resp, []), sets.get(not ours_resp, [])
    for who, nums in (("mip6secd", mine), ("charon", theirs)):
        if len(nums) < 2 or sorted(nums)[:2] != [1, 2]:
            raise Fail("%s's IKE_AUTH not in SKF fragments: numbers %s" % (who, nums))
    log("  IKE_AUTH as fragments: mip6secd's %s in %d, charon's %s in %d; every datagram within 1280 octets"
        % ("response" if ours_resp else "request", max(mine), "request" if ours_resp else "response",
           max(theirs)))


# MOBIKE (RFC 4555): mip6secd's mobile node moves while charon (mobike =
# yes, swanctl's default) is its responder
COA2 = "2001:db8:3::100"
N_UPDATE_SA_ADDRESSES, N_COOKIE2, N_NO_NATS_ALLOWED = "16400", "16401", "16402"
MOBIKE_CELLS = ["mobike-r", "mobike-i"]
# RFC 4877 4.3, 7.3: the tunnel-mode Child SA of the mobile node - home
# agent tunnel, made by CREATE_CHILD_SA after IKE_AUTH
TUNNEL_CELLS = ["tunnel-r"]


def tunnel_cell(name, plugin):
    """mip6secd's mobile node (`tunnel = true;`, tunnel-mode policies on
    its home address) asks charon, after IKE_AUTH, for the tunnel-mode SA
    (TSi = the home address, any protocol; TSr = anything; no
    USE_TRANSPORT_MODE); charon has a second Child SA configuration in
    tunnel mode for it and accepts. Both ends hold it with the same SPIs,
    charon in TUNNEL mode, mip6secd on its tunnel policies; the key tables
    agree; tshark decrypts the CREATE_CHILD_SA with charon's table."""
    data = name == "data-r"
    natt = name == "natt-r" or data
    log("cell %s: the tunnel-mode Child SA (4877-09) by CREATE_CHILD_SA, charon responds, IKE %s, ESP %s%s"
        % (name, LIFE_PROPOSAL, ESP, ", ESP in UDP forced by mip6secd (encap = true)" if natt else ""))
    with Bed(LIFE_PROPOSAL) as bed:
        conf = os.path.join(DIR, "bed", "mn.conf")
        text = open(conf).read()
        anchor = '{ name = "ba-in";'
        if anchor not in text:
            raise Fail("%s: no ba-in policy to put the tunnel policies after" % conf)
        i = text.index("\n", text.index(anchor)) + 1
        tun = ('      { name = "tun-out"; dir = "out"; order = 20; local = "%s"; mode = "tunnel"; },\n'
               '      { name = "tun-in"; dir = "in"; order = 20; local = "%s"; mode = "tunnel"; },\n' % (HOA, HOA))
        with open(conf, "w") as f:
            f.write(text[:i] + tun + text[i:])
        m6_ike_extra("mn", "tunnel = true;" + (" encap = true; keepalive = 1;" if natt else ""))
        bed.kernel_host("ha", HA, "2001:db8:1::2", "ha0")
        ch = Charon("ha", "ha", plugin, libipsec=data)
        bed.charons.append(ch)
        c = swanctl_conf(False, LIFE_PROPOSAL, "transport_proxy")
        c = c.replace("""        start_action = none
      }""", """        start_action = none
      }
      tun {
        mode = tunnel
        local_ts = ::/0
        remote_ts = %s/128
        esp_proposals = %s
        rekey_time = 0
        start_action = none
      }""" % (HOA, ESP), 1)
        ch.conf(c)
        ch.start()
        pcap, cap = bed.capture()
        testbed("restart", "mn")
        testbed("move", "r1")
        m6 = wait_for("mip6secd's mobile node to establish the IKE SA with charon", lambda: established("mn"), 20)

        def both():
            ike = charon_sa(ch)
            tun = [x for x in (ike or {}).get("children", []) if x.get("mode") == "TUNNEL" and
                   x.get("state") == "INSTALLED"]
            ours = [e for e in m6_sas("mn").values() if e["mode"] == "tunnel" and e["state"] != "larval"]
            return (ike, tun[0], ours) if tun and len(ours) == 2 else None
        ike, tun, ours = wait_for("the tunnel-mode Child SA at both ends", both, 10)
        ins = [e["spi"] for e in ours if e["direction"] == "in"]
        outs = [e["spi"] for e in ours if e["direction"] == "out"]
        if (int(tun["spi-in"], 16), int(tun["spi-out"], 16)) != (outs[0], ins[0]):
            raise Fail("the tunnel-mode SPIs differ: charon in %s out %s, mip6secd in 0x%08x out 0x%08x"
                       % (tun["spi-in"], tun["spi-out"], ins[0], outs[0]))
        if natt:
            natt_tunnel_checks(ch, ike, tun, ours)
            time.sleep(2.5)         # keepalive = 1: two or more in the capture
        if data:
            ins[0], outs[0] = data_checks(ch, ins[0], outs[0])
        m6dir = os.path.join(DIR, "bed")
        nsexec("mn", [MIP6SEC, "keys", os.path.join(m6dir, "mn.keys")])
        bed.stop(cap)
        # with kernel-libipsec charon's ESP keys are not logged (the
        # harness's plugin records them as charon's kernel interface): the
        # IKE lines are compared, and the ESP is read with mip6secd's table
        compare_tables(ch, m6dir, "mn", [] if data else [ins[0], outs[0]])
        if data:
            esp_with_m6_table(pcap, os.path.join(m6dir, "mn.esp_sa"))
        msgs = life_msgs(pcap, ch, m6["spi_i"])
        if natt:
            natt_wire_checks(pcap, ch, m6, "r", COA)
        cc = exchanges(msgs, 36, COA)
        if not cc or cc[0][1] is None:
            raise Fail("no answered CREATE_CHILD_SA from the mobile node decrypted with charon's table")
        q, a = cc[0]
        if NOTIFY_USE_TM in q["isakmp.notify.msgtype"] + a["isakmp.notify.msgtype"]:
            raise Fail("USE_TRANSPORT_MODE in the tunnel-mode exchange")
        log("  CREATE_CHILD_SA (message %s): TSi %s-%s, TSr %s-%s, no USE_TRANSPORT_MODE either way; charon: %s "
            "%s === %s in %s out %s; mip6secd: tunnel in 0x%08x out 0x%08x" % (
                int(q["isakmp.messageid"][0], 16), q["isakmp.ts.start_ipv6"][:1], q["isakmp.ts.end_ipv6"][:1],
                q["isakmp.ts.start_ipv6"][1:2], q["isakmp.ts.end_ipv6"][1:2], tun["mode"], tun.get("local-ts"),
                tun.get("remote-ts"), tun["spi-in"], tun["spi-out"], ins[0], outs[0]))


# RFC 4877 9 against charon's address pools
POOL = ("2001:db8:1::1000", "2001:db8:1::10ff")
CP_CELLS = ["cp-r"]


def cp_cell(name, plugin):
    """charon plays the home agent's IKE side with an IPv6 address pool
    (`pools`, RFC 4877 9's "local database") and `remote_ts = dynamic`:
    mip6secd's mobile node (cp = true; policies on the home prefix) asks
    for a home address in IKE_AUTH with CP(CFG_REQUEST), charon answers
    with the pool's first address, narrows TSi to it, and mip6secd takes it
    as its home address. Checked on the wire with charon's tables and in
    both ends' state; the negotiated SA is printed."""
    log("cell %s: mip6secd's mobile node gets its home address from charon's pool %s-%s" % ((name,) + POOL))
    with Bed(LIFE_PROPOSAL) as bed:
        conf = os.path.join(DIR, "bed", "mn.conf")
        text = open(conf).read()
        mine = 'local = "%s"; remote = "%s"' % (HOA, HA)
        if mine not in text:
            raise Fail("%s: no BU/BA policies on %s to widen" % (conf, HOA))
        with open(conf, "w") as f:
            f.write(text.replace(mine, 'local = "2001:db8:1::/64"; remote = "%s"' % HA))
        m6_ike_extra("mn", "cp = true;")
        bed.kernel_host("ha", HA, "2001:db8:1::2", "ha0")
        ch = Charon("ha", "ha", plugin)
        bed.charons.append(ch)
        c = swanctl_conf(False, LIFE_PROPOSAL, "transport_proxy", "rekey_time = 0\ndpd_delay = 0\npools = hoa")
        c = c.replace("remote_ts = %s/128[135]" % HOA, "remote_ts = dynamic[135]")
        c += "pools {\n  hoa {\n    addrs = %s-%s\n  }\n}\n" % POOL
        ch.conf(c)
        ch.start()
        pcap, cap = bed.capture()
        testbed("restart", "mn")
        testbed("move", "r1")
        m6 = wait_for("mip6secd's mobile node to establish the IKE SA with charon", lambda: established("mn"), 20)
        ike = wait_for("charon's IKE SA", lambda: charon_sa(ch), 5)
        if m6.get("assigned_hoa") != POOL[0]:
            raise Fail("mip6secd's mobile node was not assigned %s: %s" % (POOL[0], m6))
        if not m6["child"]["installed"]:
            raise Fail("mip6secd did not install the Child SA: %s" % m6)
        check_charon_child(ike, m6)
        rts = [ch_["remote-ts"] for ch_ in ike["children"]]
        if not rts or not rts[0].startswith(POOL[0] + "/128"):
            raise Fail("charon's Child SA is not on the assigned address: %s" % rts)
        bed.stop(cap)
        fields = AUTH_FIELDS + ["isakmp.cfg.type", "isakmp.cfg.attr.type", "isakmp.cfg.attr.internal_ip6_address",
                                "isakmp.cfg.attr.internal_ip6_address.prefix"]
        auth = [m for m in tshark_ike(pcap, ws_conf("charon", ch.keys), fields)
                if m["exchange"] == 35 and m["isakmp.ispi"] and m["isakmp.ispi"][0] == m6["spi_i"]]
        req = [m for m in auth if not m["response"]]
        resp = [m for m in auth if m["response"]]
        if not req or req[0]["isakmp.cfg.type"] != ["1"] or "8" not in req[0]["isakmp.cfg.attr.type"]:
            raise Fail("the IKE_AUTH request has no CFG_REQUEST with INTERNAL_IP6_ADDRESS: %s" % (req and req[0]))
        if not resp or resp[0]["isakmp.cfg.type"] != ["2"] or \
           resp[0]["isakmp.cfg.attr.internal_ip6_address"] != [POOL[0]]:
            raise Fail("charon's IKE_AUTH response has no CFG_REPLY with %s: %s" % (POOL[0], resp and resp[0]))
        log("  IKE_AUTH request: CP(CFG_REQUEST) attributes %s; charon's response: CP(CFG_REPLY) "
            "INTERNAL_IP6_ADDRESS %s/%s (attributes %s), TSi %s-%s"
            % (",".join(req[0]["isakmp.cfg.attr.type"]), POOL[0],
               ",".join(resp[0]["isakmp.cfg.attr.internal_ip6_address.prefix"]),
               ",".join(resp[0]["isakmp.cfg.attr.type"]), resp[0]["isakmp.ts.start_ipv6"][:1],
               resp[0]["isakmp.ts.end_ipv6"][:1]))
        log("  mip6secd: home address %s assigned, Child SA in 0x%08x out 0x%08x; charon: %s"
            % (m6["assigned_hoa"], m6["child"]["spi_in"], m6["child"]["spi_out"], rts[0]))


N_NATD_SRC, N_NATD_DST = "16388", "16389"
NATD_FIELDS = LIFE_FIELDS + ["isakmp.notify.data", "ipv6.dst", "udp.srcport", "udp.dstport"]


def natd_hash(spi_i, spi_r, addr, port):
    """RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | port), here with hashlib."""
    import hashlib
    import ipaddress
    return hashlib.sha1(bytes.fromhex(spi_i) + bytes.fromhex(spi_r) + ipaddress.IPv6Address(addr).packed +
                        struct.pack("!H", port)).hexdigest()


def check_natd_echo(pcap, ch, m6, a, who="mip6secd", response=True):
    """MK-08 (RFC 4555 3.8), IKE-20: the update (response=False) or its
    answer carries NAT detection whose values, recomputed here with hashlib
    from the SPIs and the message's own addresses and ports, say there is
    no NAT."""
    msgs = [m for m in tshark_ike(pcap, ws_conf("charon", ch.keys), NATD_FIELDS)
            if m["response"] == response and m["exchange"] == 37 and m["isakmp.messageid"] == a["isakmp.messageid"]
            and m["isakmp.ispi"] and m["isakmp.ispi"][0] == m6["spi_i"]]
    what = "answer to the update" if response else "update"
    if not msgs:
        raise Fail("%s's %s is not in the capture" % (who, what))
    r = msgs[-1]
    if N_NATD_SRC not in r["isakmp.notify.msgtype"] or N_NATD_DST not in r["isakmp.notify.msgtype"]:
        raise Fail("MK-08: %s's %s has no NAT detection: %s" % (who, what, r["isakmp.notify.msgtype"]))
    data = [d.replace(":", "") for d in r["isakmp.notify.data"]]
    want_src = natd_hash(m6["spi_i"], m6["spi_r"], r["ipv6.src"][0], int(r["udp.srcport"][0]))
    want_dst = natd_hash(m6["spi_i"], m6["spi_r"], r["ipv6.dst"][0], int(r["udp.dstport"][0]))
    if want_src not in data or want_dst not in data:
        raise Fail("MK-08: NAT detection values are not SHA-1(SPIi | SPIr | IP | port) of the %s's path: %s"
                   % (what, data))
    log("  %s's %s carries NAT_DETECTION_SOURCE_IP/DESTINATION_IP, equal to SHA-1(SPIi | SPIr | IP | port) of "
        "its own path (hashlib): no NAT" % (who, what))


def mobike_charon_moves(name, plugin):
    """charon (mobike = yes) makes the IKE SA from 2001:db8:2::100 on r1
    to mip6secd's home agent, then its namespace moves to r2 and its
    address becomes 2001:db8:3::100: charon's kernel interface sees the
    change and sends UPDATE_SA_ADDRESSES from the new address; mip6secd's
    home agent takes the new addresses from the IP header (MK-06) and
    answers there, echoing COOKIE2 (MK-07). Both keep the SPIs."""
    log("cell %s: charon (mobile node side) moves r1 -> r2 under MOBIKE, mip6secd's home agent responds, "
        "IKE %s, ESP %s" % (name, LIFE_PROPOSAL, ESP))
    with Bed(LIFE_PROPOSAL) as bed:
        ch, node, charon_addr, m6_addr, pcap, cap, m6 = life_setup(
            bed, "i", plugin, "rekey_time = 0\ndpd_delay = 0\nmobike = yes", "rekey_time = 0", "")
        if m6.get("peer") != COA:
            raise Fail("mip6secd's IKE SA is not with %s before the move: %s" % (COA, m6))
        t0 = time.time()
        testbed("move", "r2")
        bed.kernel_host("mn", COA2, "2001:db8:3::1", "mn0")
        e = wait_for("mip6secd's home agent to follow charon to %s" % COA2,
                     lambda: (lambda x: x if x and x.get("peer") == COA2 else None)(established(node)), 30)
        log("  mip6secd's IKE SA moved to %s %.1f s after the move" % (COA2, time.time() - t0))
        ike = charon_sa(ch)
        if not ike or (ike["initiator-spi"], ike["responder-spi"]) != (m6["spi_i"], m6["spi_r"]):
            raise Fail("charon's IKE SA changed: %s" % ike)
        if ike.get("local-host") != COA2:
            raise Fail("charon's IKE SA does not run from %s: %s" % (COA2, ike))
        if (e["spi_i"], e["spi_r"]) != (m6["spi_i"], m6["spi_r"]) or \
           (e["child"]["spi_in"], e["child"]["spi_out"]) != (m6["child"]["spi_in"], m6["child"]["spi_out"]):
            raise Fail("mip6secd's IKE SA or Child SA changed across the move: %s" % e)
        bed.stop(cap)
        msgs = life_msgs(pcap, ch, m6["spi_i"])
        upd = [(q, a) for q, a in exchanges(msgs, 37, COA2) if N_UPDATE_SA_ADDRESSES in q["isakmp.notify.msgtype"]]
        if not upd:
            raise Fail("no INFORMATIONAL with UPDATE_SA_ADDRESSES from %s in the capture" % COA2)
        q, a = upd[-1]
        if a is None:
            raise Fail("mip6secd did not answer charon's update")
        if N_COOKIE2 in q["isakmp.notify.msgtype"] and N_COOKIE2 not in a["isakmp.notify.msgtype"]:
            raise Fail("mip6secd's answer does not echo COOKIE2: %s" % a["isakmp.notify.msgtype"])
        inits = [m for m in tshark_ike(pcap, ws_conf("charon", ch.keys), LIFE_FIELDS)
                 if m["exchange"] == 34 and float(m["frame.time_epoch"][0]) > t0]
        if inits:
            raise Fail("an IKE_SA_INIT after the move: the IKE SA was made again, not moved")
        if N_NATD_SRC in q["isakmp.notify.msgtype"]:
            check_natd_echo(pcap, ch, m6, a)
        log("  charon's update from %s (message %s): notifies %s; mip6secd answered with %s; IKE SA %s/%s and "
            "Child SA unchanged at both ends" % (COA2, q["isakmp.messageid"][0], ",".join(q["isakmp.notify.msgtype"]),
                                                 ",".join(a["isakmp.notify.msgtype"]) or "nothing",
                                                 m6["spi_i"], m6["spi_r"]))


def mobike_cell(name, plugin):
    """mip6secd's mobile node (follow = "mobike": charon is no home agent
    and sends no BA) makes its IKE SA from 2001:db8:2::100 on r1, then
    moves to r2; its IKE SA follows with an INFORMATIONAL {UPDATE_SA_ADDRESSES,
    NAT detection (both do NAT traversal, so no NO_NATS_ALLOWED), COOKIE2}
    on UDP 4500 (MK-02: the IKE SA floated there for IKE_AUTH) from
    2001:db8:3::100, which charon applies
    (its IKE SA's remote address), answering with COOKIE2. The IKE SA and
    the Child SA keep their SPIs at both ends (MK-11) and no IKE_SA_INIT
    follows the move."""
    log("cell %s: mip6secd's mobile node moves r1 -> r2 under MOBIKE, charon responds, IKE %s, ESP %s"
        % (name, LIFE_PROPOSAL, ESP))
    with Bed(LIFE_PROPOSAL) as bed:
        ch, node, charon_addr, m6_addr, pcap, cap, m6 = life_setup(
            bed, "r", plugin, "rekey_time = 0\ndpd_delay = 0\nmobike = yes", "rekey_time = 0",
            'follow = "mobike";')
        ike = charon_sa(ch)
        if ike.get("remote-host") != COA:
            raise Fail("charon's IKE SA is not with %s before the move: %s" % (COA, ike))
        ts_before = [c.get("remote-ts") for c in ike["children"]]
        t0 = time.time()
        testbed("move", "r2")
        ike = wait_for("charon's IKE SA to follow the mobile node to %s" % COA2,
                       lambda: (lambda x: x if x and x.get("remote-host") == COA2 else None)(charon_sa(ch)), 20)
        log("  charon's IKE SA moved to %s in %.1f s after the move (router advertisement, address, update)"
            % (COA2, time.time() - t0))
        e = established(node)
        if not e or (e["spi_i"], e["spi_r"]) != (m6["spi_i"], m6["spi_r"]):
            raise Fail("mip6secd's mobile node no longer holds IKE SA %s/%s: %s" % (m6["spi_i"], m6["spi_r"], e))
        if e.get("local") != COA2:
            raise Fail("mip6secd's IKE SA does not run from %s: %s" % (COA2, e))
        if (ike["initiator-spi"], ike["responder-spi"]) != (m6["spi_i"], m6["spi_r"]):
            raise Fail("charon's IKE SA changed: %s" % ike)
        # MK-11: the Child SA (on the home address) stays as it is
        check_charon_child(ike, e)
        ts_after = [c.get("remote-ts") for c in ike["children"]]
        if ts_after != ts_before:
            # strongSwan 5.9 rewrites a transport-mode Child SA's host
            # selectors to the new addresses on a MOBIKE update; RFC 4877's
            # BU/BA SA is on the home address and must not move (RFC 4555
            # 1.2, RFC 4877 7.4). Its SPIs and keys stay, and mip6secd's
            # side keeps the home address; reported, not failed.
            log("  deviation (charon): its Child SA's remote selector went from %s to %s with the update"
                % (",".join(ts_before), ",".join(ts_after)))
        if (e["child"]["spi_in"], e["child"]["spi_out"]) != (m6["child"]["spi_in"], m6["child"]["spi_out"]):
            raise Fail("the Child SA changed across the move: %s" % e["child"])
        bed.stop(cap)
        msgs = life_msgs(pcap, ch, m6["spi_i"])
        upd = [(q, a) for q, a in exchanges(msgs, 37, COA2) if N_UPDATE_SA_ADDRESSES in q["isakmp.notify.msgtype"]]
        if not upd:
            raise Fail("no INFORMATIONAL with UPDATE_SA_ADDRESSES from %s in the capture (decrypted with charon's "
                       "table)" % COA2)
        q, a = upd[-1]
        for need in (N_NATD_SRC, N_NATD_DST, N_COOKIE2):
            if need not in q["isakmp.notify.msgtype"]:
                raise Fail("the update lacks notify %s: %s" % (need, q["isakmp.notify.msgtype"]))
        if N_NO_NATS_ALLOWED in q["isakmp.notify.msgtype"]:
            raise Fail("NO_NATS_ALLOWED in an update with NAT traversal on: %s" % q["isakmp.notify.msgtype"])
        if a is None or N_COOKIE2 not in a["isakmp.notify.msgtype"]:
            raise Fail("charon's answer to the update does not echo COOKIE2: %s" % (a and a["isakmp.notify.msgtype"]))
        check_natd_echo(pcap, ch, m6, q, "mip6secd", response=False)
        check_natd_echo(pcap, ch, m6, q, "charon")
        ports = sorted(set((m["udp.srcport"][0], m["udp.dstport"][0])
                           for m in tshark_ike(pcap, ws_conf("charon", ch.keys), NATD_FIELDS)
                           if m["exchange"] != 34 and m["isakmp.ispi"] and m["isakmp.ispi"][0] == m6["spi_i"]))
        if ports != [("4500", "4500")]:
            raise Fail("MK-02: IKE after IKE_SA_INIT is not all on UDP 4500 -> 4500: %s" % ports)
        log("  MK-02: every IKE message after IKE_SA_INIT on UDP 4500 (the float for IKE_AUTH)")
        inits = [m for m in tshark_ike(pcap, ws_conf("charon", ch.keys), LIFE_FIELDS)
                 if m["exchange"] == 34 and float(m["frame.time_epoch"][0]) > t0]
        if inits:
            raise Fail("an IKE_SA_INIT after the move: the IKE SA was made again, not moved")
        log("  update from %s (message %s): notifies %s; charon answered with %s; IKE SA %s/%s and Child SA in "
            "0x%08x out 0x%08x unchanged at both ends; no IKE_SA_INIT after the move"
            % (COA2, q["isakmp.messageid"][0], ",".join(q["isakmp.notify.msgtype"]),
               ",".join(a["isakmp.notify.msgtype"]), m6["spi_i"], m6["spi_r"], m6["child"]["spi_in"],
               m6["child"]["spi_out"]))


# NAT traversal forced (RFC 7296 2.23, RFC 3948): natt-r, mip6secd's
# mobile node with encap = true, charon answering; natt-i, charon with
# strongSwan's encap = yes initiating to mip6secd's home agent
NATT_CELLS = ["natt-r", "natt-i", "data-r"]


def iperf(client_ns, server_ns, server_addr, reverse):
    """An iperf3 TCP stream of 3 s between the namespaces; Mbit/s received."""
    srv = subprocess.Popen(["ip", "netns", "exec", ns(server_ns), "iperf3", "-s", "-1", "-B", server_addr],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        r = nsexec(client_ns, ["iperf3", "-c", server_addr, "-t", "3", "-J"] + (["-R"] if reverse else []),
                   check=False, timeout=30)
    finally:
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
    try:
        return json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"] / 1e6
    except (ValueError, KeyError):
        raise Fail("iperf3 through the tunnel-mode SA failed:\n%s" % r.stdout[-1500:])


def data_checks(ch, m6_in, m6_out):
    """Traffic through the tunnel-mode SA between the mobile node's home
    address (mip6secd's TUN in m6x-mn) and the home agent's address, whose
    ESP charon's kernel-libipsec opens and seals in user space (its TUN
    device and routes in m6x-ha): pings, an iperf3 TCP stream each way,
    then pings across a rekey by each end, none lost."""
    r = nsexec("mn", ["ping", "-6", "-n", "-c", "20", "-i", "0.1", "-W", "2", HA], check=False, timeout=60)
    if " 0% packet loss" not in r.stdout:
        raise Fail("ping from the home address through charon's kernel-libipsec:\n%s" % r.stdout[-800:])
    log("  ping %s from %s through the SA: %s" % (HA, HOA, r.stdout.strip().splitlines()[-2]))
    up, down = iperf("mn", "ha", HA, False), iperf("mn", "ha", HA, True)
    if up <= 0 or down <= 0:
        raise Fail("no iperf3 goodput: %.1f / %.1f Mbit/s" % (up, down))
    log("  iperf3 TCP through the SA: mobile node -> charon %.0f Mbit/s, charon -> mobile node %.0f Mbit/s"
        % (up, down))
    got = {}
    pinger = threading.Thread(target=lambda: got.update(r=nsexec(
        "mn", ["ping", "-6", "-n", "-c", "100", "-i", "0.05", "-W", "2", HA], check=False, timeout=60)))
    pinger.start()
    time.sleep(1)
    nsexec("mn", [MIP6SEC, "rekey", "child"], timeout=10)
    wait_for("mip6secd's rekey of the tunnel-mode SA", lambda: (lambda t: t if t and t[0] != m6_in else None)(
        tunnel_spis()), 5)
    time.sleep(1)
    before = tunnel_spis()
    ch.swanctl("--rekey", "--child", "tun", timeout=30)
    try:
        after = wait_for("charon's rekey of the tunnel-mode SA", lambda: (lambda t: t if t and t != before else None)(
            tunnel_spis()), 10)
    except Fail as e:
        raise Fail("%s: mip6secd's tunnel-mode SAs %s, charon %s" % (
            e, [(hex(x["spi"]), x["direction"], x["state"]) for x in m6_sas("mn").values() if x["mode"] == "tunnel"],
            charon_sa(ch)))
    pinger.join(timeout=60)
    out = got["r"].stdout if "r" in got else ""
    if " 0% packet loss" not in out:
        raise Fail("pings lost across the rekeys:\n%s" % out[-800:])
    log("  100 pings across two rekeys of the tunnel-mode SA (mip6secd's, then charon's: in 0x%08x out 0x%08x "
        "-> 0x%08x/0x%08x -> 0x%08x/0x%08x): %s" % (m6_in, m6_out, before[0], before[1], after[0], after[1],
                                                     out.strip().splitlines()[-2]))
    return after


def esp_with_m6_table(pcap, esp_sa):
    """tshark opens the capture's ESP (in UDP) with mip6secd's esp_sa: every
    packet of the SAs it lists decrypts with a good ICV."""
    opts = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]
    listed = set()
    for line in open(esp_sa):
        if line.strip() and not line.startswith("#"):
            opts += ["-o", "uat:esp_sa:" + line.strip()]
            listed.add(int(line.split(",")[3].strip('"'), 16))
    r = subprocess.run(["tshark", "-n", "-r", pcap] + opts + ["-Y", "esp", "-T", "fields", "-e", "esp.spi", "-e",
                        "esp.icv_good", "-e", "icmpv6.type"], capture_output=True, text=True, timeout=120)
    rows = [l.split("\t") for l in r.stdout.splitlines() if l.strip()]
    mine = [x for x in rows if int(x[0], 16) in listed]
    good = [x for x in mine if x[1] in ("1", "True")]
    echo = [x for x in good if x[2] in ("128", "129")]
    if not mine or len(good) != len(mine) or not echo:
        raise Fail("tshark with mip6secd's esp_sa (SPIs %s): %d of %d ESP packets with a good ICV, %d echoes"
                   % (sorted(hex(x) for x in listed), len(good), len(mine), len(echo)))
    log("  tshark with mip6secd's esp_sa (the SAs it holds at the end, %s): all %d of their ESP packets (in UDP "
        "4500) decrypted with a good ICV, %d of them ICMPv6 echoes; %d ESP packets in the capture in all"
        % (", ".join(sorted("0x%08x" % x for x in listed)), len(mine), len(echo), len(rows)))


def tunnel_spis():
    """mip6secd's one installed tunnel-mode pair (in, out), else None."""
    t = [e for e in m6_sas("mn").values() if e["mode"] == "tunnel" and e["state"] in ("mature", "soft_expired")]
    ins = [e["spi"] for e in t if e["direction"] == "in"]
    outs = [e["spi"] for e in t if e["direction"] == "out"]
    return (ins[0], outs[0]) if len(ins) == 1 and len(outs) == 1 else None


def natt_tunnel_checks(ch, ike, tun, ours):
    """natt-r: charon sees the NAT mip6secd's mobile node fakes; RFC 7296
    2.23.1 then makes it hold a transport-mode SA's selectors to the IKE
    addresses, so the BU/BA SA (TSi = the home address) is refused, and the
    tunnel-mode SA goes in with ESP in UDP at both ends."""
    with open(os.path.join(ch.d, "charon.log"), errors="replace") as f:
        if "remote host is behind NAT" not in f.read():
            raise Fail("charon did not see mip6secd's forced NAT (no 'remote host is behind NAT' in its log)")
    e = established("mn")
    if e["child"]["refused_by"] != "TS_UNACCEPTABLE":
        raise Fail("charon was expected to refuse the BU/BA transport-mode SA under NAT (RFC 7296 2.23.1): %s"
                   % e["child"])
    n = e["natt"]
    if not (n["peer_natt"] and n["encap"] and (n["local_port"], n["peer_port"]) == (4500, 4500)):
        raise Fail("mip6secd's IKE SA: %s" % n)
    if tun.get("encap") != "yes":
        raise Fail("charon's tunnel-mode Child SA is not ESP in UDP: %s" % tun)
    if any(x.get("udp_encap") != {"sport": 4500, "dport": 4500} for x in ours):
        raise Fail("mip6secd's tunnel-mode SA halves are not ESP in UDP 4500: %s" % ours)
    log("  deviation (RFC 7296 2.23.1): charon, seeing a NAT, refused the BU/BA transport-mode SA on the home "
        "address (TS_UNACCEPTABLE); the tunnel-mode SA followed by CREATE_CHILD_SA, ESP in UDP 4500 at both ends "
        "(charon encap=yes, mip6secd %s)" % n)


def tshark_rows(pcap, filt, fields):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", filt, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return [l.split("\t") for l in r.stdout.splitlines() if l.strip() and not l.startswith("Running")]


def natt_wire_checks(pcap, ch, m6, direction, m6_addr):
    """IKE after IKE_SA_INIT on 4500 -> 4500 (MK-02), NAT detection in
    IKE_SA_INIT (IKE-20), no bare ESP, and the forcing end's keepalives."""
    msgs = tshark_ike(pcap, ws_conf("charon", ch.keys), NATD_FIELDS)
    ours = [m for m in msgs if m["isakmp.ispi"] and m["isakmp.ispi"][0] == m6["spi_i"]]
    ports = sorted(set((m["udp.srcport"][0], m["udp.dstport"][0]) for m in ours if m["exchange"] != 34))
    if ports != [("4500", "4500")]:
        raise Fail("MK-02, IKE-20: IKE after IKE_SA_INIT is not all on UDP 4500 -> 4500: %s" % ports)
    inits = [m for m in ours if m["exchange"] == 34]
    for m in inits:
        if N_NATD_SRC not in m["isakmp.notify.msgtype"] or N_NATD_DST not in m["isakmp.notify.msgtype"]:
            raise Fail("IKE-20: an IKE_SA_INIT without NAT detection: %s" % m["isakmp.notify.msgtype"])
    log("  IKE_SA_INIT both ways with NAT detection on 500; %d IKE messages after it, all on 4500 -> 4500"
        % (len(ours) - len(inits)))
    rows = tshark_rows(pcap, "esp", ["udp.srcport", "udp.dstport"])
    bare = [x for x in rows if x[:2] != ["4500", "4500"]]
    if bare:
        raise Fail("IKE-20: ESP not in UDP 4500: %s" % bare[:3])
    # tshark names them (udpencap: NAT-keepalive): one octet 0xFF to 4500
    ka = [x[0] for x in tshark_rows(pcap, "udp.length == 9 && udp.dstport == 4500 && !esp && !isakmp",
                                    ["ipv6.src"])]
    ka_m6 = [x for x in ka if x == m6_addr]
    if direction == "r" and not ka_m6:
        raise Fail("RFC 3948 2.3: no NAT-keepalive from mip6secd (keepalive = 1) in the capture")
    log("  %d ESP packets, all in UDP 4500; NAT-keepalives: %d from mip6secd, %d from charon"
        % (len(rows), len(ka_m6), len(ka) - len(ka_m6)))


def natt_cell(name, plugin):
    """natt-i: charon (encap = yes) initiates to mip6secd's home agent: its
    NAT_DETECTION_SOURCE_IP matches no address, so mip6secd must see a NAT
    at the peer (IKE-20) and install the BU/BA Child SA with ESP in UDP on
    the IKE SA's ports (4500 -> 4500: charon floated for IKE_AUTH, MK-02).
    charon, the initiator, keeps its transport-mode selectors on the home
    address (RFC 4877 transport_proxy). The key tables agree."""
    log("cell %s: NAT traversal forced by charon (encap = yes), IKE %s, ESP %s" % (name, LIFE_PROPOSAL, ESP))
    with Bed(LIFE_PROPOSAL) as bed:
        ch, node, charon_addr, m6_addr, pcap, cap, m6 = life_setup(
            bed, "i", plugin, "rekey_time = 0\ndpd_delay = 0\nencap = yes", "rekey_time = 0", "")
        ike = charon_sa(ch)
        c = ike["children"][0]
        if c.get("encap") != "yes":
            raise Fail("charon's Child SA does not encapsulate ESP in UDP: %s" % c)
        n = m6["natt"]
        if not (n["peer_natt"] and n["nat_remote"] and not n["nat_local"] and n["encap"] and
                (n["local_port"], n["peer_port"]) == (4500, 4500)):
            raise Fail("mip6secd's IKE SA does not show charon's forced NAT with ESP in UDP 4500: %s" % n)
        sas = [e for e in m6_sas(node).values() if e["spi"] in (m6["child"]["spi_in"], m6["child"]["spi_out"])]
        if len(sas) != 2 or any(e.get("udp_encap") != {"sport": 4500, "dport": 4500} for e in sas):
            raise Fail("mip6secd's Child SA halves are not ESP in UDP 4500: %s" % sas)
        log("  mip6secd: %s; its SAs in 0x%08x out 0x%08x in UDP 4500 -> 4500; charon's Child SA encap=yes"
            % (n, m6["child"]["spi_in"], m6["child"]["spi_out"]))
        time.sleep(2)
        m6dir = os.path.join(DIR, "bed")
        nsexec(node, [MIP6SEC, "keys", os.path.join(m6dir, node + ".keys")])
        bed.stop(cap)
        compare_tables(ch, m6dir, node, [m6["child"]["spi_in"], m6["child"]["spi_out"]])
        natt_wire_checks(pcap, ch, m6, "i", m6_addr)


CELLS = MOBIKE_CELLS + CP_CELLS + CERT_CELLS + TUNNEL_CELLS + NATT_CELLS + FRAG_CELLS


def run(name, plugin):
    if name in CERT_CELLS or name in FRAG_CELLS:
        return cert_cell(name, plugin)
    if name in TUNNEL_CELLS:
        return tunnel_cell(name, plugin)
    if name in CP_CELLS:
        return cp_cell(name, plugin)
    if name in ("natt-r", "data-r"):
        return tunnel_cell(name, plugin)
    if name in NATT_CELLS:
        return natt_cell(name, plugin)
    return (mobike_cell if name == "mobike-r" else mobike_charon_moves)(name, plugin)
