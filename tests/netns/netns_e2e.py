#!/usr/bin/python3
"""netns_e2e - mip6secd end to end, in network namespaces (scripts/testbed.sh).

usage: netns_e2e.py mobility --model normalise|true-address [--payload-esp] [--ike]
       netns_e2e.py restart
       netns_e2e.py wire
       netns_e2e.py ro
       netns_e2e.py ike
       netns_e2e.py soak [--minutes N]      (not in the test suite: long)

Runs as root. Each test brings its own testbed up (namespaces m6t-*, state
in $M6_TESTBED_DIR), and takes it down again whatever happens. A test that
cannot run (not root, no namespaces, a tool missing) fails: it never skips.

mobility  ping6 from the correspondent to the home address every 50 ms, and an
          iperf3 TCP stream (10 Mbit/s), while the mobile node moves home ->
          r1 -> r2 -> home; the stream must survive; prints its goodput and the
          interruption of each move (the longest silence between two echo
          replies around it) and fails when one has no end; checks the home
          agent's `show bindings --json` (care-of address from each foreign
          prefix, the documented fields); captures every link and checks each
          capture with tests/oracle/pcapcheck.py and the keys `mip6sec keys`
          exports; no plaintext Mobility Header on a foreign link, and ESP
          there (so the check is not vacuous). Without --payload-esp the
          correspondent's side keeps segmentation offload on, and the home
          agent must cut the super-frames it gets. With --payload-esp (the tunnel
          between home agent and mobile node under ESP too) no clear
          tunnelled packet either. With --ike (normalise model) IKEv2 makes
          the BU/BA SAs and, with --payload-esp, the tunnel's AES-GCM
          tunnel-mode SA (RFC 4877 4.3), which follows each binding; the
          captures are read with the IKE and ESP keys `mip6sec keys` exports.
restart   the home agent's daemon is killed (SIGKILL) and started again while
          the mobile node is away: the mobile node registers again and the
          correspondent's ping comes back; `mip6sec reload` keeps the binding
          and the SAs, restarts the node for a changed role (the mobile node
          registers again, the new setting applies), refuses a broken file
          with FILE:LINE; SIGTERM to the mobile node's daemon de-registers it.
wire      forged and malformed packets at the home agent (plaintext BU for the
          home address, BUs under a wrong key, bad checksums, truncations,
          garbage), then thousands of mutations of captured frames, to the
          home agent and to the mobile node (Neighbor Discovery left out:
          see test_wire): the binding (care-of address and sequence number)
          does not change, the daemons keep running and the ping keeps
          working.
ro        route optimisation with mip6secd in the correspondent too: after each
          move the correspondent holds a binding for the new care-of address
          (return routability through the home agent's tunnel), and a TCP
          stream to the home address flows directly, not through the home
          agent (whose tunnel counters stay still).
ike       the BU/BA SAs made by IKEv2 (testbed --ike, RFC 4877): the mobile
          node moves to r1, initiates IKE_SA_INIT + IKE_AUTH from its care-of
          address, registers under the negotiated Child SA, and the
          correspondent's ping reaches the home address; both daemons' `show
          ike --json` agree (SPIs, suite, Child SA SPIs crossed, identities);
          both export the same IKE key line with `mip6sec keys`; tshark
          decrypts the r1 capture's IKE_AUTH with that table (identities and
          traffic selectors read back) and the BU/BA with the esp_sa table;
          no plaintext Mobility Header on r1; a reload of the unchanged
          configurations keeps the IKE SA and its Child SAs.
soak      random wire input for N minutes (default 10) at the home agent's
          AF_PACKET side, Neighbor Discovery included: mutations of captured
          frames and of forgeries, round after round; after each round the
          binding is the same and the daemon alive; at the end it stops
          cleanly with no sanitizer report (build with ASan to look for
          leaks).
"""
import fcntl
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TESTBED = os.path.join(TOP, "scripts", "testbed.sh")
PCAPCHECK = os.path.join(TOP, "tests", "oracle", "pcapcheck.py")
PREFIX = os.environ.get("M6_TESTBED_PREFIX", "m6t-")
DIR = os.environ.get("M6_TESTBED_DIR", "/run/mip6sec-netns-test")
MIP6SEC = os.environ.get("MIP6SEC", "mip6sec")
HOA = "2001:db8:1::100"
PREFIXES = {"r1": "2001:db8:2:", "r2": "2001:db8:3:"}


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def ns(name):
    return PREFIX + name


def env():
    e = dict(os.environ)
    e["M6_TESTBED_PREFIX"] = PREFIX
    e["M6_TESTBED_DIR"] = DIR
    return e


