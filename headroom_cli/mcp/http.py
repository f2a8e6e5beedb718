"""Streamable-HTTP MCP at `/mcp` on the aiohttp proxy: tools only, JSON responses, stateless.

The SDK's HTTP server is ASGI and cannot mount on aiohttp, so this is a small JSON-RPC handler of our
own over `tools.py`. Claude Code probes `server/discover` first and falls back to `initialize` when it
gets -32601, so unknown methods must answer exactly that. Loopback callers only; a browser `Origin`
that is not loopback gets 403 (DNS rebinding). On the proxy, the app's guard (proxy/app.py) also checks
the Host and requires the proxy's secret before a request gets here.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from .. import __version__
from ..request_keys import MCP_FAILURE as FAILURE, USER as USER_KEY
from ..loopback import is_loopback_host, origin_allowed
from . import tools

log = logging.getLogger(__name__)

# Newest first; an unknown requested version gets our newest.
PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
SERVER_INFO = {"name": "headroom", "version": __version__}
INSTRUCTIONS = (
    "headroom compresses large tool outputs; its markers carry a key. Call headroom_retrieve with that "
    "key to get the exact original."
)

# FAILURE (request_keys.MCP_FAILURE): where a handler notes what went wrong with a request (aiohttp requests hold
# per-request state): the proxy's guard writes a ledger row for it (proxy/app.py). Answers of 400 and above are
# failures too.

_KNOWN_METHODS = frozenset({"initialize", "ping", "tools/list", "tools/call"})
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = (
    -32700, -32600, -32601, -32602, -32603)
STORE_UNAVAILABLE = -32001  # a server error of JSON-RPC's reserved range: the store cannot be reached (HTTP 503)


def add_mcp_routes(app, path: str = "/mcp", *, tool_context: tools.ToolContext | None = None,
                   only: tuple[str, ...] | None = None, context_for=None) -> None:
    """Serve MCP at `path` on an aiohttp Application (call before the app is frozen). `only` limits the
    tools served (every tool listed costs its schema's tokens on each of the agent's requests). `context_for`:
    request → ToolContext, for a context per caller (the proxy: the store as the request's user sees it)."""
    handler = McpHandler(tool_context, only=only, context_for=context_for)
    app.router.add_route("POST", path, handler.post)
    app.router.add_route("GET", path, handler.not_allowed)  # no server-initiated stream
    app.router.add_route("DELETE", path, handler.not_allowed)  # stateless: no session to end


def _peer_is_loopback(request) -> bool:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peer, (tuple, list)) and peer:
        return is_loopback_host(str(peer[0]))
    return peer is None or isinstance(peer, str)  # unix socket: local by construction


def negotiate_version(requested: Any) -> str:
    return requested if requested in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]


