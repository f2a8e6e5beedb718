"""The logic behind `headroom team`: a gateway's users and their tokens, and the figures per user.

Everything goes through the store's backend (`storage.Backend`: its `tokens` table and its ledger), so the same
commands work on the embedded SQLite files and on a team's PostgreSQL. A token is shown once, when it is made:
only its hash is kept. Remotely (`--gateway URL`), stats come from the gateway's `/stats` with the caller's own
token: a member sees their own figures, an admin the team's."""
from __future__ import annotations

import re
import time
from typing import Any

from ..errors import NotFound, UsageError
from . import tokens
from .auth import ADMIN, MEMBER, Identity


# A user's name: what people use as logins and e-mail addresses, nothing a log or a table would garble (and never
# auth.UNAUTHENTICATED, the name of refused requests).
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")


def add(backend: Any, user: str, *, admin: bool = False) -> str:
    """A new token for `user` (a user may hold several: one per machine); returns it — the only time it is seen."""
    if not USER_NAME.fullmatch(user or ""):
        raise UsageError(f"user name {user!r}: letters, digits and . _ @ + - only (up to 100, starting with a "
                         "letter or digit)", hint="e.g. alice, alice.smith, alice@example.com")
    token = tokens.new_token()
    backend.tokens.add(user, ADMIN if admin else MEMBER, tokens.hash_token(token))
    return token


def members(backend: Any) -> list[dict]:
    """Every token: {id, user, role, created}, oldest first (no hashes)."""
    return list(backend.tokens.list())


def revoke(backend: Any, user: str) -> int:
    """Delete every token of `user`; NotFound when they held none."""
    n = backend.tokens.revoke(user)
    if not n:
        raise NotFound(f"no gateway token belongs to {user!r}", hint="`headroom team list` shows the users")
    return n


def stats_for(backend: Any, who: Identity, *, since: float | None = None) -> dict:
    """The figures `who` may see: their own totals; an admin also the team's, per user. What the gateway's
    `/stats` answers (JSON) and `headroom team stats` shows."""
    ledger = backend.ledger()
    try:
        out: dict[str, Any] = {"user": who.user, "role": who.role, "basis": "this gateway's ledger",
                               "totals": ledger.totals(user=who.user, since=since)}
        if who.admin:
            out["team"] = ledger.group("user", since=since)
    finally:
        ledger.close()
    return out


def team_stats(backend: Any, *, since: float | None = None) -> list[dict]:
    """Totals per user, straight from the store (the operator on the store's own machine or database)."""
    ledger = backend.ledger()
    try:
        return ledger.group("user", since=since)
    finally:
        ledger.close()


def remote_stats(gateway_url: str, token: str, *, since: str | None = None) -> dict:
    """The gateway's `/stats` for the holder of `token`: their figures, and the team's for an admin (`since`:
    as `headroom stats --since`, e.g. 7d)."""
    from urllib.parse import quote

    from .client import call

    return call(gateway_url, token, "/stats" + (f"?since={quote(since)}" if since else ""))


def when(created: float | None) -> str:
    if not created:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created))
