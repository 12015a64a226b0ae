#!/usr/bin/env python3
"""Adds up cargo test's per-binary results, and vitest's, into one closing
line, so a run ends with the total rather than with the last binary's (often
empty) doc-test line."""
import re
import sys

passed = failed = ignored = 0
ansi = re.compile(r"\x1b\[[0-9;]*m")
for raw in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = ansi.sub("", raw)
    # vitest: "      Tests  9 passed (9)" or "Tests  1 failed | 8 passed (9)"
    v = re.match(r"\s*Tests\s+(.*)\(\d+\)\s*$", line)
    if v:
        for n, what in re.findall(r"(\d+) (passed|failed|skipped|todo)", v.group(1)):
            if what == "passed":
                passed += int(n)
            elif what == "failed":
                failed += int(n)
            else:
                ignored += int(n)
        continue
    m = re.match(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", line)
    if m:
        passed += int(m.group(1))
        failed += int(m.group(2))
        ignored += int(m.group(3))
print(f"tests: {passed} passed, {failed} failed, {ignored} skipped")
sys.exit(1 if failed or passed == 0 else 0)
