"""The storage backend's interface: what the proxy, the CLI, MCP and learn keep and read, wherever it lives.

One `Backend` holds the four kinds of state headroom keeps: the store of originals (per owner), the ledger, the
learned rules and the gateway's tokens. `sqlite.py` keeps them in the user's directories (the default: nothing to
install), `postgres.py` in one PostgreSQL database a team's proxies share. Both pass the same behaviour suite
(tests/test_storage_backends.py).
"""
from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from .. import config
from ..errors import HeadroomError, StoreUnavailable  # noqa: F401  (StoreUnavailable: defined with the others)

LOCAL_USER = config.LOCAL_USER  # who owns what a request without a gateway token stores
MEMBER, ADMIN = "member", "admin"
ROLES = (MEMBER, ADMIN)  # an admin may see the team's figures; a member only their own



def redact_url(url: str) -> str:
    """`url` without its password (store URLs are shown in messages, banners and doctor's output)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable store URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def token_text(token_hash: str | bytes) -> str:
    """A token hash as stored: text as given, bytes as lowercase hex."""
    return token_hash.hex() if isinstance(token_hash, (bytes, bytearray)) else str(token_hash)


def check_token_fields(user: str, role: str) -> None:
    from ..errors import UsageError

    if role not in ROLES:
        raise UsageError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    if not user or user != user.strip():
        raise UsageError(f"user name {user!r} must be non-empty, without surrounding spaces")


class Originals(Protocol):
    """One owner's originals (`ccr.store.OwnerStore`): what the engine and retrieval call."""

    scope_id: str
    ttl: int | None

    def put(self, text: str, *, key: str | None = None, ttl: int | None = None,
            meta: dict | None = None) -> str: ...
    def put_many(self, items: list[tuple[str, str | None, dict | None]], *, ttl: int | None = None) -> list[str]: ...
    def get(self, key: str) -> str | None: ...
    def list(self) -> list[dict]: ...
    def clear(self) -> int: ...
    def stats(self) -> dict: ...


class Tokens(Protocol):
    """The gateway's users: only hashes of their tokens are stored (the caller hashes)."""

    def add(self, user: str, role: str, token_hash: str | bytes) -> int:
        """A new token for `user` with `role` (one of ROLES); returns its id."""
    def find(self, token_hash: str | bytes) -> tuple[str, str] | None:
        """(user, role) of the token with this hash, or None."""
    def list(self) -> list[dict]:
        """Every token: {id, user, role, created}, oldest first (no hashes)."""
    def revoke(self, who: str | int) -> int:
        """Delete the token with id `who` (an int), or every token of user `who` (a str); returns how many."""


class Backend:
    """Where headroom keeps its state. Open one with `storage.open_store(url)`."""

    kind = ""  # "sqlite" | "postgresql"
    url = ""  # as configured ("" for the default files)

    def describe(self) -> str:
        """Where the state lives, for people (no password)."""
        raise NotImplementedError

    def originals(self, owner: str = LOCAL_USER) -> Originals:
        """The store of originals as `owner` sees it."""
        raise NotImplementedError

    def ledger(self) -> Any:
        """A `stats.ledger.Ledger` on this store (close it when done; it shares the backend's connections)."""
        raise NotImplementedError

    def rules(self) -> Any:
        """Where the learned rules are kept: `load() -> {key: rule JSON}`, `save({key: rule JSON})` (all of them),
        `locked()` (a context manager around a read-merge-write). `learn.rules.RuleStore(data=…)` reads them."""
        raise NotImplementedError

    @property
    def tokens(self) -> Tokens:
        raise NotImplementedError

    def ping(self) -> None:
        """Return when the store answers; StoreUnavailable otherwise (a health check: cheap, bounded)."""
        raise NotImplementedError

    def pending_migrations(self) -> list[str]:
        """Schema migrations this headroom would apply (opening the store applies them): [] when current."""
        raise NotImplementedError

    def migrate(self) -> list[str]:
        """Apply pending migrations (idempotent, safe with other instances at once); the ones applied."""
        raise NotImplementedError

    def close(self) -> None:
        pass
