"""cells_life - the lifecycle cells of the interop harness: the exchanges
after IKE_AUTH (Child SA and IKE SA rekeys with and without PFS, a rekey
refused with INVALID_KE_PAYLOAD, Deletes, liveness checks, charon crashing
under the SA), each started by either end. The harness, its testbed and its
checks are interop.py's.
"""
import threading

from interop import *  # noqa: F401,F403 - the harness: Bed, Charon, checks, constants

# name -> (what it shows, charon's connection options, charon's Child SA
# options, mip6secd's extra ike keys)
LIFE = {
    "charon-rekey-child": ("charon rekeys the Child SA (CREATE_CHILD_SA, N(REKEY_SA); swanctl --rekey); mip6secd answers",
                           "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", ""),
    "charon-delete": ("charon deletes the IKE SA (swanctl --terminate); mip6secd answers the INFORMATIONAL Delete",
                      "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", ""),
    "charon-dpd": ("charon's liveness checks (dpd_delay = 2s); mip6secd answers the empty INFORMATIONALs",
                   "rekey_time = 0\ndpd_delay = 2s", "rekey_time = 0", ""),
    "mip6secd-dpd": ("mip6secd's liveness checks (dpd = 2); charon answers the empty INFORMATIONALs",
                     "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", "dpd = 2;"),
    "mip6secd-rekey-child": ("mip6secd rekeys the Child SA (its soft lifetime, rekey = 5); charon answers",
                             "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", "rekey = 5; lifetime = 60;"),
    "charon-rekey-ike": ("charon rekeys the IKE SA (rekey_time = 4s, CREATE_CHILD_SA with a KE); mip6secd answers",
                         "rekey_time = 4s\nover_time = 60s\nrand_time = 0\ndpd_delay = 0", "rekey_time = 0", ""),
    "mip6secd-rekey-ike": ("mip6secd rekeys the IKE SA (ike_rekey = 4); charon answers",
                           "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", "ike_rekey = 4;"),
    # with PFS (RFC 7296 1.3.3, 2.12): charon's esp_proposals name the IKE
    # SA's group, mip6secd has pfs = true; both rekeys carry a KE each way
    "charon-rekey-child-pfs": ("charon rekeys the Child SA with PFS (esp_proposals aes128gcm16-x25519: a KE each "
                               "way); mip6secd (pfs = true) answers", "rekey_time = 0\ndpd_delay = 0",
                               "rekey_time = 0", "pfs = true;", "aes128gcm16-x25519"),
    "mip6secd-rekey-child-pfs": ("mip6secd (pfs = true) rekeys the Child SA with a KE at its soft lifetime; charon "
                                 "(esp_proposals aes128gcm16-x25519) answers with its own",
                                 "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0",
                                 "rekey = 5; lifetime = 60; pfs = true;", "aes128gcm16-x25519"),
    "charon-restart": ("charon crashes (SIGKILL) and starts again with no state under the established SA; "
                       "mip6secd's liveness checks (dpd = 2, 2 tries of 500 ms) find the IKE SA dead, drop it with "
                       "its Child SA, and a new IKE SA is made (by mip6secd's mobile node, or charon initiating "
                       "again)", "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0",
                       'dpd = 2; retransmit_tries = 2; retransmit_timeout = "500ms";'),
    "mip6secd-delete": ("mip6secd stops (SIGTERM): an INFORMATIONAL Delete of the IKE SA goes to charon, which "
                        "removes it and its Child SA", "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", ""),
    # RFC 7296 1.3.3: charon wants ECP-256 for the Child SA's KE while the
    # IKE SA is X25519; mip6secd (IKE proposals x25519 and ecp256, so its
    # Child SA proposal lists both groups) sends an X25519 KE first, gets
    # INVALID_KE_PAYLOAD naming group 19, and sends the rekey again with an
    # ECP-256 KE
    "mip6secd-rekey-child-pfs-ke": ("mip6secd (pfs = true) rekeys the Child SA with an X25519 KE; charon "
                                    "(esp_proposals aes128gcm16-ecp256) answers INVALID_KE_PAYLOAD naming ECP-256, "
                                    "mip6secd sends it again with an ECP-256 KE", "rekey_time = 0\ndpd_delay = 0",
                                    "rekey_time = 0", "rekey = 5; lifetime = 60; pfs = true;", "aes128gcm16-ecp256"),
    # RFC 7296 2.8.1: both ends rekey the same Child SA at once; the harness
    # holds charon (SIGSTOP) while each end is asked to rekey (swanctl
    # --rekey, mip6sec rekey child), so both requests cross
    "simultaneous-rekey-child": ("both ends rekey the Child SA at once (crossing CREATE_CHILD_SA requests, RFC 7296 "
                                 "2.8.1): the pair made with the lowest nonce is deleted by its creator, one new "
                                 "pair stays at both ends", "rekey_time = 0\ndpd_delay = 0", "rekey_time = 0", ""),
    "simultaneous-rekey-ike": ("both ends rekey the IKE SA at once (crossing CREATE_CHILD_SA requests, RFC 7296 "
                               "2.8.2): the new IKE SA made with the lowest nonce is deleted by its creator, the "
                               "other stays at both ends with the Child SA", "rekey_time = 0\ndpd_delay = 0",
                               "rekey_time = 0", ""),
}
LIFE_CELLS = ["life-%s-%s" % (d, k) for k in LIFE for d in "ri"]


