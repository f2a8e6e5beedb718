"""Log-safe renderings of headers and URLs: credentials never reach a log line."""
from __future__ import annotations

from typing import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_NAMES = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie",
                           "set-cookie", "openai-api-key", "x-goog-api-key", "chatgpt-account-id"})
_SECRET_PARTS = ("key", "token", "secret", "auth", "password", "signature", "cookie", "session")


def is_secret(name: str) -> bool:
    n = name.lower()
    return n in _SECRET_NAMES or any(p in n for p in _SECRET_PARTS)


def headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header name → value, secrets replaced by a length-only placeholder."""
    return {k: (f"<redacted {len(v)} chars>" if is_secret(k) else v) for k, v in items}


def url(u: str) -> str:
    """The URL with userinfo and secret-looking query values removed."""
    parts = urlsplit(u)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "<redacted>" if is_secret(k) else v) for k, v in pairs])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
