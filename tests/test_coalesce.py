"""Gaps made fewer and cheaper (issue 13: on real sessions the in-place gap markers were ~17 % of what a cut output
sent): a gap of one or two short lines costs more as a marker than as text, and a kept line standing alone between
two gaps costs a line and a marker when nothing points to it. `common.coalesce`, used by `render` and search."""
from __future__ import annotations

import re

from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import build, common, search

_GAP = re.compile(r"^\[… [^\]]*omitted\]$")


def _render(text: str, keep: list[bool], protect: list[bool] | None = None) -> list[str]:
    return common.render(common.Lines(text), keep, protect=protect)[0]


def test_a_gap_of_two_short_lines_is_kept_as_text():
    items = ["def f(x):", "    return g(x) + h(x) * 2", "", "}", "    y = compute_something_long(x, y, z)", "end"]
    keep = [True, True, False, False, True, True]
    out = _render("\n".join(items), keep)
    assert out == items  # "" and "}" cost less than `[… 2 lines omitted]`


def test_a_gap_of_long_lines_stays_a_marker():
    items = ["head", "a" * 40, "b" * 40, "tail"]
    out = _render("\n".join(items), [True, False, False, True])
    assert out == ["head", "[… 2 lines omitted]", "tail"]


def test_a_lone_unprotected_line_between_gaps_goes_and_the_gaps_merge():
    items = [f"line {i} " + "x" * 30 for i in range(9)]
    keep = [True, False, False, False, True, False, False, False, True]
    out = _render("\n".join(items), keep, protect=[True] + [False] * 7 + [True])
    assert out == [items[0], "[… 7 lines omitted]", items[8]]


def test_a_pair_of_unprotected_lines_between_gaps_goes_but_not_a_longer_run():
    items = [f"line {i} " + "x" * 30 for i in range(14)]
    keep = [True, False, False, True, True, False, False, True, True, True, False, False, False, True]
    out = _render("\n".join(items), keep, protect=[True] + [False] * 12 + [True])
    assert out == [items[0], "[… 6 lines omitted]", items[7], items[8], items[9], "[… 3 lines omitted]", items[13]]


def test_a_lone_protected_line_stays():
    items = [f"line {i} " + "x" * 30 for i in range(9)]
    keep = [True, False, False, False, True, False, False, False, True]
    out = _render("\n".join(items), keep, protect=[True, False, False, False, True, False, False, False, True])
    assert out == [items[0], "[… 3 lines omitted]", items[4], "[… 3 lines omitted]", items[8]]


def _grep_imports() -> str:
    """`grep -rn 'import' pkg` over a package of 30 modules (the shape of a real one: a docstring line that says
    "import", `from __future__`, stdlib imports, relative imports; one module defines `estimate_tokens`)."""
    rows = []
    stdlib = ["import re", "import json", "from typing import Any, Callable, Iterable",
              "from itertools import accumulate, compress as select", "import functools"]
    for m in range(30):
        path = f"pkg/compress/mod_{m:02d}.py"
        rows.append(f'{path}:1:"""Module {m}: importing it registers its compressor."""')
        rows.append(f"{path}:3:from __future__ import annotations")
        for k, s in enumerate(stdlib[: 2 + m % 4]):
            rows.append(f"{path}:{5 + k}:{s}")
        rows.append(f"{path}:{12 + m % 3}:from ..base import Context, Result")
        if m % 5 == 2:
            rows.append(f"{path}:{14 + m % 3}:from ..tokens import estimate_tokens")
    return "\n".join(rows) + "\n"


def _lone_unpointed(out: list[str], term: str) -> list[list[str]]:
    """Runs of one or two kept result lines between two gap markers, none holding a term of the question."""
    runs = []
    for k in range(1, len(out) - 1):
        for w in (1, 2):
            run = out[k:k + w]
            if (len(run) == w and k + w < len(out) and _GAP.match(out[k - 1]) and _GAP.match(out[k + w])
                    and not any(_GAP.match(x) or term in x for x in run)):
                runs.append(run)
    return runs


def test_search_drops_lone_sample_lines_between_gaps_and_keeps_what_the_question_names():
    text = _grep_imports()
    ctx = Context(tool_input='{"command": "grep -rn \'import\' pkg/compress"}',
                  preceding_text="Which modules import estimate_tokens from tokens?")
    res = search.compress(text, ctx)
    assert res is not None
    out = res.text.split("\n")
    for line in text.splitlines():
        if "estimate_tokens" in line:
            assert line in out
    assert _lone_unpointed(out, "estimate_tokens") == []
    orig = set(text.splitlines())
    assert all(ln in orig or ln.startswith("[…") for ln in out if ln)  # result lines verbatim
    assert "key=" in out[-2] or "key=" in out[-1]


def _make_log(units: int = 24) -> str:
    """`make -k` of a C project with -Wall -Wextra: each unit compiled, the same two warnings in most units, one
    unit that does not compile (gcc's own line shapes)."""
    out = ["make: Entering directory '/src/native'", "mkdir -p build"]
    for u in range(units):
        c = f"src/stage_{u:02d}.c"
        out.append(f"cc -Wall -Wextra -O2 -fdiagnostics-color=never -c {c} -o build/stage_{u:02d}.o")
        if u % 3 == 1:
            pad = " " * (u % 4)  # (the caret's column follows the function's name)
            out += [f"{c}: In function 'codec_stage_{u}':",
                    f"{c}:11:19: warning: comparison of integer expressions of different signedness: 'int' and "
                    "'size_t' {aka 'long unsigned int'} [-Wsign-compare]",
                    "   11 |     for (i = 0; i < s.len; i++) {",
                    "      |                   ^",
                    f"{c}:8:{47 + u % 4}: warning: unused parameter 'flags' [-Wunused-parameter]",
                    f"    8 | int codec_stage_{u}{pad}(slice s, uint32_t *out, int flags) {{",
                    f"      |                                           {pad}~~~~^~~~~"]
        if u == units - 3:
            out += [f"{c}: In function 'codec_stage_{u}':",
                    f"{c}:14:10: error: 'frame_crc' undeclared (first use in this function)",
                    "   14 |     h ^= frame_crc;",
                    "      |          ^~~~~~~~~",
                    f"make: *** [Makefile:11: build/stage_{u:02d}.o] Error 1"]
    out += ["make: Target 'all' not remade because of errors.", "make: Leaving directory '/src/native'"]
    return "\n".join(out) + "\n"


def test_build_log_coalesced_keeps_every_error_and_no_lone_compile_line():
    text = _make_log()
    res = build.compress(text, Context(tool_input='{"command": "make -k -C native 2>&1"}', is_error=True))
    assert res is not None
    out = res.text.split("\n")
    for needle in ("error: 'frame_crc' undeclared (first use in this function)", "Error 1",
                   "not remade because of errors", "mkdir -p build"):
        assert any(needle in ln for ln in out), needle
    lone = [out[k] for k in range(1, len(out) - 1)
            if _GAP.match(out[k - 1]) and _GAP.match(out[k + 1]) and out[k].startswith("cc ")]
    assert lone == []
