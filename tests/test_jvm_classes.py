"""Classes the jvm session (a Java 17 service on the JDK, benchmarks/scenario_jvm.py) lost on when it was first
replayed, each shown on real output (`headroom_cli/corpus_real.py`, captured by benchmarks/capture_real.py):
- JUnit 4's runner (JUnitCore) had no line the build compressor knew as a failure's start: after javac's warnings
  filled the budget, failures 2 and 3 (`2) name(pkg.Class)` and their AssertionErrors) were cut."""
from __future__ import annotations

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.corpus_real import capture


def test_each_junit4_failure_keeps_its_header_its_assertion_and_where_it_failed():
    out = capture("junit_failures")  # `make test`: javac's warnings, then JUnitCore's run with 3 failures
    ctx = Context(tool_input="make test 2>&1", preceding_text="Why do the tests fail?", is_error=True)
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.kind == "build"
    for line in ("There were 3 failures:",
                 "1) aShiftReplaysCleanly(depot.app.ReplayTest)",
                 "depot.app.ReplayException: shift.csv:6: SHIP R-000002 failed",
                 "Caused by: depot.service.ReservationException: R-000002: no open reservation (its hold expired)",
                 "2) theSweepOnlyEndsHolds(depot.service.ReservationServiceTest)",
                 "java.lang.AssertionError: swept at 09:20 expected:<[R-1]> but was:<[R-1, R-2]>",
                 "3) aConfirmedOrderOutlivesItsHold(depot.service.ReservationServiceTest)",
                 "java.lang.AssertionError: reserved units after the sweep expected:<4> but was:<0>",
                 "\tat depot.service.ReservationServiceTest.aConfirmedOrderOutlivesItsHold("
                 "ReservationServiceTest.java:79)",
                 "FAILURES!!!", "Tests run: 35,  Failures: 3"):
        assert line in res.text.splitlines(), line
    # JUnit's and the JDK's own frames are one marker, not shown
    assert "\tat org.junit.Assert.assertEquals(" not in res.text
    assert len(res.text) < len(out) * 0.7


def test_a_bare_junit4_run_is_a_test_run():
    out = capture("junit_failures")
    run = "\n".join(ln for ln in out[out.index("JUnit version"):].splitlines() if not ln.startswith("make"))
    assert router.detect(run, Context()) == "build"  # before: "text" (no runner line the router knew)
