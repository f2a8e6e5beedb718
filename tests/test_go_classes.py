"""Classes the gosvc session (a Go service on the standard library, benchmarks/scenario_gosvc.py) lost on when it
was first replayed, shown on real output (`headroom_cli/corpus_real.py`, captured by benchmarks/capture_real.py):
- `go test -v` prints what a failing test reports (`t.Errorf`: `    money_test.go:90: Fee(19.99, 250 bp) = 0.49,
  want 0.50`) under its `=== RUN` line, before the `--- FAIL` lines that say only which test failed: those report
  lines were filler, and 6 of the 9 (the got/want values) were cut;
- a panic's goroutine dump (GOTRACEBACK=all) went to the text compressor, which kept frames' functions apart from
  their places and left most goroutines unnamed behind bare markers."""
from __future__ import annotations

import re

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.corpus_real import capture


def test_go_test_keeps_every_line_a_failing_test_reports():
    out = capture("go_test_v")
    reports = [ln for ln in out.splitlines() if "_test.go:" in ln]
    assert len(reports) == 9
    ctx = Context(tool_input="go test -v ./... 2>&1", preceding_text="Why does go test fail?")
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.kind == "build"
    kept = res.text.splitlines()
    assert all(ln in kept for ln in reports)  # before: 3 of 9
    assert "    money_test.go:90: Fee(19.99, 250 bp) = 0.49, want 0.50" in kept
    assert "--- FAIL: TestFee (0.00s)" in kept and "FAIL\tledgerd/internal/money\t0.002s" in kept
    assert not any(ln.startswith("=== RUN") for ln in kept[5:])  # the passing noise still goes
    assert len(res.text) < len(out) * 0.4


def test_a_goroutine_dump_keeps_the_panic_and_each_stack_once_and_names_every_goroutine():
    out = capture("go_goroutines")  # GOTRACEBACK=all: 24 idle workers, 6 lookups stuck on a held mutex
    ctx = Context(tool_input="GOTRACEBACK=all go run .",
                  preceding_text="Why does it crash, and what are the goroutines stuck on?")
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.kind == "threads"  # before: text
    kept = res.text.splitlines()
    for line in ("panic: assignment to entry in nil map", "goroutine 1 [running]:", "main.main()",
                 "\t/home/dev/app/gp/main.go:38 +0x1b0", "goroutine 30 [semacquire]:",
                 "main.(*Cache).Get(0x0?, {0x497b33?, 0x1?})", "\t/home/dev/app/gp/main.go:15 +0x65",
                 "created by main.main", "exit status 2"):
        assert line in kept, line  # each frame with its place (the text compressor cut main.go:15 from its function)
    ids = {ln.split()[1] for ln in out.splitlines() if ln.startswith("goroutine ")}
    assert len(ids) == 31
    named = set(re.findall(r"\b(\d+) \((?:chan receive|semacquire)\)", res.text)) | {"1", "6", "30"}
    assert ids <= named  # every goroutine shown or named in a marker, with its state
    assert "23 goroutines with the same stack as goroutine 6" in res.text
    assert len(res.text) < len(out) * 0.25


def test_a_logfmt_log_read_back_is_a_log_not_grep_output():
    # slog's `time=2026-11-30T14:37:25.000Z level=ERROR …`: the key and the hour read like a grep line's path
    # (`time=2026-11-30T14`) and the minutes like its line number, so a log Claude Code read back from the file
    # it saved was cut as search results of one file "time=…", and its errors went with the rest
    out = capture("gosvc_log_tail")
    assert router.detect(out, Context(tool_name="Read", tool_input="/tmp/tool-results/b1.txt")) == "log"
    numbered = "".join(f"{i}\t{ln}\n" for i, ln in enumerate(out.splitlines(), 1))  # as the Read tool shows it
    # (where Claude Code 2.1.332 saves a long output: a read of it is output, not a source file)
    saved = "/home/dev/.claude/projects/-home-dev-app/0b5c1d7e-9a2f-4c3e-8d1b-2f6a7c9e0d41/tool-results/b1.txt"
    body = {"model": "claude-sonnet-4-5", "max_tokens": 512, "messages": [
        {"role": "user", "content": "What went wrong in the settlement run, and whose payouts were held?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Read",
                                           "input": {"file_path": saved}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": numbered}]}]}
    from headroom_cli.compress.api import CompressConfig, compress_request
    from headroom_cli.compress.memo import Memo

    res = compress_request(body, "anthropic", CompressConfig(memo=Memo()))
    sent = res.body["messages"][2]["content"][0]["content"]
    assert sent != numbered and [b.kind for b in res.blocks if b.lossy] == ["log"]
    errors = {ln.split("\t", 1)[1] for ln in numbered.splitlines() if "level=ERROR" in ln}
    kinds = {re.search(r'msg="[^"]*"', e).group() for e in errors}
    assert all(any(k in s and "level=ERROR" in s for s in sent.splitlines()) for k in kinds)  # each error kind
    assert 'reason="chargeback ratio 2.31% over the 1.00% limit (Visa VDMP)"' in sent  # the one hold, and why
