"""Unified diffs (git diff/show/log -p, diff -u): keep headers and every distinct change, trim the rest.

Hunks are re-cut with less context (1 line, or 3 when the budget is generous), splitting where
changes are far apart; every new hunk header is recomputed, so headers always agree with their
lines. Lock files and generated/minified files keep their headers but lose their hunks. Two cuts
serve the changes real commits are made of:
- a mechanical edit repeated over many hunks (a header line added to every module, a rename): a
  hunk whose changed lines are exactly those of a hunk shown earlier is left out, and a run of such
  hunks becomes one line naming their files (a file all of whose hunks went loses its header lines);
  every distinct change stays verbatim;
- a long run of added (or removed) lines, a new file or function, when the diff is still over its
  budget: the run keeps its first lines, its definitions (`def`, `class`, `function`, …), the lines
  the request's terms name and its last line; each cut splits the hunk into hunks of their own, with
  true headers, and a marker between them. Short hunks — where a behaviour change hides — are never cut;
- a long commit message (over budget): its first lines, the lines the request's terms name and its last line;
- a rename over many lines (over budget): a removed line replaced by the same line but for one substitution
  (`cell_len` -> `cell_width`) is shown for the substitution's first two pairs; the other pairs go, each run a
  marker naming the substitution. A pair that changes anything else stays, and so does a renamed definition.
"""
from __future__ import annotations

import re

from .. import markers, relevance
from ..base import Context, Result
from ..tokens import estimate_tokens
from .common import LONG_LINE, Lines, block_key, clip, finish, keep_ratio, selective_regex

name = "diff"
kinds = ("diff",)  # the detected kinds it compresses (a base.Compressor: name, kinds, compress)

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_GIT = re.compile(r"^diff --git a/(.*?) b/(.*)$")
_GENERATED = re.compile(
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|"
    r"Pipfile\.lock|uv\.lock|composer\.lock|Gemfile\.lock|go\.sum)$|\.min\.(?:js|css)$|\.map$|\.snap$"
)
# A file's own header lines (what a hunk-less mention of the file would still need): from `diff --git` on.
_FILE_HEAD = re.compile(r"^(?:diff --git |index [0-9a-f]|--- |\+\+\+ |(?:new|deleted|old) (?:file )?mode |"
                        r"similarity index |dissimilarity index |rename (?:from|to) |copy (?:from|to) |Binary files )")
# A definition inside added or removed code: kept when its run is cut (the outline of new code).
_DEFINITION = re.compile(
    r"[+-]\s*(?:@\w|(?:async\s+)?def |class |(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b|func |"
    r"(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn |impl\b|struct |enum |interface |trait |type \w+ =|module |"
    r"(?:public|private|protected|static)\s[^=;]*\()")
RUN_MIN = 16  # runs of added/removed lines at least this long may be cut (when over budget)
_RUN_HEAD = 3  # lines kept at a cut run's start
# Prose documentation: over budget, its hunks the request does not point to become one marker per run
_DOC = re.compile(r"(?:\.(?:md|markdown|rst|adoc|asciidoc)|(?:^|/)(?:CHANGELOG|CHANGES|HISTORY|NEWS)(?:\.\w+)?)$",
                  re.I)
_REPEAT_FILES_SHOWN = 12  # files named in one marker of repeated changes
_SUB_MIN, _SUB_SHOWN, _SUB_CHARS = 4, 2, 60  # a substitution on this many pairs of lines is a rename: shown twice
# What a reviewer reads a long commit message for, wherever it stands in it: a breaking change, a behaviour that is
# no more, what to do instead, a note or warning to its readers, a security fix
_MSG_SIGNAL = re.compile(r"\bBREAKING\b|\b[Bb]reaking change|\bno longer\b|\binstead\b|\b[Dd]eprecat|\b[Ss]ecurity\b|"
                         r"\bCVE-\d|^\s*(?:Note|NOTE|Warning|WARNING|Caution|CAUTION|Important|IMPORTANT)\b")
