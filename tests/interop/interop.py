#!/usr/bin/python3
"""interop - mip6sec's IKEv2 against strongSwan's charon, in network namespaces.

usage: interop.py list
       interop.py cell NAME            (one cell of the matrix; PASS/FAIL)
       interop.py timing [--rounds N]  (handshake wall time, not a test)

A cell is a direction and an IKE proposal:

  r-PROPOSAL  charon is the home agent's IKE side (responder) in m6x-ha;
              mip6secd's mobile node initiates from its care-of address on r1
  i-PROPOSAL  charon initiates, as the mobile node would, from 2001:db8:2::100
              on r1 (kernel address); mip6secd's home agent answers

       life-r-NAME, life-i-NAME
              lifecycle cells (first proposal of the MATRIX): after
              IKE_AUTH, NAME happens (LIFE in cells_life.py): a Child SA or IKE SA
              rekey by either end, charon's Delete of the IKE SA,
              liveness checks by either end; r/i as above

       kex-r-invalid-ke, kex-i-invalid-ke, cookie-r, cookie-i
              IKE_SA_INIT refused statelessly and retried (RETRY below),
              first proposal of the MATRIX unless said:
              kex-r-invalid-ke  mip6secd's mobile node proposes
                [ ecp256, x25519 ] suites (its first KE ECP-256), charon
                x25519 only: charon answers N(INVALID_KE_PAYLOAD) naming
                group 31, mip6secd retries with x25519
              kex-i-invalid-ke  charon proposes ecp256-x25519 (its first KE
                ECP-256), mip6secd's home agent x25519 only and answers
                N(INVALID_KE_PAYLOAD), charon retries
              cookie-r  charon with dos_protection, cookie_threshold = 1
                (strongSwan's receiver asks for a COOKIE when its half-open
                IKE SAs reach the threshold; 0 turns it off, so one must be
                half-open first): the harness makes one from 2001:db8:4::1
                (m6x-cn, an IKE_SA_INIT answered, never followed), then
                charon answers mip6secd's request with N(COOKIE), mip6secd
                retries with it
              cookie-i  mip6secd's home agent with cookies = 1 in its ike
                group, the same decoy half-open SA, then charon initiates,
                gets N(COOKIE), retries with it
              Besides the matrix checks, the capture's IKE_SA_INIT
              messages to and from the care-of address are exactly:
              request, refusal (the one notify alone, SPIr zero),
              retried request (same SPIi, message ID 0; after
              INVALID_KE_PAYLOAD a KE in the group named and the full
              set of proposals again, RFC 7296 1.2; after COOKIE the
              cookie as the first payload and Ni, KEi, SA unchanged,
              2.6), response with the IKE SA's SPIr

       esp-r-ESP, esp-i-ESP
              the first proposal of the MATRIX with the Child SA transform
              ESP (aes256-sha256, aes128-sha256) at both ends instead of
              aes128gcm16; the matrix checks, the ESP ids in IKE_AUTH and
              mip6secd's own account of the Child SA

PROPOSAL is one of the MATRIX below (strongSwan notation, the same string in
both configurations). Both directions use the RFC 4877 profile of the BU/BA
SA: PSK, IDi mn-a@example.com (RFC822) bound to the home address
2001:db8:1::100, IDr ha.example.com (FQDN), Child SA ESP (aes128gcm16) in
transport mode with TSi = home address and TSr = home agent, protocol MH
(135), MH types BU..BA in the port fields (1280-1791, RFC 4301 4.4.1.1).

Each cell brings up the testbed (scripts/testbed.sh up --ike PROPOSAL
--no-daemons, namespaces m6x-*), starts a private charon (its own
strongswan.conf via STRONGSWAN_CONF, swanctl directory, /run bind-mounted
in its own mount namespace for the pid file and vici socket, nothing of the
host's /etc or /run touched) and mip6secd, captures the home and r1 links,
and checks:
  * both ends established the IKE SA and the Child SA, with the same SPIs;
  * what was negotiated is RFC 4877's SA (printed: IDs, TSi/TSr with
    protocol and MH-type ports, USE_TRANSPORT_MODE both ways, ESP, suite),
    read from the capture decrypted by tshark;
  * charon's own key tables (ikev2_decryption_table and esp_sa written by
    tests/interop/charon_m6.c inside charon) and mip6secd's (`mip6sec keys`)
    agree: the IKE lines byte for byte, the ESP keys SPI by SPI;
  * tshark decrypts the capture with strongSwan's tables alone (IKE_AUTH
    both ways; with charon responding also the mobile node's Binding Update
    under the Child SA).

charon needs the plugin in charon_m6.c (compiled here with cc, preloaded):
this kernel has no IPv6 ESP, so kernel-netlink cannot install the Child SA
and kernel-libipsec does not do transport mode (docs/interop.md).

mip6secd's proposal list goes to scripts/testbed.sh as --ike A,B (comma
separated); more keys of its ike group (cookies = 1, the lifecycle cells'
timers) are added to the configuration the testbed wrote.

Runs as root; a cell that cannot run (not root, charon, swanctl, tshark,
radvd or a compiler missing, another charon version) fails, never skips.
Environment: MIP6SECD, MIP6SEC (the programs), M6_INTEROP_DIR (state,
default /run/mip6sec-interop), CHARON (default /usr/lib/ipsec/charon).
To see why the plugin is there, M6_INTEROP_KERNEL=netlink or libipsec runs
charon with that IPsec backend instead (no key tables then, the cell fails),
and M6_INTEROP_MODE=transport configures mode = transport instead of
transport_proxy.

The constants and process helpers are in base.py, the checks on captures
and key tables in capture.py, the cell families in cells_*.py.
"""
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from base import *  # noqa: F401,F403 - constants, Fail, log, run, nsexec, testbed
from capture import *  # noqa: F401,F403 - the checks on captures and key tables


