"""One `headroom learn` run: pick sessions, mine them, merge into the store, plan the file changes.

No printing here (cli/learn.py renders); errors are HeadroomError subclasses with hints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import NotFound, UsageError
from . import mining, readers, sources, writer
from .rules import Rule, RuleStore

DEFAULT_SINCE = "14d"
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`14d`, `12h`, `2w`, `30m`, or an ISO date → the cut-off time."""
    now = now or datetime.now(timezone.utc)
    t = text.strip().lower()
    m = re.fullmatch(r"(\d+)\s*([mhdw])", t)
    if m:
        return now - timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    dt = readers.parse_time(text.strip())
    if dt is None:
        raise UsageError(f"--since {text!r}: not a duration or date",
                         hint="use e.g. 14d, 12h, 2w, 30m or 2026-11-01")
    return dt


def default_targets(agent: str) -> list[str]:
    return sources.rules_targets(agent)  # from the profiles' [transcripts] rules_target


@dataclass
class LearnResult:
    project: str
    sessions: list = field(default_factory=list)  # readers.Session scanned
    found: list[Rule] = field(default_factory=list)  # rules with evidence in the scanned sessions
    rules: list[Rule] = field(default_factory=list)  # every stored rule of the project (what files get)
    changes: list = field(default_factory=list)  # writer.FileChange per target
    team: list[Rule] = field(default_factory=list)  # the team's rules for this repository (learn/share.py)


def select_sessions(*, project: str, agent: str, session_id: str | None, all_failures: bool,
                    since: str | None, homes: sources.Homes | None = None, now: datetime | None = None) -> list:
    if session_id:
        for scope in (project, None):  # this project first, then anywhere
            hits = [s for s in sources.load_sessions(project=scope, agent=agent, homes=homes)
                    if s.session_id == session_id or (len(session_id) >= 6 and s.session_id.startswith(session_id))]
            exact = [s for s in hits if s.session_id == session_id]
            hits = exact or hits
            if len({(s.agent, s.session_id) for s in hits}) > 1:
                raise UsageError(f"session id {session_id!r} is ambiguous",
                                 hint="give more characters: " + ", ".join(sorted(s.session_id for s in hits)))
            if hits:
                return hits
        raise NotFound(f"no session {session_id!r} found",
                       hint="looked in " + " and ".join(str(f) for f in sources.folders(homes)))
    sessions = sources.load_sessions(project=project, agent=agent, homes=homes)
    if since or not all_failures:
        cutoff = parse_since(since or DEFAULT_SINCE, now)
        sessions = [s for s in sessions if (s.last_time() or _mtime(s.path)) >= cutoff]
    return sessions


def _mtime(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return datetime.fromtimestamp(0, timezone.utc)


def learn(*, project: Path | str, agent: str = "all", session_id: str | None = None, all_failures: bool = False,
          since: str | None = None, homes: sources.Homes | None = None, targets: list[str] | None = None,
          store: RuleStore | None = None, now: datetime | None = None) -> LearnResult:
    """`homes`: agent → its folder, overriding the profile's (`--claude-home`, `--codex-home`)."""
    known = sources.sources()
    if agent != "all" and agent not in known:
        raise UsageError(f"unknown agent {agent!r}", hint=f"use --agent {sources.choices(known)}")
    project = str(Path(project).expanduser().resolve())
    store = store or RuleStore()
    sessions = select_sessions(project=project, agent=agent, session_id=session_id, all_failures=all_failures,
                               since=since, homes=homes, now=now)
    found = store.merge(mining.mine(sessions))
    rules = store.rules(project)
    changes = writer.plan(Path(project), rules, targets or default_targets(agent))
    return LearnResult(project=project, sessions=sessions, found=found, rules=rules, changes=changes)
