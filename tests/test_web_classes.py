"""Classes the web session (a TypeScript project, benchmarks/scenario_web.py) still lost on in round nine, each
shown on real output (`headroom_cli/corpus_real.py`, captured by benchmarks/capture_real.py):
- in `npm ls --all`, a word of the request ("this TypeScript repository") matched inside longer names
  (`@typescript-eslint/parser`), so every such line was kept with its branch; and package names holding an error
  word (`assertion-error`, `check-error`) were kept as if they reported a problem;
- a pino-style JSON-lines log grepped for its errors: each kept 500 carried the same 700-character `err.stack`."""
from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import common, json_data, logs, tree
from headroom_cli.corpus_real import capture

ASK = ("Investigate this TypeScript task-board repository for the release review: what do tsc and eslint "
       "complain about, and does the front end still build?")


def _kept(res_text: str) -> list[str]:
    return [ln for ln in res_text.splitlines() if "[…" not in ln]


def test_a_tree_term_names_whole_entries_not_pieces_of_longer_names():
    out = capture("npm_ls_web")
    assert out.count("@typescript-eslint/") > 20  # the case: the term is inside many other names
    res = tree.compress(out, Context(tool_input="npm ls --all", preceding_text=ASK))
    assert res is not None and res.lossy
    kept = _kept(res.text)
    # the entries the term names wholly stay, with their branches
    named = [ln for ln in out.splitlines() if "typescript@5.9.3" in ln and "eslint" not in ln]
    assert named and all(ln in kept for ln in named)
    # a pointer to a longer name's entry, deep in the tree, is no match: before, 18 of them were kept
    deep_pointers = [ln for ln in out.splitlines() if ln.startswith("│ │ ") and "@typescript-eslint/" in ln
                     and ln.endswith(" deduped")]
    assert len(deep_pointers) >= 10
    assert sum(ln in kept for ln in deep_pointers) == 0
    assert len(res.text) < len(out) * 0.4


def test_an_error_word_inside_a_package_name_is_no_problem():
    out = capture("npm_ls_web")
    lines = [ln for ln in out.splitlines() if "assertion-error@" in ln or "check-error@" in ln]
    assert len(lines) >= 2
    res = tree.compress(out, Context(tool_input="npm ls --all"))
    kept = _kept(res.text)
    deep = [ln for ln in lines if ln.startswith("  │ ") or ln.startswith("│ │ ")]  # below the kept levels
    assert deep and not any(ln in kept for ln in deep)
    # a problem written after the name still is one
    bad = out.replace(deep[0], deep[0] + " invalid: \"^1.0.0\" from node_modules/x", 1)
    assert deep[0] + " invalid" in tree.compress(bad, Context(tool_input="npm ls --all")).text
    files = [f"│   │   ├── f{i}.py" for i in range(30)]
    text_err = "\n".join(["root", "├── src", "│   ├── pkg", *files, "│   │   └── cache [error opening dir]"])
    assert "[error opening dir]" in tree.compress(text_err, Context(tool_input="tree")).text


def test_a_long_json_value_repeated_in_kept_lines_is_shown_once():
    out = capture("web_log_grep_errors")  # `grep -n '"level":50' logs/api.log`: each 500 logs the same stack
    stack_at = '"stack":"RangeError: Invalid time value\\n    at Date.toISOString (<anonymous>)\\n    at isoDay ('
    assert out.count(stack_at) >= 8
    ask = Context(tool_input="grep -n '\"level\":50' logs/api.log | head -n 40",
                  preceding_text="What are the 500s in logs/api.log: which error, thrown where, from which client?")
    res = router.compress_block(out, ask)
    assert res is not None and res.lossy and res.kind == "search"
    kept = [ln for ln in res.text.splitlines() if ln[:1].isdigit()]
    assert len(kept) >= 3
    assert res.text.count(stack_at) == 1  # before, every kept line carried it (4 times)
    assert "at isoDay (file:///home/dev/app/w/web/src/domain/dates.ts:12:12)" in res.text
    for ln in kept:  # each kept line is still its JSON object, the repeats' values a note
        doc = json.loads(ln.split(":", 1)[1])
        assert doc["err"]["type"] == "RangeError" and doc["err"]["message"] == "Invalid time value"
    notes = [json.loads(ln.split(":", 1)[1])["err"]["stack"] for ln in kept[1:]]
    assert all(re.fullmatch(r"\[… \d+ characters: the same value as above\]", s) for s in notes)


