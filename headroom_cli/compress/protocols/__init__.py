"""One walker per wire protocol. Each reads a request body and lists its compressible sites (tool results, and
aider-style command-output sections of user messages when the request has no tools) with the context fixed in
history before them. Walkers never modify the body; the pipeline rewrites copy-on-write."""
from __future__ import annotations

from ... import wires
from . import anthropic, gemini, openai_chat, openai_responses
from .common import Site

# The engine's wires are exactly these (re-exported for `compress.api`'s argument check).
PROTOCOLS = wires.WIRES

# No passthrough fallback: the engine is only ever asked to walk a wire.
WALKERS = wires.WireMap("protocol walkers", {
    wires.ANTHROPIC: anthropic.sites,
    wires.OPENAI_CHAT: openai_chat.sites,
    wires.OPENAI_RESPONSES: openai_responses.sites,
    wires.GEMINI: gemini.sites,
})


def sites(body: dict, protocol: str) -> list[Site]:
    return WALKERS[protocol](body)


__all__ = ["Site", "sites", "PROTOCOLS", "WALKERS"]