def life_rekey_child(bed, ch, node, rekeyer_addr, m6, pcap, cap, who, pfs=False, ke_retry=False):
    """The Child SA rekeyed by `who` (the end at rekeyer_addr): both ends on
    the same new SPIs and keys, the old pair deleted on both, the exchange
    as RFC 7296 1.3.3 / 1.4.1 and RFC 4877 want it, decrypted by tshark
    with charon's table."""
    old_in, old_out = m6["child"]["spi_in"], m6["child"]["spi_out"]
    if m6_child(node) != ([old_in], [old_out]):
        raise Fail("mip6secd's SAD before the rekey: %s, want in 0x%08x out 0x%08x" % (m6_child(node), old_in,
                                                                                        old_out))
    if who == "charon":
        # charon rekeys a Child SA when its kernel reports the soft expiry;
        # the kernel interface here (charon_m6.c) has no SA lifetimes and
        # reports none, so the harness asks for the same rekey over vici
        time.sleep(1)
        ch.swanctl("--rekey", "--child", "bu", timeout=30)

    last = {}

    def rekeyed():
        ins, outs = m6_child(node)
        last.update(m6=(ins, outs), charon=charon_sa(ch))
        if len(ins) != 1 or len(outs) != 1 or ins[0] == old_in or outs[0] == old_out:
            return None
        ike = charon_sa(ch)
        if not ike:
            return None
        # charon lists a deleted Child SA a little longer (state DELETED)
        ike = dict(ike, children=[c for c in ike["children"] if c["state"] != "DELETED"])
        if len(ike["children"]) != 1 or int(ike["children"][0]["spi-out"], 16) != ins[0]:
            return None
        return ins[0], outs[0], ike
    try:
        new_in, new_out, ike = wait_for("both ends to hold one rekeyed Child SA (the old one deleted)", rekeyed, 20)
    except Fail as e:
        raise Fail("%s; last seen: mip6secd's SAD in %s out %s, charon %s" % (
            e, ["0x%08x" % x for x in last["m6"][0]], ["0x%08x" % x for x in last["m6"][1]], last["charon"]))
    # snapshot now: mip6secd rekeys again every soft lifetime
    m6dir = os.path.join(DIR, "bed")
    nsexec(node, [MIP6SEC, "keys", os.path.join(m6dir, node + ".keys")])
    e = established(node)
    if not e or (e["spi_i"], e["spi_r"]) != (m6["spi_i"], m6["spi_r"]):
        raise Fail("the IKE SA changed: %s, was %s/%s" % (e, m6["spi_i"], m6["spi_r"]))
    log("  rekeyed: mip6secd's SAD in 0x%08x out 0x%08x (were 0x%08x / 0x%08x, both gone)" % (
        new_in, new_out, old_in, old_out))
    check_charon_child(ike, dict(m6, child=dict(m6["child"], spi_in=new_in, spi_out=new_out)))
    bed.stop(cap)
    compare_tables(ch, m6dir, node, [new_in, new_out])
    msgs = life_msgs(pcap, ch, m6["spi_i"])
    # the rekeyer's inbound SPI names the old pair (REKEY_SA, Delete)
    rk_in, other_in = (old_out, old_in) if rekeyer_addr != established_addr(node) else (old_in, old_out)

    def spis(m, f):
        return [x.replace(":", "") for x in m[f]]
    cc = [(q, a) for q, a in exchanges(msgs, 36, rekeyer_addr) if spi_hex(rk_in) in spis(q, "isakmp.spi")]
    if ke_retry:
        # RFC 7296 1.3.3: the first try refused with INVALID_KE_PAYLOAD
        # (17), then the same rekey with the group asked for
        if len(cc) != 2 or cc[0][1] is None or "17" not in cc[0][1]["isakmp.notify.msgtype"]:
            raise Fail("want a CREATE_CHILD_SA refused with INVALID_KE_PAYLOAD, then one answered; the capture has "
                       "%s" % [(q["isakmp.messageid"], a and a["isakmp.notify.msgtype"]) for q, a in cc])
        log("  first CREATE_CHILD_SA (message %s) answered N(INVALID_KE_PAYLOAD); sent again as message %s"
            % (int(cc[0][0]["isakmp.messageid"][0], 16), int(cc[1][0]["isakmp.messageid"][0], 16)))
        cc = cc[1:]
    if len(cc) != 1 or cc[0][1] is None:
        raise Fail("want one answered CREATE_CHILD_SA from %s (%s) rekeying SPI %s, the capture has %d: %s" % (
            who, rekeyer_addr, spi_hex(rk_in), len(cc), [(q["isakmp.messageid"], a is not None) for q, a in cc]))
    q, a = cc[0]
    rows = []

    def row(item, got, want):
        rows.append((item, got, want, got == want))
    row("N(REKEY_SA) (request, old SPI %s)" % spi_hex(rk_in), REKEY_SA in q["isakmp.notify.msgtype"], True)
    # PFS (1.3.3, 2.12): a KE in the request and in the response, or none
    row("KE (request, PFS)", "34" in q["isakmp.typepayload"], pfs)
    row("KE (response, PFS)", "34" in a["isakmp.typepayload"], pfs)
    # RFC 7296 2.9: in CREATE_CHILD_SA TSi is the side of the exchange's
    # initiator (the rekeyer), whichever end started the IKE SA
    sides = (("TSi", 0, HA), ("TSr", -1, HOA)) if rekeyer_addr == HA else (("TSi", 0, HOA), ("TSr", -1, HA))
    # charon proposes its configured selectors: as home agent HA/128[135]
    # and HoA/128[135] (all ports), which the responder narrows (2.9)
    req_ports = "0-65535" if who == "charon" and rekeyer_addr == HA else "1280-1791"
    for w, m in (("request", q), ("response", a)):
        row("USE_TRANSPORT_MODE (%s)" % w, NOTIFY_USE_TM in m["isakmp.notify.msgtype"], True)
        for t, i, addr in sides:
            row("%s (%s)" % (t, w), "%s-%s proto %s ports %s-%s" % tuple(
                m[f][i] if m[f] else "-" for f in ("isakmp.ts.start_ipv6", "isakmp.ts.end_ipv6", "isakmp.ts.protoid",
                                                   "isakmp.ts.start_port", "isakmp.ts.end_port")),
                "%s-%s proto 135 ports %s" % (addr, addr, req_ports if w == "request" else "1280-1791"))
    # the responder's new inbound SPI in its SA payload
    rsp_in = spi_hex(new_in if who == "charon" else new_out)
    row("new SPI (response: responder's inbound)", rsp_in if rsp_in in spis(a, "isakmp.spi") else spis(a, "isakmp.spi"),
        rsp_in)
    row("Child SA ESP transform (response)", ",".join(a["isakmp.tf.id.encr"]), "20")
    dels = [(q2, a2) for q2, a2 in exchanges(msgs, 37, rekeyer_addr)
            if "3" in q2["isakmp.delete.protoid"] and spi_hex(rk_in) in spis(q2, "isakmp.delete.spi")]
    row("INFORMATIONAL Delete (ESP) from %s, answered" % who, len(dels) == 1 and dels[0][1] is not None, True)
    if dels and dels[0][1] is not None:
        row("  Delete SPI (request)", spis(dels[0][0], "isakmp.delete.spi"), [spi_hex(rk_in)])
        row("  Delete SPI (response, RFC 7296 1.4.1)", spis(dels[0][1], "isakmp.delete.spi"), [spi_hex(other_in)])
    print_rows(rows)
    log("  tshark with charon's ikev2_decryption_table alone decrypts the CREATE_CHILD_SA (message %s) and the "
        "Delete" % int(q["isakmp.messageid"][0], 16))

