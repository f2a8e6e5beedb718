"""Documents in user messages: find the large regions (a log, a JSON document, a code block, a long pasted file)
inside a user's text and compress only those, keeping the prose around them — the instruction — verbatim.

Applications pass documents, logs and RAG chunks as user content; the tool-result walkers never look there. A
user string becomes one site (`protocols/user_text.py`), and `DocumentCompressor` is the compressor the pipeline
runs on it: it splits the string into regions and prose, hands each large region to the engine's router (the same
detection and compressors as tool results), and joins the pieces. One key per string: a lossy region's marker
names the key of the whole string, which the pipeline stores, so a retrieval returns the user's text byte-exact.

Regions are found without guessing at prose:
- explicit ones: the inside of a fenced block (```lang … ```) or of a tag pair on lines of their own
  (`<document>` … `</document>`), the fence's language or the tag's name being a hint for detection;
- implicit ones: paragraphs (runs of non-blank lines) that `router.detect` reads as structured (anything but
  "text"), consecutive ones merged. Leading lines and a same-line lead-in that read as sentences
  ("Summarise this log: …") are peeled off and kept, and so are trailing sentence lines and a question typed
  between pasted lines (a region is split around it).
Prose is never cut: a paragraph detection reads as text stays as it is, however long, and so does prose inside a
fence or tag pair (a RAG chunk, an article). Keeping a line too many is
harmless; cutting a line of the instruction is not, so every rule errs on the side of keeping.

In `lossless` mode (no retrieval for the model) only lossless results are accepted: a JSON document loses its
layout whitespace and nothing else; lossy cuts need a model that can call the retrieve tool.
"""
from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass

from .base import Compressor, Context, Result, identity
from .tokens import big_enough, estimate_tokens

# Bump when what this module outputs for the same input changes (part of the memo key with the router's version).
VERSION = "1"

# A region smaller than this (estimated tokens) stays whole: a short paste costs little and a lossy cut of it
# would invite a retrieval that costs more than it saved.
DOC_MIN_TOKENS = 1000

MAX_PEEL = 5  # leading / trailing sentence lines peeled off a region at most
MAX_CONTEXT_CHARS = 2000  # prose handed to the compressor as context (relevance ranking), bounded like history

