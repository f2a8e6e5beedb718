"""Write rules into a managed section of CLAUDE.md / AGENTS.md, leaving the user's text alone.

The section sits between two HTML comments (invisible when rendered). Only the bytes between and
including the markers are ever replaced; a file without the section gets it appended after a blank
line, so the user's text stays a byte-for-byte prefix. Files are read and written as bytes
(surrogateescape), so odd encodings and CRLF line ends survive. Same rules → same bytes: a second
apply changes nothing.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import HeadroomError
from .rules import Rule, write_atomic

BEGIN = "<!-- headroom:learn:begin -->"
END = "<!-- headroom:learn:end -->"
TITLE = "## Lessons from past sessions"
NOTE = ("_Maintained by `headroom learn` from failed and corrected agent sessions; edits here are replaced on "
        "the next `--apply`. Drop a rule with `headroom learn --forget \"<rule>\" --apply`._")

TEAM_TITLE = "### Shared by your team"
TEAM_NOTE = "_Learned in other members' sessions of this repository (`headroom learn --share`)._"

TARGET_FILES = {"claude": "CLAUDE.md", "agents": "AGENTS.md"}


def targets_for(target: str) -> list[str]:
    if target == "both":
        return ["claude", "agents"]
    if target not in TARGET_FILES:
        from ..errors import UsageError

        raise UsageError(f"unknown target {target!r}", hint="use --target claude, agents or both")
    return [target]


def render_section(rules: Iterable[Rule], newline: str = "\n", team: Iterable[Rule] = ()) -> str:
    """The managed section: this machine's rules, then the team's for this repository that are not among them."""
    rules = list(rules)
    mine = {r.key for r in rules} | {" ".join(r.text.split()).lower() for r in rules}
    shared = [r for r in team if r.key not in mine and " ".join(r.text.split()).lower() not in mine]
    lines = [BEGIN, TITLE, "", NOTE, ""]
    lines += [f"- {' '.join(r.text.split())}" for r in rules]
    if shared:
        lines += ([""] if rules else []) + [TEAM_TITLE, "", TEAM_NOTE, ""]
        lines += [f"- {' '.join(r.text.split())}" for r in shared]
    lines.append(END)
    return newline.join(lines)


def _newline_of(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def update_text(old: str | None, rules: list[Rule], *, where: str = "file", team: list[Rule] | None = None) -> str:
    """The file's new text: the managed section replaced or appended; everything else as it was."""
    team = team or []
    if old is None or old == "":
        return render_section(rules, team=team) + "\n" if rules or team else (old or "")
    nl = _newline_of(old)
    nb, ne = old.count(BEGIN), old.count(END)
    if nb == 0 and ne == 0:
        if not rules and not team:
            return old  # nothing to say: don't add an empty section
        sep = nl if old.endswith("\n") else nl + nl
        if old.endswith(nl + nl):
            sep = ""
        return old + sep + render_section(rules, nl, team) + nl
    b = old.find(BEGIN)
    e = old.find(END, b + len(BEGIN)) if b >= 0 else -1
    if nb != 1 or ne != 1 or b < 0 or e < 0:
        raise HeadroomError(f"{where}: the headroom section markers are damaged "
                            f"({nb} begin, {ne} end marker{'s' if ne != 1 else ''})",
                            hint=f"keep exactly one `{BEGIN}` … `{END}` pair, or delete both lines "
                                 "(and the lines between them) to start over")
    return old[:b] + render_section(rules, nl, team) + old[e + len(END):]


@dataclass
class FileChange:
    path: Path
    old: str | None  # None: the file does not exist yet
    new: str

    @property
    def changed(self) -> bool:
        if self.old is None:
            return self.new != ""  # nothing to write: don't create an empty file
        return self.old != self.new

    def diff(self, root: Path | None = None) -> str:
        if not self.changed:
            return ""
        name = str(self.path.relative_to(root)) if root and self.path.is_relative_to(root) else str(self.path)
        a = [] if self.old is None else self.old.splitlines(keepends=True)
        b = self.new.splitlines(keepends=True)
        out = []
        for line in difflib.unified_diff(a, b, fromfile="/dev/null" if self.old is None else f"a/{name}",
                                         tofile=f"b/{name}"):
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            out.append(line)
        return "".join(out)


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise HeadroomError(f"{path} is a directory") from None


def plan(project: Path, rules: list[Rule], targets: Iterable[str], team: list[Rule] | None = None) -> list[FileChange]:
    """What --apply would write, one entry per target file (changed or not); `team`: the team's rules for this
    repository, written after this machine's."""
    out = []
    for t in targets:
        path = Path(project) / TARGET_FILES[t]
        old = _read(path)
        out.append(FileChange(path=path, old=old, new=update_text(old, rules, where=str(path), team=team)))
    return out


def apply(changes: Iterable[FileChange]) -> list[Path]:
    """Write the changed files atomically (keeping an existing file's mode); return what was written."""
    written = []
    for c in changes:
        if not c.changed:
            continue
        if not c.path.parent.is_dir():
            raise HeadroomError(f"{c.path.parent} does not exist", hint="pass the project folder with --project")
        if c.old is not None:
            mode = os.stat(c.path).st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        write_atomic(c.path, c.new.encode("utf-8", "surrogateescape"), mode)
        written.append(c.path)
    return written
