"""One walker per wire protocol. Each reads a request body and lists its compressible sites (tool results, and
aider-style command-output sections of user messages when the request has no tools) with the context fixed in
history before them. Walkers never modify the body; the pipeline rewrites copy-on-write."""
from __future__ import annotations

from .common import Site

PROTOCOLS = ("anthropic", "openai_chat", "openai_responses")


def sites(body: dict, protocol: str) -> list[Site]:
    if protocol == "anthropic":
        from .anthropic import sites as f
    elif protocol == "openai_chat":
        from .openai_chat import sites as f
    elif protocol == "openai_responses":
        from .openai_responses import sites as f
    else:
        raise ValueError(f"unknown protocol {protocol!r} (expected one of {', '.join(PROTOCOLS)})")
    return f(body)


__all__ = ["Site", "sites", "PROTOCOLS"]