def preflight():
    if os.geteuid() != 0:
        raise Fail("must run as root (network namespaces, AF_PACKET, a private /run for charon)")
    for tool in ("ip", "radvd", "tcpdump", "tshark", "swanctl", "cc"):
        if not shutil.which(tool):
            raise Fail("%s is not installed (sh scripts/install-deps.sh)" % tool)
    if not os.access(CHARON, os.X_OK):
        raise Fail("charon not found at %s (apt-get install strongswan-charon strongswan-swanctl)" % CHARON)
    v = run([CHARON, "--version"], check=False).stdout
    if CHARON_VERSION not in v:
        raise Fail("charon_m6.c is written against strongSwan %s's structures; %s says: %s"
                   % (CHARON_VERSION, CHARON, v.strip()))
    for p in (MIP6SECD, MIP6SEC):
        if not os.access(p, os.X_OK):
            raise Fail("MIP6SECD / MIP6SEC must name the built programs (got %r)" % p)


def build_plugin():
    so = os.path.join(DIR, "charon_m6.so")
    run(["cc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", so, PLUGIN_SRC])
    return so


# ---- charon ----------------------------------------------------------------

class Charon:
    """A private charon in a namespace, started and stopped by its pid."""

    def __init__(self, name, netns, plugin, opts="", libipsec=False):
        """opts: more charon { } settings (the cookie cells' DoS protection);
        libipsec: charon's user-space ESP (kernel-libipsec: tunnel mode in
        UDP, a TUN device, routes) carries the data, and the harness's
        plugin only logs the IKE keys"""
        self.name, self.netns, self.plugin, self.libipsec = name, netns, plugin, libipsec
        self.d = os.path.join(DIR, "charon-" + name)
        self.keys = os.path.join(self.d, "keys")
        self.vici = "unix://" + os.path.join(self.d, "run", "charon.vici")
        if len(self.vici) - 7 > 100:
            raise Fail("%s: a unix socket path must stay below 108 octets; set a shorter M6_INTEROP_DIR"
                       % self.vici[7:])
        self.proc = None
        shutil.rmtree(self.d, ignore_errors=True)
        for sub in ("run", "keys", "swanctl/conf.d", "swanctl/x509", "swanctl/x509ca", "swanctl/private"):
            os.makedirs(os.path.join(self.d, sub))
        plugins = PLUGINS
        kernel = os.environ.get("M6_INTEROP_KERNEL", "")
        if kernel in ("netlink", "libipsec"):
            plugins = plugins.replace("m6-interop ", "kernel-libipsec " if kernel == "libipsec" else "")
        if libipsec:
            plugins = plugins.replace("m6-interop ", "m6-interop kernel-libipsec ")
        with open(os.path.join(self.d, "strongswan.conf"), "w") as f:
            f.write("""# private strongswan.conf of the interop harness (instance %(name)s)
charon {
  load_modular = no
  load = %(plugins)s
  install_routes = %(routes)s
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 1.0
  %(opts)s
  filelog {
    main {
      path = %(d)s/charon.log
      time_format = %%H:%%M:%%S.%%f
      ike_name = yes
      append = no
      flush_line = yes
      default = 1
      ike = 2
      chd = 2
      cfg = 2
      knl = 2
      net = 2
    }
  }
  syslog {
    daemon { default = -1 }
    auth { default = -1 }
  }
  plugins {
    vici { socket = %(vici)s }
  }
}
swanctl {
  socket = %(vici)s
}
""" % dict(name=name, plugins=plugins, d=self.d, vici=self.vici, opts=opts.replace("\n", "\n  "),
           routes="yes" if libipsec else "no"))

    def conf(self, text):
        with open(os.path.join(self.d, "swanctl", "swanctl.conf"), "w") as f:
            f.write(text)

    def start(self):
        run_dir = os.path.join(self.d, "run")
        e = env()
        e.update(STRONGSWAN_CONF=os.path.join(self.d, "strongswan.conf"), M6_CHARON_KEYS=self.keys)
        if self.libipsec:
            e["M6_CHARON_NO_KERNEL"] = "1"
            with open(os.path.join(self.keys, "esp_sa"), "w") as f:
                f.write("# charon with kernel-libipsec: its ESP keys are not logged here\n")
        # `ip netns exec` gives the command its own mount namespace: /run
        # (charon 5.9.8's fixed /var/run/charon.pid) is bind-mounted there
        # only; exec keeps the pid ours to stop
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns(self.netns), "sh", "-c",
                                      'mount --bind "$0" /run && LD_PRELOAD="$2" exec "$1"', run_dir, CHARON,
                                      self.plugin],
                                     stdout=open(os.path.join(self.d, "charon.out"), "w"),
                                     stderr=subprocess.STDOUT, env=e)
        try:
            wait_for("charon %s's vici socket" % self.name,
                     lambda: os.path.exists(os.path.join(run_dir, "charon.vici")) or self.proc.poll() is not None, 15)
        except Fail:
            raise Fail("charon %s did not start:\n%s" % (self.name, self.tail()))
        if self.proc.poll() is not None:
            raise Fail("charon %s exited %d:\n%s" % (self.name, self.proc.returncode, self.tail()))
        self.swanctl("--load-all", "--noprompt")

    def tail(self):
        out = ""
        for f in ("charon.out", "charon.log"):
            p = os.path.join(self.d, f)
            if os.path.exists(p):
                out += "--- %s\n%s" % (p, "".join(open(p).readlines()[-30:]))
        return out

    def swanctl(self, *args, check=True, timeout=30):
        e = env()
        e.update(STRONGSWAN_CONF=os.path.join(self.d, "strongswan.conf"),
                 SWANCTL_DIR=os.path.join(self.d, "swanctl"))
        return run(["swanctl"] + list(args) + ["--uri", self.vici], check=check, timeout=timeout, env=e)

    def sas(self):
        """swanctl --list-sas, read back: one dict per IKE SA."""
        return parse_list_sas(self.swanctl("--list-sas").stdout)

    def crash(self):
        """As a crash: SIGKILL, no Delete to anyone, state gone; its run
        directory cleared for the next start."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in ("charon.vici", "charon.pid"):
            p = os.path.join(self.d, "run", f)
            if os.path.exists(p):
                os.unlink(p)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def parse_list_sas(text):
    """swanctl --list-sas (5.9.x text): IKE SA lines, then their Child SAs.
      NAME: #1, ESTABLISHED, IKEv2, SPIi_i SPIr_r*
        local  'ID' @ ADDR[PORT]          remote 'ID' @ ADDR[PORT]
        SUITE
        CHILD: #1, reqid 1, INSTALLED, TRANSPORT_PROXY, ESP:AES_GCM_16-128
          in  SPI, ...   out SPI, ...   local  TS   remote TS"""
    sas, ike, child = [], None, None
    for line in text.splitlines():
        m = re.match(r"^(\S+): #\d+, (\w+), IKEv2, ([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r", line)
        if m:
            ike = {"name": m.group(1), "state": m.group(2), "initiator-spi": m.group(3),
                   "responder-spi": m.group(4), "children": []}
            sas.append(ike)
            child = None
            continue
        if ike is None:
            continue
        m = re.match(r"^  (local|remote)\s+'([^']*)' @ (\S+)\[(\d+)\]", line)
        if m and child is None:
            ike[m.group(1) + "-id"], ike[m.group(1) + "-host"] = m.group(2), m.group(3)
            continue
        m = re.match(r"^  ([A-Z0-9_]+(-\d+)?(/[A-Z0-9_]+)+)\s*$", line)
        if m and child is None:
            ike["suite"] = m.group(1)
            continue
        # the mode reads e.g. TRANSPORT_PROXY-in-UDP with ESP in UDP (RFC 3948)
        m = re.match(r"^  (\S+): #\d+, reqid \d+, (\w+), (\w+)(-in-UDP)?, (\w+):(\S+)", line)
        if m:
            child = {"name": m.group(1), "state": m.group(2), "mode": m.group(3), "protocol": m.group(5),
                     "esp": m.group(6), "encap": "yes" if m.group(4) else "no"}
            ike["children"].append(child)
            continue
        m = re.match(r"^    (in|out)\s+([0-9a-f]{8})", line)
        if m and child is not None:
            child["spi-" + m.group(1)] = m.group(2)
            continue
        m = re.match(r"^    (local|remote)\s+(\S+)", line)
        if m and child is not None:
            child[m.group(1) + "-ts"] = m.group(2)
    return sas


def swanctl_conf(initiator, proposal, mode, ike_opts="rekey_time = 0\n    dpd_delay = 0",
                 child_opts="rekey_time = 0", esp=ESP):
    """charon's swanctl.conf; the matrix cells switch its rekeying and
    liveness checks off, the lifecycle cells set them (ike_opts at the
    connection, child_opts at the Child SA)."""
    child = """      bu {
        mode = %(mode)s
        local_ts = %(lts)s
        remote_ts = %(rts)s
        esp_proposals = %(esp)s
        %(copts)s
        start_action = none
      }""" % dict(mode=mode, esp=esp, copts=child_opts.replace("\n", "\n        "),
                 lts=("%s/128[135/%s]" % (HOA, MH_PORTS)) if initiator else "%s/128[135]" % HA,
                 rts=("%s/128[135/%s]" % (HA, MH_PORTS)) if initiator else "%s/128[135]" % HOA)
    return """# RFC 4877 BU/BA SA, %(role)s (written by tests/interop/interop.py)
