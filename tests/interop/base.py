"""base - the interop harness's constants and its process helpers:
the namespaces (m6x-*), the testbed script, commands run with a timeout
and failures as Fail. interop.py and the capture checks import it."""
import os
import subprocess
import time


HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TESTBED = os.path.join(TOP, "scripts", "testbed.sh")
PLUGIN_SRC = os.path.join(HERE, "charon_m6.c")
PREFIX = "m6x-"
DIR = os.environ.get("M6_INTEROP_DIR", "/run/mip6sec-interop")
MIP6SEC = os.environ.get("MIP6SEC", "mip6sec")
MIP6SECD = os.environ.get("MIP6SECD", "mip6secd")
CHARON = os.environ.get("CHARON", "/usr/lib/ipsec/charon")
CHARON_VERSION = "5.9.8"

HOA, HA, COA = "2001:db8:1::100", "2001:db8:1::1", "2001:db8:2::100"
MN_ID, HA_ID = "mn-a@example.com", "ha.example.com"
PSK = "mip6sec testbed pre-shared key: sixty-four octets of text or more, for IKE"
ESP = "aes128gcm16"
MATRIX = ["aes128gcm16-prfsha256-x25519", "aes128-sha256-modp2048", "aes256gcm16-prfsha384-ecp384",
          "chacha20poly1305-prfsha256-x25519"]
CELLS = ["r-" + p for p in MATRIX] + ["i-" + p for p in MATRIX]
PLUGINS = ("random nonce openssl pem pkcs1 pkcs8 x509 pubkey aes sha1 sha2 hmac kdf gcm chapoly curve25519 "
           "m6-interop kernel-netlink socket-default vici")
# RFC 4301 4.4.1.1: an MH type sits in the high octet of the port field;
# ike_km proposes BU (5) .. BA (6)
MH_PORTS = "1280-1791"


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def ns(name):
    return PREFIX + name


def env():
    e = dict(os.environ)
    e.update(M6_TESTBED_PREFIX=PREFIX, M6_TESTBED_DIR=os.path.join(DIR, "bed"), MIP6SEC=MIP6SEC,
             MIP6SECD=MIP6SECD, M6_LOG_LEVEL="debug")
    return e


def run(args, check=True, timeout=60, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                       env=kw.pop("env", env()), **kw)
    if check and r.returncode != 0:
        raise Fail("%s exited %d:\n%s" % (" ".join(args), r.returncode, r.stdout[-3000:]))
    return r


def nsexec(name, args, **kw):
    return run(["ip", "netns", "exec", ns(name)] + args, **kw)


def testbed(*args, timeout=120):
    return run(["sh", TESTBED] + list(args), timeout=timeout)


def wait_for(what, cond, timeout):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise Fail("timed out after %.0f s waiting for %s" % (timeout, what))
