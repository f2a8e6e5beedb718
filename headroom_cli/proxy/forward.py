"""Forward one request upstream and relay the answer. The path of every proxied request:

1. `Flow.begin`: one `Flow` (flow.py) per request carries the request, its record and timings.
2. check → read: refuse WebSockets, loops and oversized bodies; read the body, decode gzip/zstd.
3. transform: `pipeline.transform_request` (fail-open; off the loop unless the request is alone on it)
   compresses tool results, stores the originals (committed BEFORE the request goes upstream), shapes
   output, injects the retrieve tool. Skipped when the settings leave it nothing to change.
4. address → send: upstream URL and headers; the original bytes unless the pipeline changed the body.
5. relay (relay.py): SSE chunk by chunk as it arrives, usage sniffed on the side; or, when the proxy
   answers `headroom_retrieve` itself, `retrieval.relay_with_retrieval` splices continuations in.
6. `Reporter.finish`: the record goes to the counters and `settings.on_record` once the client has
   its answer; exact token figures are counted after that, off the loop, never while a request is
   between arrival and its upstream's answer (background.py).
A step that must answer the client itself raises `Refused`: a provider-shaped error, reported too.
"""
from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import yarl
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .. import config
from ..stats import records
from . import pipeline, redact, upstream
from .counters import SessionCounters
from .flow import Flow, Refused
from .relay import Reporter, describe, relay
from .retrieval import relay_with_retrieval
from .settings import ProxySettings
from .watchdog import STALLED

log = logging.getLogger("headroom.proxy")


