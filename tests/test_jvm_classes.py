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


def test_a_thread_dump_keeps_the_deadlock_and_the_blocked_threads_and_names_the_others():
    out = capture("jstack_deadlock")  # a live `jstack -l` of a server whose two transfer threads deadlock
    ctx = Context(tool_input="sh tools/threaddump.sh", preceding_text="Why does the status server hang?")
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.kind == "threads"
    text = res.text
    kept = text.splitlines()
    for line in ("Found one Java-level deadlock:", '  which is held by "transfer-RTM-to-DUB"',
                 '  which is held by "transfer-DUB-to-RTM"', "Found 1 deadlock.",
                 "\tat depot.store.TransferDesk.move(TransferDesk.java:14)",
                 "\t- waiting to lock <0x000000069e892120> (a depot.store.Warehouse)",
                 "\t- locked <0x000000069e883d38> (a depot.store.Warehouse)",
                 "\tat depot.app.Server.lambda$run$5(Server.java:86)", "\tat depot.app.Main.main(Main.java:51)"):
        assert line in kept, line
    blocked = [ln for ln in out.splitlines() if ln.startswith('"transfer-')]
    assert len(blocked) >= 2 and all(ln in kept for ln in blocked)  # the BLOCKED threads' headers
    assert kept.count("   java.lang.Thread.State: BLOCKED (on object monitor)") == 2
    # the JVM's own threads and the parked pool workers are named in markers, not shown
    assert '"Reference Handler"' in text and "\tat java.lang.ref.Reference.waitForReferencePendingList(" not in text
    assert all(f'"reservation-worker-{k}"' in text for k in range(1, 7))
    assert not any(ln.startswith('"reservation-worker-') for ln in kept)
    assert "_java_thread_list=" not in text and "lines: the thread list's addresses omitted]" in text
    assert len(text) < len(out) * 0.3


def test_javac_lint_is_a_build_and_keeps_every_distinct_warning():
    out = capture("javac_lint")  # javac -Xlint:all: 59 warnings, `path:line: warning: [kind] message`, no column
    ctx = Context(tool_input="javac -Xlint:all -d build/classes $(find src/main/java -name '*.java') 2>&1",
                  preceding_text="What do the compiler warnings say?")
    assert router.detect(out, ctx) == "build"  # before: "text", which cut the last warnings printed
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy
    messages = {ln.split(": warning: ", 1)[1] for ln in out.splitlines() if ": warning: " in ln}
    assert len(messages) >= 25
    for m in messages:  # each distinct warning: a place of it whole, or named in a marker of its repeats
        assert f": warning: {m}" in res.text or f"the same warning ({m})" in res.text, m
    assert "src/main/java/depot/io/LegacyImport.java:55: warning: [fallthrough] possible fall-through into case" \
        in res.text.splitlines()
    assert "59 warnings" in res.text.splitlines()  # javac's summary line (before: one retrieval away)


def test_a_thread_name_is_named_in_a_marker_whatever_it_holds():
    out = capture("jstack_deadlock").replace('"reservation-worker-3"', '"pool|worker "3""')
    res = router.compress_block(out, Context(tool_input="jstack 4242"))
    assert res is not None and res.kind == "threads"
    assert '"pool|worker "3"" (WAITING)' in res.text
