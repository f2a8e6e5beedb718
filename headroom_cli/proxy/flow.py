"""One proxied request on its way through the proxy: what came in, what goes upstream, what is recorded.

`Forwarder.handle` (forward.py) creates a `Flow` and hands it through its steps; each step fills in
its part (the body read, the pipeline's result, the upstream address) and the relays (relay.py,
retrieval.py) read from it. A step that must answer the client itself raises `Refused`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from aiohttp import web

from .. import config
from ..stats.records import RequestRecord
from . import redact, upstream
from .settings import REQUEST_USER, ProxySettings

if TYPE_CHECKING:
    from .pipeline import Transformed

log = logging.getLogger("headroom.proxy")

Figures = Callable[[RequestRecord], None]  # fills a record's token figures (slow: tiktoken)


class Refused(Exception):
    """The proxy answers this request itself, with a provider-shaped error of `status`."""

    def __init__(self, status: int, message: str, *, kind: str | None = None):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


@dataclass
class Flow:
    request: web.Request
    protocol: str  # wire protocol of the route: one of `wires.WIRES`, or "passthrough"
    provider: str  # upstream.ANTHROPIC | upstream.OPENAI | upstream.GOOGLE
    settings: ProxySettings
    record: RequestRecord
    t0: float  # when the request arrived (perf_counter)
    t_read: float = 0.0  # when its body was read
    hops: int = 0  # headroom proxies this request already passed through
    bypass: bool = False  # the client asked for no compression
    raw: bytes = b""  # the body as the client sent it
    decoded: bytes | None = None  # ... uncompressed (gzip/zstd), when the pipeline may look at it
    body: bytes = b""  # what goes upstream
    send_encoding: str | None = None  # its Content-Encoding (the client's, unless the pipeline rewrote it)
    figures: Figures | None = None  # exact token figures, filled in after the client has its answer
    splice_body: dict | None = None  # the forwarded body, set when the proxy answers headroom_retrieve itself
    base: str = ""  # upstream base URL, as configured
    url: str = ""  # upstream URL for this request
    headers: list[tuple[str, str]] = field(default_factory=list)  # headers sent upstream (secrets: never log)
    proxy: str | None = None  # HTTP proxy for the upstream (from the environment)
    response: web.StreamResponse | None = None  # the client's answer once a relay began sending it
    reported: bool = False  # the record went to the reporter (exactly once per request)

    @classmethod
    def begin(cls, request: web.Request, protocol: str, provider: str | None, settings: ProxySettings) -> Flow:
        headers = request.headers
        return cls(request=request, protocol=protocol, settings=settings, t0=time.perf_counter(),
                   provider=provider or upstream.provider_for(request.path, headers),
                   record=RequestRecord(session_id=settings.session_id, agent=settings.agent,
                                        protocol=protocol, path=request.path, ts=time.time(),
                                        user=request.get(REQUEST_USER) or config.LOCAL_USER),
                   hops=upstream.hop_count(headers),
                   bypass=headers.get(config.BYPASS_HEADER, "").strip().lower() in ("1", "true", "yes"))

    @property
    def user(self) -> str:
        """Whose request this is: what it stores belongs to them, its ledger row names them (the record holds it)."""
        return self.record.user

    @user.setter
    def user(self, name: str) -> None:
        self.record.user = name

    @property
    def request_body(self) -> bytes:
        """The client's body, decoded where it could be (the model is sniffed from it as a last resort)."""
        return self.decoded if self.decoded is not None else self.raw

    @property
    def counted(self) -> bool:
        """Whether the request's savings count: count_tokens is not billed, so its savings are not savings."""
        return not self.request.path.endswith("/count_tokens")

    def target(self) -> tuple[str, str]:
        """The path and query to forward, as the client spelled them. An absolute-form target
        (`POST http://host/v1/messages`, what clients send to a forward proxy) gives only its path and
        query, the ones the route was chosen by: the upstream is the configured one, never the target's."""
        request = self.request
        raw = request.raw_path
        if raw.startswith("/"):
            path, _, query = raw.partition("?")
            return path, query
        rel = request.rel_url
        return rel.raw_path, rel.raw_query_string

    # -- the steps, in order ------------------------------------------------------------------
    def check(self) -> None:
        """Refuse what headroom does not relay, before reading the body."""
        request = self.request
        if request.headers.get("Upgrade", "").lower() == "websocket":
            # Codex's built-in provider tries a WebSocket on /v1/responses first; 426 is the answer
            # it treats as "no WebSocket here" and falls back to HTTP POST + SSE.
            raise Refused(426, "headroom does not relay WebSocket connections; use HTTP (POST with SSE streaming)")
        if self.hops >= upstream.MAX_HOPS:
            raise Refused(508, f"request looped through {self.hops} headroom proxies; an upstream "
                               "URL points back at a headroom proxy")
        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise Refused(413, f"request body of {request.content_length} bytes exceeds "
                               f"headroom's limit of {limit} bytes")

    async def read(self) -> None:
        """Read the body; decode it when the pipeline may touch it (not bypassed, first headroom hop).
        By default the client's own bytes (and Content-Encoding) go upstream."""
        limit = self.settings.max_body_bytes
        try:
            self.raw = await self.request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Refused(413, f"request body exceeds headroom's limit of {limit} bytes") from None
        self.t_read = time.perf_counter()
        content_encoding = self.request.headers.get("Content-Encoding")
        self.body, self.send_encoding = self.raw, content_encoding
        if self.raw and not self.bypass and self.hops == 0:
            try:
                self.decoded = upstream.decode_body(self.raw, content_encoding, limit=limit)
            except upstream.BodyError as e:
                if e.status != 415:
                    raise Refused(e.status, str(e)) from None
                self.record.error = str(e)  # an encoding we cannot read: forward it untouched (fail open)

    def adopt(self, t: Transformed) -> None:
        """Take the pipeline's result: its figures into the record, its body (if changed) upstream."""
        rec = self.record
        if self.counted:
            rec.tokens_before, rec.tokens_after = t.tokens_before, t.tokens_after
            rec.encoding, rec.compressors = t.encoding, dict(t.compressors)
            self.figures = t.fill_figures
        rec.error = t.error
        rec.output_arm = t.output_arm
        rec.conversation_id = t.extra.get("conversation_id", "")
        if t.changed:
            self.body, self.send_encoding = t.body, None  # the new body goes uncompressed
        self.splice_body = t.parsed

    def address(self, base: str, proxy: str | None) -> None:
        """Where and with which headers the body goes upstream."""
        request = self.request
        path, query = self.target()
        self.base, self.proxy = base, proxy
        try:
            self.url = upstream.join_url(base, path, query, provider=self.provider)
        except ValueError as e:
            raise Refused(400, f"headroom cannot forward this request target: {e}") from None
        self.headers = upstream.forward_headers(request.headers.items(), hop=self.hops + 1,
                                                content_encoding=self.send_encoding)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s (%s, %d bytes, bypass=%s, hop=%d) headers=%s", request.method, request.path,
                      redact.url(self.url), self.protocol, len(self.body), self.bypass, self.hops,
                      redact.headers(self.headers))