def test_fold_repeated_values_only_touches_long_values_shown_before():
    long_a, long_b = "x" * 200, "y" * 200
    lines = ['{"m":"short","s":"%s"}' % long_a, '{"m":"short","s":"%s"}' % long_b,
             '{"m":"short","s":"%s","t":"%s"}' % (long_a, long_b), "[… 3 lines omitted]", "plain %s" % long_a]
    out = common.fold_repeated_values(lines)
    assert out[0] == lines[0] and out[1] == lines[1] and out[3:] == lines[3:]
    assert json.loads(out[2]) == {"m": "short", "s": "[… 200 characters: the same value as above]",
                                  "t": "[… 200 characters: the same value as above]"}
    escaped = '{"s":"a \\"quoted\\" %s"}' % long_a  # escapes inside a value are part of it
    assert common.fold_repeated_values([escaped, escaped])[1] == '{"s":"[… 213 characters: the same value as above]"}'


def test_json_lines_that_are_records_are_chosen_like_a_listing():
    out = capture("web_report_lines")  # `jq -c '.items[]' reports/tasks.json`: 300 tasks, one JSON object a line
    broken = '{"id":"WEB-85","board":"web","title":"Add bulk label edits","column":"d…8296 tokens truncated…'
    lines = out.splitlines()
    text = "\n".join(lines[:150] + [broken] + lines[150:]) + "\n"  # an agent's own cut inside a line
    ask = Context(tool_input="jq -c '.items[]' reports/tasks.json",
                  preceding_text="The task about the nightly database backup timing out: what is its id, who has it, "
                                 "which column is it in and how many points is it?")
    res = router.compress_block(text, ask)
    assert res is not None and res.lossy and res.compressor == "json" and res.kind == "jsonl"
    kept = [ln for ln in res.text.splitlines() if ln.startswith("{")]
    asked = next(ln for ln in lines if "Nightly backup of the reports database" in ln)
    assert asked in kept and broken in kept  # the named record and the line that is no record, verbatim
    assert len(kept) <= 6  # before (as log events): 22 records kept
    assert re.search(r"^\[… \d+ records omitted\]$", res.text, re.M)
    assert len(res.text) < len(text) * 0.05


def test_json_lines_with_a_level_or_a_time_are_log_events():
    events = [json.dumps({"level": 30 if i % 7 else 50, "time": 1796279709840 + i, "reqId": f"req-{i:04x}",
                          "msg": "request completed" if i % 7 else "request failed"}) for i in range(80)]
    records = [json.dumps({"id": f"T-{i}", "title": f"Task {i}", "points": i % 8}) for i in range(80)]
    assert logs._records_not_events(records) and not logs._records_not_events(events)
    res = router.compress_block("\n".join(events) + "\n", Context(tool_input="tail -n 80 logs/api.log"))
    assert res is not None and res.compressor == "logs"


_RECORD = st.fixed_dictionaries({"id": st.integers(0, 10**6), "title": st.text(max_size=30),
                                 "status": st.sampled_from(["ok", "open", "error: timed out", "done"]),
                                 "n": st.one_of(st.integers(), st.floats(allow_nan=False), st.none())})
_STATS = {"examples": 0, "compressed": 0}


@settings(max_examples=150, deadline=None)
@given(st.lists(_RECORD, min_size=12, max_size=150), st.lists(st.sampled_from(["", "Total output lines: 9",
                                                                              '{"id": 3, "cut…']), max_size=3))
def test_json_lines_records_keep_lines_verbatim_and_count_every_record(recs, noise):
    lines = [json.dumps(r, separators=(",", ":")) for r in recs]
    for k, extra in enumerate(noise):  # lines that are no record, anywhere
        lines.insert((k * 7) % (len(lines) + 1), extra)
    text = "\n".join(lines) + "\n"
    res = json_data.compress_lines(text, Context(preceding_text="which task is error: timed out?"), key="k" * 24)
    _STATS["examples"] += 1
    if res is None:
        return
    out = res.text.splitlines()
    body = [ln for ln in out if not ln.startswith("[…")]
    assert all(ln in lines for ln in body)  # every kept line as it was printed
    assert all(ln in body for ln in lines if not ln.startswith("{") or not ln.endswith("}"))  # no record: kept
    omitted = sum(int(m.group(1)) for m in re.finditer(r"^\[… (\d+) records? omitted\]$", res.text, re.M))
    grouped = sum(int(m.group(1)) for m in re.finditer(r"^\[… (\d+) more records with the same", res.text, re.M))
    kept_records = sum(1 for ln in body if ln.startswith("{") and ln.endswith("}"))
    assert kept_records + omitted + grouped == len(recs)
    assert "headroom_retrieve key=" + "k" * 24 in out[-1]
    _STATS["compressed"] += 1


