"""The ONE place every proxied request body passes through on its way upstream.

Identity for now: compression (compress/) and output shaping (output/) plug in here, so routes stay
protocol plumbing. Contract: a pure function of (body, context); it never raises into the proxy
(the caller also fails open), and `changed=False` means "forward the original bytes untouched".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .settings import ProxySettings


@dataclass
class RequestContext:
    protocol: str  # "anthropic" | "openai_chat" | "openai_responses" | "passthrough"
    path: str  # request path as the client sent it (no query)
    method: str = "POST"
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # client headers (contain secrets: never log)
    settings: ProxySettings = field(default_factory=ProxySettings)

    @property
    def session_id(self) -> str:
        return self.settings.session_id

    @property
    def agent(self) -> str:
        return self.settings.agent


@dataclass
class Transformed:
    body: bytes  # what goes upstream (decoded; equal to the input when nothing changed)
    changed: bool = False
    tokens_before: int = 0
    tokens_after: int = 0
    encoding: str = ""  # tokenizer behind tokens_before/after
    compressors: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # CCR keys of originals stored for this request
    error: str = ""  # fail-open reason
    output_arm: str = ""  # reduce-output holdout arm
    extra: dict[str, Any] = field(default_factory=dict)


def transform_request(body: bytes, rctx: RequestContext) -> Transformed:
    """Rewrite one request body (already decoded from gzip/zstd). Identity until the engine lands."""
    return Transformed(body=body)
