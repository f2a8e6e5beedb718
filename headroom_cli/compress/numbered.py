"""File-read output with line numbers (Claude Code's `Read`, `cat -n`, `nl -ba`): split into numbers and content.

Claude Code 2.1.330 prefixes each line with `     12→`, 2.1.33x with `12\\t`; `cat -n` with `    12\\t`. A line
whose content is empty may carry its number alone (`2501`). Agents append text after the numbered lines
(Claude Code's `<system-reminder>`), so a block is: lines before the numbered run, the run, lines after it.

A run counts as numbered only when its numbers go up by one from line to line: a TSV whose first column is a
number is not a numbered read, and stripping its first column would lose data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = re.compile(r"[ \t]*(\d{1,9})(?:→|\t|$)")
MIN_RUN = 3  # fewer numbered lines than this: not a numbered read


@dataclass(frozen=True)
class Numbered:
    """`lines[start:end]` are numbered `first`, `first + 1`, …; `content[k]` is line `start + k` without its prefix."""

    lines: list[str]  # the block split on "\n" (a trailing "" when the block ends with "\n")
    start: int
    end: int
    first: int
    content: list[str]

    def number(self, i: int) -> int:
        """The number shown on line `i` (start <= i < end)."""
        return self.first + (i - self.start)


def parse(text: str) -> Numbered | None:
    """The block's numbered run (the longest one, first on ties), or None when it has none of `MIN_RUN` lines."""
    lines = text.split("\n")
    best: tuple[int, int, int] | None = None  # start, end, first number
    i, n = 0, len(lines)
    match = _PREFIX.match
    while i < n:
        m = match(lines[i])
        if m is None:
            i += 1
            continue
        first = int(m.group(1))
        j = i + 1
        while j < n:
            m2 = match(lines[j])
            if m2 is None or int(m2.group(1)) != first + (j - i):
                break
            j += 1
        # a bare number is an empty line of a numbered read, but a run of bare numbers is `seq` output
        sep = sum(1 for x in range(i, j) if lines[x][match(lines[x]).end() - 1:][:1] in ("→", "\t"))
        if j - i >= MIN_RUN and sep * 2 > j - i and (best is None or j - i > best[1] - best[0]):
            best = (i, j, first)
        i = j
    if best is None:
        return None
    s, e, first = best
    content = []
    for line in lines[s:e]:
        m = match(line)
        content.append(line[m.end():] if m.group(0)[-1:] in ("→", "\t") else "")
    return Numbered(lines, s, e, first, content)


def strip(text: str) -> tuple[str, str, str] | None:
    """(text before the numbered run, the run's content without numbers, text after it), or None when the block
    has no numbered run. Joining the three with the numbers put back gives `text` again."""
    nb = parse(text)
    if nb is None:
        return None
    head = "\n".join(nb.lines[:nb.start])
    tail = "\n".join(nb.lines[nb.end:])
    return (head + "\n" if nb.start else ""), "\n".join(nb.content), ("\n" + tail if nb.end < len(nb.lines) else "")