def life_rekey_ike(bed, ch, node, rekeyer_addr, m6, pcap, cap, who):
    """The IKE SA rekeyed by `who` (RFC 7296 2.18): both ends on the same
    new IKE SPIs and keys, the Child SA moved to it unchanged, the old IKE
    SA deleted; the exchange decrypted by tshark with charon's table."""
    old = (m6["spi_i"], m6["spi_r"])
    child = ([m6["child"]["spi_in"]], [m6["child"]["spi_out"]])
    last = {}

    def rekeyed():
        est = [s for s in show_ike(node)["ike"] if s["state"] == "established"]
        sas = [sa for sa in ch.sas() if sa["state"] == "ESTABLISHED"]
        last.update(m6=est, charon=sas)
        if len(est) != 1 or len(sas) != 1 or (est[0]["spi_i"], est[0]["spi_r"]) == old:
            return None
        if (sas[0]["initiator-spi"], sas[0]["responder-spi"]) != (est[0]["spi_i"], est[0]["spi_r"]):
            return None
        return est[0], sas[0]
    try:
        new, ike = wait_for("both ends to hold one rekeyed IKE SA (the old one deleted)", rekeyed, 20)
    except Fail as e:
        raise Fail("%s; last seen: mip6secd %s, charon %s" % (e, last.get("m6"), last.get("charon")))
    m6dir = os.path.join(DIR, "bed")
    nsexec(node, [MIP6SEC, "keys", os.path.join(m6dir, node + ".keys")])
    if m6_child(node) != child:
        raise Fail("mip6secd's Child SA changed with the IKE SA: %s, was %s" % (m6_child(node), child))
    ike = dict(ike, children=[c for c in ike["children"] if c["state"] != "DELETED"])
    check_charon_child(ike, dict(new, child=m6["child"]))
    log("  rekeyed: IKE %s/%s (was %s/%s) on both ends, suite %s; Child SA in 0x%08x out 0x%08x moved to it" % (
        new["spi_i"], new["spi_r"], old[0], old[1], ike.get("suite"), child[0][0], child[1][0]))
    bed.stop(cap)
    ours = open(os.path.join(m6dir, node + ".ikev2_decryption_table")).read().splitlines()
    theirs = open(os.path.join(ch.keys, "ikev2_decryption_table")).read().splitlines()
    if sorted(ours) != sorted(theirs) or not any(l.startswith("%s,%s," % (new["spi_i"], new["spi_r"])) for l in ours):
        raise Fail("IKE key tables differ:\n  mip6secd %s\n  charon   %s" % (ours, theirs))
    log("  key tables agree: %d IKE lines identical (the old and the new IKE SA)" % len(ours))
    msgs = life_msgs(pcap, ch, old[0])

    def spis(m, f):
        return [x.replace(":", "") for x in m[f]]
    cc = exchanges(msgs, 36, rekeyer_addr)
    # 2.18: the rekeyer's new SPI (the new SA's SPIi) in the request's SA
    cc = [(q, a) for q, a in cc if a is not None and new["spi_i"] in spis(q, "isakmp.spi")]
    if len(cc) != 1:
        raise Fail("want one answered CREATE_CHILD_SA from %s for the new IKE SA under %s/%s, the capture has %d"
                   % (who, old[0], old[1], len(cc)))
    q, a = cc[0]
    rows = []

    def row(item, got, want):
        rows.append((item, got, want, got == want))
    row("SA protocol (request, response)", (",".join(q["isakmp.prop.protoid"]), ",".join(a["isakmp.prop.protoid"])),
        ("1", "1"))
    row("SPI size (response)", ",".join(a["isakmp.spisize"][:1]), "8")
    row("new SPIs (request, response)", (spis(q, "isakmp.spi"), spis(a, "isakmp.spi")),
        ([new["spi_i"]], [new["spi_r"]]))
    row("no TS, no REKEY_SA (2.18)", bool(q["isakmp.ts.protoid"] or REKEY_SA in q["isakmp.notify.msgtype"]), False)
    dels = [(q2, a2) for q2, a2 in exchanges(msgs, 37, rekeyer_addr) if "1" in q2["isakmp.delete.protoid"]]
    row("INFORMATIONAL Delete (IKE, old SA) from %s, answered" % who, len(dels) == 1 and dels[0][1] is not None,
        True)
    print_rows(rows)
    log("  tshark with charon's table alone decrypts the CREATE_CHILD_SA (message %d) and the Delete under the old "
        "IKE SA" % int(q["isakmp.messageid"][0], 16))

