"""The tree compressor's line prefix (compressors/tree.py PREFIX): the same matches as the pattern it replaced, and
no catastrophic backtracking on a bar followed by a long run of spaces (ruff's caret lines hung detection)."""
from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings, strategies as st

from headroom_cli.compress.compressors import tree

OLD = re.compile(r"(?:[│┃|]\s{1,3}|\s{2,4})*(?:[├└┣┗]─*[┬─]?\s?|[|`+\\]-+\s?)")  # the pattern before the fix


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=" \t│┃|├└┣┗─┬-`+\\x", max_size=14))
def test_the_prefix_matches_what_the_old_pattern_matched(s):
    old, new = OLD.match(s), tree.PREFIX.match(s)
    assert (old.end() if old else None) == (new.end() if new else None)


def test_real_tree_lines_still_match():
    for line, name in [("├── src", "src"), ("│   └── main.py", "main.py"), ("    ├── a", "a"),
                       ("│ ├─┬ rich@13.9.4", "rich@13.9.4"), ("+- org.slf4j:slf4j-api", "org.slf4j:slf4j-api"),
                       ("|  \\- junit:junit:4.13", "junit:junit:4.13"), ("`-- README", "README")]:
        m = tree.PREFIX.match(line)
        assert m is not None and line[m.end():] == name, line


def test_a_bar_then_a_long_run_of_spaces_is_decided_at_once():
    """`  |` then 89 spaces and carets (ruff's code frame): the old pattern tried every split of the spaces. Run in a
    child with a bound, so the old pattern fails by never finishing instead of hanging the suite."""
    code = ("from headroom_cli.compress.compressors import tree\n"
            "line = '  |' + ' ' * 89 + '^' * 13\n"
            "print(tree.PREFIX.match(line) is None, tree.share([line] * 50))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["True", "0.0"]
