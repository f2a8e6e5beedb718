"""Runs of lines of one template (lines that differ in a field or two) in plain text: shown by their first and last
lines and one marker listing what the lines between differ in, on real command output
(tests/fixtures/template_runs/README.md says how each was captured)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from headroom_cli.compress import markers
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import common, text as text_compressor
from headroom_cli.compress.router import ROUTER
from headroom_cli.compress.tokens import estimate_tokens

FIX = Path(__file__).parent / "fixtures" / "template_runs"
LIKE = re.compile(r"^\[… (\d+) lines? like these omitted, differing in: (.*)\]$")


def read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def run_markers(out: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2)) for m in map(LIKE.match, out.splitlines()) if m]


def compress(text: str, ctx: Context = Context()) -> str:
    r = ROUTER.compress(text, ctx)
    assert r is not None and r.lossy
    return r.text


# ---------------------------------------------------------------- the template

def test_lines_differing_in_one_field_are_a_run_with_that_slot():
    names = "alpha beta gamma delta eps zeta eta theta iota".split()
    items = ["start"] + [f'agno[{x}]; extra == "tools"' for x in names] + ["end"]
    runs = common.template_runs(items)
    assert [(r.start, r.end, r.slots) for r in runs] == [(1, 10, ((1, 1),))]
    assert common.run_values(items, runs[0], range(1, 10)) == [names]


def test_two_slots_and_neighbouring_fields_make_one_slot():
    items = [f"at 10:{m:02d}:{2 * m:02d} job {x} ok" for m, x in enumerate("abcdefgh")]
    (r,) = common.template_runs(items)
    assert (r.start, r.end, r.slots) == (0, 8, ((2, 3), (5, 5)))  # minutes:seconds is one slot, the job another
    assert common.run_values(items, r, range(1, 3)) == [["01:02", "02:04"], ["b", "c"]]


def test_three_separate_varying_fields_are_no_run():
    items = [f"user u{i} moved file f{i} to disk d{i} today" for i in range(10)]
    assert common.template_runs(items) == []


def test_a_line_with_other_delimiters_ends_the_run():
    items = [f"pkg{i}; extra == 'x'" for i in range(9)] + ["pkg9 ; extra == 'x'"] + [f"pkg{i}; extra == 'x'" for i in
                                                                                   range(10, 13)]
    assert [(r.start, r.end) for r in common.template_runs(items)] == [(0, 9)]


def test_lines_whose_varying_part_is_most_of_the_line_are_no_run():
    # a path per line that shares only its first directory: the values would cost as much as the lines
    items = [f"./{a}-very-long-directory-name-{a}/{a}{a}{a}-file-name-that-varies.py" for a in "abcdefgh"]
    assert common.template_runs(items) == []


def test_lines_with_every_field_varying_are_no_run():
    items = [f"{a}{a}  {i}.{i}.{i}" for i, a in enumerate("abcdefghij")]
    assert common.template_runs(items) == []


def test_short_runs_and_long_lines_are_no_run():
    assert common.template_runs([f"row {x} done" for x in "abcdefg"[:common.RUN_MIN - 1]]) == []  # too few lines
    long = "x" * 500
    assert common.template_runs([f"row {x} {long}" for x in "abcdefgh"]) == []


def test_values_are_listed_within_the_budget_and_the_rest_counted():
    shown = common.list_values([["alpha", "beta", "gamma", "delta"], ["one", "two"]], 23)
    assert shown == [(["alpha", "beta"], 2), (["one", "two"], 0)]
    m = markers.like_these(9, shown)
    assert m == "[… 9 lines like these omitted, differing in: alpha, beta, … 2 more; and in: one, two]"
    assert markers.like_these(4, []) == "[… 4 identical lines omitted]"


# ---------------------------------------------------------------- real output through the engine

def test_pip_requirements_of_a_package_every_extra_stays_findable():
    text = read("agno_requires.txt")
    out = compress(text)
    extras = re.findall(r'^agno\[([\w-]+)\]; extra == "tools"$', text, re.M)
    assert len(extras) > 50
    missing = [x for x in extras if x not in out]
    assert not missing  # old: a prefix of the lines was kept and most of the extras were one retrieval away
    (count, values), *_ = run_markers(out)
    assert count > 100 and "whatsapp-crypto" in values and "tools" in values
    assert estimate_tokens(out) <= 0.3 * estimate_tokens(text)


def test_find_output_one_path_per_package():
    text = read("find_init.txt")
    out = compress(text)
    names = re.findall(r"site-packages/([\w.-]+)/__init__\.py$", text, re.M)
    (count, values), = run_markers(out)
    assert count == len(names) - 2
    listed = values.split(", ")
    assert listed == [n for n in names[1:-1] if n in listed]  # in order, literal
    assert len(listed) >= 0.8 * count
    assert estimate_tokens(out) < 0.25 * estimate_tokens(text)


def test_a_value_held_twice_on_every_line_is_listed_once():
    out = compress(read("cp_v.txt"))
    found = run_markers(out)
    assert found
    for _, values in found:
        assert "; and in:" not in values  # cp -v names each file as source and target: one list


def test_the_line_the_request_names_stays_whole_inside_a_run():
    text = read("agno_requires.txt")
    ctx = Context(preceding_text="Which extra group is agno's whatsapp-crypto extra in?", tool_input="pip inspect")
    out = compress(text, ctx)
    assert 'agno[whatsapp-crypto]; extra == "tools"' in out.splitlines()
    # the run around it is still shown as runs of its template
    assert len(run_markers(out)) >= 2


def test_a_low_ratio_lists_fewer_values_and_counts_the_rest():
    text = read("agno_requires.txt")
    out = compress(text, Context(ratio=0.15))
    counted = [m for m in run_markers(out) if "more" in m[1]]
    assert counted
    count, values = counted[0]
    first = values.split("; and in: ")[0]
    shown, more = first.rsplit(", … ", 1)
    assert int(more.split()[0]) + len(shown.split(", ")) >= 0.9 * count


def test_codex_cut_json_the_text_between_its_pieces_shows_its_run():
    text = read("codex_truncated_inspect.txt")
    out = compress(text)
    (count, values), *_ = run_markers(out)
    assert count > 90
    for x in ("agentql", "whatsapp-crypto", "pdf-ocr"):
        assert x in values


def test_output_is_a_pure_function_of_block_and_context():
    text = read("agno_requires.txt")
    ctx = Context(preceding_text="what does agno need?")
    assert compress(text, ctx) == compress(text, ctx)


@pytest.mark.parametrize("name", ["agno_requires.txt", "find_init.txt"])
def test_a_small_result_with_a_run_is_not_cut(name):
    # the small-result rule (tokens.lossy_allowed) stays: a run in a small result is sent whole
    small = "\n".join(read(name).splitlines()[:40]) + "\n"
    r = ROUTER.compress(small, Context())
    assert r is None or not r.lossy


def test_text_compressor_marks_only_runs_it_shows():
    # lines between the marker's neighbours are all of the run's template: the marker stands for them alone
    text = read("agno_requires.txt")
    items = text.splitlines()
    out = text_compressor.compress(text, Context()).text.splitlines()
    assert any(map(LIKE.match, out))
    for k, line in enumerate(out):
        if LIKE.match(line):
            before, after = out[k - 1], out[k + 1]
            a, b = items.index(before), items.index(after)
            (run,) = [r for r in common.template_runs(items) if r.start <= a and b < r.end]
            assert int(LIKE.match(line).group(1)) == b - a - 1
