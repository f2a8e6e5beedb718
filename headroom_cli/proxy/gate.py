"""The gateway half of the proxy's guard (docs/ARCHITECTURE.md §3, §11): in gateway mode every request but
`/healthz` must carry a user's token, and the handlers behind the guard learn whose request it is.

A token in the path prefix (`/t/<token>/v1/messages`) is taken off the request target before aiohttp routes it
(`strip_token_prefix`, installed on the server by runner.py): the router, the flow, the upstream URL, the
ledger's `path` and every log line see only `/v1/messages`. A token in the `X-Headroom-Token` header is dropped
with the hop-by-hop headers before forwarding (upstream.DROP_REQUEST)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

import yarl
from aiohttp import web

from .. import request_keys
from ..gateway import auth, tokens

log = logging.getLogger("headroom.proxy")

# Where a request keeps the token its path prefix carried (taken off its path before routing).
PATH_TOKEN: Any = (web.RequestKey("headroom_path_token", str) if hasattr(web, "RequestKey")  # aiohttp ≥ 3.12
                   else "headroom_path_token")


def strip_token_prefix(make: Callable[..., web.BaseRequest]) -> Callable[..., web.BaseRequest]:
    """Wrap an aiohttp `Server.request_factory`: a request whose target starts with `/t/<token>` is made
    without it, the token kept in the request's state (`PATH_TOKEN`) for the guard."""

    def factory(message: Any, payload: Any, protocol: Any, writer: Any, task: Any, *args: Any, **kw: Any):
        token = None
        url = getattr(message, "url", None)
        if url is not None and hasattr(message, "_replace"):
            raw = message.path
            if url.is_absolute():  # `POST http://gw/t/<token>/v1/…`: keep only its path and query
                raw = url.raw_path + (f"?{url.raw_query_string}" if url.raw_query_string else "")
            split = tokens.split_path(raw)
            if split is not None:
                token, target = split
                message = message._replace(path=target, url=yarl.URL(target, encoded=True))
        request = make(message, payload, protocol, writer, task, *args, **kw)
        if token is not None:
            request[PATH_TOKEN] = token
        return request

    return factory


class Gate:
    """Tells the guard who a request is. `authenticator`: the team's tokens (gateway/auth.py)."""

    def __init__(self, authenticator: auth.Authenticator):
        self.authenticator = authenticator

    async def refusal(self, request: web.Request, *, own_route: bool) -> tuple[int, str] | None:
        """None when the request's token is a user's (who it is is then left on the request), else the status
        and reason to refuse it with: 401 without a valid token, 503 when the tokens cannot be checked (a gateway
        fails closed). A refused request is recorded as `auth.UNAUTHENTICATED`'s, never as a user's."""
        try:
            if await self.identify(request, own_route=own_route) is not None:
                return None
        except Exception as e:  # the store is down: nobody gets in, and the reason is logged without the token
            log.warning("gateway: cannot check a token, the store did not answer (%s)", type(e).__name__)
            request[request_keys.USER] = auth.UNAUTHENTICATED
            return 503, "headroom gateway: cannot check tokens right now (its store does not answer); retry shortly"
        request[request_keys.USER] = auth.UNAUTHENTICATED
        return 401, unauthorized_reason(request)

    async def identify(self, request: web.Request, *, own_route: bool) -> auth.Identity | None:
        """The request's user, or None (no token, or one nobody holds). On a hit the identity is left on the
        request (`request_keys.USER`, `request_keys.ROLE`) for the handlers."""
        token = auth.presented(path_token=request.get(PATH_TOKEN), headers=request.headers,
                               own_route=own_route)
        if token is None:
            return None
        who = self.authenticator.kept(token)
        if who is None:  # the store may be a database across the network: asked off the event loop
            who = await asyncio.get_running_loop().run_in_executor(None, self.authenticator.identify, token)
        if who is not None:
            request[request_keys.USER], request[request_keys.ROLE] = who.user, who.role
        return who


def unauthorized_reason(request: web.Request) -> str:
    """Why a request was refused, without the token it carried (if any)."""
    carried = request.get(PATH_TOKEN) or request.headers.get(tokens.HEADER)
    if carried:
        return "headroom gateway: this token is not valid (revoked, or never issued); ask your admin for one"
    return (f"headroom gateway: a user token is required: put it in the base URL (https://<gateway>/t/<token>) "
            f"or send it in the {tokens.HEADER} header; `headroom team add USER` issues one")
