"""The shared store of learned rules: one JSON file in the user data dir (or a team's store), for every agent.

A lesson learned from Claude Code sessions is stored under the project it came from, so the next
`headroom learn --target agents` writes it into AGENTS.md for Codex too. Evidence is keyed by
(agent, session, event), so mining the same session twice adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..storage.rules_file import STORE_VERSION, RulesFile, default_path, write_atomic  # noqa: F401 (shared)
from ..shared_lessons import rank_key
from .mining import Occurrence


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


def rank(rules: Iterable[Rule]) -> list[Rule]:
    """Recurring lessons first (seen in more sessions, then by more agents, then more often); ties broken by key so
    the order never depends on the run."""
    return sorted(rules, key=lambda r: rank_key(r.key, r.evidence))


def rule_from_json(key: str, r) -> Rule | None:
    """A stored rule (one entry of the file's `rules`, or one row of a shared store); None if unusable."""
    if not (isinstance(r, dict) and isinstance(r.get("text"), str)):
        return None
    return Rule(key=key, kind=str(r.get("kind", "")), text=r["text"], projects=list(r.get("projects") or []),
                evidence=list(r.get("evidence") or []), forgotten=bool(r.get("forgotten")))


def rule_to_json(r: Rule) -> dict:
    """What is stored of a rule (its key is where it is stored)."""
    return {"kind": r.kind, "text": r.text, "projects": sorted(r.projects),
            "evidence": sorted(r.evidence, key=lambda e: e["id"]), **({"forgotten": True} if r.forgotten else {})}


class RuleStore:
    """The rules and what can be done with them; where they are kept is `data`'s business (a `RulesFile` in the
    user data dir by default, or a store's: `storage.open_store(url).rules()`)."""

    def __init__(self, path: Path | None = None, *, data=None):
        self.data = data if data is not None else RulesFile(path)

    @property
    def path(self) -> Path | None:
        return getattr(self.data, "path", None)

    def load(self) -> dict[str, Rule]:
        return {key: rule for key, r in self.data.load().items() if (rule := rule_from_json(key, r))}

    def save(self, rules: dict[str, Rule]) -> None:
        self.data.save({k: rule_to_json(r) for k, r in rules.items()})

    def _locked(self):
        return self.data.locked()

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