_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*([^\n`]*?)[ \t]*$")
_OPEN_TAG = re.compile(r"^[ \t]*<([A-Za-z_][\w.:-]{0,40})(?:[ \t][^<>\n]*)?>[ \t]*$")
# One word of a sentence: letters with optional quotes/brackets and trailing punctuation around them.
_WORD = re.compile(r"[(\"'“‘]?[A-Za-z][a-z]*(?:['’][a-z]+)?[,.;:!?)\"'”’]*")
# A sentence opening a line before the document on the same line: "Summarise this log: 2026-…".
_LEAD_IN = re.compile(r"[ \t]*([A-Za-z][^\n:?!]{0,200}?[:?!])[ \t]+(?=\S)")


@dataclass(frozen=True)
class Region:
    start: int  # character offsets into the text: text[start:end] is the document
    end: int
    hint: str = ""  # the fence's language or the tag's name ("" for implicit regions)


def detect(text: str) -> str:
    """`router.detect` (imported on first use: the router loads every compressor, which `compress.api` need not)."""
    from .router import detect as router_detect

    return router_detect(text)


def _sentence(line: str) -> bool:
    """A line that reads as prose: at least three words, nearly all of them plain words."""
    toks = line.split()
    if len(toks) < 3:
        return False
    words = sum(1 for t in toks if _WORD.fullmatch(t))
    return words >= 3 and words >= 0.8 * len(toks)


def _lead_in(line: str) -> int:
    """Length of a sentence that opens `line` before other content ("Here is the JSON: {…"), else 0."""
    m = _LEAD_IN.match(line)
    if not m:
        return 0
    toks = m.group(1).split()
    if len(toks) < 2 or not all(_WORD.fullmatch(t) for t in toks):
        return 0
    return m.end()


def _closes(line: str, fence: str) -> bool:
    """Does `line` close a fence opened with `fence` (the same character, at least as many)?"""
    t = line.strip()
    return len(t) >= len(fence) and not t.strip(fence[0])


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline."""
    out, pos, n = [], 0, len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        if nl < 0:
            if pos < n:
                out.append((pos, n))
            break
        out.append((pos, nl))
        pos = nl + 1
    return out


def find_regions(text: str, min_tokens: int = DOC_MIN_TOKENS) -> list[Region]:
    """The regions of `text` worth compressing, in order, non-overlapping; prose is what lies between them."""
    if big_enough(text, min_tokens) is None:
        return []
    lines = _lines(text)
    regions: list[Region] = []
    free: list[tuple[int, int]] = []  # line index ranges outside explicit regions
    # Closing lines found in one pass, so that an opening line without a closer costs a lookup, not a scan.
    fences: list[int] = []
    closers: dict[str, list[int]] = {}
    for j, (s, e) in enumerate(lines):
        t = text[s:e].strip()
        if t[:3] in ("```", "~~~") and not t.strip(t[0]):
            fences.append(j)
        elif t.startswith("</") and t.endswith(">"):
            closers.setdefault(t[2:-1], []).append(j)
    i, start_free = 0, 0
    while i < len(lines):
        s, e = lines[i]
        line = text[s:e]
        close = None
        hint = ""
        m = _FENCE.match(line)
        if m:
            fence, hint = m.group(1), m.group(2)
            close = next((j for j in fences[bisect.bisect_right(fences, i):]
                          if _closes(text[lines[j][0]:lines[j][1]], fence)), len(lines))  # unclosed: to the end
        else:
            t = _OPEN_TAG.match(line)
            if t:
                hint = t.group(1)
                after = closers.get(hint, [])
                k = bisect.bisect_right(after, i)
                close = after[k] if k < len(after) else None
        if close is not None and close > i + 1:
            free.append((start_free, i))
            body_start = lines[i + 1][0]
            body_end = lines[close - 1][1]
            regions.append(Region(body_start, body_end, hint))
            i = close + 1
            start_free = i
            continue
        i += 1
    free.append((start_free, len(lines)))
    for lo, hi in free:
        for r in _implicit(text, lines[lo:hi]):
            regions.extend(_without_asides(text, r))
    regions.sort(key=lambda r: r.start)
    return [r for r in regions if big_enough(text[r.start:r.end], min_tokens) is not None]


def _implicit(text: str, lines: list[tuple[int, int]]) -> list[Region]:
    """Structured paragraphs among `lines`, each without the sentences at its ends; consecutive ones merge when
    nothing was peeled between them."""
    out: list[Region] = []
    run: tuple[int, int, bool] | None = None  # (start, end, whether the last paragraph's end was peeled)
    i = 0
    while i < len(lines):
        if not text[lines[i][0]:lines[i][1]].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and text[lines[j][0]:lines[j][1]].strip():
            j += 1
        core = _peeled(text, lines, i, j)
        if core is not None and detect(text[core[0]:core[1]]) not in ("text", "empty"):
            head_kept = core[0] == lines[i][0]
            tail_peeled = core[1] != lines[j - 1][1]
            if run and head_kept and not run[2]:
                run = (run[0], core[1], tail_peeled)
            else:
                if run:
                    out.append(Region(run[0], run[1]))
                run = (core[0], core[1], tail_peeled)
        elif run:
            out.append(Region(run[0], run[1]))
            run = None
        i = j
    if run:
        out.append(Region(run[0], run[1]))
    return out


_LEVEL_WORDS = ("INFO", "WARN", "WARNING", "ERROR", "DEBUG", "TRACE", "FATAL", "CRITICAL", "NOTICE")


def _aside(line: str) -> bool:
    """A line typed between pasted lines: a question, or a longer sentence that ends like one (not a log message,
    which opens with a level word, a number or a bracket)."""
    t = line.strip()
    if not t or not t[0].isalpha() or t.split(None, 1)[0].rstrip(":").upper() in _LEVEL_WORDS:
        return False
    if not _sentence(t):
        return False
    return t.endswith("?") or (t[-1] in ".:!" and len(t.split()) >= 6)


def _without_asides(text: str, r: Region) -> list[Region]:
    """`r` split around the asides inside it (kept as prose), unless it is code, whose comments read as sentences."""
    body = text[r.start:r.end]
    if "?" not in body and ". " not in body and ":" not in body:
        return [r]
    if detect(body) == "code":
        return [r]
    out, start, pos = [], r.start, r.start
    while pos < r.end:
        nl = text.find("\n", pos, r.end)
        end = r.end if nl < 0 else nl
        if _aside(text[pos:end]):
            if pos > start:
                out.append(Region(start, pos - 1))  # up to the newline before the aside
            start = end + 1
        pos = end + 1
    if start < r.end:
        out.append(Region(start, r.end))
    return [x for x in out if x.end > x.start]


def _peeled(text: str, lines: list[tuple[int, int]], a: int, b: int) -> tuple[int, int] | None:
    """The span of lines a..b-1 without the sentences at its ends (None when nothing else is left)."""
    for _ in range(MAX_PEEL):
        if a < b and _sentence(text[lines[a][0]:lines[a][1]]):
            a += 1
    for _ in range(MAX_PEEL):
        if b > a and _sentence(text[lines[b - 1][0]:lines[b - 1][1]]):
            b -= 1
    if a >= b:
        return None
    return lines[a][0] + _lead_in(text[lines[a][0]:lines[a][1]]), lines[b - 1][1]


class DocumentCompressor:
    """The compressor of a user string: the router (or `base`) on each large region, the prose kept verbatim.
    A `base.Compressor`; never raises."""

    name = "documents"
    kinds: tuple[str, ...] = ()  # not in the router's registry: the pipeline runs it on user-text sites only

    def __init__(self, base: Compressor, *, lossless: bool = False, min_tokens: int = DOC_MIN_TOKENS):
        self.base = base
        self.lossless = lossless
        self.min_tokens = min_tokens
        mode = "lossless" if lossless else "retrievable"
        self.version = f"{VERSION}:{mode}:{min_tokens}[{identity(base)}]"

    def compress(self, text: str, ctx: Context, *, key: str | None = None, doc: object = None) -> Result | None:
        try:
            return self._compress(text, ctx, key)
        except Exception:  # fail open: the user's text goes as it came
            return None

    def _compress(self, text: str, ctx: Context, key: str | None) -> Result | None:
        regions = find_regions(text, self.min_tokens)
        if not regions:
            return None
        if key is None:
            from ..ccr.store import key_for

            key = key_for(text)
        prose = "\n".join(p for p in (text[a:b].strip() for a, b in _gaps(text, regions)) if p)
        pre = f"{ctx.preceding_text}\n{prose}".strip("\n")[-MAX_CONTEXT_CHARS:]
        pieces, pos = [], 0
        lossy, names, kinds = False, [], []
        for r in regions:
            if r.hint and detect(text[r.start:r.end]) in ("text", "empty"):
                continue  # prose inside a fence or tag pair (a RAG chunk, an article) is prose: never cut
            rctx = dataclasses.replace(ctx, preceding_text=pre, tool_input=r.hint or ctx.tool_input)
            res = self.base.compress(text[r.start:r.end], rctx, key=key)
            if self.lossless and (res is None or res.lossy):
                res = _minified_json(text[r.start:r.end])
            if res is None:
                continue
            pieces.append(text[pos:r.start])
            pieces.append(res.text)
            pos = r.end
            lossy = lossy or res.lossy
            names.append(res.compressor)
            kinds.append(res.kind)
        if not names:
            return None
        pieces.append(text[pos:])
        out = "".join(pieces)
        if lossy and key not in out:
            return None  # no silent loss (the pipeline checks it too)
        return Result(out, lossy, "+".join(dict.fromkeys(n for n in names if n)) or self.name,
                      "+".join(dict.fromkeys(k for k in kinds if k)))


def _minified_json(text: str) -> Result | None:
    """A JSON document without its layout whitespace (every value kept): the lossless cut for a model that cannot
    retrieve, when the compressors would drop records. None unless it is JSON and saves a tenth."""
    if detect(text) != "json":
        return None
    from .compressors import json_data

    try:
        out = json_data.dumps(json_data.loads(text))
    except (ValueError, TypeError, RecursionError):
        return None
    if estimate_tokens(out) > 0.9 * estimate_tokens(text):
        return None
    return Result(out, False, "json", "json")


def _gaps(text: str, regions: list[Region]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for r in regions:
        out.append((pos, r.start))
        pos = r.end
    out.append((pos, len(text)))
    return out
