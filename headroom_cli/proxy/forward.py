"""Forward one request upstream and relay the answer. The path of every proxied request:

1. `Flow.begin`: one `Flow` (flow.py) per request carries the request, its record and timings.
2. check → read: refuse WebSockets, loops and oversized bodies; read the body, decode gzip/zstd.
3. transform: `pipeline.transform_request` (off the loop, fail-open) compresses tool results, stores
   the originals (committed BEFORE the request goes upstream), shapes output, injects the retrieve tool.
4. address → send: upstream URL and headers; the original bytes unless the pipeline changed the body.
5. relay (relay.py): SSE chunk by chunk as it arrives, usage sniffed on the side; or, when the proxy
   answers `headroom_retrieve` itself, `retrieval.relay_with_retrieval` splices continuations in.
6. `Reporter.finish`: the record goes to the counters and `settings.on_record` once the client has
   its answer; exact token figures are counted after that, off the loop.
A step that must answer the client itself raises `Refused`: a provider-shaped error, reported too.
"""
from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
from aiohttp import web

from .. import config
from . import pipeline, redact, upstream
from .counters import SessionCounters
from .flow import Flow, Refused
from .relay import Reporter, describe, relay
from .retrieval import relay_with_retrieval
from .settings import ProxySettings

log = logging.getLogger("headroom.proxy")


class Forwarder:
    """Per-app state: settings, the shared client session, the reporter of records."""

    def __init__(self, settings: ProxySettings, counters: SessionCounters):
        self.settings = settings
        self.counters = counters
        self.reporter = Reporter(settings, counters)
        self.session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # upstream base -> HTTP proxy from the environment
        # Bodies above this pass through untouched: compressing them would cost more time than it saves.
        self.compress_max_bytes = int(settings.extra.get("compress_max_bytes") or config.get("compress_max_bytes"))

    async def client_ctx(self, app: web.Application):
        """aiohttp cleanup_ctx: one client session per app, created on its loop."""
        self.session = aiohttp.ClientSession(
            # No total timeout: streams last as long as the model talks. Connecting gets 30 s.
            timeout=aiohttp.ClientTimeout(total=None, connect=30, sock_connect=30),
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            auto_decompress=True,
            trust_env=False,  # env proxies are applied per upstream in upstream.env_proxy_for
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies pass through, never stored
            max_field_size=65536,  # long provider headers must not fail a relay
        )
        yield
        await self.reporter.drain(timeout=5)
        await self.session.close()

    # -- the handler ----------------------------------------------------------------------------
    async def handle(self, request: web.Request, protocol: str, provider: str | None = None) -> web.StreamResponse:
        flow = Flow.begin(request, protocol, provider, self.settings)
        try:
            flow.check()
            await flow.read()
            if self._compressible(flow):
                flow.adopt(await self._transform(flow))
            base = self.base_for(flow.provider)
            flow.address(base, self._proxy_for(base))
            up = await self._send(flow)
        except Refused as r:
            return self._refuse(flow, r)
        try:
            if flow.splice_body is not None and up.status < 400:
                assert self.session is not None
                return await relay_with_retrieval(flow, up, self.session, self.reporter)
            return await relay(flow, up, self.reporter)
        finally:
            up.release()

    # -- its steps, in order --------------------------------------------------------------------
    def _compressible(self, flow: Flow) -> bool:
        if flow.decoded is None:
            return False
        if len(flow.decoded) > self.compress_max_bytes:
            log.debug("%d-byte body above compress_max_bytes: passed through", len(flow.decoded))
            return False
        return True

    async def _transform(self, flow: Flow) -> pipeline.Transformed:
        """The pipeline, fail-open: any exception forwards the original and is counted."""
        request = flow.request
        body = flow.decoded
        assert body is not None
        rctx = pipeline.RequestContext(protocol=flow.protocol, path=request.path, method=request.method,
                                       query=request.raw_path.partition("?")[2], headers=request.headers,
                                       settings=self.settings)
        try:
            # CPU-bound work off the loop, so other streams keep flowing meanwhile.
            return await asyncio.get_running_loop().run_in_executor(None, pipeline.transform_request, body, rctx)
        except Exception as e:
            log.warning("compression failed, forwarding the original: %s", type(e).__name__,
                        exc_info=log.isEnabledFor(logging.DEBUG))
            return pipeline.Transformed(body=body, error=f"{type(e).__name__}: {e}"[:500])

    def base_for(self, provider: str) -> str:
        return self.settings.anthropic_upstream if provider == upstream.ANTHROPIC else self.settings.openai_upstream

    def _proxy_for(self, base: str) -> str | None:
        if base not in self._proxies:
            self._proxies[base] = upstream.env_proxy_for(base)
        return self._proxies[base]

    async def _send(self, flow: Flow) -> aiohttp.ClientResponse:
        """Send the request upstream; a connection failure is refused as a 502."""
        flow.record.latency_added_ms = (time.perf_counter() - flow.t_read) * 1000
        assert self.session is not None
        method = flow.request.method
        try:
            return await self.session.request(
                method, flow.url, headers=flow.headers,
                data=flow.body if (flow.body or method not in ("GET", "HEAD", "OPTIONS")) else None,
                allow_redirects=False, proxy=flow.proxy,
                skip_auto_headers=("User-Agent", "Content-Type"),  # send only what the client sent
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            reason = describe(e)
            log.warning("upstream %s unreachable: %s", redact.url(flow.base), reason)
            raise Refused(502, f"headroom could not reach the upstream {redact.url(flow.base)}: {reason}",
                          kind="api_error" if flow.provider == upstream.ANTHROPIC else None) from None

    def _refuse(self, flow: Flow, r: Refused) -> web.Response:
        """Answer the client with a provider-shaped error, and report it."""
        rec = flow.record
        rec.status = r.status
        rec.error = r.message[:500]
        rec.duration_ms = (time.perf_counter() - flow.t0) * 1000
        self.reporter.report_counted(flow)  # compressed (and stored) before a failed send: count it all the same
        return web.Response(status=r.status, body=upstream.error_body(flow.provider, r.status, r.message, kind=r.kind),
                            content_type="application/json")
