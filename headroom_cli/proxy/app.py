"""The proxy's aiohttp application: provider routes, a catch-all passthrough, headroom's own routes."""
from __future__ import annotations

import logging
from functools import partial

from aiohttp import web

from .. import wires
from ..config import RETRIEVE_TOOL
from .counters import SessionCounters
from .forward import Forwarder
from .own import make_handlers
from .settings import ProxySettings

log = logging.getLogger("headroom.proxy")

FORWARDER = web.AppKey("headroom_forwarder", Forwarder)
COUNTERS = web.AppKey("headroom_counters", SessionCounters)
SETTINGS = web.AppKey("headroom_settings", ProxySettings)


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
    try:  # `/mcp` for agents, before the catch-all; the proxy runs without it
        from ..mcp.http import add_mcp_routes

        # Agents only need retrieval from the proxy; compress/stats stay on `headroom mcp serve`.
        add_mcp_routes(app, only=(RETRIEVE_TOOL,))
    except Exception:
        log.warning("could not serve /mcp; continuing without it", exc_info=True)

    ex = fwd.expect  # Expect: 100-continue, refused before `100 Continue` when the body is too large
    for path, wire in (("/v1/messages", wires.ANTHROPIC), ("/v1/messages/count_tokens", wires.ANTHROPIC),
                       ("/v1/chat/completions", wires.OPENAI_CHAT), ("/v1/responses", wires.OPENAI_RESPONSES)):
        r.add_post(path, partial(fwd.handle, protocol=wire, provider=wires.PROVIDER_OF[wire]), expect_handler=ex)
    # /v1/models: OpenAI-style unless the client speaks Anthropic (it has /v1/models too).
    r.add_get("/v1/models", partial(fwd.handle, protocol=wires.PASSTHROUGH), expect_handler=ex)
    r.add_route("*", "/{tail:.*}", partial(fwd.handle, protocol=wires.PASSTHROUGH), expect_handler=ex)
    return app
