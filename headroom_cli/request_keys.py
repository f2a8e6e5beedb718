"""Keys of what headroom keeps on an aiohttp request for later handlers: who the gateway authenticated, why an
MCP request failed and why the watchdog cut a request body (for the ledger). aiohttp from 3.12 wants typed keys
(a str key is a NotAppKeyWarning); older aiohttp, which pyproject still admits, takes the plain names. Kept apart
so the proxy and MCP share them without importing each other, and the gateway's auth (which knows no aiohttp)
stays free of them."""
from __future__ import annotations

from aiohttp import web

_Key = getattr(web, "RequestKey", None)


def _key(name: str, kind: type):
    return _Key(name, kind) if _Key is not None else name


USER = _key("headroom_user", str)  # the gateway's authenticated user (proxy/gate.py)
ROLE = _key("headroom_role", str)  # and their role
MCP_FAILURE = _key("headroom_mcp_failure", str)  # why an MCP request failed (mcp/http.py -> the ledger row)
BODY_STALLED = _key("headroom_body_stalled", str)  # why the watchdog cut a stalled body (proxy/watchdog.py)
