"""Build and test output (pytest, jest, cargo, go test, npm, make, tsc): keep failures, drop passes.

Failure sections (pytest FAILURES/short summary, jest `●` blocks, cargo `---- x stdout ----` and
`failures:`, go `--- FAIL`, panics, Python tracebacks) are kept verbatim (very long ones keep head and
tail), as are error lines and summaries; passing lines collapse into counted markers; other lines
are kept while the budget lasts.
"""
from __future__ import annotations

import operator
import re

from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import (ERROR_WORDS, MATCH_CAP, Lines, block_key, finish, keep_ratio, line_starts,
                      lines_with_words, regex_lines, render, selective_regex)

name = "build"
kinds = ("build",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

# Anchored patterns, tried with one `match` per line (line-local whitespace), only where the answer matters.
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


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
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

    joined = text[:-1] if lines.trailing else text  # = "\n".join(items)
    is_hit = regex_lines(tr, joined, line_starts(items), joined.lower()) if tr is not None else None
    # Lines are classified lazily in one pass: a line inside a failure region needs only the start/end
    # patterns, a passing line only the pass patterns, and the error/failure words are looked for only in
    # the lines nothing else claimed (one keyword scan over those lines joined).
    start_m, end_m, summary_m, pass_m = _START.match, _END.match, _SUMMARY.match, _PASS.match
    pytest_m = _PASS_PYTEST.match if "::" in text else None  # pytest -v node ids
    cap = MATCH_CAP
    pending: list[int] = []
    for i in range(n):
        s = items[i]
        if len(s) > cap:
            s = s[:cap]
        if start_m(s):
            close(region)
            region = [i]
            keep[i] = True
            continue
        if region is not None:
            if end_m(s):
                close(region)
                region = None
            else:
                keep[i] = True
                region.append(i)
                continue
        if (is_hit is not None and is_hit[i]) or summary_m(s):
            keep[i] = True
        elif (pytest_m is not None and pytest_m(s)) or pass_m(s):
            passing[i] = True
        else:
            pending.append(i)
    close(region)
    if pending:
        fail, err = lines_with_words(text, items, pending, (_FAIL_WORDS, ERROR_WORDS))
        for i, hit in zip(pending, map(operator.or_, fail, err)):
            if hit:
                keep[i] = True
                if i + 1 < n and items[i + 1][:1] in (" ", "\t"):
                    keep[i + 1] = True
            else:
                neutral.append(i)
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    used = sum(estimate_tokens(items[k], coarse=True) + 1 for k in range(n) if keep[k])
    for j, k in enumerate(neutral):
        if j < _HEAD or used < budget:
            if not keep[k]:
                keep[k] = True
                used += estimate_tokens(items[k], coarse=True) + 1
    out, dropped, clipped = render(lines, keep, gap_note="passing", gap_members=passing)
    if not dropped and not clipped:
        return None
    what = f"{dropped} of {n} lines" if dropped else "parts of long lines"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "build")