def life_cell(name, plugin):
    direction, scenario = name[5], name[7:]
    what, ike_opts, child_opts, m6_extra, *esp = LIFE[scenario]
    esp = esp[0] if esp else ESP
    log("cell %s: %s; charon %s, IKE %s, ESP %s" % (name, what, "responds" if direction == "r" else "initiates",
                                                  LIFE_PROPOSAL, ESP))
    ke_retry = scenario.endswith("-ke")
    with Bed(LIFE_PROPOSAL + (",aes128gcm16-prfsha256-ecp256" if ke_retry else "")) as bed:
        ch, node, charon_addr, m6_addr, pcap, cap, m6 = life_setup(bed, direction, plugin, ike_opts, child_opts,
                                                                   m6_extra, esp)
        pfs = scenario.endswith("-pfs") or ke_retry
        if scenario.startswith("simultaneous-rekey-"):
            return life_simultaneous(bed, ch, node, m6, pcap, cap, scenario.endswith("-ike"))
        if scenario.startswith("charon-rekey-child"):
            return life_rekey_child(bed, ch, node, charon_addr, m6, pcap, cap, "charon", pfs)
        if scenario.startswith("mip6secd-rekey-child"):
            return life_rekey_child(bed, ch, node, m6_addr, m6, pcap, cap, "mip6secd", pfs, ke_retry)
        if scenario.endswith("rekey-ike"):
            return life_rekey_ike(bed, ch, node, charon_addr if scenario.startswith("charon") else m6_addr, m6,
                                  pcap, cap, scenario.split("-")[0])
        if scenario == "charon-delete":
            return life_delete(bed, ch, node, charon_addr, m6, pcap, cap)
        if scenario == "charon-restart":
            return life_charon_restart(bed, ch, node, direction, m6, pcap, cap)
        if scenario == "mip6secd-delete":
            return life_m6_delete(bed, ch, node, m6_addr, m6, pcap, cap)
        return life_dpd(bed, ch, node, charon_addr if scenario == "charon-dpd" else m6_addr, m6, pcap, cap,
                        scenario.split("-")[0])

