#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the KUnit results in VM console logs.

    scripts/ktap-summary.py [--splats-only] [NAME=]CONSOLE_LOG...

Counts test cases (the results one level below the suite results; the
per-parameter results of a parameterized case are not counted), prints the
log of every failed case and every kernel splat, and ends with the line
"N passed, N failed[, N skipped]". Exits 1 when a case failed, no case ran,
the guest never printed its end marker, a guest step failed, or the kernel
complained. With --splats-only, only the last three are checked.

With several logs (one per kernel booted), or one given a NAME, each is
checked as above under a "== NAME: CONSOLE_LOG" heading, a "NAME: N
passed, N failed" line per log follows, and the last line is the sum over
all of them; the exit status is 1 if any log fails. NAME defaults to the
log's file name.
"""

import os
import re
import sys

END_MARKER = "XALLOC-VM: done"
FAIL_MARKER = "XALLOC-VM: FAIL"

# printk timestamp, and the terminal escapes SeaBIOS and the kernel emit.
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ?")
ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|c)")
RESULT = re.compile(r"^( *)(ok|not ok) \d+ (.*)$")
SUBTEST = re.compile(r"^( *)# Subtest: (\S+)")
BOILERPLATE = re.compile(r"^\s*(KTAP version \d+|\d+\.\.\d+|# module: .*)$")

SPLATS = re.compile(
    r"BUG:|WARNING:|KASAN|UBSAN|Kernel panic|Oops|general protection fault"
    r"|kernel BUG at|possible recursive locking|circular locking"
    r"|INFO: lockdep is turned off|INFO: task |Call Trace:"
    r"|KCSAN:"
)
# A KCSAN report has no "Call Trace:" and runs to a line of "=".
KCSAN_REPORT = re.compile(r"BUG: KCSAN:")
REPORT_END = re.compile(r"^={20,}$")


def clean(raw):
    line = ESCAPES.sub("", raw.rstrip("\r\n")).replace("\r", "")
    return TIMESTAMP.sub("", line)


def depth(indent):
    return len(indent) // 4


def parse_cases(lines):
    """Return (passed, failed, skipped, failures); failures hold
    (suite, case, log lines)."""
    passed = failed = skipped = 0
    failures = []
    suite = "?"
    suite_failed_cases = 0
    log = []
    follows = False
    for line in lines:
        # KUnit's own lines: "# ..." diagnostics and the continuation lines
        # of a failed expectation, not kernel messages that happen to be
        # indented (KASAN memory dumps).
        kunit_line = line.startswith("    ") and (
            line.lstrip().startswith("#") or RESULT.match(line) or follows)
        follows = bool(kunit_line)
        m = SUBTEST.match(line)
        if m and depth(m.group(1)) == 1:
            suite, suite_failed_cases, log = m.group(2), 0, []
            continue
        m = RESULT.match(line)
        if m and depth(m.group(1)) == 0:
            name = m.group(3).split(" #")[0]
            # A suite whose init failed reports no failed case: count it.
            if m.group(2) == "not ok" and suite_failed_cases == 0 \
                    and "# SKIP" not in m.group(3).upper():
                failed += 1
                failures.append((name, "(suite)", log))
            suite, suite_failed_cases, log = "?", 0, []
            continue
        if m and depth(m.group(1)) == 1:
            name, _, directive = m.group(3).partition(" #")
            if "SKIP" in directive.upper():
                skipped += 1
            elif m.group(2) == "ok":
                passed += 1
            else:
                failed += 1
                suite_failed_cases += 1
                failures.append((suite, name.strip(), log))
            log = []
            continue
        if kunit_line and not BOILERPLATE.match(line):
            log.append(line)
    return passed, failed, skipped, failures


def find_splats(lines, before=2, after=12):
    """Return the splat lines with some context, overlapping ranges merged."""
    hits = [i for i, line in enumerate(lines) if SPLATS.search(line)]
    out, shown = [], -1
    for i in hits:
        start = max(i - before, shown + 1)
        if start > shown + 1 and out:
            out.append("    ...")
        end = min(i + after, len(lines) - 1)
        if KCSAN_REPORT.search(lines[i]):
            # Both stacks: the whole report, up to its closing line.
            end = next((j for j in range(i + 1, min(i + 80, len(lines)))
                        if REPORT_END.match(lines[j])), end)
        out.extend(lines[start:end + 1])
        shown = max(shown, end)
    return hits, out[:400]


def check_log(path, splats_only):
    """Print what is wrong with one console log; return (bad, counts)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [clean(raw) for raw in f]

    bad = False
    counts = (0, 0, 0)
    if not splats_only:
        passed, failed, skipped, failures = parse_cases(lines)
        counts = (passed, failed, skipped)
        for suite, case, log in failures:
            print(f"FAILED: {suite}.{case}")
            for entry in log:
                print(f"  {entry[4:]}")
        if failed:
            bad = True
        if passed + failed + skipped == 0:
            print("no KUnit test case ran")
            bad = True

    hits, context = find_splats(lines)
    if hits:
        print(f"kernel splat: {len(hits)} suspicious console line(s):")
        for line in context:
            print(f"  {line}")
        bad = True

    for line in lines:
        if FAIL_MARKER in line:
            print(line)
            bad = True

    if not any(END_MARKER in line for line in lines):
        print(f"'{END_MARKER}' never appeared: the VM crashed, hung or "
              "timed out. Last console lines:")
        for line in lines[-25:]:
            print(f"  {line}")
        bad = True
    return bad, counts


def summary(counts):
    passed, failed, skipped = counts
    text = f"{passed} passed, {failed} failed"
    if skipped:
        text += f", {skipped} skipped"
    return text


def main(argv):
    splats_only = "--splats-only" in argv
    args = [a for a in argv if a != "--splats-only"]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    logs = []
    named = len(args) > 1
    for arg in args:
        name, sep, path = arg.partition("=")
        if not sep or "/" in name:
            name, path = os.path.basename(arg), arg
        else:
            named = True
        logs.append((name, path))

    bad = False
    results = []
    for name, path in logs:
        if named:
            print(f"== {name}: {path}")
        log_bad, counts = check_log(path, splats_only)
        bad |= log_bad
        results.append((name, log_bad, counts))

    if splats_only:
        for name, log_bad, _ in results:
            prefix = f"{name}: " if named else ""
            print(prefix + ("guest failed" if log_bad else
                            "guest finished cleanly"))
    else:
        if named:
            for name, log_bad, counts in results:
                note = ""
                if log_bad and not counts[1]:
                    note = "; guest failed, see above"
                print(f"{name}: {summary(counts)}{note}")
        total = tuple(sum(c[k] for _, _, c in results) for k in range(3))
        print(summary(total))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
