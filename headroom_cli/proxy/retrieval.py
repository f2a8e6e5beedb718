"""Relay of a response whose `headroom_retrieve` calls the proxy answers itself (injected mode).

The splicing rules live in `ccr/splice.py`; this module only moves bytes: it relays each upstream
round through the splicer, and when a round ends in a retrieve call it sends the continuation
upstream and keeps writing into the same client response. Streaming stays streaming (never forced
to `stream: false`); rounds are bounded. Usage of every upstream call is summed into the record.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from ..ccr.splice import continuation_for_response, make_splicer, merge_responses
from ..stats.records import RequestRecord, Usage
from .counters import add_usage
from .pipeline import dumps

if TYPE_CHECKING:
    from .forward import Forwarder

log = logging.getLogger("headroom.proxy")


def _lookup(key: str) -> str | None:
    from ..ccr.store import default_store

    try:
        return default_store().get(key)
    except Exception:
        log.warning("store of originals unavailable for retrieval", exc_info=True)
        return None


def _stream_error(protocol: str, message: str) -> bytes:
    """An in-stream error event: the status line is already sent, so this is how the client learns."""
    if protocol == "anthropic":
        data = {"type": "error", "error": {"type": "api_error", "message": message}}
        return f"event: error\ndata: {json.dumps(data)}\n\n".encode()
    if protocol == "openai_responses":
        data = {"type": "error", "message": message}
        return f"event: error\ndata: {json.dumps(data)}\n\n".encode()
    return f"data: {json.dumps({'error': {'message': message, 'type': 'api_error'}})}\n\n".encode()


async def relay_with_retrieval(fwd: Forwarder, request: web.Request, up: aiohttp.ClientResponse, protocol: str,
                               rec: RequestRecord, t0: float, req_body: bytes, body: dict, *, url: str,
                               headers: Any, proxy: str | None, figures=None) -> web.StreamResponse:
    from .forward import _answer_whole, _response_head, _sniffer, _SafeSniffer

    hdrs = _response_head(rec, up)
    # Continuations carry a new (uncompressed) body; drop any client Content-Encoding.
    cont_headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
    splicer = make_splicer(protocol, fwd.settings.marker_tool)
    usage = Usage()
    current = up
    responses_to_release = []

    async def next_round(new_body: dict) -> aiohttp.ClientResponse | None:
        assert fwd.session is not None
        try:
            r = await fwd.session.request("POST", url, headers=cont_headers, data=dumps(new_body),
                                          allow_redirects=False, proxy=proxy)
        except (aiohttp.ClientError, OSError) as e:
            log.warning("retrieval continuation failed: %s", type(e).__name__)
            return None
        responses_to_release.append(r)
        return r

    try:
        if not rec.streamed:
            def sniffed(raw: bytes) -> _SafeSniffer:
                """A sniffer fed one whole upstream body, its usage added to the total."""
                s = _sniffer(protocol)
                s.feed(raw)
                add_usage(usage, s.finish()[0])
                return s

            data = await current.read()
            sniff = sniffed(data)
            try:
                first = json.loads(data)
            except ValueError:
                first = None
            final, merged_any = first, False
            while isinstance(final, dict) and splicer.round <= splicer.max_rounds:
                calls = splicer.response_calls(final)
                if not calls:
                    break
                body = continuation_for_response(protocol, body, final, calls, _lookup, fwd.settings.marker_tool)
                rec.retrievals += len(calls)
                splicer.round += 1
                nxt = await next_round(body)
                if nxt is None or nxt.status >= 400:
                    break  # keep the last good answer; the client sees the retrieve call as is
                ndata = await nxt.read()
                sniffed(ndata)
                try:
                    nxt_json = json.loads(ndata)
                except ValueError:
                    break
                first = merge_responses(protocol, first, nxt_json)
                final, merged_any = nxt_json, True
            resp = await _answer_whole(request, rec, current, hdrs, dumps(first) if merged_any else data)
            fwd._finish(rec, sniff, req_body, t0, figures, usage=usage)
            return resp

        resp = web.StreamResponse(status=current.status, reason=current.reason, headers=hdrs)
        sniff = _sniffer(protocol)
        try:
            await resp.prepare(request)
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
                    break
                rec.retrievals += len(splicer.calls)
                body = splicer.continuation(body, _lookup)
                splicer.next_round()
                nxt = await next_round(body)
                if nxt is None or nxt.status >= 400:
                    detail = "unreachable" if nxt is None else f"HTTP {nxt.status}"
                    await resp.write(_stream_error(protocol, f"headroom: retrieval continuation failed ({detail})"))
                    rec.error = f"retrieval continuation failed ({detail})"
                    break
                current = nxt
                sniff = _sniffer(protocol)
            await resp.write_eof()
        except (ConnectionResetError, aiohttp.ClientConnectionResetError):
            rec.error = rec.error or "client disconnected"
            current.close()
        except (aiohttp.ClientError, TimeoutError) as e:
            rec.error = f"upstream broke off: {type(e).__name__}"
            current.close()
            if request.transport is not None:
                request.transport.abort()
        fwd._finish(rec, sniff, req_body, t0, figures, usage=usage)  # last round's sniffer: its model
        return resp
    finally:
        for r in responses_to_release:
            r.release()
