#!/usr/bin/env python3
"""Adds up cargo test's per-binary results into one closing line, so a run
ends with the total rather than with the last binary's (often empty) doc-test
line."""
import re
import sys

passed = failed = ignored = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", line)
    if m:
        passed += int(m.group(1))
        failed += int(m.group(2))
        ignored += int(m.group(3))
print(f"tests: {passed} passed, {failed} failed, {ignored} skipped")
sys.exit(1 if failed or passed == 0 else 0)