_MSG_MAX, _MSG_HEAD = 12, 4  # a commit message longer than _MSG_MAX lines keeps its first _MSG_HEAD (over budget)


def _header(os_: int, ol: int, ns: int, nl: int, rest: str) -> str:
    # A zero-length side names the line *before* the change (unified diff convention).
    a = os_ - 1 if ol == 0 else os_
    b = ns - 1 if nl == 0 else ns
    return f"@@ -{max(a, 0)},{ol} +{max(b, 0)},{nl} @@{rest}"


class _Hunk:
    __slots__ = ("raw", "old_start", "new_start", "rest", "body", "path", "skip", "relevant", "repeat", "mech",
                 "novel")

    def __init__(self, raw: str, old_start: int, new_start: int, rest: str, body: list, path: str, skip: bool):
        self.raw, self.old_start, self.new_start, self.rest, self.body = raw, old_start, new_start, rest, body
        self.path, self.skip = path, skip
        self.relevant = self.repeat = False
        self.mech: dict[int, str] = {}  # body lines of a substitution seen often enough (see `_mark_substitutions`)
        self.novel: set[int] = set()  # lines of a moved run that the move changed (see `_mark_moved`)


def _parse(items: list[str], any_cr: bool) -> list[tuple[list[str], list[_Hunk]]] | None:
    """The diff as sections: the non-hunk lines before a run of hunks (commit headers, file headers), then the
    hunks. None when there is no hunk."""
    sections: list[tuple[list[str], list[_Hunk]]] = [([], [])]
    skip_file = False
    path = ""
    n = len(items)
    i = 0
    found = False
    while i < n:
        raw = items[i]
        s = raw.rstrip("\r")
        m = _HUNK.match(s)
        if not m:
            if sections[-1][1]:
                sections.append(([], []))
            g = _GIT.match(s)
            if g:
                path = g.group(2)
                skip_file = bool(_GENERATED.search(path))
            elif s.startswith("+++ ") and not skip_file:
                skip_file = bool(_GENERATED.search(s[4:].strip())) or s.startswith("+++ /dev/null")
                if not path:
                    path = s[4:].strip()
            elif s.startswith("deleted file mode"):
                skip_file = True  # a deleted file's old content: the header says it all
            sections[-1][0].append(raw)
            i += 1
            continue
        found = True
        old_rem = int(m.group(2)) if m.group(2) is not None else 1
        new_rem = int(m.group(4)) if m.group(4) is not None else 1
        body: list[tuple[str, str]] = []  # (tag, raw line)
        j = i + 1
        while j < n and (old_rem > 0 or new_rem > 0):
            line = items[j]
            # an empty line is context (no "\r" in the block: only "" is empty after rstrip)
            t = (line[:1] or " ") if not any_cr else (line[:1] if line.rstrip("\r") else " ")
            if t == " ":
                old_rem -= 1
                new_rem -= 1
            elif t == "-":
                old_rem -= 1
            elif t == "+":
                new_rem -= 1
            elif t != "\\":
                break
            body.append((t, line))
            j += 1
        while j < n and items[j].startswith("\\"):
            body.append(("\\", items[j]))
            j += 1
        sections[-1][1].append(_Hunk(raw, int(m.group(1)), int(m.group(3)), m.group(5), body, path, skip_file))
        i = j
    return sections if found else None


