"""When `headroom proxy` is a team gateway, and what it needs before it may serve (README "A team gateway").

A proxy bound beyond loopback serves other machines, so it is a gateway whether asked or not: every request
needs a user's token. `--gateway-auth` (config `gateway_auth`) makes a loopback-bound proxy one too, for a load
balancer on the same machine. A gateway whose store holds no token would refuse everyone, and one without
authentication would hand the store's originals to anyone: it does not start."""
from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..loopback import LOOPBACK_BINDS, is_loopback_host
from .auth import Authenticator


def beyond_loopback(host: str) -> bool:
    h = (host or "").strip().lower()
    return not (h in LOOPBACK_BINDS or is_loopback_host(h))


def is_gateway(host: str, gateway_auth: bool) -> bool:
    return bool(gateway_auth) or beyond_loopback(host)


def host_names(values: Any) -> tuple[str, ...]:
    """`--allow-host` values (repeatable, each may hold commas) or config `allow_hosts` ("a, b") as names."""
    items = [values] if isinstance(values, str) else list(values or ())
    names = [n.strip().lower() for v in items for n in str(v).split(",")]
    return tuple(dict.fromkeys(n for n in names if n))


def open_gateway(backend: Any, *, host: str, gateway_auth: bool) -> Authenticator:
    """The authenticator of a gateway on `backend` (a `storage.Backend`); a UsageError saying why when it
    cannot be one: no user holds a token there."""
    members = backend.tokens.list()
    if not members:
        where = f"{host} (beyond this machine)" if beyond_loopback(host) else f"{host} with --gateway-auth"
        raise UsageError(
            f"refusing to serve on {where} without user authentication: a gateway needs its users' tokens, and "
            f"the store ({backend.describe()}) holds none",
            hint="add a user with `headroom team add USER --admin` (with the same --store), then start again; "
                 "or bind 127.0.0.1 for a proxy of your own")
    return Authenticator(backend.tokens)
