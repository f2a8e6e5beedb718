"""The proxy's aiohttp application: provider routes, a catch-all passthrough, headroom's own routes."""
from __future__ import annotations

import logging
from functools import partial
from typing import Callable

from aiohttp import web

from .counters import SessionCounters
from .forward import Forwarder
from .own import make_handlers
from .settings import ProxySettings
from .upstream import ANTHROPIC, OPENAI

log = logging.getLogger("headroom.proxy")

FORWARDER = web.AppKey("headroom_forwarder", Forwarder)
COUNTERS = web.AppKey("headroom_counters", SessionCounters)
SETTINGS = web.AppKey("headroom_settings", ProxySettings)

# Features that serve routes on the proxy (e.g. `/mcp`, `/v1/retrieve/{key}`) register a function
# here; make_app calls each with (app, settings) before the catch-all route is added.
ROUTE_HOOKS: list[Callable[[web.Application, ProxySettings], None]] = []


def _builtin_hooks() -> list[Callable[[web.Application, ProxySettings], None]]:
    hooks = []
    try:  # `/mcp` for agents (owned by the MCP engineer); the proxy runs without it
        from ..mcp.http import add_mcp_routes

        from ..config import RETRIEVE_TOOL

        # Agents only need retrieval from the proxy; compress/stats stay on `headroom mcp serve`.
        hooks.append(lambda app, settings: add_mcp_routes(app, only=(RETRIEVE_TOOL,)))
    except Exception:
        log.debug("MCP routes unavailable", exc_info=True)
    return hooks


def make_app(settings: ProxySettings) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, handler_args={"max_field_size": 65536})
    counters = SessionCounters(settings.session_id, settings.agent)
    fwd = Forwarder(settings, counters)
    app[FORWARDER], app[COUNTERS], app[SETTINGS] = fwd, counters, settings
    app.cleanup_ctx.append(fwd.client_ctx)

    healthz, stats, retrieve = make_handlers(settings, counters)
    r = app.router
    r.add_get("/healthz", healthz)
    r.add_get("/stats", stats)
    r.add_get("/v1/retrieve/{key}", retrieve)
    for hook in _builtin_hooks() + ROUTE_HOOKS:
        try:
            hook(app, settings)
        except Exception:
            log.warning("a proxy route hook failed; continuing without it", exc_info=True)

    r.add_post("/v1/messages", partial(fwd.handle, protocol="anthropic", provider=ANTHROPIC))
    r.add_post("/v1/messages/count_tokens", partial(fwd.handle, protocol="anthropic", provider=ANTHROPIC))
    r.add_post("/v1/chat/completions", partial(fwd.handle, protocol="openai_chat", provider=OPENAI))
    r.add_post("/v1/responses", partial(fwd.handle, protocol="openai_responses", provider=OPENAI))
    # /v1/models: OpenAI-style unless the client speaks Anthropic (it has /v1/models too).
    r.add_get("/v1/models", partial(fwd.handle, protocol="passthrough"))
    r.add_route("*", "/{tail:.*}", partial(fwd.handle, protocol="passthrough"))
    return app