def compress(text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
    lines = Lines(text)
    items = lines.items
    sections = _parse(items, "\r" in text)
    if sections is None:
        return None
    hunks = [h for _, hs in sections for h in hs]
    for k in _relevant_hunks(items, ctx):
        if k < len(hunks):
            hunks[k].relevant = True
            # a lock file's or generated file's hunk the request points to ("which lodash version does the lock
            # resolve to?") is shown like any other: it is what was asked about
            hunks[k].skip = False
    _mark_repeats(hunks)
    ctx_lines = 3 if keep_ratio(ctx) >= 0.6 else 1
    cr = "\r" if lines.cr else ""
    out, dropped_gen = _render(sections, lines, ctx_lines, cr, None)
    budget = max(int(estimate_tokens(text, coarse=True) * keep_ratio(ctx)), 120)
    if estimate_tokens("\n".join(out), coarse=True) > budget and (_mark_substitutions(hunks) or any(
            _long_runs(h.body) for h in hunks if not h.skip and not h.repeat) or any(
            len(head) >= _MSG_MAX for head, _ in sections) or _doc_hunks(sections, True)):
        tr = selective_regex(ctx, text, len(items))
        _mark_moved(hunks)  # (read by the long-run cuts only: not before a diff is over its budget)
        out, dropped_gen = _render(sections, lines, ctx_lines, cr, tr or True)
    return _result(text, items, out, lines, ctx, key, dropped_gen)


def _mark_repeats(hunks: list[_Hunk]) -> None:
    """Mark each hunk whose every change (a run of adjacent changed lines: what was removed and what replaced it)
    was made by an earlier hunk (a mechanical edit repeated: a hunk adding the same header line three times
    repeats the hunk that added it once)."""
    seen: set[tuple[str, ...]] = set()
    for h in hunks:
        if h.skip:
            continue
        changes: list[tuple[str, ...]] = []
        run: list[str] = []
        for t, ln in h.body:
            if t in "+-":
                run.append(ln.rstrip("\r"))
            elif run:
                changes.append(tuple(run))
                run = []
        if run:
            changes.append(tuple(run))
        if not changes:
            continue
        if not h.relevant and all(c in seen for c in changes):
            h.repeat = True
        else:
            seen.update(changes)


def _mark_moved(hunks: list[_Hunk]) -> None:
    """Code moved or re-indented: a long run of removed (added) lines most of whose lines come back added
    (removed) elsewhere in the diff, whitespace aside. The run's lines that do not come back are what the move
    changed (`login_i = 1 if …` in a function moved to a module of its own; the one real edit in a file
    re-indented with tabs): `_run_cuts` never cuts them."""
    seen: tuple[dict[str, int], dict[str, int]] = ({}, {})  # removed, added: normalised line -> count
    for h in hunks:
        if h.skip:
            continue
        for t, ln in h.body:
            if t in "+-":
                k = "".join(ln[1:].split())
                if len(k) >= _MOVED_CHARS:
                    side = seen[t == "+"]
                    side[k] = side.get(k, 0) + 1
    if not seen[0] or not seen[1]:
        return
    for h in hunks:
        if h.skip:
            continue
        for a, b in _long_runs(h.body):
            other = seen[h.body[a][0] == "-"]  # the other side's lines
            keys = [(k, "".join(h.body[k][1][1:].split())) for k in range(a, b)]
            keys = [(k, x) for k, x in keys if len(x) >= _MOVED_CHARS]
            back = sum(1 for _, x in keys if x in other)
            if keys and back >= _MOVED_SHARE * len(keys) and back < len(keys):
                h.novel.update(k for k, x in keys if x not in other)


_MOVED_CHARS = 8  # shorter lines (`}`, `return`, `else:`) come back anywhere: they say nothing of a move
_MOVED_SHARE = 0.6  # of a run's lines that come back: then it is a move, not new code


_WORD_CHAR = re.compile(r"\w")
_NAME = re.compile(r"[\w.:$-]+")


def _substitution(old: str, new: str) -> tuple[str, str] | None:
    """(a, b) when `new` is `old` with every `a` replaced by `b` (a and b whole words or spans of them), else
    None: the change a rename makes to a line."""
    if old == new:
        return None
    n = min(len(old), len(new))
    p = 0
    while p < n and old[p] == new[p]:
        p += 1
    q = 0
    while q < n - p and old[-1 - q] == new[-1 - q]:
        q += 1
    if p + q >= len(old) or p + q >= len(new):
        return None  # text inserted or removed, nothing replaced
    while p > 0 and _WORD_CHAR.match(old[p - 1]):
        p -= 1
    while q > 0 and _WORD_CHAR.match(old[len(old) - q]):
        q -= 1
    a, b = old[p:len(old) - q], new[p:len(new) - q]
    if not _NAME.fullmatch(a) or not _NAME.fullmatch(b) or len(a) > _SUB_CHARS or len(b) > _SUB_CHARS:
        return None  # a rename replaces a name by a name
    return (a, b) if old.replace(a, b) == new else None


_WHITESPACE = (" ", "")  # the "substitution" of a pair of lines that differ in their whitespace alone (re-indented)


def _mark_substitutions(hunks: list[_Hunk]) -> bool:
    """A rename done over many lines: each removed line followed, in the same place, by an added line that is the
    same but for one substitution (`cell_len` -> `cell_width`). Once a substitution has been shown _SUB_SHOWN
    times, its further pairs of lines are marked for cutting (`_Hunk.mech`); a pair that changes anything else
    (a behaviour change inside the rename) never matches. Returns whether any pair was marked."""
    pairs: list[tuple[_Hunk, int, int, tuple[str, str]]] = []
    count: dict[tuple[str, str], int] = {}
    for h in hunks:
        if h.skip or h.repeat or h.relevant:
            continue
        body = h.body
        k, n = 0, len(body)
        while k < n:
            if body[k][0] != "-":
                k += 1
                continue
            a = k
            while k < n and body[k][0] == "-":
                k += 1
            b = k
            while k < n and body[k][0] == "+":
                k += 1
            if k - b != b - a:
                continue
            for i in range(b - a):
                if _DEFINITION.match(body[a + i][1]):
                    continue  # the renamed definition itself stays
                old, new = body[a + i][1][1:].rstrip("\r"), body[b + i][1][1:].rstrip("\r")
                sub = _WHITESPACE if old != new and old.split() == new.split() else _substitution(old, new)
                if sub is not None:
                    pairs.append((h, a + i, b + i, sub))
                    count[sub] = count.get(sub, 0) + 1
    seen: dict[tuple[str, str], int] = {}
    marked = False
    for h, i, j, sub in pairs:
        if count[sub] < _SUB_MIN:
            continue
        seen[sub] = seen.get(sub, 0) + 1
        if seen[sub] > _SUB_SHOWN:
            note = "changing only whitespace" if sub is _WHITESPACE else \
                f"changing only {sub[0].strip()} to {sub[1].strip()}"
            h.mech[i] = h.mech[j] = note
            marked = True
    return marked


class _Left:
    """A hunk (or a group of changes of one) left out, for the marker that names such runs: `what` says why."""
    __slots__ = ("what", "path", "plus", "minus")

    def __init__(self, what: str, path: str, plus: int = 0, minus: int = 0):
        self.what, self.path, self.plus, self.minus = what, path, plus, minus


def _render(sections, lines: Lines, ctx_lines: int, cr: str, cut) -> tuple[list[str], int]:
    """The output lines; `cut`: None (no run is cut) or the term regex (or True) for cutting long runs."""
    out: list[str] = []
    dropped_gen = 0
    pending: list[_Left] = []  # the current run of hunks left out

    def flush() -> None:
        by: dict[str, list[str]] = {}
        for x in pending:
            by.setdefault(x.what, []).append(x.path)
        for what, paths in by.items():
            files = list(dict.fromkeys(paths))
            names = ", ".join(files[:_REPEAT_FILES_SHOWN])
            if len(files) > _REPEAT_FILES_SHOWN:
                names += f" and {len(files) - _REPEAT_FILES_SHOWN} more files"
            word = "hunk" if len(paths) == 1 else "hunks"
            if what in (_DOC_WHAT, _TEST_WHAT):  # the documentation's (tests') own lines, counted
                xs = [x for x in pending if x.what == what]
                what += f" (+{sum(x.plus for x in xs)} -{sum(x.minus for x in xs)} lines)"
            out.append(lines.marker_line(markers.gap(f"{len(paths)} {word} {what}, in {names}")))
        pending.clear()

    docs = _doc_hunks(sections, cut)
    for head, hunks in sections:
        items: list = []  # the section's output: lines, and _Left for what is left out
        for h in hunks:
            if id(h) in docs:
                items.append(_Left(docs[id(h)], h.path or "?", sum(1 for t, _ in h.body if t == "+"),
                                   sum(1 for t, _ in h.body if t == "-")))
            elif h.repeat:
                items.append(_Left("repeating changes shown above", h.path or "?"))
            elif h.skip:
                plus = sum(1 for t, _ in h.body if t == "+")
                minus = sum(1 for t, _ in h.body if t == "-")
                dropped_gen += len(h.body) + 1
                what = "deleted file" if minus and not plus else "generated file"
                items.append(lines.marker_line(markers.gap(f"hunk (+{plus} -{minus} lines of a {what})")))
            elif h.relevant and (cut is None or _run_cuts(h.body, cut, pointed=True, novel=h.novel) is None):
                # a hunk the request points to: kept whole, with its own header
                items.append(clip(h.raw)[0])
                items.extend([ln if len(ln) <= LONG_LINE else clip(ln)[0] for _, ln in h.body])
            elif h.relevant:  # … but for the definitions in its long runs that the request's terms do not name
                items.extend(_recut(h.body, h.old_start, h.new_start, h.rest, len(h.body), cr, lines, cut, True,
                                    novel=h.novel))
            else:
                items.extend(_left(x, h.path) for x in _recut(h.body, h.old_start, h.new_start, h.rest, ctx_lines,
                                                              cr, lines, cut, mech=h.mech if cut is not None else None,
                                                              novel=h.novel))
        if items and all(isinstance(x, _Left) for x in items):
            # the file's header lines go with its hunks; what precedes them (a commit's header) stays
            keep_head = []
            for raw in head:
                if _FILE_HEAD.match(raw):
                    break
                keep_head.append(raw)
            if keep_head:
                flush()
                out.extend(_head_lines(keep_head, lines, cut))
        else:
            if head:
                flush()
            out.extend(_head_lines(head, lines, cut))
        for x in items:
            if isinstance(x, _Left):
                pending.append(x)
            else:
                flush()
                out.append(x)
    flush()
    return out, dropped_gen


_DOC_WHAT = "changing documentation"
_TEST_WHAT = "changing tests"
# Test files (pytest, unittest, Go, Rust, JS/TS specs, Java/Kotlin/C# conventions)
_TEST = re.compile(r"(?:^|/)(?:tests?|__tests__|spec|testing)/|(?:^|/)test_[^/]*$|_test\.\w+$|"
                   r"\.(?:test|spec)\.\w+$|(?:^|/)\w+Tests?\.(?:java|kt|cs|swift)$|(?:^|/)conftest\.py$")


def _doc_hunks(sections, cut) -> dict[int, str]:
    """With `cut` (over budget): the hunks (their ids → what the marker says) of prose documentation files
    (`_DOC`) and of test files (`_TEST`) that the request does not point to — neither ranked relevant nor their
    path named by its terms — when the diff also changes other files (a documentation-only or test-only diff
    keeps its hunks). In a commit of code and its tests, the code's change is what a question about the commit
    reads; the tests' hunks are counted in one marker per run, one retrieval away. A test file with a hunk the
    request points to keeps all its hunks."""
    if cut is None:
        return {}
    hunks = [h for _, hs in sections for h in hs if not h.skip]
    tr = cut if cut is not True else None
    out: dict[int, str] = {}
    for rx, what in ((_DOC, _DOC_WHAT), (_TEST, _TEST_WHAT)):
        tests = what == _TEST_WHAT
        # the kind's hunks (a test file that is documentation counts as documentation), and whether the diff
        # changes anything else: for documentation, any other file; for tests, anything but tests and docs
        kind = [bool(rx.search(h.path)) for h in hunks]
        if tests:
            docs = [bool(_DOC.search(h.path)) for h in hunks]
            mine = [h for h, t, d in zip(hunks, kind, docs) if t and not d]
            only = all(t or d for t, d in zip(kind, docs))
        else:
            mine, only = [h for h, d in zip(hunks, kind) if d], all(kind)
        if not mine or only:
            continue  # nothing of that kind, or the diff has nothing else (no code, for the tests)
        pointed = {h.path for h in mine if h.relevant} if tests else set()
        for h in mine:
            if not h.relevant and not h.repeat and h.path not in pointed and (tr is None or tr.search(h.path) is None):
                out[id(h)] = what
    return out


def _left(x, path: str):
    """`_recut`'s item: a line as it is, a group of changes it left out (`("left", what)`) as a `_Left`."""
    return _Left(x[1], path) if isinstance(x, tuple) else x


_INDEX = re.compile(r"index [0-9a-f]{4,}\.\.[0-9a-f]{4,}(?: [0-7]{6})?\r?$")


def _file_lines(head: list[str]) -> list[str]:
    """A section's header lines without what a file's `diff --git a/X b/Y` line already says: its `index` line
    (the blob hashes) and the `--- a/X` / `+++ b/Y` lines naming the same paths. A new, deleted, renamed or
    re-moded file keeps its lines saying so (`new file mode`, `--- /dev/null`, `rename from`, …)."""
    out: list[str] = []
    a = b = None
    for raw in head:
        s = raw.rstrip("\r")
        g = _GIT.match(s)
        if g:
            a, b = g.group(1), g.group(2)
        elif a is not None and (_INDEX.match(s) or s == f"--- a/{a}" or s == f"+++ b/{b}"):
            continue
        elif not _FILE_HEAD.match(s):
            a = b = None  # a line of another kind ends the file's header
        out.append(raw)
    return out


def _head_lines(head: list[str], lines: Lines, cut) -> list[str]:
    """A section's header lines (`_file_lines`); with `cut` (over budget), a long commit message (git's
    indented body after `Date:`) keeps its first _MSG_HEAD lines, the lines the request's terms name and its
    last line."""
    head = _file_lines(head)
    if cut is None or len(head) < _MSG_MAX:
        return [clip(raw)[0] for raw in head]
    tr = cut if cut is not True else None
    out: list[str] = []
    k, n = 0, len(head)
    while k < n:
        out.append(clip(head[k])[0])
        if not head[k].startswith("Date:"):
            k += 1
            continue
        # the message: the indented lines (and blank lines between them) after the Date line
        a = k + 1
        while a < n and not head[a].strip():
            out.append(head[a])
            a += 1
        b = a
        while b < n and (head[b].startswith("    ") or (not head[b].strip() and b + 1 < n
                                                           and head[b + 1].startswith("    "))):
            b += 1
        if b - a <= _MSG_MAX:
            out.extend(clip(raw)[0] for raw in head[a:b])
        else:
            keep = [j < a + _MSG_HEAD or j == b - 1 or (tr is not None and tr.search(head[j][:LONG_LINE]) is not None)
                    or _MSG_SIGNAL.search(head[j][:LONG_LINE]) is not None for j in range(a, b)]
            j = a
            while j < b:
                if keep[j - a]:
                    out.append(clip(head[j])[0])
                    j += 1
                    continue
                e = j
                while e < b and not keep[e - a]:
                    e += 1
                out.append(lines.marker_line("    " + markers.gap(f"{e - j} lines of the commit message")))
                j = e
        k = b
    return out


def _relevant_hunks(items: list[str], ctx: Context) -> set[int]:
    """Numbers (in order, from 0) of the hunks the request points to: each hunk ranked as one unit, with
    its file's path, its header's function name and its lines; empty without a clear signal."""
    query = relevance.query_terms(ctx)
    if query is None:
        return set()
    parts: list[list[str]] = []
    path = ""
    for line in items:
        if line.startswith("@@"):
            parts.append([path, line])
        elif line.startswith("diff --git ") or line.startswith("+++ "):
            path = line
        elif parts:
            parts[-1].append(line)
    units = [" ".join(p) for p in parts]
    distinct: list[int] = []
    picked = relevance.pick(relevance.rank(units, query, distinct=distinct), distinct=distinct, query=query)
    return set(picked or ())


def _long_runs(body: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """(start, end) of the runs of at least RUN_MIN added (or removed) lines in a hunk's body."""
    runs = []
    k, n = 0, len(body)
    while k < n:
        t = body[k][0]
        j = k
        if t in "+-":
            while j + 1 < n and body[j + 1][0] == t:
                j += 1
            if j - k + 1 >= RUN_MIN:
                runs.append((k, j + 1))
        k = j + 1
    return runs


def _run_cuts(body: list[tuple[str, str]], cut, *, pointed: bool = False,
              novel: set[int] | frozenset = frozenset()) -> list[bool] | None:
    """Per body line: is it cut? A long run is read as the definitions it holds (each from its `def`/`class`/…
    line to the next); a definition holding one of the request's terms stays whole; the others keep their first
    lines (the definition line) and the run its last line. `pointed`: a hunk the request points to, cut only
    where one of its definitions holds a term (that one is what it points to); None when nothing is cut."""
    drop = [False] * len(body)
    tr = cut if cut is not True else None
    any_cut = False
    for a, b in _long_runs(body):
        starts = [k for k in range(a, b) if _DEFINITION.match(body[k][1])]
        bounds = sorted({a, *starts})
        segs = [(x, y) for x, y in zip(bounds, bounds[1:] + [b])]
        hit = [tr is not None and any(tr.search(body[k][1][:LONG_LINE]) for k in range(x, y)) for x, y in segs]
        if pointed and not (any(hit) and len(segs) >= 2):
            continue
        for (x, y), h in zip(segs, hit):
            if h:
                continue
            for k in range(x + _RUN_HEAD, y):
                drop[k] = True
        drop[b - 1] = False
        for k in novel:
            if a <= k < b:
                drop[k] = False  # what a move changed
        # a lone cut line between kept ones costs as much as its marker: keep it
        for k in range(a + 1, b - 1):
            if drop[k] and not drop[k - 1] and not drop[k + 1]:
                drop[k] = False
        any_cut |= any(drop[a:b])
    return drop if any_cut else None


def _recut(body: list[tuple[str, str]], old_start: int, new_start: int, rest: str, c: int, cr: str,
           lines: Lines, cut, pointed: bool = False, mech: dict[int, str] | None = None,
           novel: set[int] | frozenset = frozenset()) -> list:
    """The hunk re-cut with `c` lines of context around each group of changes (and, with `cut`, its long runs
    of added/removed lines cut, each cut splitting the hunk)."""
    changes = [k for k, (t, _) in enumerate(body) if t in "+-"]
    if not changes:
        return [_header(old_start, sum(1 for t, _ in body if t == " "), new_start,
                        sum(1 for t, _ in body if t == " "), rest) + cr] + [ln for _, ln in body]
    cuts = _run_cuts(body, cut, pointed=pointed, novel=novel) if cut is not None else None
    drop: list[str] | None = None  # per body line: why it is cut ("" where it is kept)
    if cuts is not None or mech:
        drop = ["" if not cuts or not cuts[k] else ("added" if body[k][0] == "+" else "removed")
                for k in range(len(body))]
        for k, note in (mech or {}).items():
            drop[k] = drop[k] or note
    groups: list[list[int]] = [[changes[0], changes[0]]]
    for k in changes[1:]:
        # context lines between two changes; split when more than 2c of them would be dropped
        between = sum(1 for x in range(groups[-1][1] + 1, k) if body[x][0] == " ")
        if between > 2 * c:
            groups.append([k, k])
        else:
            groups[-1][1] = k
    out: list[str] = []
    last = len(body) - 1
    # (old line no, new line no) before body line `done`, advanced to each group's first line (groups ascend)
    o, nn, done = old_start, new_start, 0
    for a, b in groups:
        lo, hi = a, b
        ctx_seen = 0
        while lo > 0 and ctx_seen < c and body[lo - 1][0] == " ":
            lo -= 1
            ctx_seen += 1
        ctx_seen = 0
        while hi < last and body[hi + 1][0] in (" ", "\\") and (ctx_seen < c or body[hi + 1][0] == "\\"):
            hi += 1
            if body[hi][0] == " ":
                ctx_seen += 1
        o, nn = _advance(body, done, lo, o, nn)
        done = lo
        if drop is not None and mech and all(
                k in mech for k in range(lo, hi + 1) if body[k][0] in "+-"):
            notes = {mech[k] for k in range(lo, hi + 1) if k in mech}
            out.append(("left", notes.pop() if len(notes) == 1 else "changing only renamed words"))
            continue  # the group's context goes with it (the next group's numbers count from `done`)
        if drop is None or not any(drop[lo:hi + 1]):
            out.extend(_piece(body, lo, hi + 1, o, nn, rest, cr))
            continue
        # pieces between the cuts, each with its own header; a marker where lines were cut
        k = lo
        while k <= hi:
            j = k
            while j <= hi and not drop[j]:
                j += 1
            if j > k:
                # the pieces after a cut repeat no section heading (it is the first piece's); a piece the cuts
                # left with context lines only (no change of its own) goes: a header and context say nothing
                if any(body[x][0] in "+-" for x in range(k, j)):
                    out.extend(_piece(body, k, j, o, nn, rest if k == lo else "", cr))
                o, nn = _advance(body, k, j, o, nn)
            if j > hi:
                break
            e = j
            while e <= hi and drop[e] == drop[j]:
                e += 1
            note = drop[j]
            what = f"{e - j} {note} lines" if note in ("added", "removed") else f"{e - j} lines {note}"
            out.append(lines.marker_line(markers.gap(what)))
            o, nn = _advance(body, j, e, o, nn)
            k = e
        done = hi + 1  # (o, nn) are the numbers before it
    return out


def _advance(body: list[tuple[str, str]], a: int, b: int, o: int, nn: int) -> tuple[int, int]:
    """(old, new) line numbers after body lines a..b-1, from (o, nn) before them."""
    for t, _ in body[a:b]:
        if t == " ":
            o += 1
            nn += 1
        elif t == "-":
            o += 1
        elif t == "+":
            nn += 1
    return o, nn


def _piece(body: list[tuple[str, str]], a: int, b: int, o: int, nn: int, rest: str, cr: str) -> list[str]:
    seg = body[a:b]
    ol = sum(1 for t, _ in seg if t in " -")
    nl = sum(1 for t, _ in seg if t in " +")
    return [_header(o, ol, nn, nl, rest) + cr] + [ln if len(ln) <= LONG_LINE else clip(ln)[0] for _, ln in seg]


def _result(text: str, items: list[str], out: list[str], lines: Lines, ctx: Context, key: str | None,
            dropped_gen: int) -> Result | None:
    dropped = len(items) - len(out)
    if dropped <= 0 and not dropped_gen:
        return None
    what = f"{max(dropped, 0)} of {len(items)} lines (diff context"
    what += ", generated/deleted-file hunks)" if dropped_gen else ")"
    return Result(finish(lines, out, what, block_key(text, key), ctx), True, name, "diff")
