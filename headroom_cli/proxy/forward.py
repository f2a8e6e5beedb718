"""Forward one request upstream and relay the answer: the body goes through the pipeline once, SSE
is relayed chunk by chunk as it arrives (no re-framing), usage is sniffed on the side, and the
request's figures are reported through `settings.on_record` when the client has its answer."""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from .. import config
from ..stats.records import RequestRecord, Usage
from ..stats.usage import UsageSniffer
from . import pipeline, redact, upstream
from .counters import SessionCounters
from .settings import ProxySettings

log = logging.getLogger("headroom.proxy")

SNIFFED = ("anthropic", "openai_chat", "openai_responses")
_MODEL_RE = re.compile(rb'"model"\s*:\s*"([^"\\]{1,200})"')


class _NullSniffer:
    model = ""

    def feed(self, chunk: bytes) -> None:
        pass

    def finish(self) -> Usage:
        return Usage()


def _sniffer(protocol: str) -> _SafeSniffer:
    """The usage sniffer for `protocol` (a null one where there is none), safe to feed from a relay."""
    if protocol not in SNIFFED:
        return _SafeSniffer(_NullSniffer())
    try:
        return _SafeSniffer(UsageSniffer(protocol))
    except Exception:
        return _SafeSniffer(_NullSniffer())


