"""git log output, one line a commit (`--oneline`) or git's medium format (`commit`, `Author:`, `Date:`, the
indented message, `--stat`'s file lines and its summary): every commit keeps its hash; what is cut is the long
part of each commit.

- one line a commit: a subject longer than SUBJECT characters keeps its first SUBJECT and an ellipsis; a long
  listing (over MAX_LINES commits) keeps its first HEAD_LINES and last TAIL_LINES commits;
- medium format: each commit keeps its header lines (commit, Merge, Author, Date), its message's first
  MSG_LINES lines (the first one clipped like a subject) and the stat's summary line; a stat of more than
  STAT_TOP + 1 files keeps its STAT_TOP largest changes and the files the request names, the rest one marker.
  When that is still over the budget (keep_ratio), each commit is shown in brief: its `commit` line, its
  subject and its stat's summary line (the final marker says how many).

- one line a commit with its files under it (`--oneline --stat`, `--name-status`, `--name-only`): cut as the
  medium format is, the commit's line (clipped like a subject) its header and message.

A file line naming a file the request names (`router.py`, a path) is kept however many commits touched that
file, in brief too: "which commits touched router.py" is answered by each such commit's line and that file line.
A commit the request points to (ranked by `relevance`, or holding one of its terms) is kept whole. Lines are
never rewritten except the clipped subjects, which end in "…"; the block ends with one marker with its key.
"""
from __future__ import annotations

import re

from .. import markers, relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import Lines, block_key, finish, keep_ratio, selective_regex, terms

