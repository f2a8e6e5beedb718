"""Where a member's lessons are shared: a team gateway (its `/headroom/lessons` route, with the member's own token:
no database credentials on laptops), or, with no gateway configured, the local store (`storage.open_store()`:
the user's files, or the `--store` a team points everyone at).

`team_for(gateway, token)` picks one; `share` contributes this repository's rules, `fetch` reads the team's.
"""
from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .. import config
from .. import shared_lessons as team
from ..errors import UsageError
from .rules import Rule

PATH = "/headroom/lessons"


def _setting(name: str) -> Any:
    return config.get(name) if name in config.SETTINGS else None


@dataclass(frozen=True)
class Team:
    gateway: str | None = None  # None: the local store
    token: str | None = None

    def describe(self) -> str:
        return f"the team gateway {self.gateway}" if self.gateway else "the local store"


def team_for(gateway: str | None = None, token: str | None = None) -> Team:
    """The gateway given (else configured: `gateway_url`, with `gateway_token`), or the local store."""
    url = gateway or _setting("gateway_url")
    tok = token or _setting("gateway_token")
    if not url:
        if token:
            raise UsageError("--token goes with a gateway", hint="pass --gateway URL too (or set gateway_url)")
        return Team()
    if not tok:
        raise UsageError(f"the gateway {url} needs your token",
                         hint="set HEADROOM_GATEWAY_TOKEN (or config gateway_token); `headroom team add` issues one")
    return Team(gateway=str(url).rstrip("/"), token=str(tok))


def _local_data():
    from ..storage import open_store

    return open_store().rules()


def _contributor() -> str:
    try:
        return getpass.getuser() or config.LOCAL_USER
    except Exception:  # no user name in this environment
        return config.LOCAL_USER


def outgoing(rules: list[Rule]) -> list[dict]:
    """A member's local rules as a contribution (no local paths)."""
    return [{"key": r.key, "kind": r.kind, "text": r.text, "evidence": [team.share_fields(e) for e in r.evidence]}
            for r in rules if not r.forgotten]


def rule_from_json(d: Any) -> Rule | None:
    """A team rule as the route answers it, for the writer; None when unusable."""
    if not (isinstance(d, dict) and isinstance(d.get("key"), str) and isinstance(d.get("text"), str)):
        return None
    ev = [e for e in d.get("evidence") or [] if isinstance(e, dict) and isinstance(e.get("id"), str)]
    return Rule(key=d["key"], kind=str(d.get("kind") or ""), text=d["text"], evidence=ev)


def share(where: Team, repo: str, rules: list[Rule]) -> dict:
    """Contribute `rules` (this member's, for `repo`); what the store says changed."""
    body = outgoing(rules)
    if where.gateway is None:
        return {**team.contribute(_local_data(), repo, _contributor(), body), "contributor": _contributor()}
    from ..gateway.client import call

    return call(where.gateway, where.token or "", f"{PATH}?repo={quote(repo, safe='')}", method="POST",
                body={"rules": body})


def fetch(where: Team, repo: str) -> list[Rule]:
    """The team's rules for `repo`, recurring first."""
    if where.gateway is None:
        rules: Any = team.team_rules(_local_data(), repo)
    else:
        from ..gateway.client import call

        answer = call(where.gateway, where.token or "", f"{PATH}?repo={quote(repo, safe='')}")
        rules = answer.get("rules") if isinstance(answer, dict) else None
    return [r for r in (rule_from_json(x) for x in rules or []) if r is not None]
