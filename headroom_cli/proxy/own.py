"""headroom's own routes on the proxy: `/healthz` (anyone) and `/stats` (loopback callers only)."""
from __future__ import annotations

from aiohttp import web

from ..loopback import is_loopback_host, origin_allowed
from .._version import __version__


def local_only_error(request: web.Request) -> web.Response | None:
    """403 unless the caller is on this machine and the page asking (if any) is too. The Host and
    Origin checks stop DNS rebinding: a web page whose name resolves to 127.0.0.1 still sends its
    own name in Host/Origin."""
    if not is_loopback_host(request.remote):
        return web.json_response({"error": "loopback callers only"}, status=403)
    host = request.host or ""
    host = host.split("]")[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
    if not is_loopback_host(host):
        return web.json_response({"error": "Host must be a loopback address"}, status=403)
    if not origin_allowed(request.headers.get("Origin")):
        return web.json_response({"error": "cross-origin requests are refused"}, status=403)
    return None


def make_handlers(settings, counters):
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "service": "headroom", "version": __version__,
                                  "session_id": settings.session_id, "agent": settings.agent})

    async def stats(request: web.Request) -> web.Response:
        denied = local_only_error(request)
        if denied is not None:
            return denied
        return web.json_response(counters.snapshot())

    async def retrieve(request: web.Request) -> web.Response:
        """The original behind a marker's key, for local tools (loopback only)."""
        denied = local_only_error(request)
        if denied is not None:
            return denied
        import asyncio

        from ..ccr.store import retrieve as ccr_retrieve
        from ..errors import NotFound

        key = request.match_info["key"]

        try:
            text = await asyncio.get_running_loop().run_in_executor(None, ccr_retrieve, key)
        except NotFound as e:
            return web.json_response({"error": str(e), "hint": e.hint}, status=404)
        if "application/json" in request.headers.get("Accept", ""):
            return web.json_response({"key": key, "text": text})
        return web.Response(text=text, content_type="text/plain", charset="utf-8")

    return healthz, stats, retrieve
