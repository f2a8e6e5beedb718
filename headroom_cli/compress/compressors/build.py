"""Build and test output (pytest, jest, cargo, go test, npm, make, tsc): keep failures, drop passes.

Failure sections (pytest FAILURES/short summary, jest `●` blocks, cargo `---- x stdout ----` and
`failures:`, go `--- FAIL`, panics, Python tracebacks) are kept verbatim (very long ones keep head and
tail), as are error lines and summaries; passing lines collapse into counted markers; other lines
are kept while the budget lasts.
"""
from __future__ import annotations

import re

from ..base import Context, Result
from ._common import (ERROR_WORDS, Lines, block_key, estimate, finish, keep_ratio, keyword_lines, line_starts,
                      match_lines, regex_lines, render, selective_regex)

name = "build"

# Anchored patterns, tried with one `match` per line (line-local whitespace).
_START = re.compile(
    r"^(?:=+ (?:FAILURES|ERRORS|short test summary info|warnings summary) =+|_{3,} .* _{3,}[ \t\r]*$|[ \t\r]*● |"
    r"---- \S+ stdout ----|failures:[ \t\r]*$|[ \t\r]*--- FAIL: |panic: |Traceback \(most recent call last\)|"
    r"npm ERR! |error(?:\[E\d+\])?: |\S+\.\w+:\d+:\d+: error)",
    re.M,
)
_END = re.compile(
    r"^(?:=+ |[ \t\r]*(?:PASS|FAIL) \S|Test Suites:|test result: |=== (?:RUN|PAUSE|CONT) |[ \t\r]*--- PASS: |ok[ \t\r]+\S|"
    r"(?:PASS|FAIL)[ \t\r]*$|running \d+ tests?|[ \t\r]*(?:Compiling|Finished|Running) \S)",
    re.M,
)
_SUMMARY = re.compile(
    r"^(?:=+ .*\b(?:passed|failed|errors?|skipped|no tests ran)\b.* =+[ \t\r]*$|(?:Tests|Test Suites|Snapshots|Time):[ \t]|"
    r"test result: |(?:ok|FAIL)[ \t]+\S+[ \t]+[\d.]+s|(?:FAIL|PASS)[ \t\r]*$|FAIL[ \t]|npm ERR! |make(?:\[\d+\])?: \*\*\*|"
    r"error: could not compile|[ \t]*Finished |Ran \d+ tests? in|(?:OK|FAILED)(?: \(.*\))?[ \t\r]*$|"
    r"Found \d+ errors?|\d+ (?:passing|failing|pending)\b|collected \d+ items)",
    re.M,
)
_PASS = re.compile(
    r"^(?:\S+\.py [.sx]+[ \t\r]*(?:\[[ \t]*\d+%\])?[ \t\r]*$|[ \t]*[✓✔√] |[ \t]*PASS \S|"
    r"test \S+ \.\.\. (?:ok|ignored)[ \t\r]*$|[ \t]*(?:Compiling|Downloaded|Downloading|Fresh|Checking|Blocking) \S|"
    r"=== (?:RUN|PAUSE|CONT|NAME) |[ \t]*--- (?:PASS|SKIP): |ok[ \t]+\S|npm (?:http|timing|sill|verb) |"
    r"make(?:\[\d+\])?: (?:Entering|Leaving|Nothing to be done)|[ \t]*\d+ passing\b.*\(\d+[ \t]*ms\))",
    re.M,
)
# pytest -v node ids: colon-free parts joined by "::" (unambiguous, so matching stays linear)
_PASS_PYTEST = re.compile(r"[^\s:]+(?:::[^\s:]+)+ (?:PASSED|SKIPPED|XFAIL|XPASS)\b")
_FAIL_WORDS = ("✕", "×", "✗", "warning: unused")
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

    joined = "\n".join(items)
    starts = line_starts(items)
    is_start = match_lines(_START, items)
    is_end = match_lines(_END, items) if any(is_start) else is_start
    is_summary = match_lines(_SUMMARY, items)
    is_pass = match_lines(_PASS, items)
    if "::" in text:  # pytest -v node ids
        for i, p in enumerate(match_lines(_PASS_PYTEST, items)):
            is_pass[i] = is_pass[i] or p
    lower = joined.lower()
    is_fail = keyword_lines(lower, _FAIL_WORDS, starts)
    is_err = keyword_lines(lower, ERROR_WORDS, starts)
    is_hit = regex_lines(tr, joined, starts) if tr is not None else [False] * n
    for i in range(n):
        if is_start[i]:
            close(region)
            region = [i]
            keep[i] = True
            continue
        if region is not None:
            if is_end[i]:
                close(region)
                region = None
            else:
                keep[i] = True
                region.append(i)
                continue
        if is_summary[i] or is_hit[i]:
            keep[i] = True
        elif is_pass[i]:
            passing[i] = True
        elif is_fail[i] or is_err[i]:
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
