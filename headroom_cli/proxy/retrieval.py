"""Relay of a response whose `headroom_retrieve` calls the proxy answers itself (injected mode).

The splicing rules live in `ccr/splice.py`; this module only moves bytes: it relays each upstream
round through the splicer, and when a round ends in a retrieve call it sends the continuation
upstream and keeps writing into the same client response. Streaming stays streaming (never forced
to `stream: false`); rounds are bounded. Usage of every upstream call is summed into the record.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Callable

import aiohttp
from aiohttp import web

from .. import wires
from ..ccr.splice import make_splicer, merge_responses
from ..stats.records import UPSTREAM_BROKE, Usage
from .counters import add_usage
from .flow import Flow, Refused
from .pipeline import dumps, serialise
from .relay import Reporter, SafeSniffer, answer_whole, read_whole, response_head, sniffer_for, stream_answer

log = logging.getLogger("headroom.proxy")


def lookup_for(flow: Flow) -> Callable[[str], str | None]:
    """How this request's retrieve calls find originals: in the proxy's store, among its user's only. A store
    that cannot be reached raises `StoreUnavailable` (the model must not be told the original does not exist)."""
    from ..storage import StoreUnavailable

    def lookup(key: str) -> str | None:
        try:
            return flow.settings.originals(flow.user).get(key)
        except StoreUnavailable:
            raise
        except Exception:
            log.warning("store of originals unavailable for retrieval", exc_info=True)
            return None

    return lookup


STORE_DOWN = ("headroom: the store of originals is unreachable right now, so the original the model asked for "
              "cannot be given back; retry shortly")


def _advance(splicer, body, lookup, flow: Flow):
    """The splicer's next body and the calls it answered; a store that cannot be reached: Refused(503)."""
    from ..storage import StoreUnavailable

    try:
        return splicer.advance(body, lookup)
    except StoreUnavailable:
        log.warning("a retrieve call answered 503: the store of originals is unreachable")
        raise Refused(503, STORE_DOWN, kind="api_error" if flow.provider == "anthropic" else None) from None


def _sse(data: dict, event: str = "") -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


# An in-stream error event per wire: the status line is already sent, so this is how the client learns.
# No passthrough fallback: retrieval runs on wires only.
STREAM_ERRORS: wires.WireMap[Callable[[str], bytes]] = wires.WireMap("in-stream errors", {
    wires.ANTHROPIC: lambda m: _sse({"type": "error", "error": {"type": "api_error", "message": m}}, "error"),
    wires.OPENAI_CHAT: lambda m: _sse({"error": {"message": m, "type": "api_error"}}),
    wires.OPENAI_RESPONSES: lambda m: _sse({"type": "error", "message": m}, "error"),
    # Google's streams carry an error as a chunk holding only `error` (its google.rpc.Status shape).
    wires.GEMINI: lambda m: _sse({"error": {"code": 502, "message": m, "status": "UNAVAILABLE"}}),
})


def stream_error(protocol: str, message: str) -> bytes:
    return STREAM_ERRORS[protocol](message)


