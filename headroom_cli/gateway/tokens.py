"""Gateway tokens: what they look like, how they are kept, where a client puts them.

A token is `hrt_` + 43 URL-safe characters (256 random bits): safe in a URL path segment and in a header, and
recognisable, so redaction (proxy/redact.py, launch/plan.py) and secret scanners find it anywhere. Only its
SHA-256 is stored: for a random token of this size a plain hash is as good as a slow one (nobody can guess the
preimage) and lets the gateway find the user by an indexed lookup. A client presents it either as a path prefix
of its base URL, `https://gw.example/t/<token>/v1/messages` (works with any agent that takes a base URL), or in
the `X-Headroom-Token` header (agents with custom headers); the gateway strips both before forwarding."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from .. import config

PREFIX = "hrt_"
HEADER = config.GATEWAY_TOKEN_HEADER  # X-Headroom-Token
PATH_PREFIX = "/t/"
# A token anywhere in free text (log lines, error messages), for redaction.
TOKEN_IN_TEXT = re.compile(r"hrt_[A-Za-z0-9_\-]{16,}")
# The path prefix with whatever token it holds, valid or not.
PREFIX_IN_PATH = re.compile(r"/t/[^/?#\s]+")


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the store keeps and looks tokens up by (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def split_path(raw_path: str) -> tuple[str, str] | None:
    """`/t/<token>/v1/messages?beta=true` → (token, `/v1/messages?beta=true`); `/t/<token>` → (token, `/`).
    None when the path carries no prefix (or an empty token)."""
    if not raw_path.startswith(PATH_PREFIX):
        return None
    rest = raw_path[len(PATH_PREFIX):]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    token, tail = rest[:cut], rest[cut:]
    if not token:
        return None
    if not tail.startswith("/"):
        tail = "/" + tail
    return token, tail


def prefixed_url(base_url: str, token: str) -> str:
    """The gateway's base URL with the token as its path prefix: `https://gw.example` → `…/t/<token>`."""
    return base_url.rstrip("/") + PATH_PREFIX + token

