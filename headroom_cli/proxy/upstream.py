"""Where a request goes and what it carries: upstream choice, URL joining, header filtering, request
body decoding, provider-shaped error bodies. Pure functions, no aiohttp (cheap to test)."""
from __future__ import annotations

import json
import zlib
from typing import Iterable, Mapping
from urllib.parse import urlsplit

from .. import config, wires
from ..loopback import is_loopback_host

# Providers, not wires: the catch-all route has a provider (by its headers) but no wire.
ANTHROPIC = wires.ANTHROPIC_PROVIDER
OPENAI = wires.OPENAI_PROVIDER
GOOGLE = wires.GOOGLE_PROVIDER

# RFC 9110 §7.6.1 connection-specific headers, plus what the HTTP client recomputes itself.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
})
# `expect`: the body is already read here, a 100-continue handshake upstream would only stall.
DROP_REQUEST = HOP_BY_HOP | {"host", "content-length", "accept-encoding", "expect", config.BYPASS_HEADER,
                             config.HOP_HEADER, config.GATEWAY_TOKEN_HEADER.lower()}  # the gateway's, not the provider's
# aiohttp's client decodes compressed responses, so the upstream's framing no longer applies.
DROP_RESPONSE = HOP_BY_HOP | {"content-encoding", "content-length"}

MAX_HOPS = 8  # a request seen this many times went round in a loop (upstream = a headroom proxy)


# Gemini API paths: versions Google serves (`/v1beta/models/…`, `/v1alpha/…`), and the methods on a model.
_GEMINI_PREFIXES = ("/v1beta/", "/v1alpha/", "/v1beta1/")
_GEMINI_METHODS = (":generateContent", ":streamGenerateContent", ":countTokens", ":embedContent",
                   ":batchEmbedContents")


def provider_for(path: str, headers: Mapping[str, str]) -> str:
    """Anthropic for `/v1/messages*` and for any request carrying Anthropic headers; Google for Gemini
    API paths and for a request carrying Google's key header; else OpenAI-style."""
    if path == "/v1/messages" or path.startswith("/v1/messages/"):
        return ANTHROPIC
    if "anthropic-version" in headers or "x-api-key" in headers:
        return ANTHROPIC
    if path.startswith(_GEMINI_PREFIXES) or path.endswith(_GEMINI_METHODS) or "x-goog-api-key" in headers:
        return GOOGLE
    return OPENAI


def join_url(base: str, path: str, query: str = "", *, provider: str = OPENAI) -> str:
    """The upstream URL for a request path, without doubling `/v1`.

    Upstreams are stored as users give them. Anthropic bases exclude the version
    (`https://api.anthropic.com`, or a gateway prefix) and the client path is appended; a base that
    already ends in `/v1` is not doubled. OpenAI-style bases include it like the OpenAI SDK's
    `base_url` (`https://api.openai.com/v1`, `https://chatgpt.com/backend-api/codex`), so the
    client's leading `/v1` is replaced by the base; a bare host (`https://api.openai.com`) keeps it.
    Google bases exclude the version like Anthropic's (`https://generativelanguage.googleapis.com`),
    and one that ends in the client's version (`…/v1beta`) does not get it twice.

    The scheme, host and port are always the base's: `path` must be a path (start with `/`), or
    appending it could reach into the authority (`http://localhos` + `t://a/…` is localhost:80);
    anything else raises ValueError.
    """
    if not path.startswith("/"):
        raise ValueError(f"request path {path[:60]!r} does not start with '/'")
    base = base.rstrip("/")
    parts = urlsplit(base)
    base_path = parts.path
    has_v1 = path == "/v1" or path.startswith("/v1/")
    if provider == GOOGLE:
        version = "/" + path[1:].split("/", 1)[0]
        if version != "/" and base_path.endswith(version):
            path = path[len(version):]
    elif has_v1 and (base_path.endswith("/v1") or (provider == OPENAI and base_path not in ("", "/"))):
        path = path[3:]
    url = base + path
    url = f"{url}?{query}" if query else url
    if urlsplit(url)[:2] != parts[:2]:  # e.g. a base holding `?` or `#`: never guess where it goes
        raise ValueError(f"joining {path[:60]!r} to the upstream URL would change its host")
    return url