async def relay_with_retrieval(flow: Flow, up: aiohttp.ClientResponse, session: aiohttp.ClientSession,
                               reporter: Reporter) -> web.StreamResponse:
    """Relay `up`, answering the model's retrieve calls with continuations sent over `session`."""
    protocol, rec = flow.protocol, flow.record
    hdrs = response_head(flow, up)
    # Continuations carry a new (uncompressed) body; drop any client Content-Encoding.
    cont_headers = [(k, v) for k, v in flow.headers if k.lower() != "content-encoding"]
    splicer = make_splicer(protocol, flow.settings.marker_tool)
    body = flow.splice_body
    usage = Usage()
    responses_to_release = []
    _lookup = lookup_for(flow)

    # The last body sent and its bytes: each continuation is spliced into them (the conversation so far
    # keeps the client's bytes; a 1e400 the client sent is not re-dumped as Infinity).
    sent = [flow.splice_body, flow.body if flow.send_encoding is None else flow.decoded]

    def continuation_bytes(new_body: dict) -> bytes:
        prev_body, prev_bytes = sent
        try:
            data = serialise(prev_bytes, prev_body, new_body) if prev_bytes is not None else dumps(new_body)
        except ValueError:  # not spliceable (see jsonspan.NotStrict): a whole new document
            data = dumps(new_body)
        sent[:] = [new_body, data]
        return data

    async def next_round(new_body: dict) -> aiohttp.ClientResponse | None:
        try:
            r = await session.request("POST", flow.url, headers=cont_headers, data=continuation_bytes(new_body),
                                      allow_redirects=False, proxy=flow.proxy)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as e:
            log.warning("retrieval continuation failed: %s", type(e).__name__)
            return None
        responses_to_release.append(r)
        return r

    try:
        if not rec.streamed:
            def sniffed(raw: bytes) -> SafeSniffer:
                """A sniffer fed one whole upstream body, its usage added to the total."""
                s = sniffer_for(protocol)
                s.feed(raw)
                add_usage(usage, s.finish()[0])
                return s

            data = await read_whole(flow, up)
            sniff = sniffed(data)
            try:
                first = json.loads(data)
            except (ValueError, RecursionError):
                first = None
            final, merged_any = first, False
            while isinstance(final, dict) and splicer.take_response(final):
                body, answered = _advance(splicer, body, _lookup, flow)  # nothing sent yet: a 503 can be
                rec.retrievals += answered
                nxt = await next_round(body)
                if nxt is None or nxt.status >= 400:
                    break  # keep the last good answer; the client sees the retrieve call as is
                try:
                    ndata = await read_whole(flow, nxt)
                except Refused:
                    break  # as above: the last good answer
                sniffed(ndata)
                try:
                    nxt_json = json.loads(ndata)
                except (ValueError, RecursionError):
                    break
                first = merge_responses(protocol, first, nxt_json)
                final, merged_any = nxt_json, True
            resp = await answer_whole(flow, up, hdrs, dumps(first) if merged_any else data,
                                      reporter.before_end(flow, lambda: sniff, lambda: usage))
            if not flow.reported:  # (committed already with durable records)
                reporter.finish(flow, sniff, usage=usage)
            return resp

        current = up
        sniff = sniffer_for(protocol)

        async def pump(resp: web.StreamResponse) -> None:
            nonlocal body, current, sniff
            while True:
                async for chunk in current.content.iter_any():
                    sniff.feed(chunk)
                    out = splicer.feed(chunk)
                    if out:
                        await resp.write(out)
                tail = splicer.end()
                if tail:
                    await resp.write(tail)
                add_usage(usage, sniff.finish()[0])
                if not splicer.wants_round():
                    return
                try:
                    body, answered = _advance(splicer, body, _lookup, flow)
                except Refused as r:  # the stream has begun: its status is gone, an error event ends it
                    await resp.write(stream_error(protocol, r.message))
                    rec.status, rec.error, rec.outcome = r.status, "store of originals unreachable", UPSTREAM_BROKE
                    return
                rec.retrievals += answered
                nxt = await next_round(body)
                if nxt is None or nxt.status >= 400:
                    detail = "unreachable" if nxt is None else f"HTTP {nxt.status}"
                    await resp.write(stream_error(protocol, f"headroom: retrieval continuation failed ({detail})"))
                    rec.error = f"retrieval continuation failed ({detail})"
                    rec.outcome = UPSTREAM_BROKE  # the client's answer ends in an error event, not complete
                    return
                current = nxt
                sniff = sniffer_for(protocol)

        resp = await stream_answer(flow, up, hdrs, pump, current=lambda: current,
                                   before_end=reporter.before_end(flow, lambda: sniff, lambda: usage))
        if not flow.reported:  # (committed already with durable records)
            reporter.finish(flow, sniff, usage=usage)  # last round's sniffer: its model
        return resp
    finally:
        for r in responses_to_release:
            r.release()
