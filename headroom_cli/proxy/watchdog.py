"""Time limits for the proxy's client connections (slowloris): aiohttp's server has none for reading a
request, so a connection that sends half its headers, or a body that stops, would stay open forever.

`Watchdog.protocol_factory` wraps aiohttp's protocol for each connection (every asyncio callback is passed
on unchanged) and `Watchdog.middleware` tells it when a request's handler begins and ends. A connection
is in one of four states, each with its own limit:

- idle (connected, or between keep-alive requests): closed after `idle_timeout` (≥ 60 s by default:
  Node clients keep idle sockets for seconds and reuse them, they must not see resets);
- head (the first byte of a request arrived, its headers are not complete): `header_timeout` from that
  first byte, however slowly bytes keep coming; answered `408` and closed;
- body (the handler runs, the request body is still arriving): the body must keep up a minimum rate
  (`body_min_rate` bytes/s after `body_grace` seconds) — never a total time, big uploads are slow. While
  headroom itself has stopped reading (flow control) the client is not blamed;
- busy (the body is complete): no limit at all — the answer may stream for as long as the model talks.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, NamedTuple

from aiohttp import web

from .. import request_keys

log = logging.getLogger("headroom.proxy")

# Set on a request whose body stalled, so its record can say why the connection was cut.
STALLED = request_keys.BODY_STALLED
_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class Limits(NamedTuple):
    header_timeout: float = 10.0
    idle_timeout: float = 75.0
    body_min_rate: float = 1024.0
    body_grace: float = 10.0


class Watchdog:
    def __init__(self, limits: Limits):
        self.limits = limits
        self._watched: dict[Any, _Watched] = {}  # aiohttp's protocol object -> its watcher
        self.closed = {"idle": 0, "head": 0, "body": 0}  # connections closed per state (diagnostics)

    def protocol_factory(self, make: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        """A protocol factory for `loop.create_server` that watches what `make()` serves."""
        return lambda: _Watched(make(), self)

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        watched = self._watched.get(request.protocol)
        if watched is None:
            return await handler(request)
        watched.begin(request)
        try:
            return await handler(request)
        finally:
            watched.end()


class _Watched(asyncio.Protocol):
    """One connection: passes every callback to aiohttp's protocol and keeps the state's timer."""

    def __init__(self, inner: Any, dog: Watchdog):
        self.inner, self.dog = inner, dog
        self.transport: asyncio.Transport | None = None
        self.state = "idle"
        self._timer: asyncio.TimerHandle | None = None
        self._request: web.Request | None = None
        self._body_t0 = 0.0
        self._body_bytes = 0

    # -- asyncio callbacks, passed on ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.dog._watched[self.inner] = self
        self.inner.connection_made(transport)
        self._idle()

    def data_received(self, data: bytes) -> None:
        if self.state == "idle":
            self.state = "head"
            self._arm(self.dog.limits.header_timeout, self._head_expired)
        elif self.state == "body":
            self._body_bytes += len(data)
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        self.dog._watched.pop(self.inner, None)
        self._request = None
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # -- requests (from the middleware) ----------------------------------------------------------
    def begin(self, request: web.Request) -> None:
        self._cancel()
        if request.content.is_eof():
            self.state = "busy"
            return
        self.state, self._request = "body", request
        self._body_t0, self._body_bytes = self._now(), 0
        self._arm(self.dog.limits.body_grace, self._check_body)

    def end(self) -> None:
        self._request = None
        if self.transport is not None and not self.transport.is_closing():
            self._idle()

    # -- timers ----------------------------------------------------------------------------------
    def _idle(self) -> None:
        self.state = "idle"
        self._arm(self.dog.limits.idle_timeout, self._idle_expired)

    def _idle_expired(self) -> None:
        if self.state == "idle":
            self._close("idle", "idle keep-alive connection")

    def _head_expired(self) -> None:
        if self.state == "head":
            if self.transport is not None and not self.transport.is_closing():
                self.transport.write(_REQUEST_TIMEOUT)
            self._close("head", f"request headers not complete within {self.dog.limits.header_timeout:g} s")

    def _check_body(self) -> None:
        request, limits = self._request, self.dog.limits
        if self.state != "body" or request is None:
            return
        if request.content.is_eof():  # the whole body is in: no limit from here on
            self.state = "busy"
            return
        now = self._now()
        if self.transport is not None and not self.transport.is_reading():
            # headroom paused reading (its buffer is full): the client is not slow, start measuring afresh
            self._body_t0, self._body_bytes = now, 0
            self._arm(limits.body_grace, self._check_body)
            return
        allowed = limits.body_grace + self._body_bytes / limits.body_min_rate
        if now - self._body_t0 < allowed:
            self._arm(self._body_t0 + allowed - now, self._check_body)
            return
        request[STALLED] = (f"request body stalled: {self._body_bytes} bytes in {now - self._body_t0:.1f} s, "
                            f"below {limits.body_min_rate:g} bytes/s")
        self._close("body", request[STALLED])

    def _close(self, state: str, why: str) -> None:
        self.dog.closed[state] += 1
        log.info("closing a client connection: %s", why)
        self._cancel()
        if self.transport is not None:
            self.transport.close()

    def _arm(self, delay: float, fn: Callable[[], None]) -> None:
        self._cancel()
        self._timer = asyncio.get_running_loop().call_later(max(0.0, delay), fn)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()
