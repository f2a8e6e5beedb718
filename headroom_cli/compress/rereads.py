"""Lossless re-reads: a tool result whose lines already stand verbatim in an earlier tool result points at them.

Agents re-read files they read a few turns ago, and read ranges of files they were shown whole. When a run of
the new block's lines is identical to a run of an earlier block's, the run becomes one reference line:

    [… lines 140–215 not repeated: identical to lines 140–215 of the Read of src/x.py above; this result in
     full: headroom_retrieve key=3f9a…]

The model loses nothing (the lines are in its context already, and the key brings this block back whole if
the client dropped the earlier one — compaction, context editing). Lines around the runs (an edited region, an
agent's `<system-reminder>` after a Read) stay in place, verbatim. It applies to protected reads too.

Rules, and why:
- **Whole lines only**, compared after removing a Read's line-number prefix (`numbered.py`): agents read and
  cite by lines, a line range maps onto what the model saw, and a partial line would make it splice text.
  Numbers are compared by position, not by value: a range read of lines 1100–1159 matches lines 1100–1159 of a
  whole read, and a re-read after an edit that shifted lines still matches — the reference names both ranges.
- **At least `MIN_LINES` lines and `MIN_CHARS` characters** per run: a reference costs ~60 tokens and a look
  back; below ~200 tokens of text replaced it does not pay for that.
- **Only blocks forwarded verbatim are pointed at** (never one that was itself cut or is itself a reference),
  and a run stays inside one region of each block (lines before a numbered run, the run, lines after it).
- **Cache safety.** The decision for a block is a pure function of the block and the blocks before it (their
  content and how they were forwarded, which are pure functions of what precedes *them*): the same reference
  is produced on every later turn, and only the new block changes. A run matching several earlier blocks equally
  points at the latest of them.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..ccr.store import key_for
from . import numbered, policy
from .base import Context

VERSION = "1"  # part of the memo key: bump when references change
NAME = "reread"  # the compressor and kind blocks with references are reported under
MIN_LINES = 8
MIN_CHARS = 800
_ANCHOR_CHARS = 12  # a run starts on a line at least this long (stripped): blank lines and braces are everywhere
_MAX_POS = 16  # positions of one anchor line kept per block (repetitive files: enough to find the runs)
_MAX_DESC = 120


@dataclass
class Parsed:
    """A block as lines: `content[i]` without a Read's number prefix, `number[i]` the number shown (None when
    the line is outside the numbered run), `region[i]` 0 before the run, 1 in it, 2 after it."""

    lines: list[str]
    content: list[str]
    number: list[int | None]
    region: list[int]
    anchors: dict[str, list[int]]
    aset: frozenset


def parse(text: str, numbers: bool = True) -> Parsed:
    """`numbers`: the block comes from a read that prefixes line numbers (`numbers_are_prefixes`)."""
    nb = numbered.parse(text) if numbers else None
    if nb is None:
        lines = text.split("\n")
        content = lines
        number: list[int | None] = [None] * len(lines)
        region = [0] * len(lines)
    else:
        lines = nb.lines
        content = lines[:nb.start] + nb.content + lines[nb.end:]
        number = [None] * nb.start + list(range(nb.first, nb.first + nb.end - nb.start)) + \
            [None] * (len(lines) - nb.end)
        region = [0] * nb.start + [1] * (nb.end - nb.start) + [2] * (len(lines) - nb.end)
    anchors: dict[str, list[int]] = {}
    for i, c in enumerate(content):
        if len(c) >= _ANCHOR_CHARS and len(c.strip()) >= _ANCHOR_CHARS:
            pos = anchors.setdefault(c, [])
            if len(pos) < _MAX_POS:
                pos.append(i)
    return Parsed(lines, content, number, region, anchors, frozenset(anchors))


class _ParseCache:
    """Parsed blocks by content key: history blocks are parsed once per process, not once per request."""

    def __init__(self, max_chars: int = 8 * 1024 * 1024):  # parsed lines cost ~5x their text in memory
        self.max_chars = max_chars
        self._d: OrderedDict[tuple[str, bool], tuple[Parsed, int]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: str, text: str, numbers: bool) -> Parsed:
        ck = (key, numbers)
        with self._lock:
            hit = self._d.get(ck)
            if hit is not None:
                self._d.move_to_end(ck)
                return hit[0]
        p = parse(text, numbers)
        with self._lock:
            if ck not in self._d:
                self._d[ck] = (p, len(text))
                self._chars += len(text)
                while self._chars > self.max_chars and len(self._d) > 1:
                    _, (_, n) = self._d.popitem(last=False)
                    self._chars -= n
        return p


_CACHE = _ParseCache()


_NUMBERING = re.compile(r"(?:^|[\s;&|(])(?:cat\s+-\w*n\w*|nl)\s")


def numbers_are_prefixes(tool_name: str, command: str) -> bool:
    """Are leading numbers on this block's lines line numbers the tool added (a read tool, `cat -n`, `nl`)? Only
    then are they set aside for matching: in other output (`psql`, a TSV) a first column of consecutive ids is
    data, and two tables differing only there are not identical."""
    return policy.is_read_tool(tool_name) or bool(command and _NUMBERING.search(command))


def describe(tool_name: str, tool_input: str, command: str) -> str:
    """How a reference names an earlier block: `the Read of src/x.py`, `the Bash output of \\`cat x\\``."""
    tool = (tool_name or "").strip() or "tool"
    if policy.is_read_tool(tool) and tool_input:
        return f"the {tool} of {_clip(read_path(tool_input, command))}"
    if command:
        return f"the {tool} output of `{_clip(' '.join(command.split()))}`"
    if tool_input:
        return f"the {tool} result for {_clip(' '.join(tool_input.split()))}"
    return f"the {tool} result"


def read_path(tool_input: str, command: str = "") -> str:
    """The file a read tool read, from the call's rendered input (`protocols.common.render_input`: the command
    first, when the tool has one — `str_replace_based_edit_tool`'s `view` — then the path)."""
    s = tool_input.strip()
    if command and s.startswith(command):
        s = s[len(command):].strip()
    return s


