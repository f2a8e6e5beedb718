"""The one engine call the framework wrappers make: an OpenAI Chat rendering of the framework's messages through
`compress_request`, documents in user messages included (lossy only when the model can retrieve)."""
from __future__ import annotations

import dataclasses
from typing import Any

from ..compress.api import CompressConfig, CompressResult, compress_request


def compress_chat(messages: list[dict], *, config: CompressConfig | None, retrievable: bool,
                  model: str = "", tools: list | None = None) -> CompressResult:
    """`messages`: OpenAI Chat message dicts (the wrapper keeps the mapping back to its own objects). A caller's
    `config.documents` wins; by default documents are compressed, losslessly when the model cannot retrieve."""
    cfg = config or CompressConfig()
    if cfg.documents is None:
        cfg = dataclasses.replace(cfg, documents="retrievable" if retrievable else "lossless")
    elif cfg.documents == "retrievable" and not retrievable:
        cfg = dataclasses.replace(cfg, documents="lossless")
    body: dict[str, Any] = {"model": model or "unknown", "messages": messages}
    if tools:
        body["tools"] = tools
    return compress_request(body, "openai_chat", cfg)
