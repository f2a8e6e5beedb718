"""Native crash reports: AddressSanitizer and its kin (`==PID==ERROR: AddressSanitizer: heap-use-after-free`),
valgrind's memcheck (`==PID== Invalid read of size 8`) and gdb's backtraces, with whatever the program printed
between them.

What a fix needs is the report's own lines (what went wrong, where the block was freed and allocated, the
summaries) and the project's frames in each stack. Kept: every report line, each stack's innermost frame (what
crashed, which allocator freed) and its frames in the project's code. Gone, each run as one marker that says
what it was: the runtime's frames (libstdc++'s templates, glibc's start-up, the sanitizer's interceptors:
`common.native_frame`), a stack shown whole above coming again (valgrind repeats an error's context), and
AddressSanitizer's shadow-memory map with its legend. The program's own output between the reports is filled in
order up to the ratio's budget, its errors and the lines the request's terms name first.
"""
from __future__ import annotations

import re

from .. import markers
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import (ERROR_RE, MATCH_CAP, RUNTIME_FRAMES_NOTE, Lines, block_key, finish, keep_ratio, line_starts,
                     native_frame, regex_lines, render, selective_regex)

name = "crash"
kinds = ("crash",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_PID = re.compile(r"==\d+==")
# a line of the report itself (not the program's output): valgrind's and the sanitizers' prefixed lines, the
# sanitizers' unprefixed description lines, gdb's signal line
_REPORT = re.compile(r"(?:==\d+==\s*\S|SUMMARY: \w+|(?:READ|WRITE) of size \d|0x[0-9a-f]+ is located |"
                     r"(?:freed|previously allocated|allocated) by thread |Thread T\d+ |Direct leak |Indirect leak |"
                     r"Program (?:received|terminated) signal |\S+Sanitizer|runtime error: )")
_SHADOW_START = "Shadow bytes around the buggy address:"
_SHADOW_ROW = re.compile(r"\s*(?:=>)?0x[0-9a-f]+:(?:\s*\[?[0-9a-f]{2}\]?)+\s*$|\s+[A-Z][\w ()-]*:\s+[0-9a-f]{2}\b|"
                         r"Shadow byte legend |\s+Shadow gap:|\s+ASan internal:|\s+Left alloca|\s+Right alloca")
_MIN_FRAME_RUN = 3  # runtime frames in a row: a shorter run costs about what its marker costs
_DEEP = 24  # kept frames in one stack beyond which only its first and last ones stay (deep recursion)
_DEEP_HEAD, _DEEP_TAIL = 12, 6
_PROGRAM_FIRST = 8  # the program's error lines and the request's lines kept whatever the budget (the first ones)


def looks(lines: list[str]) -> bool:
    """Does this sample (a block's first lines) hold a native crash report? Three native frames, or a
    sanitizer's or valgrind's report header and a frame."""
    frames = sum(1 for ln in lines if (" 0x" in ln or ln.lstrip().startswith("#")) and native_frame(ln) is not None)
    if frames >= 3:
        return True
    return frames >= 1 and any(_PID.match(ln) or "Sanitizer" in ln for ln in lines)


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 12:
        return None
    kind = [native_frame(s[:MATCH_CAP]) for s in items]  # None: not a frame; True: the runtime's; False: kept
    keep = [False] * n
    note: list[str | None] = [None] * n  # what a dropped line is, for its marker
    shadow = _shadow_lines(items)
    seen: dict[tuple[str, ...], tuple[int, int]] = {}
    i = 0
    while i < n:
        if kind[i] is None:
            i += 1
            continue
        j = i
        while j < n and kind[j] is not None:
            j += 1
        body = tuple(_PID.sub("", items[k], 1).strip() for k in range(i, j))
        if body in seen and j - i >= _MIN_FRAME_RUN:
            a, b = seen[body]
            for k in range(i, j):
                note[k] = f"the same stack as lines {a + 1}–{b}"
        else:
            seen.setdefault(body, (i, j))
            _keep_stack(kind, keep, note, i, j)
        i = j
    for k in range(n):
        if shadow[k]:
            note[k] = "AddressSanitizer's shadow-memory map and legend"
        elif kind[k] is None and _REPORT.match(items[k]):
            keep[k] = True
    # the program's own output: its errors and the lines the request names, then the rest in order, on budget
    other = [k for k in range(n) if kind[k] is None and not keep[k] and not shadow[k] and items[k].strip()]
    protect = list(keep)
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    used = sum(estimate_tokens(items[k], coarse=True) + 1 for k in range(n) if keep[k])
    joined = text[:-1] if lines.trailing else text
    tr = selective_regex(ctx, joined, n)
    hit = regex_lines(tr, joined, line_starts(items), joined.lower()) if tr is not None else [False] * n
    first = [k for k in other if hit[k] or ERROR_RE.search(items[k][:MATCH_CAP])]
    chosen = set(first)
    must = min(_PROGRAM_FIRST, len(first))
    for j, k in enumerate(first + [k for k in other if k not in chosen]):
        if used >= budget and j >= must:
            break
        keep[k] = True
        used += estimate_tokens(items[k], coarse=True) + 1
    for k in first:
        protect[k] = keep[k]

    def describe(j: int, e: int) -> str | None:
        told = next((note[k] for k in range(j, e) if items[k].strip()), None)  # (blank lines go with any run)
        if told is None or any(note[k] != told for k in range(j, e) if items[k].strip()):
            return None
        return markers.gap(f"{e - j} line{'s' if e - j != 1 else ''}: {told}")

    out, dropped, _ = render(lines, keep, protect=protect, describe=describe)
    if not dropped:
        return None
    return Result(finish(lines, out, f"{dropped} of {n} lines", block_key(text, key), ctx), True, name, "crash")


def _keep_stack(kind: list[bool | None], keep: list[bool], note: list[str | None], i: int, j: int) -> None:
    """A stack's first showing, lines i..j-1: its kept frames stay, each run of `_MIN_FRAME_RUN` or more of the
    runtime's frames goes as one marker (a shorter run stays: its marker would cost as much); a deep stack keeps
    its first and last kept frames."""
    k = i
    while k < j:
        if not kind[k]:
            keep[k] = True
            k += 1
            continue
        e = k
        while e < j and kind[e]:
            e += 1
        if e - k < _MIN_FRAME_RUN:
            for m in range(k, e):
                keep[m] = True
        else:
            for m in range(k, e):
                note[m] = f"{RUNTIME_FRAMES_NOTE}s"
        k = e
    shown = [m for m in range(i, j) if keep[m]]
    if len(shown) > _DEEP:
        for m in shown[_DEEP_HEAD:-_DEEP_TAIL]:
            keep[m] = False
            note[m] = "frames of the same stack"


def _shadow_lines(items: list[str]) -> list[bool]:
    """AddressSanitizer's shadow-memory map (its rows of shadow bytes) and legend, after the line that opens it."""
    out = [False] * len(items)
    try:
        i = next(k for k, s in enumerate(items) if s.startswith(_SHADOW_START))
    except StopIteration:
        return out
    k = i + 1
    while k < len(items) and (_SHADOW_ROW.match(items[k]) or not items[k].strip() and k + 1 < len(items)
                              and _SHADOW_ROW.match(items[k + 1])):
        out[k] = True
        k += 1
    return out
