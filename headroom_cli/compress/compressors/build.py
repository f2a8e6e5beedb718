"""Build and test output (pytest, jest, cargo, go test, npm, make, tsc): keep failures, drop passes.

Failure sections (pytest FAILURES/short summary, jest `●` blocks, cargo `---- x stdout ----` and
`failures:`, go `--- FAIL`, panics, Python tracebacks) are kept verbatim (very long ones keep head and
tail), as are error lines and summaries; passing lines collapse into counted markers; other lines
are kept while the budget lasts.
"""
from __future__ import annotations

import re

from ..base import Context, Result
from ._common import ERROR_RE, Lines, block_key, estimate, finish, keep_ratio, render, selective_regex

name = "build"

_SCAN = 600
_START = re.compile(
    r"^=+ (?:FAILURES|ERRORS|short test summary info|warnings summary) =+|^_{3,} .* _{3,}\s*$|^\s*● |"
    r"^---- \S+ stdout ----|^failures:\s*$|^\s*--- FAIL: |^panic: |^Traceback \(most recent call last\)|"
    r"^npm ERR! |^error(?:\[E\d+\])?: |^\S+\.\w+:\d+:\d+: error"
)
_END = re.compile(
    r"^=+ |^\s*(?:PASS|FAIL) \S|^Test Suites:|^test result: |^=== (?:RUN|PAUSE|CONT) |^\s*--- PASS: |^ok\s+\S|"
    r"^(?:PASS|FAIL)\s*$|^running \d+ tests?|^\s*(?:Compiling|Finished|Running) \S"
)
_SUMMARY = re.compile(
    r"^=+ .*\b(?:passed|failed|errors?|skipped|no tests ran)\b.* =+\s*$|^(?:Tests|Test Suites|Snapshots|Time):\s|"
    r"^test result: |^(?:ok|FAIL)\s+\S+\s+[\d.]+s|^(?:FAIL|PASS)\s*$|^FAIL\s|^npm ERR! |^make(?:\[\d+\])?: \*\*\*|"
    r"^error: could not compile|^\s*Finished |^Ran \d+ tests? in|^(?:OK|FAILED)(?: \(.*\))?\s*$|"
    r"^Found \d+ errors?|^\d+ (?:passing|failing|pending)\b|^collected \d+ items"
)
_PASS = re.compile(
    r"(?:::\S+ (?:PASSED|SKIPPED|XFAIL|XPASS)\b)|^\S+\.py [.sx]+\s*(?:\[\s*\d+%\])?\s*$|^\s*[✓✔√] |^\s*PASS \S|"
    r"^test \S+ \.\.\. (?:ok|ignored)\s*$|^\s*(?:Compiling|Downloaded|Downloading|Fresh|Checking|Blocking) \S|"
    r"^=== (?:RUN|PAUSE|CONT|NAME) |^\s*--- (?:PASS|SKIP): |^ok\s+\S|^npm (?:http|timing|sill|verb) |"
    r"^make(?:\[\d+\])?: (?:Entering|Leaving|Nothing to be done)|^\s*\d+ passing\b.*\(\d+\s*ms\)"
)
_FAILLINE = re.compile(r"\bFAILED\b|\bFAIL\b|[✕×✗] |\berror\b|\bError\b|\bERROR\b|panicked at|\bwarning: unused")
_REGION_HEAD, _REGION_TAIL = 100, 40
_HEAD = 4


def compress(text: str, ctx: Context, *, key: str | None = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 6:
        return None
    tr = selective_regex(ctx, text, n)
    head_cap = _REGION_HEAD * (2 if ctx.is_error else 1)
    keep = [False] * n
    passing = [False] * n
    neutral: list[int] = []
    region: list[int] | None = None

    def close(reg: list[int] | None) -> None:
        if reg and len(reg) > head_cap + _REGION_TAIL:
            for k in reg[head_cap:-_REGION_TAIL]:
                keep[k] = False

    for i in range(n):
        s = items[i][:_SCAN]
        if _START.match(s):
            close(region)
            region = [i]
            keep[i] = True
            continue
        if region is not None:
            if _END.match(s) and not s.startswith("=" * 3 + " FAIL"):
                close(region)
                region = None
            else:
                keep[i] = True
                region.append(i)
                continue
        if _SUMMARY.match(s) or (tr is not None and tr.search(s)):
            keep[i] = True
        elif _PASS.search(s):
            passing[i] = True
        elif _FAILLINE.search(s) or ERROR_RE.search(s):
            keep[i] = True
            if i + 1 < n and items[i + 1][:1] in (" ", "\t"):
                keep[i + 1] = True
        else:
            neutral.append(i)
    close(region)
    budget = max(int(estimate(text) * keep_ratio(ctx)), 120)
    used = sum(estimate(items[k]) + 1 for k in range(n) if keep[k])
    for j, k in enumerate(neutral):
        if j < _HEAD or used < budget:
            if not keep[k]:
                keep[k] = True
                used += estimate(items[k]) + 1
    notes: dict[int, str] = {}
    k = 0
    while k < n:
        if keep[k]:
            k += 1
            continue
        j = k
        allpass = True
        while j < n and not keep[j]:
            allpass = allpass and passing[j]
            j += 1
        if allpass:
            notes[k] = "passing"
        k = j
    out, dropped, clipped = render(lines, keep, gap_notes=notes)
    if not dropped and not clipped:
        return None
    what = f"{dropped} of {n} lines" if dropped else "parts of long lines"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "build")
