#!/usr/bin/python3
"""Self-test of pcapcheck.py on the scapy vectors (no mip6sec involved).

usage: test_pcapcheck.py

* every frame of tests/vectors/scapy_valid.pcap passes;
* every frame of scapy_corrupt.pcap fails, with the reason that corresponds
  to the decoder error id of vectors.json (mh_checksum -> mh-checksum, ...);
* the checksum helper reproduces the checksums scapy wrote;
* the same packets behind an Ethernet header, in pcapng, and in big-endian
  pcap give the same verdicts;
* the command line exits 0 / 1 / 2 (pass / a frame failed / usage error).
Prints TAP; exit status 1 if any check failed.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True      # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_common as oc          # noqa: E402
import pcapcheck                    # noqa: E402

PCAPCHECK = os.path.join(oc.HERE, "pcapcheck.py")


def write_pcap(path, frames, link, endian="<"):
    with open(path, "wb") as fh:
        fh.write(struct.pack(endian + "IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, link))
        for i, b in enumerate(frames, 1):
            fh.write(struct.pack(endian + "IIII", 1700000000 + i, 0, len(b), len(b)) + b)


def verdicts(results):
    return [(r.frame, sorted(set(r.codes()))) for r in results]


def main():
    tap = oc.Tap()
    vecs = oc.load_vectors()["vectors"]
    valid = os.path.join(oc.VECTORS_DIR, "scapy_valid.pcap")
    corrupt = os.path.join(oc.VECTORS_DIR, "scapy_corrupt.pcap")
    rv = pcapcheck.check_pcap(valid)
    rc = pcapcheck.check_pcap(corrupt)
    for v in vecs:
        r = (rv if v["valid"] else rc)[v["frame"] - 1]
        tag = "pcapcheck %s [%s]" % (v["name"], " ".join(v["ids"]))
        if v["valid"]:
            tap.check(r.ok, "%s: valid scapy packet passes" % tag,
                      ["%s: %s" % f for f in r.failures])
        else:
            want = [e.replace("_", "-") for e in v["errors"]]
            tap.check(not r.ok and all(w in r.codes() for w in want),
                      "%s: corrupt scapy packet fails with %s" % (tag, ", ".join(want)),
                      ["%s: %s" % f for f in r.failures])
        b = bytes.fromhex(v["hex"])
        mh = v["facts"].get("mh") or (v["facts"].get("inner") or {}).get("mh")
        if v["valid"] and mh:
            w = pcapcheck.walk_ipv6(b)
            if w.proto == 41:
                b = b[w.proto_off:w.end]
                w = pcapcheck.walk_ipv6(b)
            got = pcapcheck.mh_checksum(w.pseudo_src, w.pseudo_dst, b[w.proto_off:w.end])
            tap.check("0x%04x" % got == mh["checksum"],
                      "%s: RFC 6275 checksum helper gives scapy's 0x%s (MH-03)" % (tag, mh["checksum"][2:]),
                      "computed 0x%04x" % got)

    tmp = tempfile.mkdtemp(prefix="pcapcheck-self-")
    try:
        for name, path, res in (("valid", valid, rv), ("corrupt", corrupt, rc)):
            frames = [b for _, b in pcapcheck.read_pcap(path)]
            eth = os.path.join(tmp, name + "-eth.pcap")
            write_pcap(eth, [b"\x02\0\0\0\0\1\x02\0\0\0\0\2\x86\xdd" + b for b in frames], 1)
            tap.check(verdicts(pcapcheck.check_pcap(eth)) == verdicts(res),
                      "%s: same verdicts behind an Ethernet header (linktype 1)" % name)
            be = os.path.join(tmp, name + "-be.pcap")
            write_pcap(be, frames, 101, ">")
            tap.check(verdicts(pcapcheck.check_pcap(be)) == verdicts(res),
                      "%s: same verdicts from a big-endian pcap" % name)
            ng = os.path.join(tmp, name + ".pcapng")
            r = subprocess.run(["tshark", "-r", path, "-F", "pcapng", "-w", ng], capture_output=True)
            if tap.check(r.returncode == 0, "%s: tshark writes a pcapng copy" % name, r.stderr):
                tap.check(verdicts(pcapcheck.check_pcap(ng)) == verdicts(res),
                          "%s: same verdicts from pcapng" % name)
        py = sys.executable
        for desc, args, want in (
                ("valid capture", [valid], 0),
                ("corrupt capture", [corrupt], 1),
                ("missing file", [os.path.join(tmp, "none.pcap")], 2)):
            r = subprocess.run([py, PCAPCHECK, "-q"] + args, capture_output=True, text=True)
            tap.check(r.returncode == want, "pcapcheck CLI exits %d on a %s" % (want, desc),
                      [r.stdout[-500:], r.stderr[-500:]])
        bad_keys = os.path.join(tmp, "bad-keys.txt")
        with open(bad_keys, "w") as fh:
            fh.write("* * 0x1 rot13 00 hmac-sha256-128 00\n")
        r = subprocess.run([py, PCAPCHECK, "-k", bad_keys, valid], capture_output=True, text=True)
        tap.check(r.returncode == 2 and "expected" in r.stderr,
                  "pcapcheck CLI rejects an unknown algorithm in the keys file (exit 2)", r.stderr)
        r = subprocess.run([py, PCAPCHECK, corrupt], capture_output=True, text=True)
        tap.check("mh-checksum" in r.stdout and "hao-len" in r.stdout,
                  "pcapcheck CLI prints the failure reasons", r.stdout[-800:])
        # ESP quoted by an ICMPv6 error (cut short, as RFC 4443 2.4 c allows)
        # is not held to decryption; the same SPI sent bare and broken is.
        from scapy.all import IPv6, ICMPv6DestUnreach, Raw
        esp = struct.pack("!II", 0x1001, 1) + b"\x11" * 64
        bare = bytes(IPv6(src="2001:db8:1::1", dst="2001:db8:2::100", nh=50) / Raw(esp))
        quote = bytes(IPv6(src="2001:db8:2::1", dst="2001:db8:1::1") / ICMPv6DestUnreach(code=3) / Raw(bare[:60]))
        qp = os.path.join(tmp, "quote.pcap")
        write_pcap(qp, [quote, bare], 101)
        keys = os.path.join(tmp, "quote-keys.txt")
        with open(keys, "w") as fh:
            fh.write("* * 0x1001 aes-cbc 000102030405060708090a0b0c0d0e0f hmac-sha256-128 "
                     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n")
        res = pcapcheck.check_pcap(qp, keys)
        tap.check(res[0].ok and not res[1].ok and "esp-not-decrypted" in res[1].codes(),
                  "ESP quoted by an ICMPv6 error is not checked; the same SPI bare and broken fails",
                  [(r.frame, r.failures) for r in res])
        # A quoted ESP cut short, decrypted by tshark with the keys: the
        # trailer it reads from the middle of the plaintext names UDP-Lite
        # (136) whose header tshark calls malformed. Not the packet's fault;
        # the same UDP-Lite bytes sent bare are.
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        iv = b"\x42" * 16
        udplite = struct.pack("!HHHH", 1000, 2000, 1360, 0) + bytes(22)
        pt = udplite + bytes([0, 136]) + bytes(30) + bytes([0, 59])
        enc = Cipher(algorithms.AES(bytes(range(16))), modes.CBC(iv)).encryptor()
        esp = struct.pack("!II", 0x1001, 1) + iv + enc.update(pt) + enc.finalize() + b"\x33" * 16
        bare = bytes(IPv6(src="2001:db8:1::1", dst="2001:db8:2::100", nh=50) / Raw(esp))
        cut = bytes(IPv6(src="2001:db8:2::1", dst="2001:db8:1::1") / ICMPv6DestUnreach(code=3) /
                    Raw(bare[:40 + 8 + 16 + 32 + 16]))
        clear = bytes(IPv6(src="2001:db8:1::1", dst="2001:db8:2::100", nh=136) / Raw(udplite))
        qp = os.path.join(tmp, "quote-cut.pcap")
        write_pcap(qp, [cut, clear], 101)
        res = pcapcheck.check_pcap(qp, keys)
        tap.check(res[0].ok and not res[1].ok and "tshark-malformed" in res[1].codes(),
                  "what tshark makes of a quoted ESP cut short and decrypted is not held against the frame; "
                  "the same bytes bare are", [(r.frame, r.failures) for r in res])
    finally:
        shutil.rmtree(tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
