"""The one interface every compressor implements, and the context it gets.

A compressor is a pure function of (text, Context): no clock, no randomness, no global state, so the
same tool result compresses to the same bytes on every turn and in every process (DESIGN §4).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Context:
    """What a compressor may look at besides the block itself — all fixed in history."""

    tool_name: str = ""  # the tool that produced the block (a hint, content decides)
    tool_input: str = ""  # the call's arguments as text: command, pattern, path
    preceding_text: str = ""  # assistant text before the call + last human text before it
    ratio: float = 0.3  # share of the block's tokens lossy compressors aim to keep
    marker_tool: str = "headroom_retrieve"  # retrieval tool as the client sees it
    marker_hint: str = ""  # extra words for markers (e.g. how to load a deferred MCP tool)
    is_error: bool = False  # the tool result is flagged as an error by the protocol

    def fingerprint(self) -> str:
        """Hash of the context, part of the memo key (with the block's content hash)."""
        h = hashlib.sha256()
        for part in (self.tool_name, self.tool_input, self.preceding_text, repr(self.ratio),
                     self.marker_tool, self.marker_hint, repr(self.is_error)):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        return h.hexdigest()[:24]


@dataclass
class Result:
    text: str  # the compressed block; lossy results contain at least one marker with store.key_for(original)
    lossy: bool  # True when something was dropped and the original must be stored
    compressor: str = ""  # name of the compressor that produced it
    kind: str = ""  # the detected kind (json, jsonl, log, build, search, diff, code, text)


class Compressor(Protocol):
    name: str

    def compress(self, text: str, ctx: Context) -> Result | None:
        """Return a smaller rendering, or None to keep the original."""
        ...
