"""Classes the gosvc session (a Go service on the standard library, benchmarks/scenario_gosvc.py) lost on when it
was first replayed, shown on real output (`headroom_cli/corpus_real.py`, captured by benchmarks/capture_real.py):
- `go test -v` prints what a failing test reports (`t.Errorf`: `    money_test.go:90: Fee(19.99, 250 bp) = 0.49,
  want 0.50`) under its `=== RUN` line, before the `--- FAIL` lines that say only which test failed: those report
  lines were filler, and 6 of the 9 (the got/want values) were cut."""
from __future__ import annotations

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
