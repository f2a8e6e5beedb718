"""The shared store of learned rules: one JSON file in the user data dir, for every agent.

A lesson learned from Claude Code sessions is stored under the project it came from, so the next
`headroom learn --target agents` writes it into AGENTS.md for Codex too. Evidence is keyed by
(agent, session, event), so mining the same session twice adds nothing.
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .. import config
from .mining import Occurrence

STORE_VERSION = 1


@dataclass
class Rule:
    key: str
    kind: str
    text: str
    projects: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)  # {id, agent, session, project, ts, …example}
    forgotten: bool = False  # dropped by the user: kept so re-mining does not bring it back

    @property
    def count(self) -> int:
        return len(self.evidence)

    @property
    def sessions(self) -> list[str]:
        return sorted({f"{e['agent']}:{e['session']}" for e in self.evidence})

    @property
    def agents(self) -> list[str]:
        return sorted({e["agent"] for e in self.evidence})

    @property
    def first_seen(self) -> str:
        return min((e.get("ts") or "" for e in self.evidence), default="")

    @property
    def last_seen(self) -> str:
        return max((e.get("ts") or "" for e in self.evidence), default="")

    @property
    def example(self) -> dict:
        """The earliest evidence (stable as more sessions are mined)."""
        return min(self.evidence, key=lambda e: (e.get("ts") or "", e["id"])) if self.evidence else {}

    def to_json(self) -> dict:
        return {"key": self.key, "kind": self.kind, "text": self.text, "count": self.count,
                "sessions": self.sessions, "agents": self.agents, "projects": sorted(self.projects),
                "first_seen": self.first_seen, "last_seen": self.last_seen, "example": self.example}


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data` in one step (a temp file beside it, renamed over it); the file gets `mode`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def rank(rules: Iterable[Rule]) -> list[Rule]:
    """Recurring lessons first (seen in more sessions, then by more agents, then more often); ties broken by key so
    the order never depends on the run."""
    return sorted(rules, key=lambda r: (-len(r.sessions), -len(r.agents), -r.count, r.key))


def default_path() -> Path:
    return config.paths().data_dir / "learn" / "rules.json"


class RuleStore:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()

    # --- file ---
    def load(self) -> dict[str, Rule]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as e:
            from ..errors import HeadroomError

            raise HeadroomError(f"{self.path}: unreadable rules store: {e}",
                                hint="move the file away; `headroom learn` rebuilds it from your sessions") from None
        out: dict[str, Rule] = {}
        for key, r in (raw.get("rules") or {}).items():
            if isinstance(r, dict) and isinstance(r.get("text"), str):
                out[key] = Rule(key=key, kind=str(r.get("kind", "")), text=r["text"],
                                projects=list(r.get("projects") or []), evidence=list(r.get("evidence") or []),
                                forgotten=bool(r.get("forgotten")))
        return out

    def save(self, rules: dict[str, Rule]) -> None:
        config.ensure_dir(self.path.parent)
        data = {"version": STORE_VERSION,
                "rules": {k: {"kind": r.kind, "text": r.text, "projects": sorted(r.projects),
                              "evidence": sorted(r.evidence, key=lambda e: e["id"]),
                              **({"forgotten": True} if r.forgotten else {})}
                          for k, r in sorted(rules.items())}}
        text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"), 0o600)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise read-merge-write between concurrent `headroom learn` runs (POSIX; best effort)."""
        config.ensure_dir(self.path.parent)
        try:
            import fcntl
        except ImportError:  # Windows: last writer wins
            yield
            return
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # --- operations ---
    def merge(self, occurrences: Iterable[Occurrence]) -> list[Rule]:
        """Add occurrences (idempotent); return the rules they belong to, ranked."""
        occurrences = list(occurrences)
        with self._locked():
            rules = self.load()
            touched: dict[str, Rule] = {}
            ids: dict[str, set[str]] = {}
            changed = False
            for o in occurrences:
                r = rules.get(o.key)
                if r is None:
                    r = rules[o.key] = Rule(key=o.key, kind=o.kind, text=o.text)
                    changed = True
                if o.project and o.project not in r.projects:
                    r.projects.append(o.project)
                    changed = True
                eid = f"{o.agent}:{o.ref}" if o.ref.startswith("id:") else f"{o.agent}:{o.session_id}:{o.ref}"
                seen = ids.setdefault(o.key, {e["id"] for e in r.evidence})
                if eid not in seen:
                    seen.add(eid)
                    r.evidence.append({"id": eid, "agent": o.agent, "session": o.session_id,
                                       "project": o.project, "ts": o.timestamp, **o.evidence})
                    changed = True
                touched[o.key] = r
            if changed:
                self.save(rules)
        return rank(r for r in touched.values() if not r.forgotten)

    def rules(self, project: str | None = None) -> list[Rule]:
        """Rules learned in a project's sessions (all rules when project is None), ranked."""
        rules = [r for r in self.load().values() if not r.forgotten]
        if project is not None:
            p = str(project).rstrip("/")
            rules = [r for r in rules if any(x.rstrip("/") == p or x.startswith(p + "/") for x in r.projects)]
        return rank(rules)

    def set_texts(self, texts: dict[str, str]) -> int:
        """Replace rule texts (e.g. phrased by --llm); keys and evidence stay."""
        with self._locked():
            rules = self.load()
            n = 0
            for k, t in texts.items():
                if k in rules and t and rules[k].text != t:
                    rules[k].text = t
                    n += 1
            if n:
                self.save(rules)
        return n

    def forget(self, selectors: Iterable[str]) -> list[Rule]:
        """Drop rules named by key or by their text (as shown, with or without the `- ` bullet)."""
        want = {_norm_text(x) for x in selectors}
        with self._locked():
            rules = self.load()
            hit = [r for r in rules.values() if not r.forgotten
                   and (r.key in want or _norm_text(r.text) in want)]
            for r in hit:
                r.forgotten = True
            if hit:
                self.save(rules)
        return rank(hit)


def _norm_text(t: str) -> str:
    t = " ".join(t.strip().split())
    return (t[2:] if t.startswith("- ") else t).lower()
