"""Who a gateway request is: the token it presents, looked up in the team's store of tokens.

`Authenticator.identify(token)` → `Identity(user, role)` or None. The store holds only hashes and is asked by
hash, so what a lookup's timing could tell is about the hash, which says nothing of the token. Hits are kept a few seconds (`ttl`) so a busy gateway does not ask the
database on every request; a revoked token therefore stops working within `ttl` seconds. Misses are never
kept: a token added a moment ago works at once."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol

from ..storage.base import ADMIN, MEMBER, ROLES
from . import tokens

__all__ = ["ADMIN", "MEMBER", "ROLES", "Identity", "Authenticator", "presented"]

# Where the proxy's guard leaves the identity on an (aiohttp) request, for the handlers behind it.
# Whose the ledger row of a request refused for its token is: no user's (a name `team add` cannot give: brackets).
UNAUTHENTICATED = "(no valid token)"


@dataclass(frozen=True)
class Identity:
    user: str
    role: str = MEMBER

    @property
    def admin(self) -> bool:
        return self.role == ADMIN


class TokenLookup(Protocol):
    def find(self, token_hash: str) -> tuple[str, str] | None: ...


class Authenticator:
    """`tokens_of`: the store's token table (anything with `find(token_hash) -> (user, role) | None`)."""

    def __init__(self, tokens_of: TokenLookup, *, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.tokens_of = tokens_of
        self.ttl = ttl
        self.clock = clock
        self._hits: dict[str, tuple[float, Identity]] = {}
        self._lock = threading.Lock()

    def kept(self, token: str) -> Identity | None:
        """The identity of a token seen less than `ttl` seconds ago (no store lookup), else None."""
        with self._lock:
            hit = self._hits.get(tokens.hash_token(token))
        return hit[1] if hit is not None and self.clock() - hit[0] < self.ttl else None

    def identify(self, token: str | None) -> Identity | None:
        if not token:
            return None
        if (who := self.kept(token)) is not None:
            return who
        digest = tokens.hash_token(token)
        now = self.clock()
        found = self.tokens_of.find(digest)
        if found is None:
            with self._lock:
                self._hits.pop(digest, None)
            return None
        user, role = found
        who = Identity(user=user, role=role if role in ROLES else MEMBER)
        with self._lock:
            if len(self._hits) > 10_000:  # bounded: a flood of distinct valid tokens cannot grow it forever
                self._hits.clear()
            self._hits[digest] = (now, who)
        return who

    def forget(self) -> None:
        """Drop the kept hits (after a revocation in this process)."""
        with self._lock:
            self._hits.clear()


def presented(*, path_token: str | None, headers: Mapping[str, str], own_route: bool) -> str | None:
    """The token a request carries: its path prefix, else the `X-Headroom-Token` header, else, on headroom's
    own routes only, `Authorization: Bearer <token>` (on provider routes that header is the provider's key)."""
    if path_token:
        return path_token
    header = (headers.get(tokens.HEADER) or "").strip()
    if header:
        return header
    if own_route:
        scheme, _, value = (headers.get("Authorization") or "").strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None
