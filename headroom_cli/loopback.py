"""Who may talk to a proxy on this machine: loopback hosts and origins, the rule every route applies to
what a web page can send (`refusal`), and the proxy's secret (`secret_matches`). Pure functions, no
aiohttp: the proxy's guard (proxy/app.py), `/mcp` and `wrap` share them."""
from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

# Hosts a proxy bound to one of these answers for: its own loopback names.
LOOPBACK_BINDS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", ""})


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The name in a Host header, without its port (`[::1]:8787` → `::1`)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _named(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    return host_name(host) in {h.lower() for h in allowed_hosts}


def origin_allowed(origin: str | None, allowed_hosts: tuple[str, ...] = ()) -> bool:
    """No Origin (CLI clients) is fine; a present one must be an http(s) origin on this machine (or on a
    name in `allowed_hosts`). Stops DNS rebinding: a web page whose name resolves to 127.0.0.1 still
    sends its own name as Origin."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
        name = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not name:
        return False
    return is_loopback_host(name) or _named(name, allowed_hosts)


def refusal(*, host: str | None, origin: str | None, bound_host: str,
            allowed_hosts: tuple[str, ...] = ()) -> str | None:
    """Why a request that a browser could have sent is refused, or None. Agents send `Host:
    127.0.0.1:PORT` or `localhost:PORT` and no Origin; a web page sends its own Origin on every POST,
    and under DNS rebinding its own name as Host. `allowed_hosts` (a gateway's names, docs/ARCHITECTURE.md §3)
    replaces the loopback Host rule; a proxy bound beyond loopback without that list checks no Host.
    A request without Host is not from a browser (they always send one)."""
    if not origin_allowed(origin, allowed_hosts):
        return f"cross-origin request refused: Origin {origin!r} is not this machine"
    if host is None:
        return None
    if allowed_hosts:
        if not _named(host, allowed_hosts):
            return f"Host {host!r} is not one of the names this proxy answers to"
    elif bound_host.strip().lower() in LOOPBACK_BINDS or is_loopback_host(bound_host):
        if not is_loopback_host(host_name(host)):
            return f"Host {host!r} is not a loopback name (127.0.0.1 or localhost)"
    return None


def secret_matches(authorization: str | None, secret: str) -> bool:
    """`Authorization: Bearer <secret>`, compared in constant time; an empty secret matches nothing."""
    if not secret or not authorization:
        return False
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), secret.encode())