def _clip(s: str) -> str:
    return s if len(s) <= _MAX_DESC else s[:_MAX_DESC - 1] + "…"


@dataclass
class _Target:
    key: str
    text: str
    desc: str
    ordinal: int  # position among the request's sites
    numbers: bool  # its leading numbers are line numbers (`numbers_are_prefixes`)


class Index:
    """The blocks of one request forwarded verbatim so far, in order; `match` a new block against them."""

    def __init__(self) -> None:
        self.targets: list[_Target] = []
        self._state = hashlib.sha256(VERSION.encode())

    def add(self, text: str, desc: str, ordinal: int, *, numbers: bool, key: str | None = None) -> None:
        """Note a block forwarded verbatim (`key`: its `key_for`, computed here when not given)."""
        if len(text) < MIN_CHARS:
            return  # cannot hold a run
        if key is None:
            key = key_for(text)
        self.targets.append(_Target(key, text, desc, ordinal, numbers))
        self._state.update(f"{key}\0{desc}\0{ordinal}\0{numbers:d}\0".encode("utf-8", "surrogatepass"))

    def could_match(self, text: str) -> bool:
        """Cheap: could `text` hold a run at all (size, and some earlier verbatim block to point at)?"""
        return bool(self.targets) and len(text) >= MIN_CHARS

    def state(self) -> str:
        """Hash of everything a decision depends on besides the block: part of its memo key."""
        return self._state.hexdigest()[:24]

    def match(self, key: str, text: str, ordinal: int, ctx: Context, *, numbers: bool) -> str | None:
        """The block with its repeated runs replaced by references, or None when none qualifies."""
        if len(text) < MIN_CHARS or not self.targets:
            return None
        new = _CACHE.get(key, text, numbers)
        if not new.aset:
            return None
        parsed = []
        for t in reversed(self.targets):  # latest first: equal runs point at the latest block
            p = _CACHE.get(t.key, t.text, t.numbers)
            if not new.aset.isdisjoint(p.aset):
                parsed.append((t, p))
        if not parsed:
            return None
        common = frozenset().union(*(new.aset & p.aset for _, p in parsed))
        out: list[str] = []
        i, n = 0, len(new.content)
        runs = 0
        descs = [t.desc for t in self.targets]
        while i < n:
            c = new.content[i]
            best = None
            if c in common:
                for t, p in parsed:
                    for j in _candidates(new, i, p, c):
                        k = _extend(new, i, p, j)
                        if best is None or k > best[2]:
                            best = (t, p, k, j)
            if best is not None and best[2] >= MIN_LINES and \
                    sum(len(x) + 1 for x in new.content[i:i + best[2]]) >= MIN_CHARS:
                t, p, k, j = best
                ambiguous = descs.count(t.desc) > 1
                out.append(_reference(new, i, k, t, p, j, ordinal, ambiguous, key, ctx))
                i += k
                runs += 1
                continue
            out.append(new.lines[i])
            i += 1
        if not runs:
            return None
        return "\n".join(out)


def _candidates(new: Parsed, i: int, old: Parsed, c: str) -> list[int] | tuple:
    """The positions of anchor line `c` in `old` from which a run with new[i] could reach MIN_LINES lines. A run
    is kept only from that length, so its first MIN_LINES lines must be equal on both sides: the last of them
    compared first, then all of them as one list comparison (in C). `_extend` then walks only these (anchor
    lines such as a repeated log line sit in many places of many blocks; most of them start no run)."""
    nc, oc = new.content, old.content
    if i + MIN_LINES > len(nc):
        return ()
    ahead, head, last = nc[i + MIN_LINES - 1], nc[i:i + MIN_LINES], len(oc) - MIN_LINES
    return [j for j in old.anchors.get(c, ())
            if j <= last and oc[j + MIN_LINES - 1] == ahead and oc[j:j + MIN_LINES] == head]


def _extend(new: Parsed, i: int, old: Parsed, j: int) -> int:
    """How many lines from new[i] and old[j] on are identical, inside one region of each."""
    ri, rj = new.region[i], old.region[j]
    k = 0
    n, m = len(new.content), len(old.content)
    while i + k < n and j + k < m and new.content[i + k] == old.content[j + k] and \
            new.region[i + k] == ri and old.region[j + k] == rj:
        k += 1
    if k and i + k == n and new.content[n - 1] == "":
        k -= 1  # a trailing "" is the block's final newline, not a line: it stays after the reference
    return k


def _span(p: Parsed, i: int, k: int) -> str:
    a, b = p.number[i], p.number[i + k - 1]
    if a is None or b is None:
        a, b = i + 1, i + k
    return f"line {a}" if a == b else f"lines {a}–{b}"


def _reference(new: Parsed, i: int, k: int, t: _Target, old: Parsed, j: int, ordinal: int, ambiguous: bool,
               key: str, ctx: Context) -> str:
    d = ordinal - t.ordinal
    back = f" ({d} tool result{'' if d == 1 else 's'} back)" if ambiguous else ""
    hint = f"; {ctx.marker_hint}" if ctx.marker_hint else ""
    return (f"[… {_span(new, i, k)} not repeated: identical to {_span(old, j, k)} of {t.desc} above{back}; "
            f"this result in full: {ctx.marker_tool} key={key}{hint}]")
