"""Health and readiness for a load balancer in front of several `headroom proxy` instances.

`/healthz` (= `/health`) answers 200 while this instance should get traffic: it serves and its store of
originals answers. It answers 503 while the instance drains (after SIGTERM: `Readiness.drain`) or while the
store is unreachable, so a balancer that checks it sends new requests to the other instances. The store is
pinged on every check (a balancer checks about once a second per instance: the backend's `ping()`, one
round trip); at most one ping runs at a time, and a check waits at most
`PING_TIMEOUT` seconds for it. The reason a check failed is logged, never put in the answer (a store's error
text can name its host; the route is open to the balancer). `/livez` leaves the store out: 200 unless draining.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

from aiohttp import web

from .._version import __version__

log = logging.getLogger("headroom.proxy")

SERVING, DRAINING = "serving", "draining"
PING_TIMEOUT = 2.0


class Readiness:
    """Whether this instance takes new work: `serving`, then `draining` once it was asked to stop."""

    def __init__(self) -> None:
        self.state = SERVING
        self.since = time.time()

    @property
    def draining(self) -> bool:
        return self.state == DRAINING

    def drain(self) -> None:
        if self.state != DRAINING:
            self.state, self.since = DRAINING, time.time()


def ping_store(settings: Any) -> None:
    """Raise (StoreUnavailable) if the proxy's store does not answer: its backend's `ping()`."""
    settings.backend().ping()


class StoreCheck:
    """Pings the store off the event loop, one ping at a time: checks arriving while one runs share it."""

    def __init__(self, ping: Callable[[], Any], timeout: float | None = None):
        self.ping = ping
        self.timeout = timeout if timeout is not None else PING_TIMEOUT
        self._running: asyncio.Future | None = None
        self._last_failure = ""

    async def check(self) -> str | None:
        """None when the store answered, else a short reason (for the log)."""
        loop = asyncio.get_running_loop()
        if self._running is None or self._running.done():
            self._running = loop.run_in_executor(None, self.ping)
        try:
            await asyncio.wait_for(asyncio.shield(self._running), self.timeout)
        except asyncio.TimeoutError:
            return self._failed(f"no answer within {self.timeout:g} s")
        except Exception as e:
            return self._failed(type(e).__name__)
        if self._last_failure:
            log.warning("store of originals answers again")
            self._last_failure = ""
        return None

    def _failed(self, reason: str) -> str:
        if reason != self._last_failure:  # once per change, not once per balancer check
            log.warning("health check: store of originals unreachable (%s)", reason)
        self._last_failure = reason
        return reason


def make_livez(settings: Any, readiness: Readiness):
    """`/livez`: 200 while the instance serves (its store not checked), 503 while it drains. A balancer whose
    instances all fail `/healthz` (the shared database is down) can still route by this one: the instances then
    answer what they can without the store (docs: README, "Several instances behind a load balancer")."""

    async def livez(request: web.Request) -> web.Response:
        doc = {"ok": not readiness.draining, "service": "headroom", "version": __version__,
               "session_id": settings.session_id, "state": readiness.state}
        return web.json_response(doc, status=503 if readiness.draining else 200)

    return livez


def make_healthz(settings: Any, readiness: Readiness, store_check: StoreCheck | None = None):
    # `ping_store` looked up at each check (tests replace it)
    check = store_check if store_check is not None else StoreCheck(lambda: ping_store(settings))

    async def healthz(request: web.Request) -> web.Response:
        doc = {"ok": True, "service": "headroom", "version": __version__, "session_id": settings.session_id,
               "agent": settings.agent, "state": readiness.state, "store": "ok"}
        if readiness.draining:
            doc.update(ok=False, store="not checked")
            return web.json_response(doc, status=503, headers={"Connection": "close"})
        if await check.check() is not None:
            doc.update(ok=False, store="unreachable")
            return web.json_response(doc, status=503)
        return web.json_response(doc)

    return healthz