connections {
  rfc4877 {
    version = 2
    local_addrs = %(local)s
    remote_addrs = %(remote)s
    proposals = %(proposal)s
    %(ike_opts)s
    %(mobike)s
    local {
      auth = psk
      id = %(my_id)s
    }
    remote {
      auth = psk
      id = %(peer_id)s
    }
    children {
%(child)s
    }
  }
}
secrets {
  ike-mn {
    id-mn = %(mn)s
    id-ha = %(ha)s
    secret = "%(psk)s"
  }
}
""" % dict(role="charon initiates (mobile node)" if initiator else "charon answers (home agent)",
           local=COA if initiator else HA, remote=HA if initiator else "%any", proposal=proposal,
           my_id=MN_ID if initiator else HA_ID, peer_id=HA_ID if initiator else MN_ID, child=child,
           mn=MN_ID, ha=HA_ID, psk=PSK, ike_opts=ike_opts.replace("\n", "\n    "),
           mobike="" if "mobike" in ike_opts else "mobike = no")


# ---- the testbed -----------------------------------------------------------

class Bed:
    def __init__(self, proposal):
        self.proposal = proposal
        self.procs = []
        self.charons = []

    def __enter__(self):
        os.makedirs(os.path.join(DIR, "bed"), exist_ok=True)
        # one m6x-* testbed at a time on this host (another build's run
        # waits here instead of failing on the namespaces)
        self.lockf = open("/run/mip6sec-interop.lock", "w")
        fcntl.flock(self.lockf, fcntl.LOCK_EX)
        testbed("down")
        testbed("up", "--ike", self.proposal, "--no-daemons")
        return self

    def __exit__(self, *exc):
        for c in self.charons:
            c.stop()
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if exc[0] is not None:
            for c in self.charons:
                log(c.tail())
            for d in ("ha", "mn"):
                p = os.path.join(DIR, "bed", d + ".log")
                if os.path.exists(p):
                    log("--- %s\n%s" % (p, "".join(open(p).readlines()[-20:])))
        testbed("down")
        fcntl.flock(self.lockf, fcntl.LOCK_UN)
        self.lockf.close()
        return False

    def spawn(self, name, args, out):
        p = subprocess.Popen(["ip", "netns", "exec", ns(name)] + args, stdout=open(out, "w"),
                             stderr=subprocess.STDOUT, env=env())
        self.procs.append(p)
        return p

    def capture(self):
        path = os.path.join(DIR, "cap.pcap")
        # the home link: every IKE message and every BU/BA crosses it once
        p = self.spawn("rtr", ["tcpdump", "-U", "--immediate-mode", "-n", "-i", "br-home", "-w", path],
                       path + ".log")
        wait_for("tcpdump", lambda: "listening" in open(path + ".log").read(), 10)
        return path, p

    def stop(self, p):
        if p.poll() is None:
            time.sleep(0.5)
            p.send_signal(signal.SIGINT)
            p.wait(timeout=5)

    def kernel_host(self, name, addr, gw, dev):
        """The kernel owns dev: one static address, one default route;
        nothing learnt from Router Advertisements (the home prefix a
        mobile node's link heard before it moved would stay on-link)."""
        nsexec(name, ["sysctl", "-qw", "net.ipv6.conf.%s.accept_ra=0" % dev])
        nsexec(name, ["ip", "-6", "addr", "flush", "dev", dev, "scope", "global"])
        nsexec(name, ["ip", "-6", "route", "flush", "dev", dev])
        nsexec(name, ["ip", "addr", "add", addr + "/64", "dev", dev, "nodad"])
        nsexec(name, ["ip", "-6", "route", "replace", "default", "via", gw, "dev", dev])


def show_ike(node):
    r = nsexec(node, [MIP6SEC, "show", "ike", "--json"], timeout=10)
    return json.loads(r.stdout)


def established(node):
    est = [s for s in show_ike(node)["ike"] if s["state"] == "established"]
    return est[0] if est else None


# ---- the cells ---------------------------------------------------------------

def cell_charon_responder(proposal, plugin, charon_proposal=None, charon_opts="", before=None, after=None,
                          esp=ESP):
    """proposal: mip6secd's (testbed.sh --ike), charon's too unless
    charon_proposal; charon_opts: more strongswan.conf settings; before(bed)
    runs once the capture is on, before the mobile node starts; after(pcap,
    m6) checks more in the capture once the usual checks passed; esp: the
    Child SA's transform at both ends."""
    with Bed(proposal) as bed:
        m6_set_esp("mn", esp)
        bed.kernel_host("ha", HA, "2001:db8:1::2", "ha0")
        ch = Charon("ha", "ha", plugin, charon_opts)
        bed.charons.append(ch)
        ch.conf(swanctl_conf(False, charon_proposal or proposal, os.environ.get("M6_INTEROP_MODE",
                                                                                  "transport_proxy"), esp=esp))
        ch.start()
        pcap, cap = bed.capture()
        if before:
            before(bed)
        testbed("restart", "mn")
        testbed("move", "r1")
        m6 = wait_for("mip6secd's mobile node to establish the IKE SA with charon",
                      lambda: established("mn"), 20)
        ike = wait_for("charon's IKE SA", lambda: charon_sa(ch), 5)
        log("  mip6secd: IKE %s/%s %s, Child SA ESP %s in 0x%08x out 0x%08x" % (
            m6["spi_i"], m6["spi_r"], m6["suite"], m6["child"]["esp"], m6["child"]["spi_in"],
            m6["child"]["spi_out"]))
        check_charon_child(ike, m6)
        # the mobile node's Binding Update goes out under the new SA
        time.sleep(1.5)
        m6dir = os.path.join(DIR, "bed")
        nsexec("mn", [MIP6SEC, "keys", os.path.join(m6dir, "mn.keys")])
        bed.stop(cap)
        compare_tables(ch, m6dir, "mn", [m6["child"]["spi_in"], m6["child"]["spi_out"]])
        conf = ws_conf("charon", ch.keys)
        msgs = ike_messages(pcap, conf, "charon")
        rows, _, _ = rfc4877_sa(msgs, m6["spi_i"], esp)
        print_rows(rows)
        if esp.startswith("chacha20poly1305") or esp.endswith("-esn"):
            # Wireshark 4.0 has no ChaCha20-Poly1305 in esp_sa, and no way
            # to say ESN (its AAD): opened here with Python's cryptography
            # and charon's key
            bus = py_esp_bus(pcap, os.path.join(ch.keys, "esp_sa"), m6["child"]["spi_out"],
                             esn=esp.endswith("-esn"))
        else:
            esp_conf = ws_conf("charon-esp", ch.keys, ("esp_sa",))
            r = run(["tshark", "-n", "-r", pcap, "-Y", "esp and mip6.mhtype == 5", "-T", "fields", "-e", "esp.spi",
                     "-e", "mip6.bu.seqnr"], env=dict(os.environ, WIRESHARK_CONFIG_DIR=esp_conf), timeout=60)
            bus = [l.split("\t") for l in r.stdout.splitlines() if l.strip() and not l.startswith("Running")]
        if not bus or any(int(b[0], 16) != m6["child"]["spi_out"] for b in bus):
            raise Fail("tshark did not decrypt the Binding Updates under the Child SA with charon's esp_sa: %s"
                       % r.stdout)
        log("  %s with charon's esp_sa alone decrypts %d Binding Update(s) under ESP SPI %s (sequence %s)"
            % ("Python (cryptography; tshark 4.0 has no ChaCha20 ESP)" if esp.startswith("chacha") else
               "Python (cryptography, ESN in the AAD; tshark 4.0's esp_sa has no ESN)" if esp.endswith("-esn")
               else "tshark",
               len(bus), bus[0][0], bus[0][1]))
        t = handshake_time(msgs, m6["spi_i"])
        log("  handshake (IKE_SA_INIT request to IKE_AUTH response): %.1f ms" % (t * 1000))
        if after:
            after(pcap, m6)
        return t


def cell_charon_initiator(proposal, plugin, charon_proposal=None, m6_extra="", before=None, after=None,
                          esp=ESP):
    """proposal: mip6secd's (testbed.sh --ike), charon's too unless
    charon_proposal; m6_extra: more keys in mip6secd's ike group;
    before(bed) runs once the capture is on, before charon initiates;
    after(pcap, m6) checks more in the capture once the usual checks
    passed."""
    with Bed(proposal) as bed:
        m6_ike_extra("ha", m6_extra)
        m6_set_esp("ha", esp)
        testbed("restart", "ha")
        testbed("move", "r1")
        bed.kernel_host("mn", COA, "2001:db8:2::1", "mn0")
        ch = Charon("mn", "mn", plugin)
        bed.charons.append(ch)
        ch.conf(swanctl_conf(True, charon_proposal or proposal, "transport_proxy", esp=esp))
        ch.start()
        pcap, cap = bed.capture()
        if before:
            before(bed)
        r = ch.swanctl("--initiate", "--child", "bu", "--timeout", "20", check=False, timeout=40)
        if r.returncode != 0:
            raise Fail("swanctl --initiate failed against mip6secd's home agent:\n%s" % r.stdout[-3000:])
        m6 = wait_for("mip6secd's home agent to hold the IKE SA", lambda: established("ha"), 5)
        ike = wait_for("charon's IKE SA", lambda: charon_sa(ch), 5)
        log("  mip6secd: IKE %s/%s %s, Child SA ESP %s in 0x%08x out 0x%08x, peer %s" % (
            m6["spi_i"], m6["spi_r"], m6["suite"], m6["child"]["esp"], m6["child"]["spi_in"],
            m6["child"]["spi_out"], m6["peer_id"]))
        if not m6["child"]["installed"]:
            raise Fail("mip6secd's home agent did not install the Child SA: %s" % m6)
        check_charon_child(ike, m6)
        m6dir = os.path.join(DIR, "bed")
        nsexec("ha", [MIP6SEC, "keys", os.path.join(m6dir, "ha.keys")])
        bed.stop(cap)
        compare_tables(ch, m6dir, "ha", [m6["child"]["spi_in"], m6["child"]["spi_out"]])
        conf = ws_conf("charon", ch.keys)
        msgs = ike_messages(pcap, conf, "charon")
        rows, _, _ = rfc4877_sa(msgs, m6["spi_i"], esp)
        print_rows(rows)
        t = handshake_time(msgs, m6["spi_i"])
        log("  handshake (IKE_SA_INIT request to IKE_AUTH response): %.1f ms" % (t * 1000))
        if after:
            after(pcap, m6)
        return t


# IKE group numbers the retry and lifecycle cells name
X25519, ECP256 = "31", "19"


# ---- lifecycle cells: exchanges after IKE_AUTH ------------------------------

LIFE_PROPOSAL = MATRIX[0]
REKEY_SA, NOTIFY_USE_TM = "16393", USE_TRANSPORT_MODE


def m6_sas(node):
    """mip6secd's SAD: SPI -> entry (show sa --json)."""
    r = nsexec(node, [MIP6SEC, "show", "sa", "--json"], timeout=10)
    return {e["spi"]: e for e in json.loads(r.stdout)["sa"]}


def m6_ike_extra(node, m6_extra):
    """More keys in the ike group of the configuration the testbed wrote
    for mip6secd in m6x-NODE (before it starts)."""
    if not m6_extra:
        return
    conf = os.path.join(DIR, "bed", node + ".conf")
    text = open(conf).read()
    tail = 'esp = "aes128gcm16"; };'
    if tail not in text:
        raise Fail("%s: no ike group to add %r to" % (conf, m6_extra))
    with open(conf, "w") as f:
        f.write(text.replace(tail, 'esp = "aes128gcm16"; %s };' % m6_extra))


def m6_set_esp(node, esp):
    """The Child SA transform in the ike group of mip6secd's configuration
    in m6x-NODE (before it starts)."""
    if esp == ESP:
        return
    conf = os.path.join(DIR, "bed", node + ".conf")
    text = open(conf).read()
    was = 'esp = "%s";' % ESP
    if text.count(was) != 1:
        raise Fail("%s: no ike group whose esp to set to %s" % (conf, esp))
    with open(conf, "w") as f:
        f.write(text.replace(was, 'esp = "%s";' % esp))


def establish(ch, direction):
    """The IKE SA made: by mip6secd's mobile node, started on r1 (r), or by
    charon initiating to mip6secd's home agent (i); mip6secd's account."""
    if direction == "r":
        testbed("restart", "mn")
        testbed("move", "r1")
        return wait_for("mip6secd's mobile node to establish the IKE SA with charon", lambda: established("mn"), 20)
    r = ch.swanctl("--initiate", "--child", "bu", "--timeout", "20", check=False, timeout=40)
    if r.returncode != 0:
        raise Fail("swanctl --initiate failed against mip6secd's home agent:\n%s" % r.stdout[-3000:])
    return wait_for("mip6secd's home agent to hold the IKE SA", lambda: established("ha"), 5)


def life_setup(bed, direction, plugin, ike_opts, child_opts, m6_extra, esp=ESP):
    """Brings up charon and mip6secd (as the matrix cells do) with the
    cell's options and waits for the IKE SA; returns the pieces."""
    node = "mn" if direction == "r" else "ha"
    m6_ike_extra(node, m6_extra)
    if direction == "r":
        bed.kernel_host("ha", HA, "2001:db8:1::2", "ha0")
        ch = Charon("ha", "ha", plugin)
        ch.conf(swanctl_conf(False, LIFE_PROPOSAL, "transport_proxy", ike_opts, child_opts, esp=esp))
        charon_addr, m6_addr = HA, COA
    else:
        testbed("restart", "ha")
        testbed("move", "r1")
        bed.kernel_host("mn", COA, "2001:db8:2::1", "mn0")
        ch = Charon("mn", "mn", plugin)
        ch.conf(swanctl_conf(True, LIFE_PROPOSAL, "transport_proxy", ike_opts, child_opts, esp=esp))
        charon_addr, m6_addr = COA, HA
    bed.charons.append(ch)
    ch.start()
    pcap, cap = bed.capture()
    m6 = establish(ch, direction)
    # charon reports its IKE SA ESTABLISHED before its Child SA is installed
    ike = wait_for("charon's IKE SA and its Child SA", lambda: (lambda x: x if x and x["children"] else None)(
        charon_sa(ch)), 5)
    if not m6["child"]["installed"]:
        raise Fail("mip6secd did not install the Child SA: %s" % m6)
    log("  established: IKE %s/%s, Child SA mip6secd in 0x%08x out 0x%08x" % (
        m6["spi_i"], m6["spi_r"], m6["child"]["spi_in"], m6["child"]["spi_out"]))
    check_charon_child(ike, m6)
    return ch, node, charon_addr, m6_addr, pcap, cap, m6


def life_msgs(pcap, ch, spi_i):
    msgs = tshark_ike(pcap, ws_conf("charon", ch.keys), LIFE_FIELDS)
    return [m for m in msgs if m["isakmp.ispi"] and m["isakmp.ispi"][0] == spi_i]


def exchanges(msgs, exchange, src):
    """(request, response) pairs of one exchange type whose requests come
    from src, paired by message ID."""
    pairs = []
    for q in msgs:
        if q["exchange"] != exchange or q["response"] or q["ipv6.src"][0] != src:
            continue
        a = [m for m in msgs if m["exchange"] == exchange and m["response"] and
             m["isakmp.messageid"] == q["isakmp.messageid"] and m["ipv6.src"][0] != src]
        pairs.append((q, a[0] if a else None))
    return pairs


def spi_hex(v):
    return "%08x" % v


def m6_child(node):
    """mip6secd's IKE-keyed ESP SAs from its SAD (show sa): (inbound SPIs,
    outbound SPIs). `show ike` names the IKE_AUTH Child SA only."""
    sad = [e for e in m6_sas(node).values() if not e["manual"] and e["protocol"].lower() == "esp"]
    return (sorted(e["spi"] for e in sad if e["direction"].startswith("in")),
            sorted(e["spi"] for e in sad if e["direction"].startswith("out")))


def established_addr(node):
    return COA if node == "mn" else HA


# Child SA transforms other than the matrix's aes128gcm16, both directions
# (the first IKE proposal of the matrix)
ESP_MATRIX = ["aes256-sha256", "aes128-sha256", "chacha20poly1305", "aes128gcm16-esn"]
ESP_CELLS = ["esp-%s-%s" % (d, e) for e in ESP_MATRIX for d in ("r", "i")]


def esp_cell(name, plugin):
    direction, esp = name[4], name[6:]
    log("cell %s: %s, IKE %s, ESP %s" % (name, "charon responds to mip6secd's mobile node" if direction == "r"
                                          else "charon initiates to mip6secd's home agent", MATRIX[0], esp))
    got = {}

    def after(pcap, m6):
        got["esp"] = m6["child"]["esp"]
    t = (cell_charon_responder if direction == "r" else cell_charon_initiator)(MATRIX[0], plugin, after=after,
                                                                               esp=esp)
    # mip6secd's own account of the Child SA it installed
    want = {"aes256-sha256": ("aes_cbc-256/", "hmac_sha2_256_128"),
            "aes128-sha256": ("aes_cbc-128/", "hmac_sha2_256_128"),
            "chacha20poly1305": ("chacha20",),
            "aes128gcm16-esn": ("aes_gcm_16-128", "/esn")}[esp]
    text = str(got.get("esp", "")).lower()
    if not all(w in text for w in want) or ("gcm" in text) != ("gcm" in esp):
        raise Fail("mip6secd reports Child SA ESP %r, not %s" % (got.get("esp"), esp))
    log("  Child SA ESP negotiated and installed at both ends: %s (mip6secd: %s)" % (esp, got["esp"]))
    return t


def life_cells():
    """tests/interop/cells_life.py: the lifecycle cells."""
    import cells_life
    return cells_life


def retry_cells():
    """tests/interop/cells_retry.py: IKE_SA_INIT retried (INVALID_KE_PAYLOAD,
    COOKIE)."""
    import cells_retry
    return cells_retry


def more_cells():
    """tests/interop/cells_ike.py: the MOBIKE, home address, tunnel-mode
    and certificate cells (imported when asked for: it uses this module)."""
    import cells_ike
    return cells_ike


def cell(name):
    more = more_cells()
    if name in more.CELLS:
        os.makedirs(DIR, exist_ok=True)
        return more.run(name, build_plugin())
    if name in ESP_CELLS:
        os.makedirs(DIR, exist_ok=True)
        return esp_cell(name, build_plugin())
    retry = retry_cells()
    if name in retry.RETRY_CELLS:
        os.makedirs(DIR, exist_ok=True)
        return retry.retry_cell(name, build_plugin())
    life = life_cells()
    if name in life.LIFE_CELLS:
        os.makedirs(DIR, exist_ok=True)
        return life.life_cell(name, build_plugin())
    if name not in CELLS:
        raise Fail("no cell %r (interop.py list)" % name)
    os.makedirs(DIR, exist_ok=True)
    plugin = build_plugin()
    direction, proposal = name[0], name[2:]
    log("cell %s: %s, IKE %s, ESP %s" % (name, "charon responds to mip6secd's mobile node" if direction == "r"
                                          else "charon initiates to mip6secd's home agent", proposal, ESP))
    if direction == "r":
        return cell_charon_responder(proposal, plugin)
    return cell_charon_initiator(proposal, plugin)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("list", "cell", "timing"):
        print(__doc__)
        return 2
    if sys.argv[1] == "list":
        print("\n".join(CELLS + life_cells().LIFE_CELLS + retry_cells().RETRY_CELLS + ESP_CELLS + more_cells().CELLS))
        return 0
    try:
        preflight()
        if sys.argv[1] == "cell" and len(sys.argv) == 3:
            cell(sys.argv[2])
        elif sys.argv[1] == "timing":
            timing(int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--rounds" else 5)
        else:
            print(__doc__)
            return 2
    except (Fail, subprocess.TimeoutExpired, OSError) as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    print("PASS", flush=True)
    return 0


def timing(rounds):
    """Handshake wall time (IKE_SA_INIT request to IKE_AUTH response, from
    the capture) of mip6secd's mobile node and of charon as initiators
    against the same charon responder, with the first proposal of MATRIX."""
    os.makedirs(DIR, exist_ok=True)
    plugin = build_plugin()
    proposal = MATRIX[0]
    with Bed(proposal) as bed:
        bed.kernel_host("ha", HA, "2001:db8:1::2", "ha0")
        ha = Charon("ha", "ha", plugin)
        bed.charons.append(ha)
        ha.conf(swanctl_conf(False, proposal, "transport_proxy"))
        ha.start()
        pcap, cap = bed.capture()
        testbed("restart", "mn")
        m6_spis = []
        for i in range(rounds):
            # a new IKE SA after each move (no K bit yet)
            testbed("move", ("r1", "r2")[i % 2])
            est = wait_for("a new IKE SA from mip6secd", lambda: (lambda e: e if e and e["spi_i"] not in m6_spis
                                                                  else None)(established("mn")), 20)
            m6_spis.append(est["spi_i"])
            time.sleep(0.5)
        if rounds % 2 == 0:
            testbed("move", "r1")
            time.sleep(1)
        with open(os.path.join(DIR, "bed", "mn.pid")) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGTERM)   # the daemon the testbed started for us
        wait_for("mip6secd in m6x-mn to stop", lambda: not os.path.exists("/proc/%d" % pid), 10)
        bed.kernel_host("mn", COA, "2001:db8:2::1", "mn0")
        mn = Charon("mn", "mn", plugin)
        bed.charons.append(mn)
        mn.conf(swanctl_conf(True, proposal, "transport_proxy"))
        mn.start()
        ch_spis = []
        for i in range(rounds):
            mn.swanctl("--initiate", "--child", "bu", "--timeout", "20", timeout=40)
            ch_spis.append(charon_sa(mn)["initiator-spi"])
            mn.swanctl("--terminate", "--ike", "rfc4877", "--timeout", "10", timeout=30)
        bed.stop(cap)
        msgs = ike_messages(pcap, ws_conf("charon-ha", ha.keys), "charon")
        asan = b"__asan_init" in open(MIP6SECD, "rb").read()
        for who, spis in (("mip6secd (ASan build)" if asan else "mip6secd", m6_spis), ("charon " + CHARON_VERSION, ch_spis)):
            t = sorted(handshake_time(msgs, spi) * 1000 for spi in spis)
            own = sorted(initiator_time(msgs, spi) * 1000 for spi in spis)
            log("%-24s initiator -> charon responder, %s, %d handshakes: min %.1f ms, median %.1f ms, max %.1f ms;"
                " initiator's own part (IKE_SA_INIT response to IKE_AUTH request) median %.2f ms"
                % (who, proposal, len(t), t[0], t[len(t) // 2], t[-1], own[len(own) // 2]))


if __name__ == "__main__":
    # one instance of this module for it and cells_ike (which imports it):
    # the same Fail, the same globals
    sys.path.insert(0, HERE)
    import interop
    sys.exit(interop.main())
