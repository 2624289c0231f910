#!/usr/bin/env python3
"""Print the test totals of a meson testlog.json, ending with the line
'N passed, N failed, N skipped'.

usage: summarize-tests.py TESTLOG.json [--ci] [--allow FILE] [--extra TAPFILE]

Each meson test is a cmocka program or a script; the counts are of individual
test cases, read from the summaries cmocka prints ("[  PASSED  ] N test(s).",
"[  FAILED  ] N test(s)...", "[  SKIPPED ] N test(s)...") or from TAP lines
("ok N", "not ok N", "ok N # SKIP reason"), falling back to the test's own
result when it prints no case count (a meson SKIP result is a skip, never a
pass).

Known weaknesses are not passes. A test case that shows an attack succeeding
under a protection model (it reproduces an argument, and fails the day the
weakness is gone) prints a line "weakness demonstrated: WHAT" after its last
assertion; a whole meson test in the suite "weakness" (a scenario file) is
one such case. They are listed under their own heading, "weakness
demonstrated: N", and are not counted as passed.

Skips are listed with their reasons. In CI (--ci, or the environment
variable CI=true) a skip fails the run unless the test is on the allow-list
(default tests/skip-allowlist.txt: lines "TEST-NAME | reason", where
TEST-NAME is the meson test name, optionally followed by " :: " and text
that the skipped case's description must contain).

--extra adds the TAP lines of a file written outside meson (scripts/test.sh
records the CI build matrix there), counted like a TAP test named after it.

Exit status: 0, or 1 when a case failed or CI found a skip that is not on
the allow-list."""
import json
import os
import re
import sys

WEAK_RE = re.compile(r"^(?:#\s*)?weakness demonstrated: (.*)$", re.M)
TAP_OK = re.compile(r"^ok \d+(?: - )?(.*)$", re.M)
TAP_NOT_OK = re.compile(r"^not ok \d+", re.M)
TAP_SKIP = re.compile(r"^ok \d+(?: - )?(.*?)\s*# SKIP\s*(.*)$", re.M | re.I)
CM_PASSED = re.compile(r"^\[  PASSED  \] (\d+) test", re.M)
CM_FAILED = re.compile(r"^\[  FAILED  \] (\d+) test", re.M)
CM_SKIPPED = re.compile(r"^\[  SKIPPED \] (\d+) test", re.M)
CM_SKIPPED_CASE = re.compile(r"^\[  SKIPPED \] (?!\d+ test\(s\), listed below)(\S+)$", re.M)


def load_allowlist(path):
    allow = []
    if not path or not os.path.exists(path):
        return allow
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition("|")
        name, _, case = name.strip().partition(" :: ")
        if not reason.strip():
            sys.exit("%s: entry without a reason: %s" % (path, line))
        allow.append((name.strip(), case.strip(), reason.strip()))
    return allow


def allowed(allow, test, case):
    return any(n == test and (not c or c in case) for n, c, _ in allow)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    ci = "--ci" in argv or os.environ.get("CI", "").lower() == "true"
    allow_path = None
    if "--allow" in argv:
        allow_path = argv[argv.index("--allow") + 1]
        args.remove(allow_path)
    records = []
    if "--extra" in argv:
        extra = argv[argv.index("--extra") + 1]
        args.remove(extra)
        text = open(extra, encoding="utf-8").read()
        if text.strip():
            records.append({"name": "build-matrix", "suite": ["ci"], "stdout": text,
                            "result": "FAIL" if TAP_NOT_OK.search(text) else "OK"})
    if len(args) != 1:
        sys.exit(__doc__.split("\n\n")[1])
    if allow_path is None:
        allow_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                  "skip-allowlist.txt")
    allow = load_allowlist(allow_path)

    passed = failed = skipped = 0
    skips = []       # (test, case, reason)
    weak = []        # (test, what)
    records = [json.loads(line) for line in open(args[0], encoding="utf-8")] + records
    for t in records:
        name = t.get("name", "?")
        # testlog.json names a test "project:suite1+suite2 / name"
        suites = t.get("suite") or name.split(" / ")[0].split(":")[-1].split("+")
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        result = t["result"]
        ok = result in ("OK", "EXPECTEDFAIL")
        p = CM_PASSED.findall(out)
        f = CM_FAILED.findall(out)
        s = CM_SKIPPED.findall(out)
        tap_skip = TAP_SKIP.findall(out)
        tp = len(TAP_OK.findall(out)) - len(tap_skip)
        tf = len(TAP_NOT_OK.findall(out))
        w = WEAK_RE.findall(out) if ok or p else []
        if any(x.endswith("weakness") for x in suites) and ok and not w:
            m = re.search(r"^== summary: (.*?) \(seed", out, re.M)     # a scenario run
            w = [m.group(1) if m else "the whole test"]
        if p or f or s:
            n_pass = sum(map(int, p))
            failed += sum(map(int, f))
            skipped += sum(map(int, s))
            skips += [(name, c, "cmocka skip()") for c in dict.fromkeys(CM_SKIPPED_CASE.findall(out))]
            if not ok and not f:
                failed += 1
        elif tp or tf or tap_skip:
            n_pass = tp
            failed += tf
            skipped += len(tap_skip)
            skips += [(name, c, r) for c, r in tap_skip]
            if not ok and not tf:
                failed += 1
        elif result == "SKIP":
            n_pass = 0
            skipped += 1
            last = [x for x in out.strip().splitlines() if x.strip()]
            skips.append((name, "", last[-1] if last else "skipped by meson"))
        elif ok:
            n_pass = 1
        else:
            n_pass = 0
            failed += 1
        # a weakness case printed its marker after its last assertion, so it
        # is among the passes: move it to its own heading
        moved = min(len(w), n_pass)
        passed += n_pass - moved
        weak += [(name, x) for x in w[:moved]]

    if skips:
        print("skipped: %d" % skipped)
        for test, case, reason in skips:
            print("  %s%s: %s" % (test, " :: " + case if case else "", reason))
    print("weakness demonstrated: %d" % len(weak))
    for test, what in weak:
        print("  %s: %s" % (test, what))
    rc = 1 if failed else 0
    if ci:
        bad = [(t, c) for t, c, _ in skips if not allowed(allow, t, c)]
        # cmocka's count of skips can exceed the cases it names; count both
        unnamed = skipped - len(skips)
        if bad or unnamed > 0:
            print("CI: %d skip(s) not on the allow-list %s; a skip in CI is a failure" % (
                len(bad) + max(unnamed, 0), os.path.relpath(allow_path)))
            for t, c in bad:
                print("  not allowed: %s%s" % (t, " :: " + c if c else ""))
            rc = 1
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
