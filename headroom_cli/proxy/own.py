"""headroom's own routes on the proxy: `/` (anyone on this machine; `/healthz` is in health.py), `/stats` and
`/v1/retrieve` (loopback callers holding the proxy's secret). Who may call them is decided before they run, by
the app's guard (app.py), for every route alike."""
from __future__ import annotations

import logging

from aiohttp import web

from .._version import __version__

log = logging.getLogger("headroom.proxy")
# What a caller is told when the store of originals cannot be reached (the cause goes to the log only).
STORE_DOWN = "the store of originals is unreachable right now, so no original can be given back"


def make_handlers(settings, counters):
    async def stats(request: web.Request) -> web.Response:
        if settings.gateway is not None:  # a team gateway: the caller's figures (an admin's: the team's too)
            import asyncio

            from ..gateway import team
            from ..gateway.auth import Identity
            from ..request_keys import ROLE, USER

            from ..errors import UsageError
            from ..stats.ledger import parse_since
            from ..storage import StoreUnavailable

            who = Identity(user=request[USER], role=request.get(ROLE) or "member")
            try:
                since = parse_since(request.query.get("since"))  # `?since=7d`, as `headroom stats --since`
            except UsageError as e:
                return web.json_response({"error": str(e)}, status=400)
            try:
                figures = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: team.stats_for(settings.backend(), who, since=since))
            except StoreUnavailable:  # the figures are in the store
                log.warning("stats answered 503: the store is unreachable")
                return web.json_response({"error": "the store is unreachable right now; retry shortly"},
                                         status=503, headers={"Retry-After": "1"})
            return web.json_response(figures)
        return web.json_response(counters.snapshot())

    async def retrieve(request: web.Request) -> web.Response:
        """The original behind a marker's exact key (prefixes are a convenience of the CLI only)."""
        import asyncio

        from .. import config
        from ..ccr.store import retrieve as ccr_retrieve
        from ..errors import NotFound
        from ..storage import StoreUnavailable
        from .settings import REQUEST_USER

        key = request.match_info["key"]
        try:
            store = settings.originals(request.get(REQUEST_USER) or config.LOCAL_USER)
            text = await asyncio.get_running_loop().run_in_executor(None, ccr_retrieve, key, store)
        except NotFound as e:
            return web.json_response({"error": str(e), "hint": e.hint}, status=404)
        except StoreUnavailable:
            log.warning("retrieval answered 503: the store of originals is unreachable")
            return web.json_response({"error": STORE_DOWN, "hint": "retry shortly"}, status=503,
                                     headers={"Retry-After": "1"})
        if "application/json" in request.headers.get("Accept", ""):
            return web.json_response({"key": key, "text": text})
        return web.Response(text=text, content_type="text/plain", charset="utf-8")

    async def index(request: web.Request) -> web.Response:
        """`GET /`: what answers here and where to look (the provider routes are for agents)."""
        return web.json_response({"service": "headroom", "version": __version__, "session_id": settings.session_id,
                                  "health": "/healthz", "stats": "/stats",
                                  "routes": ["POST /v1/messages", "POST /v1/chat/completions", "POST /v1/responses",
                                             "GET /v1/models", "/mcp"]})

    return stats, retrieve, index
