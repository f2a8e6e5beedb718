"""Structured regions inside one tool result, each compressed by its own kind's compressor.

Real commands mix formats in one output: a JSON document and then a summary line on the same line as its closing
bracket (`]157/200 requests replayed cleanly`), a banner or interleaved stderr lines before a document (`curl -v`,
warnings), several documents in a row (`cat *.json`), JSON lines between a header and a footer. Treated as one
block of text, the document is cut line by line (or its one huge line clipped) and its records are lost to the
text compressor. `split` finds the JSON values that start a line (the C scanner of `json` finds where each ends;
orjson parses a region first when it can) and the stretches between them; `compress` gives every JSON region the
registry's "json" compressor, every run of JSON lines the "jsonl" one, keeps short stretches (banners, summaries,
prose) verbatim, hands long ones to the compressor of their own detected kind, and joins the pieces in order, so
the separators between them stay as they were. A lossy piece names the block's key in its marker, as a whole
block's compressor does. A document an agent cut the middle out of (Codex keeps the head and tail of every output
over ~10 KB, its `…N chars truncated…` wherever the cut falls) becomes the whole records before the cut and those
after it, two documents, with the partial records and the agent's marker between them as they were.

Pure: output depends only on the text, the context and the registry.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..jsonspan import exact_float
from .base import Context, Registry, Result
from .compressors import json_data
from .tokens import estimate_tokens

NAME = "regions"

# A line that opens a JSON object or array at its first column: `{` then a key, `}` or the line's end; `[` then a
# value, `]` or the line's end (not `[INFO]`, `[1/3]`, `[…]`, `{ [25367 bytes data]`). Documents printed by a
# command start at the first column; the records inside a pretty-printed one are indented, so they are not
# candidates (a document cut in the middle, as Codex cuts long outputs, is not split into its records).
_OPENER = re.compile(r'\{[ \t]*(?:"|\}|\r?$)|\[[ \t]*(?:[\[{"\]]|-?\d[\d.eE+-]*[ \t]*[,\]\r\n]|true\b|false\b|null\b|\r?$)',
                     re.M)
MIN_JSON_CHARS = 300  # a JSON value shorter than this is left to the text around it
MIN_SHARE = 0.3  # regions are used when JSON holds at least this share of the block's characters
MIN_JSONL_LINES = 5  # this many one-line JSON objects in a row are JSON lines
VERBATIM_TOKENS = 200  # stretches between JSON regions shorter than this (coarse estimate) are kept as they are
_MAX_FAILURES = 64  # openers that did not parse: past this many, stop looking (bounded work on odd text)

# A candidate span is parsed by `json_data.loads` (orjson at C speed when installed, numbers kept exact); the
# stdlib's scanner finds where a value ends (refusing, like `loads`, a number a float cannot hold).
_scan = json.JSONDecoder(parse_float=exact_float).raw_decode


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    kind: str  # "json" (one document), "jsonl" (one-line objects in a row) or "text" (anything between)
    doc: Any = None  # the parsed document of a "json" region
    foreign: tuple[str, ...] = ()  # text another stream wrote into the document (kept, after its compressed form)


_loads = json_data.loads


def _parse_at(text: str, i: int, eol: int) -> tuple[Any, int, tuple[str, ...]] | None:
    """The JSON value starting at `i` (its line ends at `eol`), where it ends, and the foreign lines interleaved
    in it (see `_repair`); or None. Tried in order: the line alone (JSON lines), the span up to the block's last
    matching closer (one document followed by prose: the common case, parsed at C speed), the stdlib's scanner,
    which stops at the value's own end, and last the span without the lines another stream wrote into it."""
    closer = "}" if text[i] == "{" else "]"
    line = text[i:eol].rstrip()
    if line.endswith(closer):
        try:
            return _loads(line), i + len(line), ()
        except ValueError:
            pass
    j = text.rfind(closer) + 1
    if j > eol:
        try:
            return _loads(text[i:j]), j, ()
        except ValueError:
            pass
    try:
        doc, end = _scan(text, i)
        return doc, end, ()
    except json.JSONDecodeError as e:
        if j - i >= MIN_JSON_CHARS and e.pos < j and not ("…" in text and _CUT.search(text, i, j)):
            return _repair(text, i, j, e.pos)  # (a document an agent cut is `_cut_document`'s)
        return None
    except (ValueError, RecursionError):
        return None


