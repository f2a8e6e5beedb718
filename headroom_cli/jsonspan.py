"""JSON as bytes on the wire: serialisation that is always valid UTF-8.

Pure (no HTTP, no engine): the proxy's request bodies and retrieval continuations and the SSE events the
splicer re-renders all go through here.
"""
from __future__ import annotations

import json
from typing import Any


def dumps_str(obj: Any) -> str:
    """Compact, deterministic JSON text (non-ASCII kept as is). It may hold lone surrogates: encode it
    with `encode` below, never with a bare `.encode()`."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def encode(text: str) -> bytes:
    """UTF-8 bytes of JSON text. A lone surrogate (legal as an escape in JSON, `"\\ud800"`, but not a
    character UTF-8 can hold) comes out as its escape again, `\\ud800`: JSON text holds raw characters
    only inside strings, where the escape means the same thing."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # rare: pay for the error handler only then
        return text.encode("utf-8", "backslashreplace")


def dumps(obj: Any) -> bytes:
    """Compact, deterministic, valid UTF-8 JSON: the same value always gives the same bytes."""
    return encode(dumps_str(obj))
