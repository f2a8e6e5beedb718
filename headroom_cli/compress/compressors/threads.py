"""JVM thread dumps (`jstack [-l]`, `jcmd PID Thread.print`, a `kill -3` to stdout): the threads that matter, and
the rest as markers that name them.

A dump lists every thread: most are the JVM's own (Reference Handler, compiler and GC threads) or pool workers
parked on the same queue, and a few carry the answer — a thread BLOCKED on a monitor, one in the project's code,
the deadlock the JVM found. Kept: the dump's first lines, each such thread's header, its state, its lock lines
and its frames in the project's code with the innermost frame (the JDK's frames between are one marker, as in a
trace), and the deadlock report whole. Gone, each run as one marker naming its threads: threads with only the
JDK's frames, a thread whose stack is one shown above (the same frames and lock lines, addresses aside), the
header's list of thread addresses.
"""
from __future__ import annotations

import re

from .. import markers
from ..base import Context, Result
from .common import RUNTIME_FRAMES_NOTE, Lines, block_key, finish, render, runtime_frames, selective_regex

name = "threads"
kinds = ("threads",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

# a thread's header: `"name" #13 prio=5 os_prio=0 … nid=0x2a7c waiting on condition  [0x…]` (JVM threads have no
# `#N`: `"VM Thread" os_prio=0 …`)
_HEADER = re.compile(r'"(.*?)" (?:#\d+ |daemon |prio=|os_prio=)')  # (the JVM prints a name as it is, quotes and all)
_STATE = re.compile(r"\s+java\.lang\.Thread\.State: (\w+)")
_FRAME = re.compile(r"\tat ")
_LOCK = re.compile(r"\t- (?:waiting to lock|locked|waiting on|parking to wait for|eliminated)\b")
_ADDR = re.compile(r"0x[0-9a-f]+")
# where the per-thread part ends: the JVM's summaries and its deadlock report
_TAIL = re.compile(r"(?:JNI global refs|Found one Java-level deadlock|Found \d+ deadlocks?\.|Found a total of)")
_NAMES_SHOWN = 40  # thread names in one marker (a name is what a question about a thread gives)


def looks(text: str) -> bool:
    """A thread dump: the JVM's banner, or several thread headers with their states."""
    if "Full thread dump " in text:
        return True
    return text.count("java.lang.Thread.State: ") >= 3 and len(_HEADER.findall(text[:20000])) >= 3


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 20:
        return None
    starts = [i for i, s in enumerate(items) if s[:1] == '"' and _HEADER.match(s)]
    if len(starts) < 3:
        return None
    end = next((i for i in range(starts[-1], n) if _TAIL.match(items[i])), n)
    tr = selective_regex(ctx, text, len(starts))
    keep = [True] * n  # the preamble and the tail stay, but for the address list
    why: list[str | None] = [None] * n
    in_list = False
    for i in range(starts[0]):  # the header's list of thread addresses: `_java_thread_list=0x…, elements={` … `}`
        in_list = in_list or items[i].startswith("_java_thread_list=")
        if in_list:
            keep[i] = False
            why[i] = "list"
            in_list = items[i].rstrip() != "}"
    frames = runtime_frames(items)
    head: dict[int, tuple[str, str, str]] = {}  # a dropped thread's header line -> (why, its name, its state)
    seen: dict[tuple[str, ...], str] = {}
    bounds = starts + [end]
    for t, a in enumerate(starts):
        b = bounds[t + 1]
        body = items[a + 1:b]
        tname = _HEADER.match(items[a]).group(1)
        state = next((m.group(1) for m in map(_STATE.match, body[:2]) if m), "")
        own = [k for k in range(a + 1, b) if _FRAME.match(items[k]) and not frames[k]]
        locks = [k for k in range(a + 1, b) if _LOCK.match(items[k])]
        named = tr is not None and tr.search(items[a]) is not None
        stack = tuple(_ADDR.sub("0x", items[k]) for k in range(a + 1, b) if _FRAME.match(items[k]) or
                      _LOCK.match(items[k]))
        first = seen.get(stack) if stack else None
        if stack and first is None:
            seen[stack] = tname
        blocked = state == "BLOCKED" or any(items[k].startswith("\t- waiting to lock") for k in locks)
        if named or blocked or (own and first is None):
            _keep_thread(items, keep, why, frames, a, b, own)
            continue
        label = f"same:{first}" if first is not None else "jdk"
        for k in range(a, b):
            keep[k] = False
            why[k] = label
        head[a] = (label, tname, state)  # what the marker names
    if all(keep):
        return None

    def describe(j: int, i: int) -> str | None:
        heads = [head[k] for k in range(j, i) if k in head]
        if not heads:
            if all(why[k] == "list" for k in range(j, i)):
                return markers.gap(f"{i - j} lines: the thread list's addresses")
            if all(frames[k] or why[k] == "frame" for k in range(j, i)):
                return markers.gap(f"{i - j} {RUNTIME_FRAMES_NOTE} lines")
            return None
        labels = {h[0] for h in heads}
        names = ", ".join(f'"{h[1]}"' + (f" ({h[2]})" if h[2] else "") for h in heads[:_NAMES_SHOWN])
        more = f", +{len(heads) - _NAMES_SHOWN} more" if len(heads) > _NAMES_SHOWN else ""
        count = f"{len(heads)} thread{'s' if len(heads) != 1 else ''}"
        if labels == {"jdk"}:
            what = f"{count} with only the JDK's frames"
        elif len(labels) == 1 and next(iter(labels)).startswith("same:"):
            what = f'{count} with the same stack as "{next(iter(labels))[5:]}"'
        else:
            what = f"{count} with only the JDK's frames or a stack shown above"
        return markers.gap(f"{i - j} lines: {what}: {names}{more}")

    out, dropped, _clipped = render(lines, keep, protect=keep, describe=describe)
    if not dropped:
        return None
    what = f"{dropped} of {n} lines ({len(starts)} threads)"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "threads")


def _keep_thread(items: list[str], keep: list[bool], why: list[str | None], frames: list[bool], a: int, b: int,
                 own: list[int]) -> None:
    """A thread that matters: its header and state, its lock lines, its innermost frame and its project frames;
    the JDK's frames between them go."""
    first_frame = next((k for k in range(a + 1, b) if _FRAME.match(items[k])), None)
    own_set = set(own)
    gone = {k for k in range(a + 1, b) if _FRAME.match(items[k]) and k != first_frame and k not in own_set
            and frames[k]}
    for k in gone:
        if k - 1 in gone or k + 1 in gone:  # (a lone frame between kept lines costs about what its marker would)
            keep[k] = False
            why[k] = "frame"
    # a lock line belongs to the frame above it: it stays with a kept frame (what is held, what is waited for)
    for k in range(a + 1, b):
        if _LOCK.match(items[k]):
            j = k - 1
            while j > a and _LOCK.match(items[j]):
                j -= 1
            keep[k] = keep[j] or not _FRAME.match(items[j])
            if not keep[k]:
                why[k] = "frame"