_MAX_FOREIGN = 4  # lines of another stream inside one document
_WRAPS = ("{%s}", "[%s]", "{%s}}", "{%s]}", "[%s]]", "[%s}]")


def _line_ok(line: str) -> bool:
    """Could `line` be one line of a pretty-printed JSON document (`"key": value,`, `value,`, `"key": {`, `}`…)?"""
    s = line.strip().rstrip(",")
    if not s or s in ("{", "}", "[", "]"):
        return True
    for w in _WRAPS:
        try:
            json.loads(w % s)
            return True
        except ValueError:
            continue
    return False


def _repair(text: str, i: int, j: int, pos: int) -> tuple[Any, int, tuple[str, ...]] | None:
    """A document another stream wrote into: `curl -v URL 2>&1` puts `* Closing connection 0` wherever its stdout
    buffer happened to end, inside the document, even inside a string. Where the parse fails, the written-in text
    ends at the next line end; it starts at the failing line's first character when only blanks precede the
    failure (a whole foreign line), else where the other stream's lines start the way its lines outside the
    document do (their first two characters) and what is left of the line reads as a line of JSON. Inside a
    string any cut would parse, so without that evidence nothing is dropped. Drop it and parse again (a few
    times). Returns the document, its end and the dropped texts, or None."""
    span = text[i:j]
    p = pos - i
    dropped: list[str] = []
    starts: set[str] | None = None
    for _ in range(_MAX_FOREIGN):
        q = span.find("\n", max(p - 1, 0))
        if q < 0:
            return None
        ls = span.rfind("\n", 0, p) + 1
        nxt = span.find("\n", q + 1)
        rest = span[q + 1: len(span) if nxt < 0 else nxt]
        if not span[ls:p].strip():
            cut = ls
        else:
            if starts is None:
                outside = (text[:i] + "\n" + text[j:]).split("\n")
                starts = {ln[:2] for ln in outside if ln.strip() and len(ln) >= 2}
            cut = next((a for a in range(ls + 1, min(p, q) + 1)
                        if span[a:a + 2] in starts and _line_ok(span[ls:a] + rest)), None)
            if cut is None:
                return None
        dropped.append(span[cut:q + 1])
        span = span[:cut] + span[q + 1:]
        try:
            return _loads(span), j, tuple(dropped)
        except ValueError:
            try:
                json.loads(span)
                return None  # json reads what `loads` refuses (orjson and json disagree, an inexact number)
            except json.JSONDecodeError as e:
                p = e.pos
            except (ValueError, RecursionError):
                return None
    return None


def _openers(text: str) -> list[int]:
    """Offsets of the lines that start with `{` or `[` (C-speed finds; the regex only checks those lines)."""
    out = [0] if text[:1] in ("{", "[") else []
    for c in ("\n{", "\n["):
        i = text.find(c)
        while i >= 0:
            out.append(i + 1)
            i = text.find(c, i + 2)
    out.sort()
    m = _OPENER.match
    return [i for i in out if m(text, i)]


# Where an agent cut the middle out of a long output (Codex: `…43840 chars truncated…`, even inside a string)
_CUT = re.compile(r"…\d+ (?:chars|tokens) truncated…")
_RECORD_START = re.compile(r",\s*[\[{]")
_WS = re.compile(r"\s*")
_MAX_TRIES = 8  # record starts tried after an agent's cut
_scanstring = json.decoder.scanstring