def life_simultaneous(bed, ch, node, m6, pcap, cap, ike_sa=False):
    """RFC 7296 2.8.1 against charon: charon and mip6secd are held
    (SIGSTOP) while each is asked to rekey the Child SA (swanctl --rekey,
    mip6sec rekey child: both wait on the control sockets), then let go
    together, so both requests cross. Which an end takes first, its own
    command or the other's request, is its scheduling: a round where one
    took the request first is a
    plain rekey, and the harness tries again (up to 8 rounds) until charon
    logs the collision. Then both ends must hold one new Child SA pair, the
    same SPIs, the redundant pairs deleted, the key tables agreeing."""
    pid = int(open(os.path.join(ch.d, "run", "charon.pid")).read().strip())
    m6pid = int(open(os.path.join(DIR, "bed", node + ".pid")).read().strip())
    logf = os.path.join(ch.d, "charon.log")
    kind = "ike" if ike_sa else "child"
    crossed = 0
    for rnd in range(1, 9):
        before = open(logf, errors="replace").read().count("collision")
        old = m6_child(node)
        old_ike = established(node)
        # both held, each given its command, both let go together: each
        # sends its request before the other's can reach it
        got = {}
        os.kill(pid, signal.SIGSTOP)
        os.kill(m6pid, signal.SIGSTOP)
        try:
            what = ("--ike", "rfc4877") if ike_sa else ("--child", "bu")
            sw = threading.Thread(target=lambda: ch.swanctl("--rekey", *what, check=False, timeout=30))
            mr = threading.Thread(target=lambda: got.update(r=nsexec(node, [MIP6SEC, "rekey", kind], check=False,
                                                                        timeout=30)))
            sw.start()
            mr.start()
            time.sleep(0.5)
        finally:
            os.kill(m6pid, signal.SIGCONT)
            os.kill(pid, signal.SIGCONT)
        sw.join(timeout=30)
        mr.join(timeout=30)
        log("  round %d: mip6sec rekey %s: %s" % (rnd, kind, got["r"].stdout.strip() if "r" in got else "no answer"))

        def settled():
            ins, outs = m6_child(node)
            ike = charon_sa(ch)
            e = established(node)
            if len(ins) != 1 or len(outs) != 1 or not ike or not e:
                return None
            if ike_sa:
                # one IKE SA at both ends, a new one, the same; the Child SA moved
                ikes = [x for x in ch.sas() if x["state"] == "ESTABLISHED"]
                held = [x for x in show_ike(node)["ike"] if x["state"] == "established"]
                if ((e["spi_i"], e["spi_r"]) == (old_ike["spi_i"], old_ike["spi_r"]) or len(ikes) != 1 or
                        len(held) != 1 or (ike["initiator-spi"], ike["responder-spi"]) != (e["spi_i"], e["spi_r"]) or
                        (ins, outs) != old):
                    return None
            elif (ins, outs) == old:
                return None
            kids = [c for c in ike["children"] if c["state"] == "INSTALLED"]
            if len(kids) != 1 or int(kids[0]["spi-out"], 16) != ins[0] or int(kids[0]["spi-in"], 16) != outs[0]:
                return None
            return ins[0], outs[0], ike
        new_in, new_out, ike = wait_for("both ends to hold one Child SA pair again", settled, 20)
        crossed = open(logf, errors="replace").read().count("collision") - before
        log("  round %d: one pair left at both ends, in 0x%08x out 0x%08x; charon logged %d collision line(s)"
            % (rnd, new_in, new_out, crossed))
        if crossed:
            break
    if not crossed:
        raise Fail("charon logged no rekey collision in 8 rounds: the requests never crossed")
    e = established(node)
    if not e or ((e["spi_i"], e["spi_r"]) != (m6["spi_i"], m6["spi_r"])) != ike_sa:
        raise Fail("the IKE SA %s: %s" % ("did not change" if ike_sa else "changed", e))
    if ike_sa:
        log("  IKE SA now %s/%s at both ends (was %s/%s), the Child SA unchanged" % (
            e["spi_i"], e["spi_r"], m6["spi_i"], m6["spi_r"]))
    m6dir = os.path.join(DIR, "bed")
    nsexec(node, [MIP6SEC, "keys", os.path.join(m6dir, node + ".keys")])
    bed.stop(cap)
    if ike_sa:
        # the first IKE SA and the survivor; charon's own log of the
        # redundant one names the survivor's SPIs with the redundant SA's
        # keys (see docs/interop.md), so the two tables are compared on
        # these and the redundant SAs' Deletes are read with ours below
        compare_tables(ch, m6dir, node, [new_in, new_out],
                       {"%s,%s" % (m6["spi_i"], m6["spi_r"]), "%s,%s" % (e["spi_i"], e["spi_r"])})
    else:
        compare_tables(ch, m6dir, node, [new_in, new_out])
    with open(logf, errors="replace") as f:
        lines = [l.strip() for l in f if "collision" in l or "lowest nonce" in l.lower()]
    log("  charon: %s" % (" | ".join(x.split("> ", 1)[-1] for x in lines[-3:])))
    # every IKE SA of the run (rounds rekey the IKE SA more than once)
    msgs = tshark_ike(pcap, ws_conf("charon", ch.keys), LIFE_FIELDS)
    # a Child SA rekey names the old pair (REKEY_SA); an IKE SA rekey has a
    # KE and no TS (2.18)
    reqs = [m for m in msgs if m["exchange"] == 36 and not m["response"] and
            (("34" in m["isakmp.typepayload"] and "44" not in m["isakmp.typepayload"]) if ike_sa
             else REKEY_SA in m["isakmp.notify.msgtype"])]
    who = sorted(set(m["ipv6.src"][0] for m in reqs))
    if len(who) != 2:
        raise Fail("want CREATE_CHILD_SA %s rekey requests from both ends in the capture, got them from %s"
                   % (kind, who))
    log("  %d CREATE_CHILD_SA %s rekey requests from %s, decrypted with charon's table" % (
        len(reqs), "IKE SA" if ike_sa else "Child SA", " and ".join(who)))


