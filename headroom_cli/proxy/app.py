"""The proxy's aiohttp application: provider routes, a catch-all passthrough, headroom's own routes,
and the one guard every request passes first (`guard`)."""
from __future__ import annotations

import logging
import time
from functools import partial

from aiohttp import web

from .. import config, loopback, wires
from ..config import RETRIEVE_TOOL
from .counters import SessionCounters
from .forward import Forwarder
from .gate import PATH_TOKEN, Gate
from .health import Readiness, make_healthz, make_livez
from .lessons import PATH as LESSONS_PATH
from .lessons import make_lessons_handler
from .own import make_handlers
from .settings import REQUEST_USER, ProxySettings

log = logging.getLogger("headroom.proxy")

FORWARDER = web.AppKey("headroom_forwarder", Forwarder)
COUNTERS = web.AppKey("headroom_counters", SessionCounters)
SETTINGS = web.AppKey("headroom_settings", ProxySettings)
READINESS = web.AppKey("headroom_readiness", Readiness)

# Provider routes: (method, path, wire protocol, provider); None: by the request's headers.
PROVIDER_ROUTES = (
    ("POST", "/v1/messages", wires.ANTHROPIC, wires.PROVIDER_OF[wires.ANTHROPIC]),
    ("POST", "/v1/messages/count_tokens", wires.ANTHROPIC, wires.PROVIDER_OF[wires.ANTHROPIC]),
    ("POST", "/v1/chat/completions", wires.OPENAI_CHAT, wires.PROVIDER_OF[wires.OPENAI_CHAT]),
    ("POST", "/v1/responses", wires.OPENAI_RESPONSES, wires.PROVIDER_OF[wires.OPENAI_RESPONSES]),
    # Gemini API: the model and method are in the path (`/v1beta/models/gemini-2.5-flash:generateContent`).
    ("POST", "/{version}/models/{model}:generateContent", wires.GEMINI, wires.PROVIDER_OF[wires.GEMINI]),
    ("POST", "/{version}/models/{model}:streamGenerateContent", wires.GEMINI, wires.PROVIDER_OF[wires.GEMINI]),
    # /v1/models: OpenAI-style unless the client speaks Anthropic (it has /v1/models too).
    ("GET", "/v1/models", wires.PASSTHROUGH, None),
    ("*", "/{tail:.*}", wires.PASSTHROUGH, None),
)
# headroom's own routes: those that serve originals or figures need the proxy's secret (a gateway: a user's token).
OPEN, SECRET = "open", "secret"
OWN_ROUTES = {"/healthz": OPEN, "/health": OPEN, "/livez": OPEN, "/": OPEN, "/stats": SECRET,
              "/v1/retrieve/{key}": SECRET, "/mcp": SECRET, "/headroom/lessons": SECRET}


def make_guard(settings: ProxySettings, fwd: Forwarder, routes: dict):
    """The middleware every route passes, before any body is read. For all routes: no browser Origin
    but this machine's, no Host but a loopback name (or `settings.allowed_hosts`) — a web page cannot
    drive the provider routes, nor read an answer through DNS rebinding. A refused provider request
    gets a provider-shaped error and a ledger row, like any other refusal. Own routes: loopback callers
    only, and those marked SECRET need `Authorization: Bearer <settings.secret>`. A gateway
    (`settings.gateway`) instead needs a user's token on every route but the OPEN ones (proxy/gate.py),
    from any caller. `routes`: provider route resource → (protocol, provider), for the refusal's shape and record."""
    gate = Gate(settings.gateway) if settings.gateway is not None else None

    @web.middleware
    async def guard(request: web.Request, handler):
        resource = request.match_info.route.resource
        if resource is not None and resource.canonical == "/mcp":
            return await _recorded_mcp(request, handler, guarded)
        return await guarded(request, handler)

    async def guarded(request: web.Request, handler):
        resource = request.match_info.route.resource
        own = OWN_ROUTES.get(resource.canonical) if resource is not None else None
        why = loopback.refusal(host=request.headers.get("Host"), origin=request.headers.get("Origin"),
                               bound_host=settings.host, allowed_hosts=settings.allowed_hosts)
        if why is not None and own is None:
            protocol, provider = routes.get(resource, (wires.PASSTHROUGH, None))
            return fwd.refuse(request, protocol, provider, 403, f"headroom: {why}", kind="permission_error")
        if why is not None:
            return web.json_response({"error": why}, status=403)
        if gate is not None:
            return await gated(request, handler, resource, own)
        if request.get(PATH_TOKEN) is not None:  # a gateway URL pointed at a local proxy: keep the token here
            protocol, provider = routes.get(resource, (wires.PASSTHROUGH, None))
            return fwd.refuse(request, protocol, provider, 400, "headroom: this is a local proxy, not a team "
                              "gateway: drop the /t/<token> part of the base URL")
        if own is not None and not loopback.is_loopback_host(request.remote):
            return web.json_response({"error": "loopback callers only"}, status=403)
        if own == SECRET and not loopback.secret_matches(request.headers.get("Authorization"), settings.secret):
            return web.json_response(
                {"error": "this route needs the proxy's secret (Authorization: Bearer <secret>)",
                 "hint": "`headroom wrap` hands it to the agent; `headroom proxy` prints where its file is"},
                status=401, headers={"WWW-Authenticate": 'Bearer realm="headroom"'})
        return await handler(request)

    async def gated(request: web.Request, handler, resource, own: str | None):
        """A gateway's rule: OPEN routes for anyone, every other route for a user holding a valid token."""
        refusal = None if own == OPEN else await gate.refusal(request, own_route=own is not None)
        if refusal is None:
            return await handler(request)
        status, why = refusal
        if own is None:
            protocol, provider = routes.get(resource, (wires.PASSTHROUGH, None))
            return fwd.refuse(request, protocol, provider, status, why)
        return web.json_response({"error": why}, status=status, headers={"WWW-Authenticate": 'Bearer realm="headroom"'})

    async def _recorded_mcp(request: web.Request, handler, inner):
        """`/mcp` is not recorded when it answers; a failure (refused, unreadable, an error inside) gets a
        ledger row like any other request's failure. 405 is MCP's own answer to GET (no server stream)."""
        from ..mcp.http import FAILURE
        from ..stats.records import RequestRecord

        t0 = time.perf_counter()
        resp = await inner(request, handler)
        failure = request.get(FAILURE)
        if failure is None and resp.status >= 400 and resp.status != 405:
            failure = f"MCP: answered {resp.status}" + (f" ({_reason(resp)})" if _reason(resp) else "")
        if failure is not None:
            fwd.reporter.report(RequestRecord(
                session_id=settings.session_id, agent=settings.agent, protocol=wires.PASSTHROUGH, path=request.path,
                status=resp.status, error=failure[:500], duration_ms=(time.perf_counter() - t0) * 1000,
                ts=time.time()))
        return resp

    return guard


