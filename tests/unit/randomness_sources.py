#!/usr/bin/env python3
"""Every secret in the protocol core comes from the node's DRBG.

Fails when a file under src/core calls a random source other than the
engines' io->random hook (which the node serves from crypto/m6_drbg.c),
or brings back a non-cryptographic generator: libc rand()/random(),
drand48 and friends, arc4random, getrandom, OpenSSL's RAND_bytes (the
core takes no system randomness; the driver supplies entropy), /dev/urandom,
or a splitmix/xorshift constant. A test that can fail: it reports each
offending line, and its self-check plants one of each and must find them.
"""
import pathlib
import re
import sys

FORBIDDEN = [
    (re.compile(r"(?<![>.\w])(s?rand|random|srandom|[dlmj]rand48|arc4random\w*|getrandom|getentropy)\s*\("), "libc/system generator"),
    (re.compile(r"\bRAND_(bytes|priv_bytes|pseudo_bytes)\b"), "OpenSSL's global generator"),
    (re.compile(r"/dev/u?random"), "system randomness"),
    # the golden-ratio increment alone is a common hash multiplier; the
    # output mixer is what makes a splitmix64 generator
    (re.compile(r"0xbf58476d1ce4e5b9|0x94d049bb133111eb", re.I), "splitmix64"),
    (re.compile(r"\bxorshift\w*|\bxoshiro\w*|\bpcg32\w*", re.I), "non-cryptographic generator"),
]
# The DRBG itself is where randomness is made.
ALLOWED = {"crypto/m6_drbg.c", "crypto/m6_drbg.h"}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


def scan(root):
    hits = []
    for path in sorted(root.rglob("*.[ch]")):
        rel = path.relative_to(root).as_posix()
        if rel in ALLOWED:
            continue
        for no, line in enumerate(strip_comments(path.read_text()).splitlines(), 1):
            for rx, what in FORBIDDEN:
                if rx.search(line):
                    hits.append(f"{rel}:{no}: {what}: {line.strip()}")
    return hits


def self_check():
    planted = ["x = rand();", "srandom(1);", "RAND_bytes(b, 4);", "open(\"/dev/urandom\")",
               "z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;", "getrandom(b, 4, 0);"]
    clean = ["io->random(io->ctx, b, 4);", "mn->io.random(mn->io.ctx, c, 8);", "/* rand() */"]
    for line in planted:
        assert any(rx.search(line) for rx, _ in FORBIDDEN), line
    for line in clean:
        assert not any(rx.search(strip_comments(line)) for rx, _ in FORBIDDEN), line


def main():
    self_check()
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src/core")
    files = list(root.rglob("*.[ch]"))
    if len(files) < 20:
        print(f"only {len(files)} files under {root}: wrong directory?")
        return 1
    hits = scan(root)
    for h in hits:
        print(h)
    print(f"{len(files)} files scanned, {len(hits)} forbidden random sources")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
