"""Gap markers of search results name every file whose hits are all omitted, with its count; a run of four
or more consecutive files under one directory writes the directory once (`dir/{a.py (2), b.py (1), ...}`)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import anthropic
import pytest

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import search

_GAP = re.compile(r"^\[… \d+ lines?(?: \([^)]*\))? in \d+ files?: (?P<names>.*) omitted\]$")


def _expand(names: str) -> list[tuple[str, int]]:
    """`a/{b.py (2), c/{d.py (1)}}, e.py (3)` -> [("a/b.py", 2), ("a/c/d.py", 1), ("e.py", 3)]."""
    out: list[tuple[str, int]] = []

    def items(s: str, i: int, prefix: str, stop: str) -> int:
        while True:
            m = re.compile(r"([^{}(,]*?)(\{| \((\d+)\))").match(s, i)
            assert m, (s, i)
            if m.group(2) == "{":
                i = items(s, m.end(), prefix + m.group(1), "}")
                assert s[i] == "}", (s, i)
                i += 1
            else:
                out.append((prefix + m.group(1), int(m.group(3))))
                i = m.end()
            if i == len(s) or s[i] == stop:
                return i
            assert s.startswith(", ", i), (s, i)
            i += 2

    assert items(names, 0, "", "") == len(names)
    return out


def test_expand_reads_nested_groups():
    assert _expand("a/{b.py (2), c/{d.py (1), e.py (4)}}, f.py (3)") == [
        ("a/b.py", 2), ("a/c/d.py", 1), ("a/c/e.py", 4), ("f.py", 3)]


def test_names_group_consecutive_files_under_their_shared_directory():
    names = search._names([("pkg/a.py", 2), ("pkg/b.py", 1), ("pkg/sub/c.py", 4), ("pkg/sub/d.py", 1),
                           ("pkg/sub/e.py", 1), ("pkg/sub/f.py", 2), ("other/e.py", 3), ("top.py", 1)])
    assert names == ("pkg/{a.py (2), b.py (1), sub/{c.py (4), d.py (1), e.py (1), f.py (2)}}, other/e.py (3), "
                     "top.py (1)")
    # fewer than four files under a directory: each path whole (what the next command pastes)
    assert search._names([("pkg/a.py", 2), ("pkg/b.py", 1), ("pkg/sub/c.py", 4), ("x.py", 1)]) == (
        "pkg/a.py (2), pkg/b.py (1), pkg/sub/c.py (4), x.py (1)")
    # a name that could read as brace syntax: the flat list
    assert search._names([("a/{x}.py", 1), ("a/b.py", 2)]) == "a/{x}.py (1), a/b.py (2)"


@pytest.mark.skipif(shutil.which("grep") is None, reason="no grep")
@pytest.mark.parametrize("sub", ["anthropic/lib", "anthropic/types/beta"])
def test_real_grep_markers_name_every_omitted_file_once_per_directory(sub):
    root = Path(anthropic.__file__).parent.parent
    text = subprocess.run(["grep", "-rn", "import", sub, "--include=*.py"], cwd=root, capture_output=True,
                          text=True, check=True).stdout
    res = search.compress(text, Context(tool_input=f"grep -rn import {sub}"))
    assert res is not None
    hits: dict[str, int] = {}
    for ln in text.splitlines():
        f = ln.split(":", 1)[0]
        hits[f] = hits.get(f, 0) + 1
    out = res.text.splitlines()
    kept = {ln.split(":", 1)[0] for ln in out if not ln.startswith("[…")}
    named: dict[str, int] = {}
    grouped = unnamed = 0
    for ln in out:
        m = _GAP.match(ln)
        if not m:
            continue
        names, more = re.fullmatch(r"(.*?)(?:, \+(\d+) more)?", m.group("names")).groups()
        entries = _expand(names)
        unnamed += int(more or 0)
        named.update(entries)
        flat = ", ".join(f"{f} ({c})" for f, c in entries)
        if len(entries) >= 4 and len({f.rsplit("/", 1)[0] for f, _ in entries[:4]}) == 1:
            assert len(names) < len(flat)  # the shared directory written once
            grouped += 1
    assert grouped >= 1
    # every file with all of its hits omitted is named, with its count (past the first 20 of a gap: counted)
    omitted = {f: c for f, c in hits.items() if f not in kept}
    assert all(omitted[f] == c for f, c in named.items())
    assert len(named) + unnamed == len(omitted)
