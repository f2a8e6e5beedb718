"""Failure classes found by the held-out check (benchmarks/heldout_check.py) on workloads the engine was never tuned
on, each fixed as a class: multi-line records (a commit of `git log --stat` brings its stat block when the request
points at it), node's test runner (detected as test output; a failure whose output repeats an earlier one's keeps
its name only). The real outputs are corpus captures (`headroom_cli/corpus_data/real/`)."""
from __future__ import annotations

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import build, logs
from headroom_cli.corpus_real import capture


def test_a_commit_the_request_names_keeps_its_stat_block():
    out = capture("git_log_stat")  # three commits; the last (the import of 101 files) fills most of it
    ctx = Context(tool_input='{"command": "git log --stat -3"}',
                  preceding_text="How many files did the cell_width rename touch?")
    res = logs.compress(out, ctx)
    assert res is not None and res.lossy
    record = out[:out.index("\n\ncommit ")]  # the rename commit, header to summary line
    assert record in res.text
    assert " 10 files changed, 36 insertions(+), 31 deletions(-)" in res.text
    assert len(res.text) < 0.6 * len(out)


def test_records_need_one_header_every_record_opens_with():
    # a log whose first line's template repeats, but whose next lines differ, is not made of records
    lines = []
    for i in range(120):
        lines.append(f"2026-12-01T10:{i % 60:02d}:00Z INFO worker-{i % 3} heartbeat ok")
        lines.append(f"2026-12-01T10:{i % 60:02d}:01Z INFO api request {['GET', 'PUT', 'POST'][i % 3]} /v1/x/{i} 200")
        if i == 70:
            lines.append("2026-12-01T10:10:02Z INFO billing quota refreshed for tenant zebra-77")
    text = "\n".join(lines) + "\n"
    tpl = [logs.template(s) for s in text.split("\n")[:-1]]
    picked = [next(i for i, s in enumerate(text.split("\n")) if "zebra-77" in s)]
    assert logs._records_of(picked, tpl, text.split("\n")[:-1]) == []
    res = logs.compress(text, Context(preceding_text="When was the quota refreshed for tenant zebra-77?"))
    assert res is not None and "zebra-77" in res.text
    assert res.text.count("\n") < 30  # the picked line with its neighbours, not a span of the log


def test_git_log_records_found_by_their_header():
    items = capture("git_log_stat").split("\n")
    tpl = [logs.template(s) for s in items]
    msg = next(i for i, s in enumerate(items) if "rename cell_len to cell_width" in s)
    ((a, b),) = logs._records_of([msg], tpl, items)
    assert a == 0 and items[b].startswith("commit ") and " files changed" in items[b - 2]


def test_node_test_runner_output_is_test_output():
    out = capture("node_test")
    assert router.detect(out, Context(tool_input='{"cmd": "node --test lib.test.mjs"}')) == "build"
    assert router.detect(out, Context()) == "build"  # by its content alone


def test_a_failure_repeated_byte_for_byte_is_shown_once_with_every_name():
    out = capture("node_test")
    res = build.compress(out, Context(tool_input="node --test lib.test.mjs"))
    assert res is not None and res.lossy
    for k in range(6):  # every failing case is named, inline and in the summary
        assert res.text.count(f'✖ slugify("ÆON Flux") #{k} ') == 2
    assert res.text.count("+ 'on-flux'") == 1 and res.text.count("- 'aeon-flux'") == 1
    assert "repeated failure output lines omitted" in res.text
    for line in ("ℹ tests 121", "ℹ pass 115", "ℹ fail 6", "✖ failing tests:"):
        assert line in res.text
    assert len(res.text) < 0.3 * len(out)


def test_distinct_failure_outputs_all_stay():
    # parametrized cases failing with different values: each assertion is an answer of its own
    parts = ["============================= test session starts ==============================",
             "collected 40 items", ""]
    parts += [f"tests/test_round.py::test_round[{i}] PASSED" for i in range(34)]
    parts += ["", "=================================== FAILURES ==================================="]
    for i in range(6):
        parts += [f"_______________________________ test_round[{34 + i}] _______________________________", "",
                  "    def test_round(case):", ">       assert round_half(case.x) == case.want",
                  f"E       assert {i}.{i + 4} == {i}.{i + 5}", "", "tests/test_round.py:12: AssertionError"]
    parts += ["=========================== short test summary info ============================"]
    parts += [f"FAILED tests/test_round.py::test_round[{34 + i}] - assert {i}.{i + 4} == {i}.{i + 5}" for i in range(6)]
    parts += ["========================= 6 failed, 34 passed in 0.31s ========================="]
    text = "\n".join(parts) + "\n"
    res = build.compress(text, Context(tool_input="pytest -v"))
    assert res is not None
    for i in range(6):
        assert f"E       assert {i}.{i + 4} == {i}.{i + 5}" in res.text
    assert "repeated failure output" not in res.text


def test_dates_and_a_range_of_times_in_the_call_are_not_terms():
    from headroom_cli.compress.compressors.common import terms

    ctx = Context(tool_input='{"command": "journalctl --since \'2026-12-02 01:00\' --until \'2026-12-02 05:00\'"}',
                  preceding_text="The search indexer on web-07 died after 2am on 2026-12-02. Why? Look at 03:14:07.")
    got = {t.lower() for t in terms(ctx)}
    assert not any(t.startswith("2026") for t in got), got
    assert "01:00" not in got and "05:00" not in got
    assert "03:14:07" in got and "web-07" in got  # a time the user names is still one


