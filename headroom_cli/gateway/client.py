"""Calling a team gateway's own routes as one of its users: the token goes in the `X-Headroom-Token` header
(never in the URL, which logs along the way might keep). What `headroom team stats --gateway` uses, and any
command that talks to a gateway with the member's token (stdlib only: no aiohttp in a short CLI run)."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from ..errors import HeadroomError, UsageError
from . import tokens


def call(gateway_url: str, token: str, path: str, *, method: str = "GET", body: Any = None,
         timeout: float = 30.0) -> Any:
    """`method path` on the gateway with `token`; the JSON answer. A refused token, an error status or an
    unreachable gateway is a HeadroomError saying which."""
    import urllib.error
    import urllib.request

    base = gateway_url.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--gateway {gateway_url!r} is not an http(s) URL", hint="e.g. --gateway https://gw.example")
    data = None if body is None else json.dumps(body).encode()
    headers = {tokens.HEADER: token, "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (http(s), checked above)
            raw = r.read()
    except urllib.error.HTTPError as e:
        if e.code == 401:
            raise HeadroomError(f"the gateway {base} refused this token",
                                hint="check HEADROOM_GATEWAY_TOKEN / --token (`headroom team add` issues one)") from None
        raise HeadroomError(f"the gateway {base} answered {e.code} to {method} {path}") from None
    except (urllib.error.URLError, OSError) as e:
        raise HeadroomError(f"cannot reach the gateway {base}: {getattr(e, 'reason', e)}") from None
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        raise HeadroomError(f"the gateway {base} answered {method} {path} with something that is not JSON") from None