def _reason(resp: web.StreamResponse) -> str:
    """The guard's refusal text (its JSON `error`), for the ledger."""
    import json

    body = getattr(resp, "body", None)
    if not isinstance(body, (bytes, bytearray)) or len(body) > 4096:
        return ""
    try:
        return str(json.loads(body).get("error", ""))[:300]
    except (ValueError, AttributeError):
        return ""


def make_app(settings: ProxySettings) -> web.Application:
    counters = SessionCounters(settings.session_id, settings.agent)
    fwd = Forwarder(settings, counters)
    routes: dict = {}  # filled below, as the provider routes are added
    guard = make_guard(settings, fwd, routes)
    app = web.Application(client_max_size=settings.max_body_bytes, handler_args={"max_field_size": 65536},
                          middlewares=[guard])
    app[FORWARDER], app[COUNTERS], app[SETTINGS] = fwd, counters, settings
    app[READINESS] = readiness = Readiness()
    app.cleanup_ctx.append(fwd.client_ctx)

    stats, retrieve, index = make_handlers(settings, counters)
    healthz = make_healthz(settings, readiness)  # for load balancers too: 503 while draining or the store is down
    r = app.router
    r.add_get("/healthz", healthz)
    r.add_get("/health", healthz)  # the name people try first: answered here, not forwarded upstream (502)
    r.add_get("/livez", make_livez(settings, readiness))  # serving, the store not checked: a balancer's fallback
    # A browser or `curl` on the proxy's URL gets what this is; HEAD / (Claude Code's probe) still goes upstream.
    r.add_get("/", index, allow_head=False)
    r.add_get("/stats", stats)
    r.add_get("/v1/retrieve/{key}", retrieve)
    lessons = make_lessons_handler(settings)  # a team's shared lessons (learn --share / --apply)
    r.add_get(LESSONS_PATH, lessons, allow_head=False)
    r.add_post(LESSONS_PATH, lessons)
    try:  # `/mcp` for agents, before the catch-all; the proxy runs without it
        from ..mcp.http import add_mcp_routes
        from ..mcp.tools import ToolContext

        def context_for(request: web.Request) -> ToolContext:  # the caller's originals only
            return ToolContext(store=settings.originals(request.get(REQUEST_USER) or config.LOCAL_USER))

        # Agents only need retrieval from the proxy; compress/stats stay on `headroom mcp serve`.
        add_mcp_routes(app, only=(RETRIEVE_TOOL,), context_for=context_for)
    except Exception:
        log.warning("could not serve /mcp; continuing without it", exc_info=True)

    ex = fwd.expect  # Expect: 100-continue, refused before `100 Continue` when the body is too large
    for method, path, protocol, provider in PROVIDER_ROUTES:
        route = r.add_route(method, path, partial(fwd.handle, protocol=protocol, provider=provider),
                            expect_handler=ex)
        routes[route.resource] = (protocol, provider)
    return app