def forward_headers(headers: Iterable[tuple[str, str]], *, hop: int,
                    content_encoding: str | None = None) -> list[tuple[str, str]]:
    """Client headers for the upstream: all but hop-by-hop/host/length/accept-encoding (and any named
    in `Connection`), with our hop counter. Auth headers pass untouched. `content_encoding` replaces
    the client's Content-Encoding (None: drop it, the body is sent decoded)."""
    items = list(headers)
    named = {t.strip().lower() for k, v in items if k.lower() == "connection" for t in v.split(",")}
    out = []
    for k, v in items:
        lk = k.lower()
        if lk in DROP_REQUEST or lk in named or lk == "content-encoding":
            continue
        out.append((k, v))
    if content_encoding:
        out.append(("Content-Encoding", content_encoding))
    out.append((config.HOP_HEADER, str(hop)))
    return out


def response_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in DROP_RESPONSE]


def hop_count(headers: Mapping[str, str]) -> int:
    """How many headroom proxies this request already went through (0: straight from a client)."""
    raw = headers.get(config.HOP_HEADER)
    if raw is None:
        return 0
    try:
        return max(1, int(raw.strip()))
    except ValueError:
        return 1


class BodyError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def decode_body(raw: bytes, content_encoding: str | None, *, limit: int) -> bytes:
    """The request body without its Content-Encoding (gzip, deflate, zstd; chains applied in
    reverse). Decoded size is capped by `limit` (a small zip bomb must not eat memory)."""
    if not content_encoding:
        return raw
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    data = raw
    for coding in reversed(codings):
        if coding == "identity":
            continue
        try:
            if coding in ("gzip", "x-gzip", "deflate"):
                wbits = 47 if coding != "deflate" else 15  # 47: gzip or zlib header, auto-detected
                d = zlib.decompressobj(wbits)
                try:
                    out = d.decompress(data, limit + 1)
                except zlib.error:
                    if coding != "deflate":
                        raise
                    d = zlib.decompressobj(-15)  # raw deflate, as some clients send it
                    out = d.decompress(data, limit + 1)
                data = out
            elif coding == "zstd":
                import zstandard

                dctx = zstandard.ZstdDecompressor()
                with dctx.stream_reader(data) as reader:
                    data = reader.read(limit + 1)
            elif coding == "br":
                try:
                    import brotli  # type: ignore[import-not-found]
                except ImportError:
                    raise BodyError(415, "request body is brotli-compressed; headroom cannot decode br "
                                         "(send gzip, zstd or an uncompressed body)") from None
                data = brotli.decompress(data)
            else:
                raise BodyError(415, f"unsupported request Content-Encoding {coding!r}")
        except BodyError:
            raise
        except Exception as e:
            raise BodyError(400, f"request body is not valid {coding}: {e}") from None
        if len(data) > limit:
            raise BodyError(413, f"decoded request body exceeds headroom's limit of {limit} bytes")
    return data


def _anthropic_error(status: int, message: str, kind: str | None) -> dict:
    etype = kind or {401: "authentication_error", 403: "permission_error", 413: "request_too_large", 400: "invalid_request_error",
                     415: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
    return {"type": "error", "error": {"type": etype, "message": message}}


def _openai_error(status: int, message: str, kind: str | None) -> dict:
    etype = kind or ("invalid_request_error" if 400 <= status < 500 else "server_error")
    return {"error": {"message": message, "type": etype, "param": None, "code": None}}


# google.rpc.Code names, which Google's clients show with the message.
_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                  409: "ABORTED", 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT", 426: "FAILED_PRECONDITION",
                  429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
                  502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED", 508: "ABORTED"}


def _google_error(status: int, message: str, kind: str | None) -> dict:
    code = _GOOGLE_STATUS.get(status) or ("INVALID_ARGUMENT" if 400 <= status < 500 else "INTERNAL")
    return {"error": {"code": status, "message": message, "status": code}}


# Keyed by provider: every route, the catch-all too, knows its provider.
ERROR_BODIES: wires.ProviderMap = wires.ProviderMap("provider error bodies", {
    ANTHROPIC: _anthropic_error,
    OPENAI: _openai_error,
    GOOGLE: _google_error,
})


def error_body(provider: str, status: int, message: str, *, kind: str | None = None) -> bytes:
    """A provider-shaped error document clients already know how to show (`wires.UnknownProvider`
    for a name that is not a provider)."""
    return json.dumps(ERROR_BODIES[provider](status, message, kind)).encode()


def env_proxy_for(url: str) -> str | None:
    """The HTTP(S)_PROXY that applies to `url` (respecting NO_PROXY); never for loopback upstreams
    (a local gateway is not reachable through a corporate proxy)."""
    import urllib.request

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if is_loopback_host(host):
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    try:
        if urllib.request.proxy_bypass(host):
            return None
    except Exception:
        pass
    return proxy