def test_the_json_lines_property_compressed_enough_examples():
    # runs after the property above (file order): enough of its examples must have been cut, or it proved little
    if not _STATS["examples"]:
        test_json_lines_records_keep_lines_verbatim_and_count_every_record()
    assert _STATS["compressed"] >= 0.9 * _STATS["examples"], _STATS


def test_a_few_records_too_few_to_choose_among_are_still_cut_as_lines():
    recs = [json.dumps({"id": i, "title": f"t{i}", "body": "lorem ipsum dolor " * 600}) for i in range(8)]
    text = "\n".join(recs) + "\n"
    assert logs._records_not_events(recs) and json_data.compress_lines(text, Context()) is None
    res = router.compress_block(text, Context(tool_input="jq -c '.items[]' reports/x.json"))
    assert res is not None and res.lossy and res.compressor == "logs" and len(res.text) < len(text) / 10


def test_a_kept_sample_record_of_a_very_long_line_is_clipped_but_the_asked_one_stays_whole():
    recs = [{"id": f"T-{i}", "title": f"routine task {i}", "notes": "n" * 3000} for i in range(40)]
    recs[23] = {"id": "T-23", "title": "Nightly backup of the reports database times out", "notes": "x" * 3000}
    lines = [json.dumps(r, separators=(",", ":")) for r in recs]
    text = "\n".join(lines) + "\n"
    asked = json_data.compress_lines(text, Context(preceding_text="The nightly backup of the reports database times "
                                                                  "out: which task is it?"), key="k" * 24)
    assert asked is not None and lines[23] in asked.text.splitlines()  # the asked record, whole
    sampled = json_data.compress_lines(text, Context(), key="k" * 24)  # no request: a head and tail sample
    samples = [ln for ln in sampled.text.splitlines() if ln.startswith('{"id":"T-')]
    assert samples and all(len(ln) < 2000 and "chars" in ln for ln in samples)  # each clipped, its cut marked


def test_entries_drawn_with_children_get_no_marker_each_and_one_line_counts_what_went():
    # npm draws an entry that has dependencies with `┬`: under each such entry whose children went, a
    # `[… N lines omitted]` cost about what a line does (47 of them in this real `npm ls --all`)
    from headroom_cli.compress.compressors import tree

    out = capture("npm_ls_web")
    res = tree.compress(out, Context(tool_input="npm ls --all", preceding_text="Which packages does the app use?"))
    assert res is not None
    kept = res.text.splitlines()
    # a marker deeper than the `┬` entry above it stands for that entry's children: only where one of them is shown
    # after it (else the entry's children all went, and the line at the end counts them)
    def depth(ln):
        m = tree.PREFIX.match(ln)
        return m.end() if m else 0
    under = [k for k, ln in enumerate(kept) if "[… " in ln and k and "┬" in kept[k - 1] and depth(kept[k - 1])
             and ln.index("[… ") > depth(kept[k - 1]) and not (k + 1 < len(kept) and depth(kept[k + 1]) >
                                                                  depth(kept[k - 1]))]
    assert under == []
    note = next(ln for ln in kept if "drawn with a branch (┬) and no children shown" in ln)
    runs = int(re.search(r"under (\d+) entries", note).group(1))
    assert runs >= 30
    second = [ln for ln in out.splitlines() if re.match(r"[├└]─[┬─] ", ln)]  # the direct dependencies
    assert all(ln in kept for ln in second)


def test_a_tree_drawn_without_branch_connectors_keeps_its_markers_in_place():
    # `tree`, cargo tree: no `┬` says an entry has children, so a marker in place is what tells
    from headroom_cli.compress.compressors import tree

    lines = ["."]
    for k in range(6):
        lines += [f"├── pkg{k}"] + [f"│   ├── mod{j}.py" for j in range(5)] + [f"│   └── sub{k}"] + \
                 [f"│       ├── deep{k}_{j}.py" for j in range(4)] + [f"│       └── last{k}.py"]
    lines.append("└── README.md")
    res = tree.compress("\n".join(lines) + "\n", Context(tool_input="tree"))
    assert res is not None and "drawn with a branch" not in res.text
    assert res.text.count("[… ") >= 6