class Forwarder:
    """Per-app state: settings, the shared client session, the reporter of records."""

    def __init__(self, settings: ProxySettings, counters: SessionCounters):
        self.settings = settings
        self.counters = counters
        self.reporter = Reporter(settings, counters)
        self.session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # upstream base -> HTTP proxy from the environment
        self.in_flight = 0  # requests between arrival and the end of their relay
        # Bodies above this pass through untouched: compressing them would cost more time than it saves.
        self.compress_max_bytes = int(settings.compress_max_bytes or config.get("compress_max_bytes"))
        # The config the requests need is read here, once per start (a changed config.toml needs a restart):
        # a request reads no file and resolves no directory (tests/test_proxy_config_reads.py).
        settings.read_at_start()

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
        """One request, start to end. Whatever happens, the client gets a provider-shaped answer (or,
        once its answer is under way, a cut connection) and the request gets exactly one record."""
        flow = Flow.begin(request, protocol, provider, self.settings)
        self.in_flight += 1
        try:
            return await self._proceed(flow)
        except Refused as r:
            return self._refuse(flow, r)
        except HttpProcessingError as e:  # a body whose framing or encoding aiohttp could not read
            return self._refuse(flow, Refused(400, f"malformed request: {e.message or type(e).__name__}"))
        except ConnectionResetError as e:  # the client went away (or stalled and was cut) before its answer
            return self._client_gone(flow, request.get(STALLED) or f"client disconnected: {describe(e)}")
        except Exception as e:  # last resort: a bug in headroom must not become a bare 500 and a lost record
            return self._fail(flow, e)
        except asyncio.CancelledError:  # shutting down
            self._client_gone(flow, "cancelled")
            raise
        finally:
            self.in_flight -= 1

    async def expect(self, request: web.Request) -> None:
        """`Expect: 100-continue`: a body above the limit is refused before the client sends it — no
        `100 Continue`; the handler then answers 413 (and records it) without reading the body."""
        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return None
        if request.version >= aiohttp.HttpVersion11 and request.headers.get("Expect", "").lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the answer's own bytes start after the interim one
        return None

    async def _proceed(self, flow: Flow) -> web.StreamResponse:
        with self.reporter.hot():  # until the upstream answered, earlier requests' figures wait
            flow.check()
            await flow.read()
            if self._compressible(flow):
                flow.adopt(await self._transform(flow))
            base = self.base_for(flow.provider)
            flow.address(base, self._proxy_for(base))
            up = await self._send(flow)
        try:
            if flow.splice_body is not None and up.status < 400:
                assert self.session is not None
                return await relay_with_retrieval(flow, up, self.session, self.reporter)
            return await relay(flow, up, self.reporter)
        finally:
            up.release()

    # -- its steps, in order --------------------------------------------------------------------
    def _compressible(self, flow: Flow) -> bool:
        if flow.decoded is None or not pipeline.may_change(self.settings):
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
                                       settings=self.settings, user=flow.user)
        try:
            if self.in_flight <= 1:
                # Alone on the loop: nothing to keep flowing, and the hop to a thread and back costs
                # two wake-ups (milliseconds on a busy machine).
                return pipeline.transform_request(body, rctx)
            # CPU-bound work off the loop, so other streams keep flowing meanwhile.
            return await asyncio.get_running_loop().run_in_executor(None, pipeline.transform_request, body, rctx)
        except Exception as e:
            log.warning("compression failed, forwarding the original: %s", type(e).__name__,
                        exc_info=log.isEnabledFor(logging.DEBUG))
            return pipeline.Transformed(body=body, error=f"{type(e).__name__}: {e}"[:500])

    def base_for(self, provider: str) -> str:
        if provider == upstream.ANTHROPIC:
            return self.settings.anthropic_upstream
        if provider == upstream.GOOGLE:
            return self.settings.gemini_upstream
        return self.settings.openai_upstream

    def _proxy_for(self, base: str) -> str | None:
        if base not in self._proxies:
            self._proxies[base] = upstream.env_proxy_for(base)
        return self._proxies[base]

    async def _send(self, flow: Flow) -> aiohttp.ClientResponse:
        """Send the request upstream; a connection failure is refused as a 502."""
        flow.record.latency_added_ms = (time.perf_counter() - flow.t_read) * 1000
        assert self.session is not None
        method = flow.request.method
        if yarl.URL(flow.base).user is not None and any(k.lower() == "authorization" for k, _ in flow.headers):
            # The URL's credentials would go in an Authorization header too: HTTP has room for one.
            raise Refused(502, f"the upstream URL {redact.url(flow.base)} carries credentials (user:password@) and "
                               "the client sent its own Authorization header; only one can be sent: remove the "
                               "credentials from the upstream URL", kind=self._kind(flow))
        try:
            return await self.session.request(
                method, flow.url, headers=flow.headers,
                data=flow.body if (flow.body or method not in ("GET", "HEAD", "OPTIONS")) else None,
                allow_redirects=False, proxy=flow.proxy,
                skip_auto_headers=("User-Agent", "Content-Type"),  # send only what the client sent
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as e:
            # ValueError: aiohttp refused to build the request (a header or URL it cannot send)
            reason = describe(e)
            log.warning("upstream %s unreachable: %s", redact.url(flow.base), reason)
            raise Refused(502, f"headroom could not reach the upstream {redact.url(flow.base)}: {reason}",
                          kind=self._kind(flow)) from None

    @staticmethod
    def _kind(flow: Flow) -> str | None:
        return "api_error" if flow.provider == upstream.ANTHROPIC else None

    def refuse(self, request: web.Request, protocol: str, provider: str | None, status: int, message: str, *,
               kind: str | None = None) -> web.StreamResponse:
        """Refuse a request before any step ran (the app's guard): answered and reported like any refusal."""
        return self._refuse(Flow.begin(request, protocol, provider, self.settings), Refused(status, message, kind=kind))

    def _refuse(self, flow: Flow, r: Refused, *, error: str | None = None) -> web.StreamResponse:
        """Answer the client with a provider-shaped error, and report it. Once the answer is under way
        its status is gone: the connection is cut instead, so the client cannot take it for complete.
        The message leaves the process (body, ledger): redacted, since exception texts carry URLs."""
        if flow.response is not None:
            return self._cut(flow, records.UPSTREAM_BROKE, r.message)
        rec = flow.record
        message = redact.text(r.message)
        rec.status = r.status
        rec.error = redact.text(error or r.message)[:500]
        rec.duration_ms = (time.perf_counter() - flow.t0) * 1000
        if not flow.reported:
            self.reporter.report_counted(flow)  # compressed (and stored) before a failed send: count it all the same
        return web.Response(status=r.status, body=upstream.error_body(flow.provider, r.status, message, kind=r.kind),
                            content_type="application/json")

    def _fail(self, flow: Flow, e: Exception) -> web.StreamResponse:
        """The last resort: log the failure (with its traceback: it is a bug), answer 500 in the provider's shape."""
        log.error("headroom failed on %s %s: %s", flow.request.method, flow.request.path, type(e).__name__,
                  exc_info=True)
        detail = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        flow.record.outcome = records.PROXY_ERROR
        if flow.response is not None:
            return self._cut(flow, records.PROXY_ERROR, f"internal error: {detail}")
        r = Refused(500, f"headroom failed on this request ({type(e).__name__}); the proxy's log has the details",
                    kind="api_error")
        return self._refuse(flow, r, error=f"internal error: {detail}")

    def _client_gone(self, flow: Flow, reason: str) -> web.StreamResponse:
        """The client is gone: nothing to answer; the record says so."""
        return self._cut(flow, records.CLIENT_GONE, reason)

    def _cut(self, flow: Flow, outcome: str, reason: str) -> web.StreamResponse:
        """End a request that can get no (further) answer: drop the connection, record how it ended."""
        rec = flow.record
        rec.outcome = rec.outcome or outcome
        rec.error = rec.error or reason[:500]
        transport = flow.request.transport
        if transport is not None and outcome != records.CLIENT_GONE:
            transport.abort()
        if not flow.reported:
            rec.duration_ms = (time.perf_counter() - flow.t0) * 1000
            self.reporter.report_counted(flow)
        return flow.response if flow.response is not None else web.Response(status=499)