def life_charon_restart(bed, ch, node, direction, m6, pcap, cap):
    """charon lost its state under an established SA (RFC 7296 2.4): the
    peer that keeps checking liveness finds it gone and starts again."""
    old = (m6["spi_i"], m6["spi_r"])
    ch.crash()
    ch.start()
    t0 = time.time()
    # the dead IKE SA goes: no established SA with the old SPIs
    wait_for("mip6secd to find the IKE SA dead",
             lambda: (lambda e: True if not e or (e["spi_i"], e["spi_r"]) != old else None)(established(node)), 20)
    log("  mip6secd dropped IKE SA %s/%s %.1f s after charon's restart" % (old + (time.time() - t0,)))
    if direction == "i":
        # charon was the initiator: it starts again, as after any restart
        r = ch.swanctl("--initiate", "--child", "bu", "--timeout", "20", check=False, timeout=40)
        if r.returncode != 0:
            raise Fail("swanctl --initiate after the restart failed:\n%s" % r.stdout[-3000:])
    e = wait_for("a new IKE SA between mip6secd and the restarted charon",
                 lambda: (lambda e: e if e and (e["spi_i"], e["spi_r"]) != old and e["child"]["installed"]
                          else None)(established(node)), 20)
    ike = wait_for("charon's new IKE SA", lambda: charon_sa(ch), 5)
    check_charon_child(ike, e)
    bed.stop(cap)
    log("  new IKE SA %s/%s, Child SA in 0x%08x out 0x%08x, %.1f s after the restart" % (
        e["spi_i"], e["spi_r"], e["child"]["spi_in"], e["child"]["spi_out"], time.time() - t0))