def run(args, check=True, timeout=60, quiet=False):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout, env=env())
    if check and r.returncode != 0:
        raise Fail("%s exited %d:\n%s" % (" ".join(args), r.returncode, r.stdout))
    if not quiet and r.stdout.strip() and check:
        pass
    return r


def testbed(*args, timeout=60):
    return run(["sh", TESTBED] + list(args), timeout=timeout)


def nsexec(name, args, **kw):
    return run(["ip", "netns", "exec", ns(name)] + args, **kw)


def show(name, what):
    r = nsexec(name, [MIP6SEC, "show", what, "--json"], timeout=10)
    return json.loads(r.stdout)


def home_binding():
    """The home agent's binding for the home address, or None."""
    for b in show("ha", "bindings")["bindings"]:
        if b["hoa"] == HOA:
            return b
    return None


def wait_for(what, cond, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise Fail("timed out after %.0f s waiting for %s" % (timeout, what))


def wait_binding(link, timeout=15):
    if link == "home":
        return wait_for("the home agent to drop the binding",
                        lambda: home_binding() is None or None, timeout) and None
    pfx = PREFIXES[link]
    return wait_for("a binding with a care-of address from %s's prefix" % link,
                    lambda: (lambda b: b if b and b["coa"].startswith(pfx) else None)(home_binding()),
                    timeout)


def preflight():
    if os.geteuid() != 0:
        raise Fail("must run as root (network namespaces, AF_PACKET, TUN)")
    for tool in ("ip", "radvd", "tcpdump", "ping", "ethtool", "tshark"):
        if run(["sh", "-c", "command -v " + tool], check=False).returncode != 0:
            raise Fail("%s is not installed (sh scripts/install-deps.sh)" % tool)
    for p in (os.environ.get("MIP6SECD", ""), MIP6SEC):
        if not p or not os.access(p, os.X_OK):
            raise Fail("MIP6SECD / MIP6SEC must name the built programs (got %r)" % p)
    if not os.path.exists("/dev/net/tun"):
        raise Fail("/dev/net/tun is missing")


class Bed:
    """The testbed, with background processes started in it (killed by pid)."""

    def __init__(self, model="normalise", payload_esp=False, ro=False, ike=None):
        self.model = model
        self.ike = ike
        self.payload_esp = payload_esp
        self.ro = ro
        self.procs = []
        os.makedirs(DIR, exist_ok=True)
        # One testbed at a time on this host (the namespace names are fixed):
        # wait for another test run instead of failing on its namespaces.
        self.lockf = open("/run/mip6sec-netns-test.lock", "w")
        fcntl.flock(self.lockf, fcntl.LOCK_EX)
        # namespaces left by a run that was killed: ours by their prefix
        testbed("down")

    def __enter__(self):
        testbed("up", "--model", self.model, *(["--payload-esp"] if self.payload_esp else []),
                *(["--ro"] if self.ro else []), *(["--ike", self.ike] if self.ike else []), timeout=120)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if exc[0] is not None:
            for d in ("ha", "mn"):
                path = os.path.join(DIR, d + ".log")
                if os.path.exists(path):
                    log("--- last lines of %s" % path)
                    with open(path) as f:
                        log("".join(f.readlines()[-25:]))
        testbed("down")
        fcntl.flock(self.lockf, fcntl.LOCK_UN)
        self.lockf.close()
        # the daemons stopped (SIGTERM) above: under the sanitizers a leak or
        # an error is in their logs, and fails the test
        if exc[0] is None:
            for d in ("ha", "mn") + (("cn",) if self.ro else ()):
                path = os.path.join(DIR, d + ".log")
                text = open(path).read() if os.path.exists(path) else ""
                if "Sanitizer" in text or "runtime error" in text:
                    i = text.find("Sanitizer") if "Sanitizer" in text else text.find("runtime error")
                    raise Fail("mip6secd in %s: %s" % (ns(d), text[max(0, i - 200):i + 3000]))
                if "stopped" not in text:
                    raise Fail("mip6secd in %s did not stop cleanly:\n%s" % (ns(d), text[-2000:]))
        return False

    def spawn(self, name, args, out):
        p = subprocess.Popen(["ip", "netns", "exec", ns(name)] + args, stdout=open(out, "w"),
                             stderr=subprocess.STDOUT, env=env())
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def daemon_pid(self, d):
        with open(os.path.join(DIR, d + ".pid")) as f:
            return int(f.read())

    def capture(self, links):
        caps = {}
        for link in links:
            path = os.path.join(DIR, "cap-%s.pcap" % link)
            dev = {"net": "rt-cn"}.get(link, "br-" + link)
            caps[link] = (path, self.spawn("rtr", ["tcpdump", "-U", "-n", "-i", dev, "-w", path],
                                           path + ".log"))
        # tcpdump says "listening" once its socket is open
        for link, (path, p) in caps.items():
            wait_for("tcpdump on " + link, lambda: "listening" in open(path + ".log").read(), 10)
        return caps

    def ping(self, interval="0.05"):
        out = os.path.join(DIR, "ping.txt")
        return out, self.spawn("cn", ["ping", "-D", "-n", "-i", interval, "-W", "2", HOA], out)


def reply_times(path):
    times = []
    with open(path) as f:
        for line in f:
            m = re.match(r"\[(\d+\.\d+)\] \d+ bytes from", line)
            if m:
                times.append(float(m.group(1)))
    return times


def interruption(times, at, until):
    """Longest silence between two replies around instant `at`, and whether
    replies came back before `until`."""
    before = [t for t in times if t <= at]
    after = [t for t in times if at < t <= until]
    if not after:
        return None
    start = before[-1] if before else at
    gaps = [after[0] - start] + [b - a for a, b in zip(after, after[1:])]
    return max(gaps)


IPERF_SECONDS = 20


def check_iperf(path, rc, moves, t0, model):
    """The stream survived (iperf3 succeeded), its goodput, and how long it
    carried nothing around each move (from its 0.5 s intervals)."""
    try:
        with open(path) as f:
            text = f.read()
        res = json.loads(text[text.index("{"):])
    except (OSError, ValueError) as e:
        raise Fail("iperf3 gave no JSON result (%s)" % e)
    if rc != 0 or "error" in res:
        raise Fail("iperf3 failed: %s" % res.get("error", "exit %d" % rc))
    end = res["end"]["sum_received"]
    log("iperf3 TCP correspondent -> home address (%s model): %.1f Mbit/s over %.1f s, %d retransmits"
        % (model, end["bits_per_second"] / 1e6, end["seconds"],
           res["end"].get("sum_sent", {}).get("retransmits", 0)))
    ivs = [(t0 + i["sum"]["start"], t0 + i["sum"]["end"], i["sum"]["bytes"]) for i in res["intervals"]]
    prev = "home"
    for k, (link, t) in enumerate(moves):
        until = moves[k + 1][1] if k + 1 < len(moves) else t + 4
        stall, run = 0.0, 0.0
        for a, b, n in ivs:
            if b < t - 0.5 or a > until:
                continue
            run = run + (b - a) if n == 0 else 0.0
            stall = max(stall, run)
        log("  iperf3 %s -> %s: longest stall %.1f s" % (prev, link, stall))
        prev = link
    if end["bytes"] == 0:
        raise Fail("iperf3 received nothing")


def decoded(pcap):
    r = run([MIP6SEC, "decode", "--json", pcap], timeout=60)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def has_clear_mh(frame):
    """A Mobility Header readable on the wire: at the top or in a clear tunnel."""
    if frame.get("mh") is not None and frame.get("proto") == "mh":
        return True
    inner = frame.get("inner")
    return isinstance(inner, dict) and has_clear_mh(inner)


def clear_tunnel(frame):
    return frame.get("proto") in ("ipv6", "ip6", "ipv6-in-ipv6") or isinstance(frame.get("inner"), dict)


def check_captures(caps, keys, foreign, payload_esp=False):
    for link, (path, _) in caps.items():
        # --allow-warnings: tshark's TCP analysis warns about what a move
        # does to a stream (out-of-order segments, retransmissions, D-SACK);
        # errors (malformed frames, bad ICVs) and the Mobile IPv6 checks of
        # pcapcheck still fail the frame
        r = run(["/usr/bin/python3", PCAPCHECK, "-q", "--allow-warnings", "-k", keys, path], check=False,
                timeout=300)
        if r.returncode != 0:
            raise Fail("pcapcheck on the %s capture:\n%s" % (link, r.stdout[-3000:]))
        frames = decoded(path)
        log("  %s: %d frames, pcapcheck with the exported keys: ok" % (link, len(frames)))
        if link in foreign:
            clear = [f["frame"] for f in frames if has_clear_mh(f)]
            if clear:
                raise Fail("plaintext Mobility Header on foreign link %s: frames %s" % (link, clear[:10]))
            if payload_esp:
                tun = [f["frame"] for f in frames if clear_tunnel(f)]
                if tun:
                    raise Fail("clear tunnelled packets on foreign link %s with ESP on the tunnel: frames %s"
                               % (link, tun[:10]))
            esp = [f for f in frames if f.get("proto") == "esp"]
            if not esp:
                raise Fail("no ESP at all on foreign link %s: the check above proves nothing" % link)
            log("  %s: no plaintext Mobility Header, %d ESP frame(s)" % (link, len(esp)))


# ---- tests ----------------------------------------------------------------

def offloads_on():
    """Segmentation offload from the correspondent to the home agent's link:
    its TCP reaches the home agent in super-frames, which the daemon cuts."""
    for name, dev in (("cn", "cn0"), ("rtr", "br-home"), ("rtr", "rt-ha")):
        nsexec(name, ["ethtool", "-K", dev, "tso", "on", "gso", "on"])


def test_mobility(model, payload_esp, ike=None):
    with Bed(model, payload_esp, ike=ike) as bed:
        if not payload_esp:
            offloads_on()
        caps = bed.capture(["home", "r1", "r2", "net"])
        wait_for("the mobile node at home", lambda: show("mn", "status").get("at_home"), 10)
        ping_out, ping = bed.ping()
        # an iperf3 TCP stream to the home address across all the moves (at a
        # rate the shared CPUs of a test run can carry under the sanitizers)
        iperf_srv = bed.spawn("mn", ["iperf3", "-s", "-1", "--forceflush", "-B", HOA], os.path.join(DIR, "iperf-server.txt"))
        wait_for("iperf3 to listen", lambda: "listening" in open(os.path.join(DIR, "iperf-server.txt")).read(), 10)
        iperf_out = os.path.join(DIR, "iperf.json")
        iperf = bed.spawn("cn", ["iperf3", "-c", HOA, "-t", str(IPERF_SECONDS), "-b", "10M", "-i", "0.5", "-J"],
                          iperf_out)
        t_iperf = time.time()
        time.sleep(2)
        moves = []
        for link in ("r1", "r2", "home"):
            t = time.time()
            testbed("move", link)
            b = wait_binding(link)
            moves.append((link, t))
            if b is not None:
                for field in ("hoa", "coa", "lifetime", "seq", "remaining"):
                    if field not in b:
                        raise Fail("show bindings --json: entry without '%s': %s" % (field, b))
                log("  on %s: binding %s -> %s seq %d lifetime %d" % (link, b["hoa"], b["coa"], b["seq"],
                                                                       b["lifetime"]))
            time.sleep(3)
        bed.stop(ping)
        times = reply_times(ping_out)
        if not times:
            raise Fail("no echo reply at all")
        try:
            iperf.wait(timeout=IPERF_SECONDS + 20)
        except subprocess.TimeoutExpired:
            raise Fail("iperf3 did not finish: the TCP stream did not survive the moves")
        bed.stop(iperf_srv)
        check_iperf(iperf_out, iperf.returncode, moves, t_iperf, model)
        if not payload_esp:
            w = show("ha", "counters")["wire"]["ha0"]
            log("  home agent: %d offload super-frames cut into %d segments, %d dropped"
                % (w["rx_gso"], w["rx_gso_segments"], w["rx_gso_dropped"]))
            if not w["rx_gso"] or w["rx_gso_dropped"]:
                raise Fail("super-frames from the correspondent were not cut as they should: %s" % w)
        prev = "home"
        for i, (link, t) in enumerate(moves):
            until = moves[i + 1][1] if i + 1 < len(moves) else time.time()
            gap = interruption(times, t, until)
            if gap is None:
                raise Fail("%s -> %s: the ping never came back" % (prev, link))
            log("interruption %s -> %s (%s model%s): %d ms" % (prev, link, model,
                                                               ", ESP tunnel" if payload_esp else "", gap * 1000))
            if gap > 6:
                raise Fail("%s -> %s: %.1f s without echo replies" % (prev, link, gap))
            prev = link
        keys = os.path.join(DIR, "mn.keys")
        nsexec("mn", [MIP6SEC, "keys", keys])
        for link, (path, p) in caps.items():
            bed.stop(p)
        check_captures(caps, keys, foreign=("r1", "r2"), payload_esp=payload_esp)


def tshark_decrypted(pcap, table, esp_sa):
    """tshark -V of a capture with a private configuration directory holding
    the IKE and ESP decryption tables (as a person would copy them)."""
    conf = os.path.join(DIR, "wireshark")
    os.makedirs(conf, exist_ok=True)
    for src, name in ((table, "ikev2_decryption_table"), (esp_sa, "esp_sa")):
        with open(src) as f, open(os.path.join(conf, name), "w") as g:
            g.write(f.read())
    with open(os.path.join(conf, "preferences"), "w") as g:
        g.write("esp.enable_encryption_decode: TRUE\n")
    r = subprocess.run(["tshark", "-n", "-r", pcap, "-V", "-Y", "isakmp or esp"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120,
                       env=dict(os.environ, WIRESHARK_CONFIG_DIR=conf))
    if r.returncode != 0:
        raise Fail("tshark on %s exited %d:\n%s" % (pcap, r.returncode, r.stdout[-2000:]))
    return r.stdout


def test_ike(proposal="aes128gcm16-prfsha256-x25519"):
    with Bed("normalise", ike=proposal) as bed:
        caps = bed.capture(["home", "r1"])
        wait_for("the mobile node at home", lambda: show("mn", "status").get("at_home"), 10)
        t = time.time()
        testbed("move", "r1")
        b = wait_binding("r1", timeout=20)
        log("  registered from %s %.2f s after the move (IKE_SA_INIT + IKE_AUTH + BU/BA)" % (b["coa"], time.time() - t))
        r = nsexec("cn", ["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", HOA], check=False, timeout=30)
        if " 0% packet loss" not in r.stdout:
            raise Fail("ping to the home address over the IKE-keyed registration:\n" + r.stdout)
        mn, ha = show("mn", "ike"), show("ha", "ike")
        est = lambda d: [s for s in d["ike"] if s["state"] == "established"]
        if len(est(mn)) != 1 or len(est(ha)) != 1:
            raise Fail("one established IKE SA on each side expected:\nmn %s\nha %s" % (mn, ha))
        m, h = est(mn)[0], est(ha)[0]
        for k in ("spi_i", "spi_r", "suite"):
            if m[k] != h[k]:
                raise Fail("the two ends disagree on %s: %s / %s" % (k, m[k], h[k]))
        if (m["role"], h["role"]) != ("initiator", "responder") or m["local"] != b["coa"] \
                or h["peer"] != b["coa"] or m["peer_id"] != "ha.example.com" or h["peer_id"] != "mn-a@example.com":
            raise Fail("roles, addresses or identities wrong:\nmn %s\nha %s" % (m, h))
        mc, hc = m["child"], h["child"]
        if not mc["installed"] or not hc["installed"] or mc["spi_in"] != hc["spi_out"] or mc["spi_out"] != hc["spi_in"]:
            raise Fail("Child SAs do not pair up:\nmn %s\nha %s" % (mc, hc))
        log("  IKE SA %s/%s %s, Child SA ESP %s in 0x%08x out 0x%08x (mobile node's view)"
            % (m["spi_i"], m["spi_r"], m["suite"], mc["esp"], mc["spi_in"], mc["spi_out"]))
        tables = {}
        for d in ("mn", "ha"):
            keys = os.path.join(DIR, d + ".keys")
            nsexec(d, [MIP6SEC, "keys", keys])
            with open(os.path.join(DIR, d + ".ikev2_decryption_table")) as f:
                tables[d] = f.read()
        if not tables["mn"].strip() or tables["mn"] != tables["ha"]:
            raise Fail("the IKE key tables differ:\nmn %s\nha %s" % (tables["mn"], tables["ha"]))
        if not tables["mn"].startswith("%s,%s," % (m["spi_i"], m["spi_r"])):
            raise Fail("the IKE key table is not for the SA shown: %s" % tables["mn"])
        for link, (path, p) in caps.items():
            bed.stop(p)
        text = tshark_decrypted(caps["r1"][0], os.path.join(DIR, "mn.ikev2_decryption_table"),
                                os.path.join(DIR, "mn.esp_sa"))
        want = ["mn-a@example.com", "ha.example.com", "Protocol ID: Mobile IPv6 (135)", "Start Port: 1280",
                "Binding Update", "Binding Acknowledgement"]
        missing = [w for w in want if w not in text]
        if missing or "Decryption failed" in text or "Checksum: Invalid" in text:
            raise Fail("tshark did not decrypt the r1 capture with the exported tables (missing %s):\n%s"
                       % (missing, text[-3000:]))
        log("  tshark decrypted IKE_AUTH (IDi, IDr, TS protocol 135) and the BU/BA with the exported tables")
        for f in decoded(caps["r1"][0]):
            if has_clear_mh(f):
                raise Fail("a plaintext Mobility Header on r1: %s" % f)
        # a reload that changes nothing keeps the IKE SA and its Child SAs
        for d in ("ha", "mn"):
            r = nsexec(d, [MIP6SEC, "reload"], timeout=10)
            if "node kept" not in r.stdout:
                raise Fail("reload of an unchanged IKE configuration in %s: %s" % (ns(d), r.stdout))
        after = [s for s in show("mn", "ike")["ike"] if s["state"] == "established"]
        if [(s["spi_i"], s["child"]["spi_in"]) for s in after] != [(m["spi_i"], mc["spi_in"])]:
            raise Fail("reload replaced the IKE SA: %s -> %s" % (m, after))
        r = nsexec("cn", ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", HOA], check=False, timeout=30)
        if " 0% packet loss" not in r.stdout:
            raise Fail("ping after the reload:\n" + r.stdout)
        log("  reload with the same ike group: IKE SA and Child SAs kept, ping still answered")


def test_restart():
    with Bed("normalise") as bed:
        testbed("move", "r1")
        before = wait_binding("r1")
        ping_out, ping = bed.ping("0.1")
        time.sleep(1)
        t = time.time()
        testbed("restart", "ha")
        after = wait_binding("r1", timeout=20)
        log("  home agent restarted: the mobile node registered again (seq %d -> %d) after %.1f s"
            % (before["seq"], after["seq"], time.time() - t))
        time.sleep(2)
        gap = interruption(reply_times(ping_out), t, time.time())
        if gap is None:
            raise Fail("the ping did not come back after the home agent's restart")
        log("interruption during the home agent's restart: %d ms" % (gap * 1000))
        # reload keeps the binding and the SAs
        r = nsexec("ha", [MIP6SEC, "reload"])
        log("  reload: " + r.stdout.strip())
        if "kept with its bindings" not in r.stdout or "2 kept" not in r.stdout:
            raise Fail("reload did not keep the node and its SAs: " + r.stdout)
        if home_binding() is None:
            raise Fail("the binding is gone after reload")
        # a change the node cannot take while running restarts it; the
        # mobile node is asked (the state file) and registers again
        conf = os.path.join(DIR, "ha.conf")
        text = open(conf).read()
        open(conf, "w").write(text.replace("max_lifetime = 3600", "max_lifetime = 1800"))
        r = nsexec("ha", [MIP6SEC, "reload"])
        log("  reload: " + r.stdout.strip())
        if "node restarted" not in r.stdout:
            raise Fail("reload of a changed home agent role did not restart the node: " + r.stdout)
        b = wait_binding("r1", timeout=10)
        if b["lifetime"] > 1800:
            raise Fail("the new max_lifetime was not applied: %s" % b)
        log("  the mobile node registered again with the restarted node (lifetime %d)" % b["lifetime"])
        # a file that does not load changes nothing
        open(conf, "a").write("broken")
        r = nsexec("ha", [MIP6SEC, "reload"], check=False)
        if r.returncode == 0 or "ha.conf:" not in r.stdout or home_binding() is None:
            raise Fail("a broken file was not refused with FILE:LINE, or it cost the binding: " + r.stdout)
        log("  reload of a broken file refused: " + r.stdout.strip().replace("mip6sec: mip6secd: ", ""))
        bed.stop(ping)
        # SIGTERM: the mobile node de-registers before it exits
        pid = bed.daemon_pid("mn")
        os.kill(pid, signal.SIGTERM)
        wait_for("the mobile node's daemon to exit", lambda: not os.path.exists("/proc/%d" % pid)
                 or open("/proc/%d/stat" % pid).read().split()[2] == "Z", 10)
        wait_for("the de-registration at the home agent", lambda: home_binding() is None, 3)
        log("  SIGTERM: the mobile node de-registered and stopped")


def read_pcap(path):
    """Packets of a pcap file: (linktype, [bytes])."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    pkts, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkts.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return linktype, pkts


def mac_of(name, dev):
    r = nsexec(name, ["cat", "/sys/class/net/%s/address" % dev])
    return bytes.fromhex(r.stdout.strip().replace(":", ""))


INJECTOR = r"""
import socket, sys
dev, dst = sys.argv[1], bytes.fromhex(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
src = bytes.fromhex("02aa00000066")
n = 0
for line in sys.stdin:
    pkt = bytes.fromhex(line.strip())
    s.send(dst + src + b"\x86\xdd" + pkt)
    n += 1
print(n, "frames sent")
"""


def inject(packets, dst_mac, dev="kp-home"):
    """Frames on the home link from a port of its bridge, to dst_mac."""
    data = "".join(p.hex() + "\n" for p in packets)
    r = subprocess.run(["ip", "netns", "exec", ns("rtr"), "/usr/bin/python3", "-c", INJECTOR, dev,
                        dst_mac.hex()], input=data, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    if r.returncode != 0:
        raise Fail("injector: " + r.stdout)


FORGED = [
    # a plaintext BU for the home address (the attacker's care-of address)
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=100 lifetime=3600 flags=AH acoa=2001:db8:3::66",
    # under SPI 0x1001 with a wrong key
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 / esp spi=0x1001 seq=7 enc=aes-cbc key=ffffffffffffffffffffffffffffffff auth=hmac-sha256-128 akey=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff / mh bu seq=101 lifetime=3600 flags=AH acoa=2001:db8:3::66",
    # checksum from the wire addresses, and a bad one
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=102 lifetime=3600 flags=AH csum=wire",
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=103 lifetime=3600 flags=AH csum=bad",
    # malformed: HAO length, misaligned HAO, short MH Header Len, RH0, payload length
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 len=12 / mh bu seq=104 lifetime=3600 flags=AH",
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 pad=0 / mh bu seq=105 lifetime=3600 flags=AH",
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / hao 2001:db8:1::100 / mh bu seq=106 lifetime=3600 flags=AH hlen=0",
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / rh0 2001:db8:1::100 segleft=1 / mh bu seq=107 lifetime=0 flags=AH",
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 plen=9 / hao 2001:db8:1::100 / mh bu seq=108 lifetime=3600 flags=AH",
    # a de-registration in clear, and one tunnelled from the attacker
    "ip6 src=2001:db8:1::100 dst=2001:db8:1::1 / mh bu seq=109 lifetime=0 flags=AH",
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / ip6 src=2001:db8:1::100 dst=2001:db8:1::1 / mh bu seq=110 lifetime=0 flags=AH",
    # reverse-tunnelled data from a care-of address that is not the binding's
    "ip6 src=2001:db8:3::66 dst=2001:db8:1::1 / ip6 src=2001:db8:1::100 dst=2001:db8:4::1 / udp sport=1 dport=2 data=6576696c",
]


def is_nd(pkt):
    """ICMPv6 Neighbor Discovery (types 133..137), as a receiver would read it."""
    return len(pkt) > 40 and pkt[6] == 58 and 133 <= pkt[40] <= 137


def mutate(rng, pkt):
    b = bytearray(pkt)
    kind = rng.randrange(5)
    if kind == 0 and len(b) > 41:
        del b[rng.randrange(40, len(b)):]                  # truncate
    elif kind == 1:
        for _ in range(rng.randrange(1, 6)):               # flip bytes
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == 2 and len(b) > 48:
        i = rng.randrange(40, len(b) - 8)                  # header fields after the first
        b[i:i + 8] = bytes(rng.randrange(256) for _ in range(8))
    elif kind == 3:
        b += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    else:
        b[4:6] = struct.pack(">H", rng.randrange(65536))   # payload length
    return bytes(b)


def test_wire():
    with Bed("normalise") as bed:
        caps = bed.capture(["home"])
        testbed("move", "r1")
        before = wait_binding("r1")
        ping_out, ping = bed.ping("0.1")
        time.sleep(1)
        bed.stop(caps["home"][1])
        ha_mac = mac_of("ha", "ha0")
        spoof = os.path.join(DIR, "forged.pcap")
        run([MIP6SEC, "build", "-o", spoof] + FORGED)
        _, forged = read_pcap(spoof)
        inject(forged, ha_mac)
        # mutations of what really crossed the home link (tunnelled pings,
        # ND, and the protected BU/BA) and of the forgeries, for the home
        # agent and for the mobile node on r1
        lt, captured = read_pcap(caps["home"][0])
        if lt == 1:
            captured = [p[14:] for p in captured if len(p) > 14 and p[12:14] == b"\x86\xdd"]
        # Neighbor Discovery is left out: it is unauthenticated on any IPv6
        # link (SEND would be needed), so a forged advertisement can point
        # a neighbour entry elsewhere, or a forged Router Advertisement make
        # the mobile node believe it moved; that is mip6secd's documented
        # limit, the kernel's too, and not what this test measures.
        rng = random.Random(int(os.environ.get("M6_SEED", "1")))
        corpus = [p for p in captured + forged if not is_nd(p)]
        junk = []
        while len(junk) < 3000:
            m = mutate(rng, rng.choice(corpus))
            if not is_nd(m):
                junk.append(m)
        junk += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) for _ in range(200)]
        junk = [m for m in junk if not is_nd(m)]
        inject(junk, ha_mac)
        inject(junk[:1500], mac_of("mn", "mn0"), dev="kp-r1")
        log("  %d forged and %d mutated or random frames sent to the home agent, 1500 to the mobile node"
            % (len(forged), len(junk)))
        time.sleep(1)
        after = home_binding()
        if after is None or after["coa"] != before["coa"] or after["seq"] != before["seq"]:
            raise Fail("the binding changed: %s -> %s" % (before, after))
        log("  binding unchanged: %s -> %s seq %d" % (after["hoa"], after["coa"], after["seq"]))
        for d in ("ha", "mn"):
            pid = bed.daemon_pid(d)
            if not os.path.exists("/proc/%d" % pid):
                raise Fail("mip6secd in %s died" % ns(d))
        c = show("ha", "counters")
        drops = c.get("drops", {})
        log("  home agent drops by reason: %s" % json.dumps(drops, sort_keys=True))
        # the forgeries in clear are refused by policy before anything reads
        # their Mobility Header; the one under a wrong key by its ICV
        for reason in ("unprotected", "icv"):
            if not drops.get(reason):
                raise Fail("no '%s' drop counted at the home agent" % reason)
        t = time.time()
        time.sleep(2)
        bed.stop(ping)
        if not [x for x in reply_times(ping_out) if x > t]:
            raise Fail("the ping stopped working")


def test_ro():
    with Bed("normalise", ro=True) as bed:
        for link in ("r1", "r2"):
            testbed("move", link)
            wait_binding(link)
            pfx = PREFIXES[link]
            b = wait_for("the correspondent's binding on %s" % link,
                         lambda: [x for x in show("cn", "bindings")["bindings"]
                                  if x["hoa"] == HOA and x["coa"].startswith(pfx)], 15)[0]
            log("  on %s: the correspondent binds %s -> %s (lifetime %d)" % (link, b["hoa"], b["coa"], b["lifetime"]))
        srv = bed.spawn("mn", ["iperf3", "-s", "-1", "--forceflush", "-B", HOA], os.path.join(DIR, "iperf-server.txt"))
        wait_for("iperf3 to listen", lambda: "listening" in open(os.path.join(DIR, "iperf-server.txt")).read(), 10)
        enc0 = show("ha", "counters")["events"].get("tunnel_encap", 0)
        r = nsexec("cn", ["iperf3", "-c", HOA, "-t", "3", "-b", "20M", "-J"], timeout=30)
        bed.stop(srv)
        res = json.loads(r.stdout)
        mbit = res["end"]["sum_received"]["bits_per_second"] / 1e6
        enc = show("ha", "counters")["events"].get("tunnel_encap", 0) - enc0
        log("  TCP correspondent -> home address, route-optimised: %.1f Mbit/s; the home agent tunnelled %d packet(s)"
            % (mbit, enc))
        if mbit < 1 or enc > 20:
            raise Fail("the stream did not take the direct path (%.1f Mbit/s, %d tunnelled)" % (mbit, enc))


def test_soak(minutes):
    with Bed("normalise") as bed:
        caps = bed.capture(["home"])
        testbed("move", "r1")
        before = wait_binding("r1")
        ping_out, ping = bed.ping("0.2")
        time.sleep(2)
        bed.stop(ping)
        bed.stop(caps["home"][1])
        ha_mac = mac_of("ha", "ha0")
        spoof = os.path.join(DIR, "forged.pcap")
        run([MIP6SEC, "build", "-o", spoof] + FORGED)
        _, forged = read_pcap(spoof)
        lt, captured = read_pcap(caps["home"][0])
        if lt == 1:
            captured = [p[14:] for p in captured if len(p) > 14 and p[12:14] == b"\x86\xdd"]
        corpus = captured + forged
        rng = random.Random(int(os.environ.get("M6_SEED", "1")))
        t_end, rounds, frames = time.time() + 60 * minutes, 0, 0
        pid = bed.daemon_pid("ha")
        while time.time() < t_end:
            junk = [mutate(rng, rng.choice(corpus)) for _ in range(2000)]
            junk += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) for _ in range(100)]
            inject(junk, ha_mac)
            frames += len(junk)
            rounds += 1
            if not os.path.exists("/proc/%d" % pid):
                raise Fail("mip6secd in %s died after %d frames" % (ns("ha"), frames))
            after = home_binding()
            if after is None or after["coa"] != before["coa"] or after["seq"] != before["seq"]:
                raise Fail("the binding changed after %d frames: %s -> %s" % (frames, before, after))
        log("soak: %d rounds, %d frames in %d min; binding unchanged, daemon alive" % (rounds, frames, minutes))
        log("  home agent drops by reason: %s" % json.dumps(show("ha", "counters").get("drops", {}),
                                                            sort_keys=True))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    try:
        preflight()
        if sys.argv[1] == "mobility":
            model = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--model" else "normalise"
            test_mobility(model, "--payload-esp" in sys.argv,
                          "aes128gcm16-prfsha256-x25519" if "--ike" in sys.argv else None)
        elif sys.argv[1] == "restart":
            test_restart()
        elif sys.argv[1] == "wire":
            test_wire()
        elif sys.argv[1] == "ro":
            test_ro()
        elif sys.argv[1] == "ike":
            test_ike(*sys.argv[2:3])
        elif sys.argv[1] == "soak":
            test_soak(int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--minutes" else 10)
        else:
            print(__doc__)
            return 2
    except (Fail, subprocess.TimeoutExpired) as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
