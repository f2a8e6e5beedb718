"""A third workspace for captured sessions, other work again: an installed package's real source (rich, vendored
under src/) with a git history of two commits (a rename done across many modules, and a behaviour change hidden
in it), a small test suite whose one failure goes through three frames of the vendored code, and commands over the
machine itself: a process table (`ps`), the package table (`dpkg -l`), the package log (`/var/log/dpkg.log`),
Python's import-time table, a `du` listing. Nothing is downloaded.

Needles are computed from the built workspace, so they hold on another machine too (the machine's own tables
have none: what a question about them needs is whatever they hold)."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import scenario_tools  # noqa: E402  (benchmarks/ is on the path: run as a script or imported by the capture)

OLD_NAME, NEW_NAME = "cell_len", "cell_width"
BUG_OLD = "        return cached_cell_len(text, unicode_version)\n"
BUG_NEW = "        return cached_cell_len(text, unicode_version) + (1 if text.endswith(\" \") else 0)\n"

TESTS_PY = '''import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "src"))

import pytest
from rich.text import Text
from rich.cells import {new}


@pytest.mark.parametrize("word", ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
def test_width_of_a_word(word):
    assert {new}(word) == len(word)


def test_padded_text_keeps_its_width():
    t = Text("total ")
    assert t.cell_len == 6
'''.format(new=NEW_NAME)


def _git(cwd: Path, *args: str) -> None:
    scenario_tools.git(cwd, "2026-12-01T10:00:00Z", *args)  # every commit of this workspace at one date


def build(root: Path) -> Path:
    """Create the workspace under `root/ops` (replacing any previous copy) and return its path."""
    import rich

    proj = root / "ops"
    if proj.exists():
        shutil.rmtree(proj)
    (proj / "src").mkdir(parents=True)
    shutil.copytree(Path(rich.__file__).parent, proj / "src" / "rich",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (proj / "tests").mkdir()
    (proj / "tests" / "test_cells.py").write_text(TESTS_PY.replace(NEW_NAME, OLD_NAME))
    _git(proj, "init", "-q", "-b", "main")
    _git(proj, "add", ".")
    _git(proj, "commit", "-qm", "vendor rich")
    # the rename across every module that uses it, and one behaviour change inside it
    word = re.compile(rf"\b{OLD_NAME}\b")
    for f in sorted((proj / "src" / "rich").glob("*.py")) + [proj / "tests" / "test_cells.py"]:
        text = f.read_text()
        if f.name == "cells.py":
            text = text.replace(BUG_OLD, BUG_NEW, 1)
        new = word.sub(NEW_NAME, text)
        if new != text:
            f.write_text(new)
    _git(proj, "commit", "-qam", f"rename {OLD_NAME} to {NEW_NAME}")
    return proj


def needles(proj: Path) -> list[dict]:
    cells = (proj / "src" / "rich" / "cells.py").read_text()
    bug = next(ln for ln in cells.splitlines() if "endswith(\" \")" in ln)
    return [
        {"text": "+" + bug, "why": "the behaviour change hidden in the rename (git show)"},
        {"text": "test_padded_text_keeps_its_width", "why": "the failing test (pytest -x)"},
        {"text": "def cell_width(", "why": "the renamed definition (grep)"},
        {"text": "rename cell_len to cell_width", "why": "the commit (git log)"},
    ]


PROMPT = ("The last commit renamed cell_len to cell_width. Did it change any behaviour, and why does the "
          "padded-text test fail now? Also: which processes use the most memory on this machine, when were the "
          "PostgreSQL packages installed, and which imports make `import rich.console` slow?")


def commands(py: str) -> list[str]:
    return [
        "git log --stat -3",
        "git show HEAD",
        f"{py} -m pytest -x -q -p no:cacheprovider tests",
        f"grep -rn '{NEW_NAME}' src/rich",
        "ps -eo pid,ppid,user,stat,rss,vsz,etime,comm --sort=-rss | head -60",
        "dpkg -l | head -200",
        "grep -n postgresql /var/log/dpkg.log | tail -n 80",
        "tail -n 400 /var/log/dpkg.log",
        f"{py} -X importtime -c 'import rich.console' 2>&1 | tail -n 120",
        "du -ah src/rich | sort -h | tail -n 60",
        "find src/rich -name '*.py' -size +20k | sort",
        "cat src/rich/__init__.py",
    ]


if __name__ == "__main__":
    p = build(Path(sys.argv[1]))
    print(p)
    print(json.dumps(needles(p), indent=1))
