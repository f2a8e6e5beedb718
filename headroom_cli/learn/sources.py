"""Which agents' past sessions `headroom learn` reads, and where: the `[transcripts]` sections of the
launcher profiles (`launch/profiles.py`: folder, subfolder, reader, rules file) joined with the readers
that parse each format (`readers.FORMATS`). An agent whose transcripts one of those readers
understands needs only its profile.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import UsageError
from ..launch.profiles import Home, all_profiles
from .readers import FORMATS, Format, Session
from .writer import TARGET_FILES

Homes = Mapping[str, "Path | None"]  # agent → its folder, overriding the profile's (None: the profile's)


@dataclass(frozen=True)
class Source:
    agent: str
    home: Home
    subdir: str
    rules_target: str  # writer target: "claude" (CLAUDE.md) or "agents" (AGENTS.md)
    format: Format

    def folder(self, homes: Homes | None = None) -> Path:
        override = (homes or {}).get(self.agent)
        return Path(override) if override else self.home.path()


def sources() -> dict[str, Source]:
    """Agents with a `[transcripts]` section, by name (a bad section is a UsageError naming its file)."""
    out: dict[str, Source] = {}
    for name, p in all_profiles().items():
        t = p.transcripts
        if t is None:
            continue
        if t.reader not in FORMATS:
            raise UsageError(f"{p.source}: launcher profile field `transcripts.reader` names unknown reader "
                             f"{t.reader!r}", hint=f"known readers: {', '.join(FORMATS)}")
        if t.rules_target not in TARGET_FILES:
            raise UsageError(f"{p.source}: launcher profile field `transcripts.rules_target` must be one of "
                             f"{', '.join(TARGET_FILES)}, not {t.rules_target!r}")
        out[name] = Source(agent=name, home=t.home, subdir=t.dir, rules_target=t.rules_target,
                           format=FORMATS[t.reader])
    return out


def choices(known: Mapping[str, Source] | None = None) -> str:
    """`claude, codex or all`, for messages."""
    names = list(sources() if known is None else known)
    return f"{', '.join(names)} or all" if names else "all"


def check_agent(agent: str) -> None:
    known = sources()
    if agent != "all" and agent not in known:
        raise UsageError(f"--agent {agent!r}: use {choices(known)}",
                         hint="agents whose launcher profile has a transcripts section")


def default_home(agent: str) -> Path:
    return sources()[agent].home.path()


def rules_targets(agent: str) -> list[str]:
    """The files `learn --apply` writes by default: the agent's, or every agent's for `all`."""
    known = sources()
    if agent in known:
        return [known[agent].rules_target]
    return list(dict.fromkeys(s.rules_target for s in known.values()))


def folders(homes: Homes | None = None) -> list[Path]:
    """Where sessions are looked for (for hints)."""
    return [s.folder(homes) for s in sources().values()]


def load_sessions(*, agent: str = "all", homes: Homes | None = None, project: str | None = None) -> list[Session]:
    """Every readable session of the chosen agents (for one project, or all when project is None)."""
    out: list[Session] = []
    for name, src in sources().items():
        if agent not in (name, "all"):
            continue
        for path in src.format.find(src.folder(homes), project, src.subdir):
            s = src.format.read(path)
            if s.events:
                s.agent = name  # a reader names its own format; the session belongs to this agent
                out.append(s)
    out.sort(key=lambda s: (s.started, s.agent, s.session_id))
    return out
