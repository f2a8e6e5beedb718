"""What one proxy instance needs to know. Plain data: the CLI (`headroom proxy`) and `headroom wrap`
fill it, the app reads it. No aiohttp import here (wrap builds it before aiohttp has loaded)."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable

from .. import config
from .. import request_keys

if TYPE_CHECKING:
    from ..stats.records import RequestRecord


# Where a request's user is kept on the aiohttp request (`request[REQUEST_USER]`): the gateway's authentication
# sets it from the token; absent, the request is the local user's (config.LOCAL_USER).
REQUEST_USER = request_keys.USER  # the gateway sets it (proxy/gate.py), MCP reads it too


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


def new_secret() -> str:
    """The proxy's secret: what `/mcp`, `/v1/retrieve` and `/stats` require (`Authorization: Bearer`)."""
    return secrets.token_urlsafe(32)


@dataclass
class ProxyFlags:
    """The proxy settings `headroom wrap` and `headroom proxy` both take from the command line
    (cli/options.py). None: not given, the setting comes from HEADROOM_* / config.toml / its default."""
    no_compress: bool | None = None
    compress_ratio: float | None = None
    cache_ttl: int | None = None
    protect_tools: tuple[str, ...] | None = None
    reduce_output: bool | None = None
    output_level: int | None = None
    output_ratio: float | None = None
    effort_routing: bool | None = None
    output_holdout: float | None = None
    store_url: str | None = None  # `--store URL`

    def given(self) -> dict[str, Any]:
        """The flags that were given, by `ProxySettings` field name (for `ProxySettings.from_config`)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass
class ProxySettings:
    anthropic_upstream: str = config.ANTHROPIC_API
    openai_upstream: str = config.OPENAI_API
    gemini_upstream: str = config.GEMINI_API
    host: str = "127.0.0.1"
    port: int = 0
    # Names the proxy answers to beyond loopback (a team gateway, docs/ARCHITECTURE.md §3): they replace the loopback
    # Host rule of the guard (loopback.refusal). Empty: loopback names only when bound to loopback.
    allowed_hosts: tuple[str, ...] = ()
    # A team gateway (proxy/gate.py): who holds which token (a gateway.auth.Authenticator). Set: every request
    # but /healthz needs a user's token, from any caller. None: a local proxy (loopback callers, the secret).
    gateway: Any = field(default=None, repr=False)
    # Required by headroom's own routes that serve originals or figures; `wrap` hands it to the agent
    # through its environment, `headroom proxy` writes it to a 0600 file (runner.publish_secret).
    secret: str = field(default_factory=new_secret, repr=False)
    max_body_bytes: int = 64 * 1024 * 1024
    session_id: str = field(default_factory=new_session_id)
    agent: str = "proxy"
    no_compress: bool = False
    compress_ratio: float = 0.3
    cache_ttl: int | None = None
    protect_tools: tuple[str, ...] = ()
    reduce_output: bool = False
    output_level: int = 2
    output_ratio: float | None = None  # `--output-ratio`: when set, the terseness level is mapped from it
    effort_routing: bool = False
    output_holdout: float = 0.0
    compress_max_bytes: int | None = None  # larger bodies pass uncompressed (None: HEADROOM_COMPRESS_MAX_BYTES)
    # `headroom proxy --compress-documents`: large documents inside user messages are compressed too (the prose
    # around them kept; lossless only when retrieval is off). Off by default: what a person typed is not touched.
    compress_documents: bool = False
    # Retrieval of originals: "inject" (the proxy adds `headroom_retrieve` to the request's tools and
    # answers calls itself — any client), "mcp" (the agent calls the tool through MCP at /mcp; wrap
    # registers it), "off" (markers point at `headroom retrieve --key`).
    retrieval: str = "inject"
    marker_tool: str = config.RETRIEVE_TOOL  # the retrieve tool as the model sees it
    marker_hint: str = ""  # extra marker words (e.g. how to load a deferred MCP tool)
    # Client connections (slowloris; proxy/watchdog.py): a request's headers must be complete this many seconds
    # after its first byte; an idle keep-alive connection closes after idle_timeout (Node clients keep idle
    # sockets for seconds: keep it ≥ 60); a request body must keep up body_min_rate bytes/s after body_grace s.
    header_timeout: float = 10.0
    idle_timeout: float = 75.0
    body_min_rate: float = 1024.0
    body_grace: float = 10.0
    # Stopping behind a load balancer (SIGTERM; runner.ProxyServer.drain): /healthz answers 503 at once; after
    # drain_delay seconds the proxy stops listening; requests in flight get drain_timeout seconds to finish.
    drain_timeout: float = 30.0
    drain_delay: float = 0.0
    # Durable records (a fleet on a shared store): an answer's end waits until its ledger row is committed, so
    # an instance killed at any moment loses no answered request's row. Off: rows are written after the answer.
    durable_records: bool = False
    # Called after every request with its figures (ledger, live counters). Exceptions are swallowed.
    on_record: Callable[[RequestRecord], None] | None = None
    # Where originals, the ledger and tokens live (`--store URL`, config `store`; "" = the user dirs' SQLite
    # files), and the backend opened from it (`backend()`; tests may hand one in).
    store_url: str = ""
    store: Any = field(default=None, repr=False)
    # What the proxy reads once when it starts (`read_at_start`), never per request: the originals' lifetime
    # (`cache_ttl`, else the persisted default: config.toml) and each user's view of the store (the user dirs).
    _ttl: int | None = field(default=None, init=False, repr=False, compare=False)
    _views: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def backend(self):
        """The `storage.Backend` this proxy keeps its state in (opened on first use, shared per URL)."""
        if self.store is None:
            from ..storage import open_store

            self.store = open_store(self.store_url)
        return self.store

    def originals(self, user: str = config.LOCAL_USER):
        """The store of originals as `user` sees it, opened once per user (finding the SQLite store resolves
        the user dirs: not again on every request)."""
        view = self._views.get(user)
        if view is None:
            view = self._views.setdefault(user, self.backend().originals(user))
        return view

    def originals_ttl(self) -> int:
        """The lifetime of the originals this proxy stores: `cache_ttl`, else the persisted default
        (`headroom cache --ttl`, config.toml; `ccr.store.default_ttl` reads the file), read once. A change of
        the config applies from the proxy's next start."""
        if self._ttl is None:
            if self.cache_ttl is not None:
                self._ttl = int(self.cache_ttl)
            else:
                from ..ccr.store import default_ttl

                self._ttl = default_ttl()
        return self._ttl

    def read_at_start(self) -> None:
        """What a proxy reads once when it starts (`Forwarder`): the lifetime of originals, read again; the
        users' views of the store, found again on first use. Config changes need a restart."""
        self._ttl = None
        self._views = {}
        self.originals_ttl()

    @classmethod
    def from_config(cls, **overrides: Any) -> ProxySettings:
        """Defaults from `config.get` (env vars `HEADROOM_*`, then config.toml); `overrides` that are
        not None win."""
        base: dict[str, Any] = {
            "anthropic_upstream": config.get("anthropic_upstream"),
            "openai_upstream": config.get("openai_upstream"),
            "gemini_upstream": config.get("gemini_upstream"),
            "max_body_bytes": config.get("max_body_bytes"),
            "no_compress": config.get("no_compress"),
            "compress_ratio": config.get("compress_ratio"),
            "cache_ttl": config.get("cache_ttl"),
            "drain_timeout": config.get("drain_timeout"),
            "drain_delay": config.get("drain_delay"),
            "store_url": config.get("store") or "",
            "durable_records": config.get("durable_records"),
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)
