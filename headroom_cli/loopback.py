"""Is a host or an Origin on this machine? Shared by headroom's own routes (`/stats`, `/mcp`, doctor)."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


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


def origin_allowed(origin: str | None) -> bool:
    """No Origin (CLI clients) is fine; a present one must be a loopback http(s) origin. Stops DNS
    rebinding: a web page whose name resolves to 127.0.0.1 still sends its own name as Origin."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)
