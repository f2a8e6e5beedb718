"""Relaying an upstream answer to the client, shared by the plain relay (here) and the retrieval relay
(retrieval.py): the response head, a whole answer sent at once, a stream relayed chunk by chunk as it
arrives (no re-framing), usage sniffed on the side, and the `Reporter` that finishes a request's
record and reports it once the client has its answer (exact token figures are counted after that, on
the worker of background.py).
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Awaitable, Callable

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from ..stats.records import CLIENT_GONE, UPSTREAM_BROKE, RequestRecord, Usage
from ..stats.usage import DIALECTS, UsageSniffer
from . import redact, upstream
from .background import AfterResponse, HotPhase
from .counters import SessionCounters
from .flow import Figures, Flow, Refused
from .settings import ProxySettings

log = logging.getLogger("headroom.proxy")

_MODEL_RE = re.compile(rb'"model"\s*:\s*"([^"\\]{1,200})"')


# -- usage sniffing -----------------------------------------------------------------------------
class NullSniffer:
    """Sniffs nothing: for protocols without a sniffer and for error answers."""

    model = ""

    def feed(self, chunk: bytes) -> None:
        pass

    def finish(self) -> Usage:
        return Usage()


class SafeSniffer:
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
        """The usage seen and the model named in the answer ("" when none)."""
        try:
            return self.inner.finish(), getattr(self.inner, "model", "") or ""
        except Exception:
            return Usage(), ""


def sniffer_for(protocol: str) -> SafeSniffer:
    """The usage sniffer for `protocol` (a null one where there is none), safe to feed from a relay."""
    if protocol not in DIALECTS:  # passthrough is not sniffed (`in` sees the wires, not the map's fallback)
        return SafeSniffer(NullSniffer())
    try:
        return SafeSniffer(UsageSniffer(protocol))
    except Exception:
        return SafeSniffer(NullSniffer())


# -- the relay ----------------------------------------------------------------------------------
def response_head(flow: Flow, up: aiohttp.ClientResponse) -> CIMultiDict:
    """Note the upstream's status and whether it streams; return the headers to relay."""
    rec = flow.record
    rec.status = up.status
    rec.streamed = "text/event-stream" in up.headers.get("Content-Type", "").lower()
    return CIMultiDict(upstream.response_headers(up.headers.items()))


async def read_whole(flow: Flow, up: aiohttp.ClientResponse) -> bytes:
    """The whole upstream answer, before anything goes to the client: an answer that cannot be read
    (a broken connection, a lying Content-Encoding) or that decodes beyond the body limit (a
    compression bomb) is refused as a 502, which the client can still be told."""
    limit = flow.settings.max_body_bytes
    data = bytearray()
    try:
        async for chunk in up.content.iter_any():
            data += chunk
            if len(data) > limit:
                raise Refused(502, f"the upstream's answer exceeds headroom's limit of {limit} bytes",
                              kind=_kind(flow))
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        log.warning("upstream answer unreadable: %s", describe(e))
        raise Refused(502, f"headroom could not read the upstream's answer: {describe(e)}", kind=_kind(flow)) from None
    return bytes(data)


def _kind(flow: Flow) -> str | None:
    return "api_error" if flow.provider == upstream.ANTHROPIC else None


BeforeEnd = Callable[[], Awaitable[None]]  # what must be done before the client's answer is complete


async def answer_whole(flow: Flow, up: aiohttp.ClientResponse, hdrs: CIMultiDict, body: bytes,
                       before_end: BeforeEnd | None = None) -> web.Response:
    """Send a complete (not streamed) answer now, so the figures are reported once the client has it
    (durable records: `before_end` commits the record first)."""
    if before_end is not None:
        await before_end()
    resp = web.Response(status=up.status, reason=up.reason, headers=hdrs, body=body)
    flow.response = resp
    try:
        await resp.prepare(flow.request)
        await resp.write_eof()
    except (ConnectionResetError, aiohttp.ClientConnectionResetError):
        flow.record.error = flow.record.error or "client disconnected"
        flow.record.outcome = CLIENT_GONE
    return resp


async def stream_answer(flow: Flow, up: aiohttp.ClientResponse, hdrs: CIMultiDict,
                        pump: Callable[[web.StreamResponse], Awaitable[None]],
                        current: Callable[[], aiohttp.ClientResponse] | None = None,
                        before_end: BeforeEnd | None = None) -> web.StreamResponse:
    """Open the client's stream with `up`'s status and run `pump`, which writes the answer into it.
    A client that goes away is recorded; an upstream that breaks off (`current()`: the upstream
    response being read, `up` by default) cuts the client connection, since the status is gone
    already and a clean end would pass for a complete answer. `before_end` (durable records) runs
    before the stream's end is sent: a stream is complete for the client only at its end."""
    rec = flow.record
    resp = web.StreamResponse(status=up.status, reason=up.reason, headers=hdrs)
    flow.response = resp
    try:
        await resp.prepare(flow.request)
        await pump(resp)
        if before_end is not None:
            await before_end()
        await resp.write_eof()
    except (ConnectionResetError, aiohttp.ClientConnectionResetError) as e:
        rec.error = rec.error or "client disconnected"
        rec.outcome = CLIENT_GONE
        log.debug("client went away during relay: %s", e)
        (current or (lambda: up))().close()
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        rec.error = f"upstream broke off: {describe(e)}"
        rec.outcome = UPSTREAM_BROKE
        log.warning("upstream broke off mid-response: %s", describe(e))
        (current or (lambda: up))().close()
        if flow.request.transport is not None:
            flow.request.transport.abort()
    return resp


