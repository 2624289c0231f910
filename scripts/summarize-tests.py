#!/usr/bin/env python3
"""Print the test totals of a meson testlog.json as 'N passed, N failed'.

Each meson test is a cmocka program or a script; the counts are of individual
test cases, read from the TAP lines or cmocka summaries the tests print
("[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)."), falling back to the
test's own exit status when it prints no case count."""
import json, re, sys

passed = failed = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") + t.get("stderr", "")
    ok = t["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
    p = re.findall(r"^\[  PASSED  \] (\d+) test", out, re.M)
    f = re.findall(r"^\[  FAILED  \] (\d+) test", out, re.M)
    tp = re.findall(r"^ok \d+", out, re.M)
    tf = re.findall(r"^not ok \d+", out, re.M)
    if p or f:
        passed += sum(map(int, p))
        failed += sum(map(int, f))
        if not ok and not f:
            failed += 1
    elif tp or tf:
        passed += len(tp)
        failed += len(tf)
        if not ok and not tf:
            failed += 1
    elif ok:
        passed += 1
    else:
        failed += 1
print("%d passed, %d failed" % (passed, failed))
