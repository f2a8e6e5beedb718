"""Where the wrap's proxy forwards to.

Precedence per protocol family ("anthropic", "openai", "gemini"): the `--*-upstream` flags, then what the
agent's own configuration points at (Claude settings `env` block, Codex provider, …; found by the
agent's builder), then the environment (`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`, …), then headroom's
settings (`HEADROOM_*_UPSTREAM`, config.toml), then the providers' public APIs. A user's gateway is
chained, never dropped. A candidate that is itself a headroom proxy is not chained to (loop).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from .. import config
from ..loopback import is_loopback_host

FAMILIES = ("anthropic", "openai", "gemini")


@dataclass
class Upstreams:
    anthropic: str
    openai: str
    sources: dict[str, str] = field(default_factory=dict)  # family → where the URL came from
    notes: list[str] = field(default_factory=list)
    gemini: str = config.GEMINI_API

    def get(self, family: str) -> str:
        return getattr(self, family)


def _hostport(url: str) -> tuple[str, int | None]:
    u = urlsplit(url)
    host = (u.hostname or "").lower()
    if host == "localhost":
        host = "127.0.0.1"
    try:
        port = u.port or (443 if u.scheme == "https" else 80)
    except ValueError:
        port = None
    return host, port


def _registry_urls() -> list[str]:
    from ..stats import registry

    try:
        return [s.get("url", "") for s in registry.list_sessions(prune=True)]
    except Exception:
        return []


def probe_headroom(url: str, timeout: float = 0.4) -> dict | None:
    """If `url` is a headroom proxy (loopback only: never probe remote gateways at start-up),
    its /healthz JSON (or {}), else None."""
    if not is_loopback_host(urlsplit(url).hostname):
        return None
    import urllib.error
    import urllib.request

    u = urlsplit(url)
    health = f"{u.scheme}://{u.netloc}/healthz"
    # No proxy handler: an HTTP(S)_PROXY in the environment must not capture loopback traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(health, headers={config.HOP_HEADER: "probe"}),
                         timeout=timeout) as r:
            body = r.read(65536).decode("utf-8", "replace")
            server = r.headers.get("server", "") + r.headers.get("x-headroom", "")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and ("headroom" in json.dumps(doc).lower()):
        return doc
    if "headroom" in server.lower() or "headroom" in body.lower():
        return doc if isinstance(doc, dict) else {}
    return None


def headroom_info(url: str, extra_proxy_urls: list[str] = (), timeout: float = 0.4) -> dict | None:
    """Is `url` a headroom proxy? Checks known sessions (registry, our own env) before probing."""
    hp = _hostport(url)
    for known in [*_registry_urls(), *extra_proxy_urls]:
        if known and _hostport(known) == hp:
            return probe_headroom(url, timeout) or {}
    return probe_headroom(url, timeout)


def _inner_upstream(info: dict, family: str) -> str | None:
    """A headroom proxy's /healthz may say where it forwards; chain to that instead of to it."""
    for d in (info, info.get("upstreams") or {}):
        if isinstance(d, dict):
            v = d.get(f"{family}_upstream") or d.get(family)
            if isinstance(v, str) and v.startswith(("http://", "https://")):
                return v
    return None


def resolve(
    env: dict[str, str],
    upstream_env: dict[str, tuple[str, ...]],
    discovered: dict[str, tuple[str, str]] | None = None,
    *,
    anthropic: str | None = None,
    openai: str | None = None,
    gemini: str | None = None,
    check: Callable[[str], dict | None] | None = None,
) -> Upstreams:
    """`discovered` maps family → (url, source) from the agent's own config files."""
    flags = {"anthropic": anthropic, "openai": openai, "gemini": gemini}
    discovered = discovered or {}
    own = [env.get("HEADROOM_PROXY_URL", "")]  # we set this in children: a nested wrap sees its parent
    if check is None:
        seen: dict[tuple, dict | None] = {}  # one probe per host:port

        def check(u: str) -> dict | None:
            hp = _hostport(u)
            if hp not in seen:
                seen[hp] = headroom_info(u, own)
            return seen[hp]
    out: dict[str, str] = {}
    sources: dict[str, str] = {}
    notes: list[str] = []
    for fam in FAMILIES:
        cands: list[tuple[str, str]] = []
        if flags[fam]:
            cands.append((flags[fam], f"--{fam}-upstream"))
        if fam in discovered:
            cands.append(discovered[fam])
        for var in upstream_env.get(fam, ()):
            if env.get(var):
                cands.append((env[var], var))
        chosen = None
        for url, src in cands:
            url = url.strip().rstrip("/")
            if not url.startswith(("http://", "https://")):
                notes.append(f"ignored {src}={url!r}: not an http(s) URL")
                continue
            info = check(url) if src != f"--{fam}-upstream" else None
            if info is not None:
                inner = _inner_upstream(info, fam)
                notes.append(f"{src} points at a headroom proxy ({url}); not chained to it"
                             + (f", forwarding to its upstream {inner}" if inner else ""))
                if inner:
                    chosen = (inner.rstrip("/"), f"{src} (via headroom at {url})")
                    break
                continue
            chosen = (url, src)
            break
        if chosen is None:
            setting = f"{fam}_upstream"
            val = config.get(setting, env)
            default = config.SETTINGS[setting].default
            chosen = (str(val).rstrip("/"), config.SETTINGS[setting].env if val != default else "default")
        out[fam], sources[fam] = chosen
    return Upstreams(out["anthropic"], out["openai"], sources, notes, out["gemini"])


def is_anthropic_api(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == "api.anthropic.com"


def looks_like_jwt(token: str) -> bool:
    """ChatGPT-login bearers are JWTs (three base64url parts, header starting `eyJ`), not `sk-…`."""
    parts = token.strip().split(".")
    return len(parts) == 3 and parts[0].startswith("eyJ") and all(parts)
