"""Search results (grep -rn, rg, git grep): group by file, a budget of matches per file, exact lines.

Lines are kept byte-for-byte; within a file, lines matching the context terms come first, then match
lines before context lines (`path-12-`), then order. Files whose path matches the context are served
first; files beyond the budget are dropped whole and named in the marker of their gap.
"""
from __future__ import annotations

import re
from bisect import bisect_left

from .. import markers, relevance
from . import common
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import (LONG_LINE, Lines, block_key, clip, coalesce, finish, keep_ratio, line_starts,
                      selective_regex, substring_lines)

name = "search"
kinds = ("search",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_GREP = re.compile(r"^(?P<path>[^\s:][^:\n]{0,400}?)(?P<sep>[:-])(?P<num>\d+)(?P=sep)")
# The same match without the lazy path (which tries the separator after every character): the path runs
# possessively over non-separators and over each "-" not followed by `\d+-`, so it stops at the first place
# `_GREP` would accept (or at the first ":", past which `_GREP`'s path cannot go). Only its length cap differs:
# a longer path falls back to `_GREP`.
_GREP_FAST = re.compile(r"(?P<path>[^\s:](?:[^:\n-]++|-(?!\d+-))*+)(?P<sep>[:-])(?P<num>\d+)(?P=sep)")
_HEADED = re.compile(r"^\d+(?P<sep>[:-])")
_FRAME_LINE = re.compile(r"[ \t]+(?:at |File \"|\d+: )")  # a stack frame's line: Node/Java/Rust `at`, Python, Rust
_INDENT = (" ", "\t")
_SEP = re.compile(r"^--\s*$")
# grep's own word that a binary file matched (GNU grep 3.5+, then older greps): no line of it to show
_BINARY = re.compile(r"(?:\S*grep: .+: binary file matches|Binary file .+ matches)\r?$")
_NAMES_IN_MARKER = 20
# An exception line: Python's `ValueError: …`, Java's `java.io.IOException: …` / `Caused by: …`, Node's `TypeError: …`
_EXC_LINE = re.compile(r"(?:Caused by: )?[A-Za-z_][\w.$]*(?:Error|Exception|Fault|Failure)\b(?::|$)")
_EXC_CAP = 40  # distinct exception lines kept at most
_EXC_WORDS = ("Error", "Exception", "Fault", "Failure")
# definitions rank first within a file: where a symbol is defined is what a search is usually after
# (no leading \b: a literal-first pattern lets the regex engine skip ahead; "undef x" ranking high is harmless)
_DEF = re.compile(r"(?:def|class|function|func|fn|interface|struct|enum|trait|type|module|impl)\s+\w")
_DEF_WORDS = ("def", "class", "func", "fn", "interface", "struct", "enum", "trait", "type", "module", "impl")


_WORD = re.compile(r"[A-Za-z0-9_]+")
_JSON_KEY = re.compile(r'"(\w{1,40})":')


def _shape(content: str) -> str:
    """A result line's shape: identifiers and numbers abstracted away (free text keeps its word count)."""
    return _WORD.sub("w", content[:300]).strip()


def _shapes_and_defs(items: list[str], file_of: list[str | None],
                     body_at: list[int]) -> tuple[list[str], list[bool]]:
    """Per result line: `_shape` of its content, and whether `_DEF` finds a definition in its first 300
    characters. One regex pass over all contents joined for the shapes (contents hold no "\\n", which is no
    word character, so no match spans two of them); `_DEF` runs only on the lines holding one of its keywords."""
    n = len(items)
    idx = [i for i, f in enumerate(file_of) if f is not None]
    conts = [items[i][body_at[i]:body_at[i] + 300] for i in idx]
    joined = "\n".join(conts)
    subbed = _WORD.sub("w", joined).split("\n")
    shapes = [""] * n
    if len(subbed) == len(idx):
        for i, t in zip(idx, subbed):
            shapes[i] = t.strip()
        if '{"' in joined:  # a JSON line's shape is its keys (its strings are values: a title, a message)
            for j, c in enumerate(conts):
                if c[:2] == '{"':
                    shapes[idx[j]] = "{" + ",".join(_JSON_KEY.findall(c))
    else:  # cannot happen; stay exact anyway
        for i in idx:
            shapes[i] = _shape(items[i][body_at[i]:body_at[i] + 600])
    is_def = [False] * n
    for j, cand in enumerate(substring_lines(joined, _DEF_WORDS, line_starts(conts))):
        if cand and _DEF.search(conts[j]) is not None:
            is_def[idx[j]] = True
    return shapes, is_def


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 6:
        return None
    tr = selective_regex(ctx, text, n)
    file_of: list[str | None] = [None] * n
    body_at = [0] * n  # where a result line's content starts (after `path:12:`)
    is_match = [False] * n
    files: dict[str, list[int]] = {}
    current = None
    cr = "\r" in text
    grep = _GREP_FAST.match
    one_file = _one_file(items)
    for i, raw in enumerate(items):
        s = raw[:600].rstrip("\r") if cr else raw[:600]
        # a one-file `grep -n`'s line is `12:` or `12-` and its text, whatever that text looks like: read as
        # `path:num:`, `486-   at /rustc/…/panicking.rs:689:5` would be a file named `486-   at /rustc/…`
        m = None if one_file and _HEADED.match(s) else grep(s)
        if m is not None and m.end(1) > 401:
            m = _GREP.match(s)
        if m is not None and m.group(1).isdigit():
            m = None  # `grep -n` over one file prints no path (`12:text`, `13-context`): a number is no path
        if m:
            f, sep = m.group(1, 2)  # path, separator
            file_of[i] = f
            body_at[i] = m.end()
            is_match[i] = sep == ":"
            files.setdefault(f, []).append(i)
            continue
        h = _HEADED.match(s)
        if h and (current is not None or not files or "" in files):
            # under an rg --heading path line, or a line of a one-file `grep -n` (its file is "", unnamed)
            if current is None:
                current = ""
            file_of[i] = current
            body_at[i] = h.end()
            is_match[i] = h.group("sep") == ":"
            files.setdefault(current, []).append(i)
            continue
        if s.strip() and not _SEP.match(s) and not h:
            current = s.strip()  # rg --heading: a path line; kept as a header line
    if len(files) == 0:
        return None
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 100)
    per_file_lines = max(2, int(n * keep_ratio(ctx)) // len(files))
    # headers, separators, unparsed lines stay; grep's binary-file notices go when there are several (counted
    # in the marker of their gap)
    binary = [file_of[i] is None and _BINARY.match(items[i]) is not None for i in range(n)]
    if sum(binary) < 2:
        binary = [False] * n
    keep = [file_of[i] is None and not binary[i] for i in range(n)]
    # what must stay when gaps are coalesced: headers/unparsed lines, the lines the request points to
    # (ranked, a term in them) and definitions; the rest is a sample of the file's matches
    protect = [f is None for f in file_of]
    used = sum(estimate_tokens(items[i], coarse=True) + 1 for i in range(n) if keep[i])
    first_idx = {f: idx[0] for f, idx in files.items()}
    # relevance: the result lines the request points to are kept, and their files are served first. A line is
    # ranked as printed (its path says which library or module it is in) and on what it says alone, and counts
    # by the better of the two: a word in every path of the output (`express/…`) is no signal, and it hid the
    # line whose own words are the request's (`res.setHeader('X-Powered-By', …)`)
    query = relevance.query_terms(ctx)
    distinct: list[int] = []
    score = relevance.rank(items, query, distinct=distinct, specific=True) if query is not None else [0.0] * n
    if query is not None and files.keys() != {""}:
        own: list[int] = []
        alone = relevance.rank([items[i][body_at[i]:] if body_at[i] else items[i] for i in range(n)], query,
                               distinct=own, specific=True)
        score = list(map(max, score, alone))
        distinct = list(map(max, distinct, own))
    picked = relevance.pick(score, distinct=distinct, query=query) if query is not None else None
    for i in picked or ():
        if file_of[i] is not None and not keep[i]:
            keep[i] = protect[i] = True
            used += estimate_tokens(items[i], coarse=True) + 1
    # an exception line in a match's context (`grep -A 30 'Error handling request' app.log`) says what failed:
    # each distinct one stays verbatim, like the match it follows
    exc_seen: set[str] = set()
    cand = substring_lines(text, _EXC_WORDS, line_starts(items))  # (one C scan per word: most lines hold none)
    for i in (k for k in range(n) if cand[k]):
        if file_of[i] is None or keep[i] or len(exc_seen) >= _EXC_CAP:
            continue
        c = items[i][body_at[i]:body_at[i] + 600].rstrip("\r")
        if c[:1].isalpha() and _EXC_LINE.match(c) is not None and c not in exc_seen:
            exc_seen.add(c)
            keep[i] = protect[i] = True
            used += estimate_tokens(items[i], coarse=True) + 1
    # Without a clear gap the ranking still orders: within a file the best-ranked lines come first, and the
    # file of the best-ranked line is served first (a line counts when it holds two words of the request).
    if query is not None and len(query.stems) >= 3:
        score = [x if d >= 2 else 0.0 for x, d in zip(score, distinct)]
    best = max(score) if n else 0.0
    top = score.index(best) if best > 0 else None  # (the first line of the best score)
    chosen = {file_of[i] for i in picked or () if file_of[i] is not None}
    if top is not None and file_of[top] is not None:
        chosen.add(file_of[top])
    by_path = {f for f in files if f and tr is not None and tr.search(f)}  # files the request names by path
    named_files = set(_files_named(files, query))  # … and in words
    preferred = {f: f in by_path or f in named_files or f in chosen for f in files}
    order = sorted(files, key=lambda f: (not preferred[f], first_idx[f]))
    seen_tpl: dict[str, int] = {}  # a shape -> lines of it shown
    # Over many files a shape is one usage (`from ..tokens import estimate_tokens`): shown once. In one file's
    # matches (a log grepped: `cannot ship 38 x GD-0114: 38 on hand …` eighty times) the values are what differs
    # and what may matter: a few are shown, and the marker says the others have the same form (context lines:
    # one of each shape).
    samples = _SHAPE_SAMPLES if len(files) == 1 else 1
    # with context lines (`grep -A/-B/-C`) a match shown is what was searched for: merging the gaps around it
    # must not take it (a context line may go)
    with_context = any(f is not None and not m for f, m in zip(file_of, is_match))
    generous = keep_ratio(ctx) >= 0.6  # then repeated usages fill the budget too
    shape, is_def = _shapes_and_defs(items, file_of, body_at)
    # In one log's grep with context (`grep -A 30 'Error handling request' app.log`), the context lines that are
    # routine events of their own (INFO, DEBUG: the access log between two failures) say nothing about the match;
    # the one right after a kept line (the request that failed) stays.
    routine = ([not m and f is not None and _ROUTINE.search(items[k], body_at[k], body_at[k] + 80) is not None
                for k, (f, m) in enumerate(zip(file_of, is_match))] if with_context and len(files) == 1 else None)
    contents = ([items[i][body_at[i]:] if file_of[i] is not None else items[i] for i in range(n)]
                if common.may_hold_stacks(text) else [])
    # a trace's frames in the runtime and installed packages, in a match's context, are not shown for it (the
    # project's frames and the message are)
    frames = common.runtime_frames(contents) if contents else None
    # a frame of the project's own code (an indented line: that cheap test first)
    own_frame = [contents[i][:1] in _INDENT and not frames[i] and _FRAME_LINE.match(contents[i]) is not None
                 for i in range(n)] if frames is not None else None
    for f in order:
        if used >= budget and not preferred[f]:
            break
        idxs = files[f]
        ranks = {}
        for i in idxs:
            # (no term, no definition, a context line, position): the lines to show first sort first
            miss = tr is None or tr.search(items[i], body_at[i], body_at[i] + 600) is None
            # (a frame of the project's own code in a match's context comes before the other context lines)
            ranks[i] = (miss, -score[i], not is_def[i], not is_match[i], own_frame is None or not own_frame[i], i)
        cap = per_file_lines * (3 if preferred[f] else 1)
        if f in named_files or f in by_path:
            cap = max(cap, min(len(idxs), _NAMED_FILE_LINES))  # the file the request is about: all its lines
        taken = 0
        for r in sorted(ranks.values()):
            if taken >= cap:
                break
            i = r[-1]
            if keep[i]:
                continue
            important = not r[0] or not r[2]
            if frames is not None and frames[i] and not important:
                continue
            if routine is not None and routine[i] and not important and not any(
                    0 <= k < n and keep[k] and not routine[k] and file_of[k] is not None for k in (i - 1, i + 1)):
                continue  # a routine event in a match's context, next to no other kept line: one retrieval away
            t = shape[i] if not important and not (own_frame is not None and own_frame[i]) else ""
            if t and not generous and f not in named_files and seen_tpl.get(t, 0) >= (samples if is_match[i] else 1):
                continue  # the same usage again (names/numbers aside): shown once, the file is named in a marker
            seen_tpl[t] = seen_tpl.get(t, 0) + 1
            keep[i] = True
            protect[i] = important or (with_context and is_match[i])
            taken += 1
            used += estimate_tokens(items[i], coarse=True) + 1
    # a stack trace in the matches' context that repeats one above exactly (the same failure logged again) goes
    # whole, its marker saying so; the exception line after it stays (above)
    again: dict[int, str] = {}
    for a, b, first in common.stack_runs(contents):
        if first is None:
            continue
        ref = f"lines {_num(items[first], body_at[first])}–{_num(items[first + b - a - 1], body_at[first + b - a - 1])}"
        for k in range(a, b):
            keep[k] = protect[k] = False
            again[k] = ref
    coalesce(items, keep, protect)
    first_of_shape: dict[str, int] = {}  # a shape -> its first line shown (what a marker's "same form" names)
    if samples > 1:
        for i in range(n):
            if keep[i] and file_of[i] is not None:
                first_of_shape.setdefault(shape[i], i)
    # drop separators and headings of files with nothing kept
    for i in range(n):
        if file_of[i] is not None:
            continue
        s = items[i].rstrip("\r")
        if (_SEP.match(s) or (s.strip() and s.strip() in files)) and not _neighbour_kept(i, keep, file_of):
            keep[i] = False
    out: list[str] = []
    dropped = 0
    i = 0
    while i < n:
        if keep[i]:
            line = items[i]
            out.append(line if len(line) <= LONG_LINE else clip(line)[0])
            i += 1
            continue
        j = i
        gap_files: dict[str, int] = {}
        while j < n and not keep[j]:
            if file_of[j] is not None:
                gap_files[file_of[j]] = gap_files.get(file_of[j], 0) + 1
            j += 1
        dropped += j - i
        whole = [f for f in gap_files if f and not any(keep[k] for k in files[f])]  # ("": one file, unnamed)
        what = f"{j - i} line{'s' if j - i != 1 else ''}"
        if again:
            refs = {again.get(k) for k in range(i, j)}
            if len(refs) == 1 and None not in refs:
                what += f": the same stack trace as {refs.pop()}"
        if frames is not None and ":" not in what and all(frames[i:j]):
            what += f": {common.RUNTIME_FRAMES_NOTE}s"
        elif samples > 1 and ":" not in what:
            forms = {shape[k] for k in range(i, j) if file_of[k] is not None}
            if len(forms) == 1 and (t := forms.pop()) and t in first_of_shape:
                first = first_of_shape[t]
                what += f" of the same form as line {_num(items[first], body_at[first])}"
        bins = sum(binary[i:j])
        if bins:
            what += f" ({'all' if bins == j - i else bins} grep's 'binary file matches')"
        if whole:
            names = ", ".join(f"{f} ({gap_files[f]})" for f in whole[:_NAMES_IN_MARKER])
            more = f", +{len(whole) - _NAMES_IN_MARKER} more" if len(whole) > _NAMES_IN_MARKER else ""
            what += f" in {len(whole)} file{'s' if len(whole) != 1 else ''}: {names}{more}"
        out.append(lines.marker_line(markers.gap(what)))
        i = j
    if not dropped:
        return None
    nm = n - file_of.count(None)
    return Result(finish(lines, out, f"{dropped} of {nm} result lines", block_key(text, key), ctx), True, name,
                  "search")


_SHAPE_SAMPLES = 4  # lines of one shape shown in a one-file search
_ROUTINE = re.compile(r"\b(?:INFO|DEBUG|TRACE|NOTICE|info|debug|trace)\b")


_NAME_WORD = re.compile(r"[a-z][a-z0-9]*")
_NAMED_FILES = 3  # a word of the request naming more files than this names none ("tests")
_NAMED_FILE_LINES = 200  # lines of a file the request names that are kept at most


def _files_named(files: dict, query) -> list[str]:
    """Files a word of the request names ("the relevance module" → …/relevance.py): a stem of the request's own
    words (not the command's) starting a word of the file's name or of its directory's, in a few files only."""
    if query is None or len(files) < 2:
        return []
    paths = "\n".join(files).lower()
    stems = [s for s, w in zip(query.stems, query.weights) if w >= 1.0 and len(s) >= 4 and s in paths]
    if not stems:  # (one C scan per stem: most stems are in no path)
        return []
    holders: dict[str, list[str]] = {}  # a name word -> the files whose name or directory holds it
    some = re.compile("|".join(map(re.escape, stems))).search
    for f, low in zip(files, paths.split("\n")):
        if some(low) is None:
            continue
        parts = low.rsplit("/", 2)[-2:]
        ws = _NAME_WORD.findall(parts[-1].rsplit(".", 1)[0]) + (_NAME_WORD.findall(parts[0]) if len(parts) > 1 else [])
        for x in set(ws):
            holders.setdefault(x, []).append(f)
    vocab = sorted(holders)
    out: list[str] = []
    for stem in stems:
        hit: list[str] = []
        k = bisect_left(vocab, stem)
        while k < len(vocab) and vocab[k].startswith(stem) and len(hit) <= _NAMED_FILES:
            hit += [f for f in holders[vocab[k]] if f not in hit]
            k += 1
        if 1 <= len(hit) <= _NAMED_FILES:
            out += [f for f in hit if f not in out]
    return out


def _one_file(items: list[str]) -> bool:
    """Is this a one-file `grep -n` (no path: `12:match`, `13-context`, `--` between groups)? Its first line
    is numbered, and so is nearly every other, with numbers that only grow (lines of one file in order; a
    multi-file output whose paths start with digits, `2024-report.txt:3:`, repeats its numbers)."""
    if not items or _HEADED.match(items[0]) is None:
        return False
    last, numbered, other = -1, 0, 0
    match = _HEADED.match
    for s in items:
        m = match(s)
        if m is None:
            if s.strip() and not _SEP.match(s):
                other += 1
            continue
        k = int(m.group()[:-1])
        if k <= last:
            return False
        last = k
        numbered += 1
    return numbered >= 4 * other


def _num(line: str, body_at: int) -> str:
    """The line number in a result line's prefix (`path:12:` → "12")."""
    m = re.search(r"(\d+)[:-]$", line[:body_at])
    return m.group(1) if m else "?"


def _neighbour_kept(i: int, keep: list[bool], file_of: list[str | None]) -> bool:
    """A heading/separator is worth keeping when the result line right after it is kept."""
    j = i + 1
    while j < len(keep) and file_of[j] is None:
        j += 1
    return j < len(keep) and keep[j]