class _SafeSniffer:
    """Usage sniffing must never break a relay: the first exception turns it off."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.broken = False

    def feed(self, chunk: bytes) -> None:
        if not self.broken:
            try:
                self.inner.feed(chunk)
            except Exception:
                self.broken = True
                log.debug("usage sniffer failed", exc_info=True)

    def finish(self) -> tuple[Usage, str]:
        try:
            return self.inner.finish(), getattr(self.inner, "model", "") or ""
        except Exception:
            return Usage(), ""


class Forwarder:
    """Per-app state: settings, the shared client session, live counters."""

    def __init__(self, settings: ProxySettings, counters: SessionCounters):
        self.settings = settings
        self.counters = counters
        self.session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}
        self._pending: set[asyncio.Future] = set()  # figures still being counted
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
        if self._pending:  # let records of finished requests land before the proxy goes away
            await asyncio.wait(list(self._pending), timeout=5)
        await self.session.close()

    def base_for(self, provider: str) -> str:
        return self.settings.anthropic_upstream if provider == upstream.ANTHROPIC else self.settings.openai_upstream

    # -- the handler ----------------------------------------------------------------------------
    async def handle(self, request: web.Request, protocol: str, provider: str | None = None) -> web.StreamResponse:
        t0 = time.perf_counter()
        headers = request.headers
        raw_path = request.raw_path
        path, _, query = raw_path.partition("?")
        provider = provider or upstream.provider_for(request.path, headers)
        rec = RequestRecord(session_id=self.settings.session_id, agent=self.settings.agent,
                            protocol=protocol, path=request.path, ts=time.time())

        if headers.get("Upgrade", "").lower() == "websocket":
            # Codex's built-in provider tries a WebSocket on /v1/responses first; 426 is the answer
            # it treats as "no WebSocket here" and falls back to HTTP POST + SSE.
            return self._error(provider, 426, "headroom does not relay WebSocket connections; use HTTP "
                               "(POST with SSE streaming)", rec, t0)

        hops = upstream.hop_count(headers)
        if hops >= upstream.MAX_HOPS:
            return self._error(provider, 508, f"request looped through {hops} headroom proxies; an upstream "
                               "URL points back at a headroom proxy", rec, t0)

        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return self._error(provider, 413, f"request body of {request.content_length} bytes exceeds "
                               f"headroom's limit of {limit} bytes", rec, t0)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._error(provider, 413, f"request body exceeds headroom's limit of {limit} bytes", rec, t0)
        t_read = time.perf_counter()

        # Which bytes go upstream: the client's own (and its Content-Encoding) unless the pipeline
        # changed something, then the new body uncompressed.
        content_encoding = headers.get("Content-Encoding")
        body, send_encoding = raw, content_encoding
        bypass = headers.get(config.BYPASS_HEADER, "").strip().lower() in ("1", "true", "yes")
        decoded: bytes | None = None
        figures = None  # exact token figures, computed after the client has its answer
        splice_body: dict | None = None  # set when the proxy answers headroom_retrieve calls itself
        if raw and not bypass and hops == 0:
            try:
                decoded = upstream.decode_body(raw, content_encoding, limit=limit)
            except upstream.BodyError as e:
                if e.status != 415:
                    return self._error(provider, e.status, str(e), rec, t0)
                rec.error = str(e)  # an encoding we cannot read: forward it untouched (fail open)
        if decoded is not None and len(decoded) > self.compress_max_bytes:
            log.debug("%d-byte body above compress_max_bytes: passed through", len(decoded))
        elif decoded is not None:
            rctx = pipeline.RequestContext(protocol=protocol, path=request.path, method=request.method,
                                           query=query, headers=headers, settings=self.settings)
            t = await self._transform(decoded, rctx)
            if not request.path.endswith("/count_tokens"):  # not billed: its savings are not savings
                rec.tokens_before, rec.tokens_after = t.tokens_before, t.tokens_after
                rec.encoding, rec.compressors = t.encoding, dict(t.compressors)
                figures = t.fill_figures
            rec.error = t.error
            rec.output_arm = t.output_arm
            rec.conversation_id = t.extra.get("conversation_id", "")
            if t.changed:
                body, send_encoding = t.body, None
            splice_body = t.parsed

        base = self.base_for(provider)
        url = upstream.join_url(base, path, query, provider=provider)
        fwd = upstream.forward_headers(headers.items(), hop=hops + 1, content_encoding=send_encoding)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s (%s, %d bytes, bypass=%s, hop=%d) headers=%s", request.method, request.path,
                      redact.url(url), protocol, len(body), bypass, hops, redact.headers(fwd))
        rec.latency_added_ms = (time.perf_counter() - t_read) * 1000

        assert self.session is not None
        if base not in self._proxies:
            self._proxies[base] = upstream.env_proxy_for(base)
        try:
            up = await self.session.request(
                request.method, url, headers=fwd,
                data=body if (body or request.method not in ("GET", "HEAD", "OPTIONS")) else None,
                allow_redirects=False, proxy=self._proxies[base],
                skip_auto_headers=("User-Agent", "Content-Type"),  # send only what the client sent
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            reason = _describe(e)
            log.warning("upstream %s unreachable: %s", redact.url(base), reason)
            return self._error(provider, 502, f"headroom could not reach the upstream {redact.url(base)}: "
                               f"{reason}", rec, t0, kind="api_error" if provider == upstream.ANTHROPIC else None,
                               figures=figures)  # compressed (and stored) all the same: count it

        req_body = decoded if decoded is not None else raw
        try:
            if splice_body is not None and up.status < 400:
                from .retrieval import relay_with_retrieval

                return await relay_with_retrieval(self, request, up, protocol, rec, t0, req_body, splice_body,
                                                  url=url, headers=fwd, proxy=self._proxies[base], figures=figures)
            return await self._relay(request, up, protocol, rec, t0, req_body, figures=figures)
        finally:
            up.release()

    async def _transform(self, body: bytes, rctx: pipeline.RequestContext) -> pipeline.Transformed:
        """The pipeline, fail-open: any exception forwards the original and is counted."""
        try:
            # CPU-bound work off the loop, so other streams keep flowing meanwhile.
            return await asyncio.get_running_loop().run_in_executor(None, pipeline.transform_request, body, rctx)
        except Exception as e:
            log.warning("compression failed, forwarding the original: %s", type(e).__name__,
                        exc_info=log.isEnabledFor(logging.DEBUG))
            return pipeline.Transformed(body=body, error=f"{type(e).__name__}: {e}"[:500])

    async def _relay(self, request: web.Request, up: aiohttp.ClientResponse, protocol: str,
                     rec: RequestRecord, t0: float, req_body: bytes, figures=None) -> web.StreamResponse:
        hdrs = _response_head(rec, up)
        sniff = _sniffer(protocol) if up.status < 400 else _SafeSniffer(_NullSniffer())
        log.debug("upstream answered %d %s for %s", up.status, up.headers.get("Content-Type", ""), request.path)

        if not rec.streamed and up.content_length is not None:
            data = await up.read()
            sniff.feed(data)
            resp: web.StreamResponse = await _answer_whole(request, rec, up, hdrs, data)
            self._finish(rec, sniff, req_body, t0, figures)
            return resp

        resp = web.StreamResponse(status=up.status, reason=up.reason, headers=hdrs)
        try:
            await resp.prepare(request)
            async for chunk in up.content.iter_any():
                sniff.feed(chunk)
                await resp.write(chunk)
            await resp.write_eof()
        except (ConnectionResetError, aiohttp.ClientConnectionResetError) as e:
            rec.error = rec.error or "client disconnected"
            log.debug("client went away during relay: %s", e)
            up.close()
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            # Upstream broke mid-answer: the status is gone already, so cut the client connection
            # rather than end the stream cleanly (a clean end would pass for a complete answer).
            rec.error = f"upstream broke off: {_describe(e)}"
            log.warning("upstream broke off mid-response: %s", _describe(e))
            up.close()
            if request.transport is not None:
                request.transport.abort()
        self._finish(rec, sniff, req_body, t0, figures)
        return resp

    def _finish(self, rec: RequestRecord, sniff: _SafeSniffer, req_body: bytes, t0: float,
                figures=None, usage: Usage | None = None) -> None:
        rec.usage, model = sniff.finish()
        if usage is not None:
            rec.usage = usage
        if not model:
            m = _MODEL_RE.search(req_body[:65536])
            model = m.group(1).decode("utf-8", "replace") if m else ""
        rec.model = model
        rec.duration_ms = (time.perf_counter() - t0) * 1000
        self._report_counted(rec, figures)

    def _report_counted(self, rec: RequestRecord, figures=None) -> None:
        if figures is None:
            self._report(rec)
            return
        # Exact counting is slow (tiktoken): do it off the loop, after the client has its answer.
        fut = asyncio.get_running_loop().run_in_executor(None, self._count_and_report, rec, figures)
        self._pending.add(fut)
        fut.add_done_callback(self._pending.discard)

    def _count_and_report(self, rec: RequestRecord, figures) -> None:
        try:
            figures(rec)
            from ..compress.tokens import encoding_name

            rec.encoding = encoding_name()
        except Exception:
            log.debug("token figures failed", exc_info=True)
        self._report(rec)

    def _error(self, provider: str, status: int, message: str, rec: RequestRecord, t0: float, *,
               kind: str | None = None, figures=None) -> web.Response:
        rec.status = status
        rec.error = message[:500]
        rec.duration_ms = (time.perf_counter() - t0) * 1000
        self._report_counted(rec, figures)
        return web.Response(status=status, body=upstream.error_body(provider, status, message, kind=kind),
                            content_type="application/json")

    def _report(self, rec: RequestRecord) -> None:
        self.counters.add(rec)
        cb = self.settings.on_record
        if cb is not None:
            try:
                cb(rec)
            except Exception:
                log.debug("on_record callback failed", exc_info=True)


def _response_head(rec: RequestRecord, up: aiohttp.ClientResponse) -> CIMultiDict:
    """Note the upstream's status and whether it streams; return the headers to relay."""
    rec.status = up.status
    rec.streamed = "text/event-stream" in up.headers.get("Content-Type", "").lower()
    return CIMultiDict(upstream.response_headers(up.headers.items()))


async def _answer_whole(request: web.Request, rec: RequestRecord, up: aiohttp.ClientResponse, hdrs: CIMultiDict,
                        body: bytes) -> web.Response:
    """Send a complete (not streamed) answer now, so the figures are reported once the client has it."""
    resp = web.Response(status=up.status, reason=up.reason, headers=hdrs, body=body)
    try:
        await resp.prepare(request)
        await resp.write_eof()
    except (ConnectionResetError, aiohttp.ClientConnectionResetError):
        rec.error = rec.error or "client disconnected"
    return resp


def _describe(e: BaseException) -> str:
    if isinstance(e, asyncio.TimeoutError):
        return "timed out"
    if isinstance(e, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve host {e.host!r}"
    if isinstance(e, aiohttp.ClientConnectorCertificateError):
        return f"TLS certificate of {e.host} rejected: {e.certificate_error}"
    if isinstance(e, aiohttp.ClientConnectorError):
        why = "connection refused" if isinstance(e.os_error, ConnectionRefusedError) else \
            (e.os_error.strerror or str(e.os_error))
        return f"cannot connect to {e.host}:{e.port} ({why})"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