def _head_of(text: str, i: int, depth: int = 0) -> tuple[Any, int]:
    """The container opening at `i` as far as it parses: its whole elements (C-speed, one value at a time), and
    when an element that is an array does not parse, that array's head, recursively. Returns the value (closed
    where it was cut) and where its last whole element ends."""
    is_obj = text[i] == "{"
    closer = "}" if is_obj else "]"
    out: Any = {} if is_obj else []
    last = k = _WS.match(text, i + 1).end()
    while k < len(text) and depth < 60:
        if text[k] == closer:
            return out, k + 1
        key = None
        if is_obj:
            if text[k] != '"':
                break
            try:
                key, k = _scanstring(text, k + 1)
            except ValueError:
                break
            k = _WS.match(text, k).end()
            if text[k:k + 1] != ":":
                break
            k = _WS.match(text, k + 1).end()
        try:
            v, e = _scan(text, k)
        except (ValueError, RecursionError):
            # into an array that was cut (a listing inside an envelope object), never into a record that was cut:
            # a record missing its last fields must not pass for a whole one
            if text[k:k + 1] == "[":
                sub, sub_end = _head_of(text, k, depth + 1)
                if sub:
                    if is_obj:
                        out[key] = sub
                    else:
                        out.append(sub)
                    return out, sub_end
            break
        if is_obj:
            out[key] = v
        else:
            out.append(v)
        last = e
        k = _WS.match(text, e).end()
        if text[k:k + 1] == ",":
            k = _WS.match(text, k + 1).end()
        elif text[k:k + 1] != closer:
            break
    return out, last


def _tail_records(text: str, q: int, j: int) -> tuple[list, int] | None:
    """Whole values from `q` on, separated by commas, up to the `]` that closes the array they are in (before
    `j`): the records after an agent's cut. None when something else comes first."""
    out = []
    k = q
    while k < j:
        try:
            v, e = _scan(text, k)
        except (ValueError, RecursionError):
            return None
        out.append(v)
        k = _WS.match(text, e).end()
        if text[k:k + 1] == "]":
            return out, e
        if text[k:k + 1] != ",":
            return None
        k = _WS.match(text, k + 1).end()
    return None


def _cut_document(text: str, i: int) -> list[Region] | None:
    """A document an agent cut the middle out of: what parses before the cut (whole elements, the open containers
    closed) and the records after it (from the first whole one to the end of the array they are in), as two
    documents; the text between them — the partial records and the agent's cut marker — and after them stays as
    it is. None when the block has no such cut or neither side parses."""
    closer = "}" if text[i] == "{" else "]"
    j = text.rfind(closer) + 1
    m = _CUT.search(text, i, j) if j > i else None
    if m is None:
        return None
    out: list[Region] = []
    head, end = _head_of(text[:m.start()], i)
    if head and end - i >= MIN_JSON_CHARS:
        out.append(Region(i, end, "json", head))
    for tries, r in enumerate(_RECORD_START.finditer(text, m.end(), j)):
        if tries >= _MAX_TRIES:
            break
        q = r.end() - 1
        got = _tail_records(text, q, j)
        if got is not None:
            recs, e = got
            if e - q >= MIN_JSON_CHARS:
                out.append(Region(q, e, "json", recs))
            break
    return out or None


def _cut_at_end(text: str, i: int) -> list[Region] | None:
    """A document cut at the end (`jq . f.json | head -400`, `curl … | head -c 20000`: it never closes): its whole
    elements as one document, the open containers closed, the partial element after them left as text. None
    when the document closes after all (then it is malformed, not cut) or too little of it parses."""
    head, end = _head_of(text, i)
    if not head or end - i < MIN_JSON_CHARS:
        return None
    closing = _CLOSING_OBJECT if text[i] == "{" else _CLOSING_ARRAY
    if closing.search(text, end) is not None:
        return None  # its closing line is there: not a cut
    return [Region(i, end, "json", head)]


_CLOSING_OBJECT = re.compile(r"^\}[ \t\r]*$", re.M)  # a line that is only a document's closing bracket
_CLOSING_ARRAY = re.compile(r"^\][ \t\r]*$", re.M)


