"""Patterns rewritten so a long run cannot be split many ways (each matched the same lines before): equivalence on
random lines built from the characters that matter, and the pathological lines decided in a bounded child."""
from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings, strategies as st

from headroom_cli.compress.compressors import build, table

OLD_RULE = re.compile(r"[+|=\- ]*[=-]{3,}[+|=\- ]*\s*$")
OLD_SALIENT = re.compile(build._SALIENT.pattern.replace("[ \\t]*+(?:", "[ \\t]*(?:", 1))


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="=-+| \t\rx>", max_size=16))
def test_the_rule_pattern_matches_what_it_matched(s):
    old, new = OLD_RULE.match(s), table._RULE.match(s)
    assert (old.end() if old else None) == (new.end() if new else None)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=" \t\r>E:1aAt-|=^ Errorhelp", max_size=20))
def test_the_salient_pattern_matches_what_it_matched(s):
    assert OLD_SALIENT.pattern != build._SALIENT.pattern
    old, new = OLD_SALIENT.match(s), build._SALIENT.match(s)
    assert (old.end() if old else None) == (new.end() if new else None)


def test_a_long_run_of_equals_not_ending_a_rule_is_decided_at_once():
    """1,600 `=` then `>` (a progress bar's line): the old rule pattern tried every split, ~10 s; bounded child."""
    code = ("from headroom_cli.compress.compressors import table\n"
            "print(table._RULE.match('=' * 1600 + '>') is None, table._RULE.match('=' * 1600) is not None)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=5)
    assert p.stdout.split() == ["True", "True"]
