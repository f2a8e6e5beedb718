"""Omission markers: what a lossy cut leaves in the text so the model can fetch the original back.

One block has one key (the pipeline stores the whole original under `key_for(block)`), so a block
carries one full marker (`omitted`) naming the key and the retrieval tool; further cuts inside the
same block leave short in-place markers (`gap`) that point the reader to it.
"""
from __future__ import annotations

import re
from typing import Sequence

from .base import Context

# A key is the 24 hex digits of `ccr.store.key_for`; markers spell it `key=<hex>`.
_KEY_RE = re.compile(r"\bkey=([0-9a-f]{24})\b")


def omitted(what: str, key: str, ctx: Context) -> str:
    """The full marker, e.g. `[… 412 of 560 lines omitted; full output: headroom_retrieve key=3f9a…]`."""
    hint = f"; {ctx.marker_hint}" if ctx.marker_hint else ""
    return f"[… {what} omitted; full output: {ctx.marker_tool} key={key}{hint}]"


def gap(what: str) -> str:
    """A short in-place marker for one cut; the block's full marker carries the key."""
    return f"[… {what} omitted]"


def find_keys(text: str) -> list[str]:
    """Retrieval keys named by markers in `text`, in order of first appearance, without repeats."""
    seen: dict[str, None] = {}
    for m in _KEY_RE.finditer(text):
        seen.setdefault(m.group(1), None)
    return list(seen)


def like_these(count: int, slots: Sequence[tuple[Sequence[str], int]]) -> str:
    """An in-place marker for lines of the template of the lines around it, with the values its lines have where
    they differ (literal text of the lines, so a value stays findable), and how many values were not listed, e.g.
    `[… 117 lines like these omitted, differing in: openai, portkey, … 40 more; and in: models, tools]`."""
    word = "lines" if count != 1 else "line"
    if not slots:
        return gap(f"{count} identical {word}")
    parts = []
    for shown, more in slots:
        vals = list(shown) + ([f"… {more} more" if shown else f"{more} values"] if more else [])
        parts.append(", ".join(vals))
    return f"[… {count} {word} like these omitted, differing in: {'; and in: '.join(parts)}]"


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # what `\b` counts as a word character


def names_key(text: str, key: str) -> bool:
    """Does a marker in `text` name `key`? Same answer as `key in find_keys(text)`, by `str.find` (the
    router checks every lossy result: no regex scan over the whole output)."""
    if len(key) != 24 or key.strip("0123456789abcdef"):
        return key in find_keys(text)
    needle = "key=" + key
    i = text.find(needle)
    while i >= 0:
        j = i + len(needle)
        if (i == 0 or not _word_char(text[i - 1])) and (j == len(text) or not _word_char(text[j])):
            return True
        i = text.find(needle, i + 1)
    return False