async def relay(flow: Flow, up: aiohttp.ClientResponse, reporter: Reporter) -> web.StreamResponse:
    """Relay `up` to the client as it is: a whole answer at once, a stream chunk by chunk."""
    hdrs = response_head(flow, up)
    sniff = sniffer_for(flow.protocol) if up.status < 400 else SafeSniffer(NullSniffer())
    log.debug("upstream answered %d %s for %s", up.status, up.headers.get("Content-Type", ""), flow.request.path)

    before_end = reporter.before_end(flow, lambda: sniff)
    if not flow.record.streamed and up.content_length is not None:
        data = await read_whole(flow, up)
        sniff.feed(data)
        resp: web.StreamResponse = await answer_whole(flow, up, hdrs, data, before_end)
        if not flow.reported:
            reporter.finish(flow, sniff)
        return resp

    async def pump(resp: web.StreamResponse) -> None:
        async for chunk in up.content.iter_any():
            sniff.feed(chunk)
            await resp.write(chunk)

    resp = await stream_answer(flow, up, hdrs, pump, before_end=before_end)
    if not flow.reported:
        reporter.finish(flow, sniff)
    return resp


def describe(e: BaseException) -> str:
    """A connection failure in words a user can act on."""
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
    return redact.text(f"{type(e).__name__}: {e}") if str(e) else type(e).__name__  # aiohttp's text has URLs


# -- finishing and reporting --------------------------------------------------------------------
class Reporter:
    """Completes each request's record and hands it to the live counters and `settings.on_record`."""

    def __init__(self, settings: ProxySettings, counters: SessionCounters):
        self.settings = settings
        self.counters = counters
        # Exact figures are counted on a worker of their own that yields to the requests clients wait for
        # (background.py): on the shared pool they slowed the next request's compression threefold.
        self.after = AfterResponse()

    def hot(self) -> HotPhase:
        """A request's hot phase (arrival until the upstream answered): no figures are counted meanwhile."""
        return self.after.hot()

    def before_end(self, flow: Flow, sniff: Callable[[], SafeSniffer],
                   usage: Callable[[], Usage | None] = lambda: None) -> BeforeEnd | None:
        """With durable records (`settings.durable_records`, a ledger that can write at once): what commits
        the request's record, exact figures included, before the client's answer is complete. `sniff()` and
        `usage()` give the sniffer and summed usage as they are at that moment. None otherwise."""
        if not self.settings.durable_records or not callable(getattr(self.settings.on_record, "record_now", None)):
            return None

        async def commit() -> None:
            self._note_finish(flow, sniff(), usage())
            flow.reported = True
            rec, figures = flow.record, flow.figures
            await asyncio.get_running_loop().run_in_executor(None, self._count_and_commit, rec, figures)

        return commit

    def _count_and_commit(self, rec: RequestRecord, figures: Figures | None) -> None:
        if figures is not None:
            self._fill(rec, figures)
        rec.error = redact.text(rec.error)
        self.counters.add(rec)
        try:
            self.settings.on_record.record_now(rec)  # type: ignore[union-attr]
        except Exception:
            log.debug("durable record failed", exc_info=True)

    def finish(self, flow: Flow, sniff: SafeSniffer, usage: Usage | None = None) -> None:
        """The client has its answer: note usage, model and duration, then report (exact token
        figures are slow, tiktoken: they are counted off the loop first). Not called for a record
        committed before the answer's end (`before_end`: then `flow.reported`)."""
        self._note_finish(flow, sniff, usage)
        self.report_counted(flow)

    def _note_finish(self, flow: Flow, sniff: SafeSniffer, usage: Usage | None) -> None:
        rec = flow.record
        rec.usage, model = sniff.finish()
        if usage is not None:
            rec.usage = usage
        if not model:
            m = _MODEL_RE.search(flow.request_body[:65536])
            model = m.group(1).decode("utf-8", "replace") if m else ""
        rec.model = model
        rec.duration_ms = (time.perf_counter() - flow.t0) * 1000

    def report_counted(self, flow: Flow) -> None:
        """Report the flow's record, its token figures filled in first (off the loop) when it has any."""
        flow.reported = True
        if flow.figures is None:
            self.report(flow.record)
            return
        rec = flow.record
        # At shutdown past the drain's deadline the record still lands, without exact figures (as when
        # counting fails).
        self.after.submit(self._count_and_report, rec, flow.figures, size=len(flow.request_body),
                          fallback=lambda: self.report(rec))

    def _count_and_report(self, rec: RequestRecord, figures: Figures) -> None:
        self._fill(rec, figures)
        self.report(rec)

    @staticmethod
    def _fill(rec: RequestRecord, figures: Figures) -> None:
        try:
            figures(rec)
            from ..compress.tokens import encoding_name

            rec.encoding = encoding_name()
        except Exception:
            log.debug("token figures failed", exc_info=True)

    def report(self, rec: RequestRecord) -> None:
        rec.error = redact.text(rec.error)  # the last step before the ledger: no URL secret gets there
        self.counters.add(rec)
        cb = self.settings.on_record
        if cb is not None:
            try:
                cb(rec)
            except Exception:
                log.debug("on_record callback failed", exc_info=True)

    async def drain(self, timeout: float) -> None:
        """Let records of finished requests land (before the proxy goes away)."""
        await asyncio.get_running_loop().run_in_executor(None, self.after.drain, timeout)
