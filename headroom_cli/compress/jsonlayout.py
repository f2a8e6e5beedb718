"""JSON documents without their layout whitespace: every string, number and literal exactly as it was written.

`jq`, `gh api`, `kubectl -o json`, `curl` of an API print JSON indented, two spaces a level and a line a value; a
small answer (`jq '.items[] | select(…)'` naming four records) is under the small-result bound, or a document the
JSON compressor has nothing to cut from, and went out as it came. Written compactly it is the same document in
~30-40 % fewer o200k tokens (four real `jq` selections of 166-609 tokens: 30-38 %), and nothing can be lost.

Rules, and why:
- **Only whitespace between tokens goes.** The text is not parsed and re-serialised: a number keeps its spelling
  (`1.50`, `1e3`), a string its escapes and its non-ASCII characters, keys their order and repeats; what the model
  quotes from a value is still there verbatim.
- **Whole documents only**: a block that is one or more JSON documents in a row (`jq` prints one per result: each
  goes on a line of its own, as `jq -c` writes them), or the JSON regions of mixed output (`regions.split`: a
  banner, then a document); the text around them stays as it is. A region another stream wrote into (`curl -v`'s
  `* Closing connection`) is left whole.
- **Bounded work**: a block over `MAX_CHARS` is not looked at (a big document nothing was cut from is written
  compactly by the JSON compressor itself).
- The router uses it where nothing is cut (a small result, or a document its compressor leaves whole) and never on
  a file's content (`cat package.json`: the agent's edit tool matches what it read byte for byte).
Pure functions of the text.
"""
from __future__ import annotations

import json
import re

from . import regions

NAME = "json-layout"  # the compressor name of a result that was only re-laid out

# A string (kept whole: its escapes, its spaces), captured so that `split` returns it between the stretches
# outside strings, whose whitespace goes (C: a translate per stretch). Valid JSON has no raw newline in a
# string, so the pattern cannot run past a string's end.
_STRING = re.compile(r'("[^"\\\n]*(?:\\.[^"\\\n]*)*")')
_NO_WS = str.maketrans("", "", " \t\r\n")
_decode = json.JSONDecoder().raw_decode
_WS = re.compile(r"[ \t\r\n]*")
_MAX_DOCS = 10_000  # documents in a row looked at (bounded work on a long stream of tiny values)
# Characters looked at: past this the router's other rewrites stand (a JSON document nothing was cut from is
# written compactly by the JSON compressor itself); bounded work, ~3 ms here at most.
MAX_CHARS = 64_000


def _squeeze(span: str) -> str:
    """One valid JSON document's text without the whitespace between its tokens."""
    parts = _STRING.split(span)
    parts[::2] = [p.translate(_NO_WS) for p in parts[::2]]
    return "".join(parts)


def _documents(text: str) -> list[tuple[int, int]] | None:
    """The spans of the JSON objects and arrays `text` is made of, in a row with only whitespace between and
    around them; None when it is anything else."""
    spans: list[tuple[int, int]] = []
    i = _WS.match(text).end()
    n = len(text)
    while i < n:
        if text[i] not in "{[" or len(spans) >= _MAX_DOCS:
            return None
        try:
            _, end = _decode(text, i)
        except (ValueError, RecursionError):
            return None
        spans.append((i, end))
        i = _WS.match(text, end).end()
    return spans or None


def compact(text: str) -> str | None:
    """`text` with each JSON document in it written compactly (see the module docstring), or None when it holds
    none that gets shorter."""
    if len(text) > MAX_CHARS or ("{" not in text and "[" not in text):
        return None
    docs = _documents(text)
    if docs is not None:
        lead = text[:docs[0][0]]
        tail = text[docs[-1][1]:]
        out = lead + "\n".join(_squeeze(text[a:b]) for a, b in docs) + ("\n" if tail.endswith("\n") else "")
        return out if len(out) < len(text) else None
    found = regions.split(text)
    if found is None:
        return None
    parts: list[str] = []
    changed = False
    for r in found:
        piece = text[r.start:r.end]
        if r.kind != "text" and not r.foreign:
            squeezed = _squeeze_region(piece, r.kind)
            if squeezed is not None:
                parts.append(squeezed)
                changed = True
                continue
        parts.append(piece)
    return "".join(parts) if changed else None


def _squeeze_region(piece: str, kind: str) -> str | None:
    """A JSON region compactly: one document, or JSON lines each on its line (a line that is not one whole
    document leaves the region as it is)."""
    if kind == "jsonl":
        lines = piece.split("\n")
        out = []
        for s in lines:
            if s.strip() and _documents(s) is None:
                return None
            out.append(_squeeze(s) if s.strip() else s)
        new = "\n".join(out)
    else:
        if _documents(piece) is None:
            return None
        new = _squeeze(piece)
    return new if len(new) < len(piece) else None