def test_a_journal_read_over_a_dated_range_keeps_the_event_not_the_dated_lines():
    from headroom_cli import corpus
    from headroom_cli.compress.protocols import sites

    w = corpus.workload("heldout_journal_oom")
    (s,) = sites(w.body, w.protocol)
    ctx = Context(tool_name=s.tool_name, tool_input=s.tool_input, preceding_text=s.preceding_text)
    res = logs.compress(s.text, ctx)
    assert res is not None
    for n in w.needles:
        assert n in res.text
    # dockerd stamps its messages with the range's date: those lines are not what the request points to
    assert res.text.count("dockerd[") < 10
    assert len(res.text) < 0.03 * len(s.text)


def test_records_the_request_names_among_many_questions_are_kept_whole():
    import json

    from headroom_cli.compress.compressors import json_data
    from headroom_cli.corpus_real import PIP_QUESTIONS

    out = capture("pip_inspect")
    recs = {m["name"]: m for m in json.loads(out)}
    ctx = Context(tool_input='{"command": "pip inspect --local | jq ..."}', preceding_text=PIP_QUESTIONS)
    res = json_data.compress(out, ctx)
    assert res is not None and res.lossy
    for name in ("tenacity", "rich"):  # named in one question among six; other records mention "rich" in requires
        assert json_data.dumps(recs[name]) in res.text
    assert len(res.text) < 0.15 * len(out)


def test_a_name_shared_by_many_records_names_none_and_short_names_do_not_count():
    from headroom_cli.compress.compressors import json_data
    from headroom_cli.compress.compressors.json_data import _State, _named

    items = [{"name": "web", "id": i, "zone": f"z{i % 5}"} for i in range(40)]
    items.append({"name": "billing-ledger", "id": 7001, "zone": "z9"})
    st = _State(Context(preceding_text="Why is web slow, and what about billing-ledger and id 12? (see 7001)"), "k")
    # "web" names 40 records (none of them), "12" is too short to be an id; "billing-ledger" and 7001 name one
    assert _named(items, st) == [40]
    assert json_data.compress("[]", Context()) is None


def _site(name):
    from headroom_cli import corpus
    from headroom_cli.compress import terminal
    from headroom_cli.compress.protocols import sites

    w = corpus.workload(name)
    (s,) = sites(w.body, w.protocol)
    ctx = Context(tool_name=s.tool_name, tool_input=s.tool_input, preceding_text=s.preceding_text)
    return w, terminal.envelope(s.text)[1], ctx


def test_many_failures_keep_how_each_failed_and_the_named_one_whole():
    w, out, ctx = _site("heldout_pytest_one_of_many")
    res = build.compress(out, ctx)
    assert res is not None and res.lossy
    named = out[out.index("test_refund_rounding_partial ___"):out.index("AssertionError: assert Decimal")]
    assert named in res.text  # the failure the request names: its source lines too
    for k in range(25):
        if k != 17:
            assert f"E       assert {k + 1} == {k}" in res.text and f"tests/test_misc.py:{40 + k}: AssertionError" \
                in res.text
    assert "failure context lines omitted" in res.text
    assert len(res.text) < 0.45 * len(out)


def test_indented_entries_of_an_errors_own_template_are_not_its_trace():
    w, out, ctx = _site("heldout_kubectl_describe")
    res = logs.compress(out, Context())
    assert res is not None
    assert res.text.count("FailedMount") <= 8  # of 40: the first three and the last, with their neighbours


def test_repeated_error_rows_of_a_table_are_capped():
    from headroom_cli.compress.compressors import table

    rows = ["NAME                 READY   STATUS             RESTARTS   AGE"]
    rows += [f"web-{i:04d}             1/1     Running            0          {i}d" for i in range(60)]
    rows += [f"worker-{i:04d}          0/1     Error              {i + 3}          {i}m" for i in range(30)]
    rows.append("ledger-0001          0/1     CrashLoopBackOff   41         3h")
    res = table.compress("\n".join(rows) + "\n", Context(tool_input="kubectl get pods"))
    assert res is not None
    assert res.text.count(" Error ") <= 6 and "CrashLoopBackOff" in res.text  # of 30; plus the top restarts


def test_kubectl_describe_and_logs_are_not_hinted_as_tables():
    w, out, ctx = _site("heldout_kubectl_describe")
    assert router.detect(out, ctx) != "table"
    res = router.compress_block(out, ctx)
    assert res is not None
    for n in w.needles:
        assert n in res.text
    assert router._hint(Context(tool_input="kubectl logs deploy/api --since=1h")) == "log"
    assert router._hint(Context(tool_input="kubectl get pods -A")) == "table"


def test_text_lines_repeating_a_template_give_the_budget_to_new_lines():
    from headroom_cli.compress.compressors import text

    w, out, ctx = _site("heldout_csv_orders")
    res = text.compress(out, ctx)
    assert res is not None
    for n in w.needles:
        assert n in res.text
    assert len(res.text) < 0.1 * len(out)