def split(text: str) -> list[Region] | None:
    """The block's regions in order, covering it exactly; None when no JSON region worth its own compressor holds
    at least MIN_SHARE of it (the block is then one region, and the router treats it as today)."""
    n = len(text)
    found: list[Region] = []
    line_objs: list[tuple[int, int, Any]] = []  # one-line JSON objects alone on their line: (start, line end, doc)
    failures = 0
    pos = 0
    todo = _openers(text)
    t = 0
    while t < len(todo):
        i = todo[t]
        t += 1
        if i < pos:
            continue
        eol = text.find("\n", i)
        eol = n if eol < 0 else eol
        got = _parse_at(text, i, eol)
        if got is None:
            cut = _cut_document(text, i) if "…" in text else None
            if cut is None and not found:
                cut = _cut_at_end(text, i)
            if cut is not None:
                found += cut
                pos = cut[-1].end
                continue
            failures += 1
            if failures > _MAX_FAILURES:
                break
            continue
        doc, end, foreign = got
        if not isinstance(doc, (dict, list)):
            continue
        if end <= eol and isinstance(doc, dict) and not text[end:eol].strip():
            line_objs.append((i, eol, doc))  # a JSON line, when others follow it
            pos = eol
            continue
        if end - i >= MIN_JSON_CHARS:
            found.append(Region(i, end, "json", doc, foreign))
            pos = end
        nxt = end + len(text[end:end + 200]) - len(text[end:end + 200].lstrip())
        if nxt < n and text[nxt] in "{[" and _OPENER.match(text, nxt) and nxt not in todo[t:t + 1]:
            todo.insert(t, nxt)  # documents in a row (`cat *.json` of files without a final newline)
    found += _jsonl_runs(text, line_objs)
    if not found:
        return None
    found.sort(key=lambda r: r.start)
    if sum(r.end - r.start for r in found) < MIN_SHARE * n:
        return None
    out: list[Region] = []
    at = 0
    for r in found:
        if r.start > at:
            out.append(Region(at, r.start, "text"))
        out.append(r)
        at = r.end
    if at < n:
        out.append(Region(at, n, "text"))
    return out


def _jsonl_runs(text: str, objs: list[tuple[int, int, Any]]) -> list[Region]:
    """Runs of at least MIN_JSONL_LINES one-line objects on consecutive lines (blank lines between are allowed);
    a long object alone on its line outside such a run is a document of its own."""
    runs: list[Region] = []
    k = 0
    while k < len(objs):
        j = k
        while j + 1 < len(objs) and not text[objs[j][1]:objs[j + 1][0]].strip():
            j += 1
        if j - k + 1 >= MIN_JSONL_LINES:
            runs.append(Region(objs[k][0], objs[j][1], "jsonl"))
        else:
            for start, eol, doc in objs[k:j + 1]:
                end = start + len(text[start:eol].rstrip())
                if end - start >= MIN_JSON_CHARS:
                    runs.append(Region(start, end, "json", doc))
        k = j + 1
    return runs


Detector = Callable[[str, Context], str]


def compress(text: str, ctx: Context, *, key: str, registry: Registry, detect: Detector) -> Result | None:
    """`text` compressed region by region (see the module docstring), or None when the block is not mixed or
    nothing got smaller. (A small result's lossless rewrite, its JSON written compactly, is `jsonlayout`'s.)"""
    regions = split(text)
    if regions is None:
        return None
    parts: list[str] = []
    any_lossy = changed = False
    sizes: dict[str, int] = {}
    for r in regions:
        piece = text[r.start:r.end]
        res = _region(piece, r, ctx, key, registry, detect)
        if res is None or len(res.text) >= len(piece):
            parts.append(piece)
            continue
        parts.append(res.text)
        changed = True
        any_lossy |= res.lossy
        name = res.compressor or r.kind
        sizes[name] = sizes.get(name, 0) + len(piece)
    if not changed:
        return None
    main = max(sizes, key=lambda k: (sizes[k], k))  # the compressor of the most text names the result
    return Result("".join(parts), any_lossy, main, "mixed")


def _region(piece: str, r: Region, ctx: Context, key: str, registry: Registry, detect: Detector) -> Result | None:
    if r.kind == "text":
        if not piece.strip() or estimate_tokens(piece, coarse=True) < VERBATIM_TOKENS:
            return None  # banners, summaries, prose between documents: verbatim
        kind = detect(piece, ctx)
        if kind in ("empty", "json"):
            return None
        return registry.for_kind(kind).compress(piece, ctx, key=key)
    res = registry.for_kind(r.kind).compress(piece, ctx, key=key, doc=r.doc if r.kind == "json" else None)
    if res is not None and r.foreign:
        # what the other stream wrote into the document stays, verbatim, right after it
        res = Result(res.text + "\n" + "".join(r.foreign).rstrip("\n"), res.lossy, res.compressor, res.kind)
    return res