def life_m6_delete(bed, ch, node, m6_addr, m6, pcap, cap):
    """mip6secd stopped with SIGTERM (a mobile node first de-registers, up
    to its deregister_timeout): its INFORMATIONAL Delete of the IKE SA
    (RFC 7296 1.4.1), decrypted with charon's table, and charon without
    the IKE SA and its Child SA."""
    pidf = os.path.join(DIR, "bed", node + ".pid")
    os.kill(int(open(pidf).read().strip()), signal.SIGTERM)
    wait_for("charon to drop the IKE SA after mip6secd's Delete", lambda: None if charon_sa(ch) else True, 15)
    bed.stop(cap)
    msgs = life_msgs(pcap, ch, m6["spi_i"])
    dels = [(q, a) for q, a in exchanges(msgs, 37, m6_addr) if "1" in q["isakmp.delete.protoid"]]
    if not dels or not dels[0][0]["isakmp.enc.pad_length"]:
        raise Fail("no INFORMATIONAL Delete (IKE) from mip6secd (%s) decrypted with charon's table" % m6_addr)
    q, a = dels[0]
    log("  mip6secd's INFORMATIONAL Delete of IKE SA %s/%s (message %s)%s; charon holds no IKE SA" % (
        m6["spi_i"], m6["spi_r"], int(q["isakmp.messageid"][0], 16),
        ", answered" if a is not None else ", its answer after mip6secd was gone"))