name = "gitlog"
kinds = ("gitlog",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

SUBJECT = 100  # characters of a subject kept when it is cut (one-line format; a message's first line: twice)
MAX_LINES, HEAD_LINES, TAIL_LINES = 60, 40, 10  # a one-line listing longer than MAX_LINES keeps its ends
MSG_LINES = 2  # message lines kept of a commit the request does not point to
STAT_TOP = 3  # largest changes kept of a long stat

_COMMIT = re.compile(r"commit [0-9a-f]{7,64}\b")
_HEADER = re.compile(r"(?:Merge|Author|AuthorDate|Commit|CommitDate|Date):\s")
_ONELINE = re.compile(r"[*|/\\ ]*[0-9a-f]{7,40} \S")
_STAT = re.compile(r" \S.*?\s\|\s+(?:(\d+)|Bin\b)")
_SUMMARY = re.compile(r" \d+ files? changed")
_GIT_LOG = re.compile(r"\bgit\b[^|;&\n]*\b(?:log|reflog)\b")
# a file under a one-line commit: `--name-only`'s path, `--name-status`'s `M\tpath` (`R100\told\tnew`)
_NAME_LINE = re.compile(r"(?:[ACDMRTUXB]\d*\t)?[^\s|]+(?:\t[^\s|]+)?[ \t\r]*$")


def looks(lines: list[str], command: str = "") -> bool:
    """Is this sample of lines git log output? The medium format by its content (a `commit <hash>` line and
    an `Author:` line); one line a commit only when the command is a `git log` (hex words begin other lines)."""
    if any(_COMMIT.match(ln) for ln in lines[:5]) and any(ln.startswith("Author: ") for ln in lines[:12]):
        return True
    if len(lines) < 5 or _GIT_LOG.search(command) is None:
        return False
    heads = sum(1 for ln in lines if _ONELINE.match(ln))
    if heads >= 0.8 * len(lines):
        return True
    # one line a commit with its files under it (`--oneline --stat`, `--name-status`): a commit line first
    return bool(_ONELINE.match(lines[0])) and heads >= 2 and sum(
        1 for ln in lines if _ONELINE.match(ln) or _STAT.match(ln) or _SUMMARY.match(ln) or _NAME_LINE.match(ln)
    ) >= 0.9 * len(lines)


def _clip(line: str, limit: int) -> tuple[str, int]:
    """`line` cut to `limit` characters and an ellipsis (its "\\r" kept), and the characters cut."""
    cr = "\r" if line.endswith("\r") else ""
    body = line[:-1] if cr else line
    if len(body) <= limit + 20:  # cutting a few characters saves nothing
        return line, 0
    return body[:limit].rstrip() + "…" + cr, len(body) - limit


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    n = len(items)
    if n < 3:
        return None
    starts = [i for i, ln in enumerate(items) if _COMMIT.match(ln)]
    head, oneline = _COMMIT.match, False
    if not (starts and starts[0] < 3):
        # one line a commit with its files under it (`--oneline --stat`, `--name-status`): each commit line and
        # its files are a commit, cut as the medium format's are (its subject is its only message line)
        heads = [i for i, ln in enumerate(items) if _ONELINE.match(ln)]
        if heads and heads[0] == 0 and 2 <= len(heads) < 0.8 * n:
            starts, head, oneline = heads, _ONELINE.match, True
    if starts and starts[0] < 3:
        units = [(a, b) for a, b in zip(starts, starts[1:] + [n])]
        if starts[0] > 0:
            units.insert(0, (0, starts[0]))
        medium = True
    else:
        units = [(i, i + 1) for i in range(n)]
        medium = False
    # a term in more than a fifth of the commits (their author, the path every commit touches) points to none
    tr = selective_regex(ctx, text, len(units))
    # ...but a file the request names keeps its file lines however many commits touched it ("which commits
    # touched router.py": each of them, with that line)
    ftr = _files_regex(ctx)
    query = relevance.query_terms(ctx)
    picked: set[int] = set()
    if query is not None:
        picked.update(relevance.pick(relevance.rank(["\n".join(items[a:b]) for a, b in units], query),
                                     query=query) or ())
    named: set[int] = set()
    if tr is not None:
        # (a stat line naming a term keeps that line, not its whole commit)
        named.update(k for k, (a, b) in enumerate(units)
                     if any(not _STAT.match(items[i]) and tr.search(items[i]) for i in range(a, b)))
    # commits the terms name are kept whole while they are a few; the ranking's picks always are
    pointed = picked | named if len(named) <= max(3, len(units) // 5) else picked
    out: list[str] = []
    cut_chars = cut_lines = briefed = 0
    if not medium:
        keep = [k in pointed or k < HEAD_LINES or k >= n - TAIL_LINES or n <= MAX_LINES for k in range(n)]
        k = 0
        while k < n:
            if not keep[k]:
                e = k
                while e < n and not keep[e]:
                    e += 1
                out.append(lines.marker_line(markers.gap(f"{e - k} commits")))
                cut_lines += e - k
                k = e
                continue
            line, c = (items[k], 0) if k in pointed else _clip(items[k], SUBJECT)
            out.append(line)
            cut_chars += c
            k += 1
    else:
        budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 100)
        for brief in (False, True):
            out, cut_chars, cut_lines, briefed = [], 0, 0, 0
            for u, (a, b) in enumerate(units):
                if u in pointed or not head(items[a]):
                    out.extend(items[a:b])
                    continue
                c, d = (_brief if brief else _commit)(items, a, b, tr, lines, out, oneline, ftr)
                cut_chars += c
                cut_lines += d
                briefed += brief
            if estimate_tokens("\n".join(out), coarse=True) <= budget:
                break
        if briefed:
            what_brief = (f"the file lines of {briefed} commits" if oneline else
                          f"the author, date and stat lines of {briefed} commits")
    if not cut_chars and not cut_lines:
        return None
    what = [what_brief] if medium and briefed else []
    if cut_lines and not (medium and briefed):
        what.append(f"{cut_lines} lines")
    if cut_chars:
        what.append(f"{cut_chars} characters of long subjects")
    return Result(finish(lines, out, " and ".join(what), block_key(text, key), ctx), True, name, "gitlog")


def _files_regex(ctx: Context) -> re.Pattern | None:
    """The request's terms that are file names or paths (a dot or a slash between letters), as one regex."""
    paths = [t for t in terms(ctx) if re.search(r"\w[./]\w", t) and not t.replace(".", "").isdigit()]
    return re.compile("|".join(map(re.escape, sorted(paths, key=len, reverse=True))), re.I) if paths else None


def _commit(items: list[str], a: int, b: int, tr, lines: Lines, out: list[str],
            oneline: bool = False, ftr=None) -> tuple[int, int]:
    """One medium-format commit (lines a..b-1) onto `out`, cut; returns (characters, lines) cut. `oneline`: a
    one-line commit with its files under it (its line, clipped like a subject, is its header and message)."""
    chars = dropped = 0
    k = a
    if oneline:
        line, chars = _clip(items[a], SUBJECT)
        out.append(line)
        k = a + 1
    while k < b and (k == a or _HEADER.match(items[k])):
        out.append(items[k])
        k += 1
    seen_msg = False
    while k < b:
        s = items[k].rstrip("\r")
        if s.startswith("    ") and not seen_msg:
            e = k
            while e < b and (items[e].startswith("    ") or (not items[e].strip() and e + 1 < b
                                                               and items[e + 1].startswith("    "))):
                e += 1
            c, d = _message(items, k, e, tr, lines, out)
            chars, dropped, seen_msg, k = chars + c, dropped + d, True, e
            continue
        if _STAT.match(s):
            e = k
            while e < b and _STAT.match(items[e]):
                e += 1
            dropped += _stat(items, list(range(k, e)), tr, lines, out, ftr)
            k = e
            continue
        out.append(items[k])
        k += 1
    return chars, dropped


def _brief(items: list[str], a: int, b: int, tr, lines: Lines, out: list[str],
           oneline: bool = False, ftr=None) -> tuple[int, int]:
    """One medium-format commit in brief (the block over budget): its `commit` line, its message's first line
    (clipped like a subject), the stat's summary line and the file lines the request names, the blank line that
    ends it; returns (characters, lines) cut. `oneline`: its one line is clipped like a subject."""
    line, chars = _clip(items[a], SUBJECT) if oneline else (items[a], 0)
    out.append(line)
    dropped = 0
    subject = oneline
    for k in range(a + 1, b):
        s = items[k].rstrip("\r")
        if s.startswith("    ") and not subject:
            line, c = _clip(items[k], SUBJECT)
            out.append(line)
            chars += c
            subject = True
        elif _SUMMARY.match(s) or (ftr is not None and s.strip() and ftr.search(s) is not None
                                   and (_STAT.match(s) or _NAME_LINE.match(s))):
            out.append(items[k])
        elif s.strip():
            dropped += 1
    if b - 1 > a and not items[b - 1].strip():
        out.append(items[b - 1])
    return chars, dropped


def _message(items: list[str], a: int, b: int, tr, lines: Lines, out: list[str]) -> tuple[int, int]:
    """A commit message (lines a..b-1) onto `out`: its first MSG_LINES lines (the first clipped like a long
    subject) and the lines the request's terms name; each run of the others one marker."""
    chars = dropped = 0
    k = a
    while k < b:
        named = tr is not None and tr.search(items[k]) is not None
        if k < a + MSG_LINES or named:
            line, c = (items[k], 0) if named or k > a else _clip(items[k], 2 * SUBJECT)
            out.append(line)
            chars += c
            k += 1
            continue
        e = k
        while e < b and not (tr is not None and tr.search(items[e]) is not None):
            e += 1
        out.append(lines.marker_line("    " + markers.gap(f"{e - k} lines of the message")))
        dropped += e - k
        k = e
    return chars, dropped


def _count(line: str) -> int:
    m = _STAT.match(line)
    return int(m.group(1)) if m and m.group(1) else 0


def _stat(items: list[str], idx: list[int], tr, lines: Lines, out: list[str], ftr=None) -> int:
    """A commit's stat lines onto `out`: all of a short stat; of a long one its STAT_TOP largest changes and the
    files the request names, each run of the others one marker. Returns the lines left out."""
    if len(idx) <= STAT_TOP + 1:
        out.extend(items[i] for i in idx)
        return 0
    top = set(sorted(idx, key=lambda i: (-_count(items[i]), i))[:STAT_TOP])
    keep = [i in top or any(r is not None and r.search(items[i]) is not None for r in (tr, ftr)) for i in idx]
    left = 0
    k = 0
    while k < len(idx):
        if keep[k]:
            out.append(items[idx[k]])
            k += 1
            continue
        e = k
        while e < len(idx) and not keep[e]:
            e += 1
        out.append(lines.marker_line(markers.gap(f"{e - k} files of the stat")))
        left += e - k
        k = e
    return left
