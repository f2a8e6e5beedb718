"""A team's shared lessons, per repository: what the gateway's `/headroom/lessons` keeps and answers, and how
lessons rank (recurring first), for `headroom learn` and the gateway alike.

Members contribute the rules `headroom learn` found in their sessions of a repository (identified by its normalised
git remote, learn/repo.py). The same lesson from several members and agents is one rule (its key, as mining
normalised it), keeping every piece of evidence with who contributed it; contributing again adds nothing. The rules
live in the store's rules collection (`storage` backend `rules()`: `load`, `save`, `locked`), under keys of their
own (`team|<repo>|<lesson key>`), beside any rules learned on that machine.

Pure logic on plain JSON, importing neither learn nor the proxy (proxy/lessons.py serves it, learn/share.py
calls it, learn/repo.py names repositories with `normalize_remote`).
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .errors import UsageError

PREFIX = "team|"
MAX_RULES = 500  # one contribution
MAX_EVIDENCE = 50  # per rule and contribution: enough to rank by, bounded in size
MAX_TEXT = 500
# evidence fields a contribution may carry (the member's local paths are not shared)
_EVIDENCE_FIELDS = ("id", "agent", "session", "ts", "tool", "failed", "fixed", "error", "fixed_tool", "quote")


def team_key(repo: str, key: str) -> str:
    return f"{PREFIX}{repo}|{key}"


def _clean_evidence(e: Any, contributor: str) -> dict | None:
    if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not e["id"]:
        return None
    out = {k: str(e[k])[:MAX_TEXT] for k in _EVIDENCE_FIELDS if isinstance(e.get(k), (str, int, float))}
    out.setdefault("agent", "unknown")
    out.setdefault("session", "unknown")
    out["id"] = f"{contributor}/{out['id']}"  # two members' sessions may number their events alike
    out["contributor"] = contributor
    return out


def check_rules(rules: Any) -> list[dict]:
    """A contribution's rules, validated (a UsageError says what is wrong): [{key, kind, text, evidence}]."""
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise UsageError(f"`rules` must be a list of at most {MAX_RULES} rules")
    out = []
    for r in rules:
        if not (isinstance(r, dict) and isinstance(r.get("key"), str) and isinstance(r.get("text"), str)
                and 0 < len(r["key"]) <= MAX_TEXT and 0 < len(r["text"].strip()) <= MAX_TEXT
                and isinstance(r.get("evidence", []), list)):
            raise UsageError("each rule needs a `key` and a `text` (strings, at most 500 characters) and an "
                             "`evidence` list")
        out.append(r)
    return out


def contribute(data: Any, repo: str, contributor: str, rules: list[dict]) -> dict:
    """Merge a member's rules for `repo` into the team's (idempotent): what changed."""
    rules = check_rules(rules if not isinstance(rules, (tuple, set)) else list(rules))
    new_rules = new_evidence = 0
    with data.locked():
        stored = data.load()
        changed = False
        for r in rules:
            k = team_key(repo, r["key"])
            cur = stored.get(k)
            if not isinstance(cur, dict):
                cur = stored[k] = {"kind": str(r.get("kind") or ""), "text": " ".join(r["text"].split()),
                                   "projects": [f"repo:{repo}"], "evidence": []}
                new_rules += 1
                changed = True
            seen = {e.get("id") for e in cur.get("evidence") or [] if isinstance(e, dict)}
            for e in (r.get("evidence") or [])[:MAX_EVIDENCE]:
                ce = _clean_evidence(e, contributor)
                if ce is not None and ce["id"] not in seen:
                    seen.add(ce["id"])
                    cur.setdefault("evidence", []).append(ce)
                    new_evidence += 1
                    changed = True
        if changed:
            data.save(stored)
    return {"repo": repo, "rules": len(rules), "new_rules": new_rules, "new_evidence": new_evidence}


def rank_key(key: str, evidence: list[dict]) -> tuple:
    """Recurring lessons first: seen in more sessions, then by more agents, then more often; then by key (so the
    order never depends on the run)."""
    sessions = {f"{e.get('agent')}:{e.get('session')}" for e in evidence}
    agents = {e.get("agent") for e in evidence}
    return (-len(sessions), -len(agents), -len(evidence), key)


def team_rules(data: Any, repo: str) -> list[dict]:
    """The team's rules for `repo`, ranked: {key, kind, text, count, sessions, agents, contributors, first_seen,
    last_seen, evidence} each (the API's answer)."""
    prefix = team_key(repo, "")
    out = []
    for k, r in data.load().items():
        if not (k.startswith(prefix) and isinstance(r, dict) and isinstance(r.get("text"), str)) or r.get("forgotten"):
            continue
        ev = sorted((e for e in r.get("evidence") or [] if isinstance(e, dict) and isinstance(e.get("id"), str)),
                    key=lambda e: (str(e.get("ts") or ""), e["id"]))
        ts = [str(e.get("ts")) for e in ev if e.get("ts")]
        out.append({"key": k[len(prefix):], "kind": str(r.get("kind") or ""), "text": r["text"], "count": len(ev),
                    "sessions": sorted({f"{e.get('agent')}:{e.get('session')}" for e in ev}),
                    "agents": sorted({str(e.get("agent")) for e in ev}),
                    "contributors": sorted({str(e["contributor"]) for e in ev if e.get("contributor")}),
                    "first_seen": min(ts, default=""), "last_seen": max(ts, default=""), "evidence": ev})
    return sorted(out, key=lambda d: rank_key(d["key"], d["evidence"]))


def share_fields(evidence: dict) -> dict:
    """What of a piece of local evidence is shared (not the member's local paths)."""
    return {k: evidence[k] for k in _EVIDENCE_FIELDS if k in evidence}


# --- which repository -------------------------------------------------------------------------------------------

# scp-like syntax: [user@]host:path (no scheme, no slash before the colon)
_SCP = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!/)(.+)$")


def normalize_remote(url: str) -> str:
    """`git@github.com:Acme/Shop.git`, `https://token@github.com/acme/shop/`, `ssh://git@github.com:22/acme/shop`
    → `github.com/acme/shop`. A local path stays a path (without `.git`). "" for nothing usable."""
    u = (url or "").strip()
    if not u:
        return ""
    if "://" in u:
        parts = urlsplit(u)
        host, path = (parts.hostname or ""), parts.path
        if parts.scheme == "file" or not host:
            host, path = "", parts.path
    else:
        m = _SCP.match(u)
        host, path = (m.group(1), m.group(2)) if m else ("", u)
    path = re.sub(r"/+", "/", path.strip("/"))
    path = re.sub(r"\.git$", "", path).rstrip("/")
    if not host:
        return ("/" + path) if u.startswith(("/", "file:")) else path
    return f"{host.lower()}/{path.lower()}"