def life_delete(bed, ch, node, charon_addr, m6, pcap, cap):
    spis = (m6["child"]["spi_in"], m6["child"]["spi_out"])
    if not all(s in m6_sas(node) for s in spis):
        raise Fail("mip6secd's SAD lacks the Child SA before the Delete: %s" % sorted(m6_sas(node)))
    ch.swanctl("--terminate", "--ike", "rfc4877", "--timeout", "10", timeout=30)

    def gone():
        held = [s for s in show_ike(node)["ike"] if (s["spi_i"], s["spi_r"]) == (m6["spi_i"], m6["spi_r"])]
        sad = m6_sas(node)
        return None if held or any(s in sad for s in spis) else True
    wait_for("mip6secd to drop the IKE SA and its Child SA", gone, 10)
    if charon_sa(ch):
        raise Fail("charon still holds an IKE SA after --terminate")
    log("  after swanctl --terminate: mip6secd holds no IKE SA %s/%s and neither SPI 0x%08x, 0x%08x (show ike, show sa)"
        % (m6["spi_i"], m6["spi_r"], spis[0], spis[1]))
    bed.stop(cap)
    msgs = life_msgs(pcap, ch, m6["spi_i"])
    info = [(q, a) for q, a in exchanges(msgs, 37, charon_addr) if "1" in q["isakmp.delete.protoid"]]
    if len(info) != 1 or info[0][1] is None:
        raise Fail("want one INFORMATIONAL Delete (IKE) from charon answered by mip6secd; the capture has %d: %s"
                   % (len(info), [(q["isakmp.messageid"], a is not None) for q, a in info]))
    q, a = info[0]
    # RFC 7296 1.4.1: the answer to the IKE SA's Delete is an empty INFORMATIONAL
    if not a["isakmp.enc.pad_length"]:
        raise Fail("mip6secd's answer to the Delete not decrypted with charon's table")
    extra = [p for p in a["isakmp.typepayload"] if p not in ("46",)]
    if extra:
        raise Fail("mip6secd's answer to the Delete carries payloads %s (RFC 7296 1.4.1 wants it empty)" % extra)
    log("  INFORMATIONAL message %s: Delete (protocol IKE) from charon, empty response from mip6secd, decrypted "
        "by tshark with charon's table" % q["isakmp.messageid"][0])

def life_dpd(bed, ch, node, checker_addr, m6, pcap, cap, who):
    time.sleep(8)
    e = established(node)
    if not e or (e["spi_i"], e["spi_r"]) != (m6["spi_i"], m6["spi_r"]) or not e["child"]["installed"]:
        raise Fail("mip6secd lost the IKE SA during the liveness checks: %s" % e)
    ike = charon_sa(ch)
    if not ike:
        raise Fail("charon lost the IKE SA during the liveness checks")
    check_charon_child(ike, e)
    bed.stop(cap)
    msgs = life_msgs(pcap, ch, m6["spi_i"])
    info = exchanges(msgs, 37, checker_addr)
    if len(info) < 2:
        raise Fail("want at least two INFORMATIONAL liveness checks from %s (%s) in 8 s, the capture has %d"
                   % (who, checker_addr, len(info)))
    for q, a in info:
        if a is None:
            raise Fail("%s's INFORMATIONAL message %s went unanswered" % (who, q["isakmp.messageid"][0]))
        for m in (q, a):
            if not m["isakmp.enc.pad_length"]:
                raise Fail("INFORMATIONAL message %s not decrypted with charon's table" % m["isakmp.messageid"][0])
            inner = [p for p in m["isakmp.typepayload"] if p != "46"]
            if inner or m["isakmp.delete.spi"] or m["isakmp.notify.msgtype"]:
                raise Fail("a liveness check carries payloads (RFC 7296 2.4 wants it empty): %s" % inner)
    log("  %d empty INFORMATIONAL requests from %s (messages %s), each answered empty (decrypted with charon's table);"
        " both ends keep IKE SA %s/%s and its Child SA" % (len(info), who, ",".join(q["isakmp.messageid"][0] for q, _ in info),
                               m6["spi_i"], m6["spi_r"]))
