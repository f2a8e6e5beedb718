"""The one redaction for everything that leaves the process — log lines, the ledger's error column, error
bodies, banners: URLs lose their userinfo, secret-looking query values and a gateway token path prefix (`url`),
free text (exception messages carry whole URLs) gets the same inside it and loses any gateway token (`text`),
headers show only values known harmless (`headers`)."""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from ..gateway import tokens as gateway_tokens

_SECRET_NAMES = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie",
                           "set-cookie", "openai-api-key", "x-goog-api-key", "chatgpt-account-id"})
_SECRET_PARTS = ("key", "token", "secret", "auth", "password", "signature", "cookie", "session", "sig",
                 "credential")
# Header values a debug log may show: protocol and client facts, never credentials or routing secrets.
_HARMLESS_HEADERS = frozenset({
    "accept", "accept-encoding", "accept-language", "anthropic-beta", "anthropic-version", "cache-control",
    "connection", "content-encoding", "content-length", "content-type", "expect", "host", "openai-beta",
    "openai-organization", "openai-project",
    "transfer-encoding", "user-agent", "x-headroom-hop", "x-headroom-bypass", "x-stainless-arch",
    "x-stainless-lang", "x-stainless-os", "x-stainless-package-version", "x-stainless-runtime",
    "x-stainless-runtime-version", "x-stainless-retry-count", "x-stainless-timeout", "mcp-protocol-version",
})
_REDACTED = "<redacted>"
# A URL inside free text: up to whitespace or a quote/bracket that ends it in messages and reprs.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()\[\]{}]+")
# A query string without its URL (`/v1/models?key=…`, `&token=…`): name=value after ? or &.
_QUERY_PAIR = re.compile(r"([?&])([^=&\s'\"#]+)=([^&\s'\"#<>]*)")


def is_secret(name: str) -> bool:
    n = name.lower()
    return n in _SECRET_NAMES or any(p in n for p in _SECRET_PARTS)


def headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header name → value for a log line: values only of headers known to be harmless, the others
    by length (a gateway's own credential header has a name nobody can list in advance)."""
    return {k: (v if k.lower() in _HARMLESS_HEADERS else f"<{len(v)} chars>") for k, v in items}


def _query(query: str) -> str:
    """The query with secret-looking values replaced; every other byte as it was written."""
    return _QUERY_PAIR.sub(_pair, "?" + query)[1:] if query else query


def _pair(m: re.Match) -> str:
    sep, name, value = m.groups()
    return f"{sep}{name}={_REDACTED if value and is_secret(unquote(name)) else value}"


def url(u: str) -> str:
    """The URL without userinfo and with secret-looking query values removed."""
    try:
        parts = urlsplit(u)
    except ValueError:
        return text_without_urls(u)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    path = gateway_tokens.PREFIX_IN_PATH.sub("/t/<token>", parts.path)
    return urlunsplit((parts.scheme, netloc, path, _query(parts.query), parts.fragment))


def text(s: str) -> str:
    """Free text (an exception message, a note, a banner) with every URL in it redacted, and any bare
    query string too."""
    if not s:
        return s
    s = text_without_urls(_URL_IN_TEXT.sub(lambda m: url(m.group(0)), s))
    return gateway_tokens.TOKEN_IN_TEXT.sub("hrt_<redacted>", s)


def text_without_urls(s: str) -> str:
    return _QUERY_PAIR.sub(_pair, s)