class McpHandler:
    def __init__(self, tool_context: tools.ToolContext | None = None, *, only: tuple[str, ...] | None = None,
                 context_for=None):
        self.tool_context = tool_context
        self.only = only
        self.context_for = context_for

    async def not_allowed(self, request):
        from aiohttp import web

        if (resp := self._guard(request)) is not None:
            return resp
        return web.Response(status=405, headers={"Allow": "POST"}, text="Method Not Allowed")

    def _guard(self, request):
        from aiohttp import web

        # A team gateway's guard has authenticated the user (proxy/gate.py): any caller; else loopback only.
        if not _peer_is_loopback(request) and request.get(USER_KEY) is None:
            return web.Response(status=403, text="headroom MCP answers loopback clients only")
        if not origin_allowed(request.headers.get("Origin")):
            return web.Response(status=403, text="Forbidden origin")
        return None

    async def post(self, request):
        from aiohttp import web

        if (resp := self._guard(request)) is not None:
            return resp
        try:
            return await self._post(request)
        except ConnectionResetError:  # the client went away
            request[FAILURE] = "MCP: the client disconnected"
            return web.Response(status=499)
        except Exception as e:  # last resort: a JSON-RPC error, never a bare 500
            log.exception("MCP request failed")
            request[FAILURE] = f"MCP: internal error ({type(e).__name__})"
            return _json_response(_error(None, INTERNAL_ERROR, "Internal error"), status=500)

    async def _post(self, request):
        from aiohttp import web

        raw = await request.read()
        try:
            msg = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as e:  # RecursionError: nested too deep to parse
            request[FAILURE] = f"MCP: parse error ({type(e).__name__}), JSON-RPC {PARSE_ERROR}"
            return _json_response(_error(None, PARSE_ERROR, "Parse error"), status=400)
        header_version = request.headers.get("MCP-Protocol-Version")
        if isinstance(msg, list):  # JSON-RPC batch (2025-03-26 clients)
            if not msg:
                return _json_response(_error(None, INVALID_REQUEST, "Empty batch"), status=400)
            replies = [r for r in [await self._dispatch(m, header_version, request) for m in msg] if r is not None]
            return _json_response(replies) if replies else web.Response(status=202)
        reply = await self._dispatch(msg, header_version, request)
        if reply is None:
            return web.Response(status=202)  # notification or response: accepted, no body
        code = reply.get("error", {}).get("code")
        status = 400 if code in (INVALID_REQUEST,) else 503 if code == STORE_UNAVAILABLE else 200
        if status >= 400:
            request[FAILURE] = f"MCP: {reply['error']['message']}, JSON-RPC {code}"
        return _json_response(reply, status=status)

    async def _dispatch(self, msg: Any, header_version: str | None, request: Any = None) -> dict | None:
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
            return _error(msg.get("id") if isinstance(msg, dict) else None, INVALID_REQUEST, "Invalid Request")
        if "method" not in msg:
            return None  # a response to a server request: we send none, so ignore
        method, rid = msg.get("method"), msg.get("id")
        is_notification = "id" not in msg
        if is_notification:
            return None  # notifications/initialized, cancelled, …: nothing to do
        if method not in _KNOWN_METHODS:
            return _error(rid, METHOD_NOT_FOUND, "Method not found")
        if method != "initialize" and header_version and header_version not in PROTOCOL_VERSIONS:
            return _error(rid, INVALID_REQUEST, f"Unsupported MCP-Protocol-Version: {header_version}")
        params = msg.get("params") or {}
        if not isinstance(params, dict):
            return _error(rid, INVALID_PARAMS, "params must be an object")
        try:
            if method == "initialize":
                return _result(rid, {
                    "protocolVersion": negotiate_version(params.get("protocolVersion")),
                    "capabilities": {"tools": {"listChanged": False}},
                    "serverInfo": SERVER_INFO,
                    "instructions": INSTRUCTIONS,
                })
            if method == "ping":
                return _result(rid, {})
            if method == "tools/list":
                listed = [t for t in tools.list_tools() if self.only is None or t["name"] in self.only]
                return _result(rid, {"tools": listed})
            if method == "tools/call":
                return await self._call(rid, params, request)
        except Exception as e:  # never let a bug kill the agent's MCP connection
            log.exception("MCP %s failed", method)
            if request is not None:
                request[FAILURE] = f"MCP {method}: internal error ({type(e).__name__}), JSON-RPC {INTERNAL_ERROR}"
            return _error(rid, INTERNAL_ERROR, "Internal error")
        return _error(rid, METHOD_NOT_FOUND, "Method not found")

    async def _call(self, rid, params: dict, request: Any = None) -> dict:
        import asyncio

        name, args = params.get("name"), params.get("arguments")
        if not isinstance(name, str):
            return _error(rid, INVALID_PARAMS, "tools/call needs a tool name")
        if self.only is not None and name not in self.only:
            return _error(rid, INVALID_PARAMS, f"unknown tool {name!r}")
        loop = asyncio.get_running_loop()
        from ..storage import StoreUnavailable

        try:  # SQLite and the engine block: keep them off the proxy's event loop
            ctx = (self.context_for(request) if self.context_for is not None and request is not None
                   else self.tool_context)
            outcome = await loop.run_in_executor(None, tools.call_tool, name, args, ctx)
        except (tools.UnknownTool, tools.InvalidArguments) as e:
            return _error(rid, INVALID_PARAMS, str(e))
        except StoreUnavailable:  # answered 503 (see _post): the caller may retry; the original is not "missing"
            log.warning("MCP %s answered 503: the store of originals is unreachable", name)
            return _error(rid, STORE_UNAVAILABLE, "the store of originals is unreachable right now; retry shortly")
        return _result(rid, outcome.to_mcp())


def _result(rid, result: dict) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def _error(rid, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def _json_response(payload, status: int = 200):
    from aiohttp import web

    from ..jsonspan import encode

    # encode: originals may hold lone surrogates, which UTF-8 cannot (they go out escaped)
    return web.Response(status=status, body=encode(json.dumps(payload, ensure_ascii=False)),
                        content_type="application/json")
