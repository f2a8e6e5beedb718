"""The agent's working directory, as the request itself states it — wire-independent.

The agents say where they run, in text the model reads:
- Claude Code: `Primary working directory: /home/dev/app` (its environment block, in `system` or a
  `role: "system"` message);
- Codex: `<environment_context>\\n  <cwd>/home/dev/app</cwd>` in a user message;
- OpenCode: `<env>\\n  Working directory: /home/dev/app`;
- Copilot CLI (1.0.102): `* Current working directory: /home/dev/app`;
- Gemini CLI: `- **Workspace Directories:**\\n  - /home/dev/app` (the first one).

The statement that counts for a tool result is the last one before it: in a top-level field of the body (the
system prompt, instructions — all before the conversation) or in an earlier item of the conversation. Never one
inside a tool result (command output may quote anything), never the tool schemas, never a later item: the
answer is a pure function of what precedes the block, so a block is treated the same on every turn.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

_STATEMENT = re.compile(
    r"Primary working directory: *(/[^\n`]*)"
    r"|<cwd>(/[^<\n]*)</cwd>"
    r"|^[ \t]*(?:[-*] )?(?:[Cc]urrent )?[Ww]orking directory(?: is)?: *`?(/[^\n`]*)"
    r"|\*\*Workspace Directories:\*\*\n[ \t]*- (/[^\n]*)",
    re.M,
)
_TRIGGERS = ("orking directory", "<cwd>", "Workspace Directories")
_SKIP_KEYS = frozenset(("tools", "functions", "tool_choice", "metadata"))


def statements(text: str) -> list[str]:
    """Every working directory `text` states, in order."""
    if not any(t in text for t in _TRIGGERS):
        return []
    out = []
    for m in _STATEMENT.finditer(text):
        p = next(g for g in m.groups() if g is not None).strip().rstrip(".,;:)")
        if p:
            out.append(p.rstrip("/") or "/")
    return out


class WorkDirs:
    """The stated working directories of one request body, by position: `at(site_path)`."""

    def __init__(self, body: dict, site_paths: Iterable[tuple]):
        skip = set(site_paths)  # tool results: their text never states the agent's directory
        lists = {p[0] for p in skip if p}  # the conversation: the lists the tool results are in
        self.preamble: str | None = None  # the last statement outside the conversation lists
        self.by_item: dict[str, list[tuple[int, str]]] = {}  # conversation list key -> (item index, statement)
        if not isinstance(body, dict):
            return
        for key, value in body.items():
            if key in _SKIP_KEYS:
                continue
            if key in lists and isinstance(value, list):
                found = []
                for i, item in enumerate(value):
                    for s in _strings(item, (key, i), skip):
                        for p in statements(s):
                            found.append((i, p))
                if found:
                    self.by_item[key] = found
            else:
                for s in _strings(value, (key,), skip):
                    for p in statements(s):
                        self.preamble = p

    def at(self, site_path: tuple) -> str | None:
        """The working directory stated before the item at `site_path` (None: none stated)."""
        cwd = self.preamble
        if len(site_path) >= 2 and isinstance(site_path[1], int):
            for i, p in self.by_item.get(site_path[0], ()):
                if i >= site_path[1]:
                    break
                cwd = p
        return cwd


def _strings(obj: Any, path: tuple, skip: set) -> list[str]:
    out: list[str] = []
    stack = [(obj, path)]
    while stack:
        o, p = stack.pop()
        if p in skip:
            continue
        if isinstance(o, str):
            out.append(o)
        elif isinstance(o, dict):
            stack.extend((v, p + (k,)) for k, v in reversed(list(o.items())))
        elif isinstance(o, list):
            stack.extend((v, p + (i,)) for i, v in reversed(list(enumerate(o))))
    return out
