"""Classes the jvm session (a Java 17 service on the JDK, benchmarks/scenario_jvm.py) lost on when it was first
replayed, each shown on real output (`headroom_cli/corpus_real.py`, captured by benchmarks/capture_real.py):
- JUnit 4's runner (JUnitCore) had no line the build compressor knew as a failure's start: after javac's warnings
  filled the budget, failures 2 and 3 (`2) name(pkg.Class)` and their AssertionErrors) were cut."""
from __future__ import annotations

import re

from headroom_cli.compress import router
from headroom_cli.compress.compressors import table
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


_GAP = re.compile(r"^\[… \d+ lines? omitted\]$")


def test_javac_excerpts_under_kept_warnings_are_named_once_not_marked_under_each():
    # javac prints each warning's source line and a caret under it; with the warning kept for its message and the
    # excerpt dropped, a `[… 2 lines omitted]` under each of 36 warnings cost about what the excerpts did
    out = capture("javac_lint")
    ctx = Context(tool_input="javac -Xlint:all -d build/classes $(find src/main/java -name '*.java') 2>&1",
                  preceding_text="What do the compiler warnings say?")
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy
    kept = res.text.splitlines()
    gaps = [ln for ln in kept if _GAP.match(ln)]
    heads = [k for k, ln in enumerate(kept) if ": warning: " in ln and not ln.startswith("[")]
    bare = sum(1 for k in heads if k + 1 < len(kept) and not kept[k + 1].lstrip().startswith(("^", "|"))
               and (": warning: " in kept[k + 1] or kept[k + 1] == "59 warnings"))
    assert len(heads) >= 30 and bare >= 20  # most warnings stand without their excerpt and without a marker
    assert len(gaps) <= 6, gaps
    note = next(ln for ln in kept if "the source lines and carets under" in ln)
    told = int(re.search(r"under (\d+) kept warnings omitted", note).group(1))
    assert bare <= told <= len(heads)  # the note counts the kept warnings whose excerpt went
    assert "[… the same warning (Signal is internal proprietary API and may be removed in a future release) at 2 " \
           "more places: src/main/java/depot/app/Server.java:79 ×2 omitted]" in kept  # (one line, warned twice)
    # every distinct warning is still there (a place of it whole, or named among its repeats)
    messages = {ln.split(": warning: ", 1)[1] for ln in out.splitlines() if ": warning: " in ln}
    assert all(f": warning: {m}" in res.text or f"the same warning ({m})" in res.text for m in messages)


def test_a_dropped_line_that_is_not_an_excerpt_keeps_its_marker():
    # the warning's excerpt goes quietly; the compiler's other output dropped beside it is still marked in place
    lines = []
    for i in range(30):
        lines += [f"src/p/C{i}.java:{i + 3}: warning: [rawtypes] found raw type: T{i}", f"    T{i} x = new T{i}();",
                  "    ^", f"progress: compiled unit {i} of 30 in {i * 7 % 13} ms, heap {i * 31 % 97} MB"]
    lines.append("30 warnings")
    out = "\n".join(lines) + "\n"
    res = router.compress_block(out, Context(tool_input="javac -Xlint:all src/p/*.java", ratio=0.1))
    assert res is not None
    kept = res.text.splitlines()
    assert all(f"found raw type: T{i}" in res.text for i in range(30))
    dropped_progress = sum(f"compiled unit {i} of 30" not in res.text for i in range(30))
    assert dropped_progress >= 10
    assert len([ln for ln in kept if _GAP.match(ln)]) >= 5  # the progress lines' gaps are still marked in place
    assert "the source lines and carets under" in res.text


def test_beside_failing_tests_the_builds_warnings_keep_two_and_name_the_others_by_place():
    out = capture("junit_failures")  # `make test`: javac's 14 warnings, then JUnitCore's 3 failures
    res = router.compress_block(out, Context(tool_input="make test 2>&1", preceding_text="Why do the tests fail?"))
    assert res is not None
    heads = [ln for ln in res.text.splitlines() if ": warning: " in ln and not ln.startswith("[")]
    assert heads == ["src/main/java/depot/app/Server.java:8: warning: Signal is internal proprietary API and may be "
                     "removed in a future release",
                     "src/main/java/depot/app/Server.java:9: warning: SignalHandler is internal proprietary API and "
                     "may be removed in a future release"]
    note = next(ln for ln in res.text.splitlines() if "compiler warnings beside the test failures" in ln)
    assert "src/main/java/depot/app/Server.java:78" in note and "LegacyImport.java:23" in note
    assert "14 warnings" in res.text.splitlines()  # javac's own count stays
    for line in ("There were 3 failures:", "java.lang.AssertionError: reserved units after the sweep expected:<4> "
                 "but was:<0>", "Caused by: depot.service.ReservationException: R-000002: no open reservation (its "
                 "hold expired)", "Tests run: 35,  Failures: 3"):
        assert line in res.text.splitlines(), line


def test_a_warning_the_request_names_stays_beside_failing_tests():
    out = capture("junit_failures")
    res = router.compress_block(out, Context(tool_input="make test 2>&1",
                                             preceding_text="Why do the tests fail, and what is the warning at "
                                                            "LegacyImport.java:30 about?"))
    assert res is not None
    assert "src/main/java/depot/io/LegacyImport.java:30: warning: [removal] Short(String) in Short has been " \
           "deprecated and marked for removal" in res.text.splitlines()


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


def test_jdeps_listing_is_a_table_without_a_header_and_keeps_the_rows_asked_about():
    out = capture("jdeps_verbose")  # `jdeps -verbose:class`: 320 rows of padded columns, no header row
    ctx = Context(tool_input="jdeps -verbose:class build/depot.jar",
                  preceding_text="Which JDK-internal API does the service depend on, from which class?")
    assert router.detect(out, ctx) == "table"  # before: "text", which kept its first rows in order
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.kind == "table"
    rows = [ln for ln in out.splitlines() if "JDK internal API (jdk.unsupported)" in ln]
    assert len(rows) == 2 and all(r in res.text.splitlines() for r in rows)
    assert len(res.text) < 0.1 * len(out)


def test_headerless_table_detection_wants_padded_shared_columns():
    rows = [f"   depot.app.C{i:<3}                          -> java.lang.T{i % 7:<12}      java.base" for i in range(40)]
    assert table.aligned(rows)
    assert not table.aligned(rows[:11])  # too few lines to tell
    prose = [("The service reads its catalogue at start-up and then watches the file.  When it changes, the "
              f"workers reload it ({i}).  Nothing else is cached.")[: 60 + i] for i in range(40)]
    assert not table.aligned(prose)
    code = [f"    x{i} = compute({i})" + " " * (3 + i % 9) + f"# step {i}" for i in range(40)]
    assert not table.aligned(code)  # comments at ragged columns
    log = [f"2026-12-01T10:{i:02d}:00Z INFO  worker-{i % 3}  processed batch {i} in {i * 7 % 90} ms" for i in range(40)]
    # a log of fixed-width fields lines up too, and stays a log: logs are told apart before tables without headers
    assert router.detect("\n".join(log) + "\n", Context(tool_input="cat logs/worker.log")) == "log"
    assert router.detect("\n".join(log) + "\n") == "log"
    ls = [f"-rw-r--r-- 1 root root {100 * i} Dec  3 22:03 file{i}.txt" for i in range(40)]
    assert not table.aligned(ls)  # single spaces between most cells: not a table of padded columns


def test_a_listing_of_fixed_width_fields_one_space_apart_is_a_table_too():
    # `git ls-tree -r HEAD`: mode, type and object id one space apart, a tab, the path; no header row
    import hashlib
    paths = [f"src/pkg{i % 9}/module_{i:03d}.py" for i in range(200)]
    out = "".join(f"100644 blob {hashlib.sha1(p.encode()).hexdigest()}\t{p}\n" for p in paths)
    ctx = Context(tool_input="git ls-tree -r HEAD", preceding_text="What is the blob id of src/pkg4/module_058.py?")
    assert router.detect(out, ctx) == "table"  # before: "text", its first rows in order
    res = router.compress_block(out, ctx)
    assert res is not None and res.kind == "table"
    row = next(ln for ln in out.splitlines() if ln.endswith("src/pkg4/module_058.py"))
    assert row in res.text.splitlines() and len(res.text) < 0.15 * len(out)
    # one space apart but ragged (prose, `key = value` of names of many lengths) is no table
    conf = [f"{'x' * (1 + i % 11)} = {i * 37 % 1000} # {'note ' * (i % 3)}" for i in range(40)]
    assert not table.aligned(conf)
    words = [" ".join(f"w{j * i % 97}" for j in range(3 + i % 5)) for i in range(40)]
    assert not table.aligned(words)


def test_the_deadlock_reports_copy_of_a_stack_shown_above_goes_with_its_thread_named():
    # jstack prints each deadlocked thread's stack twice: in the thread list and under "Java stack information for
    # the threads listed above"; the second copy, line for line the first, goes
    out = capture("jstack_deadlock")
    res = router.compress_block(out, Context(tool_input="sh tools/threaddump.sh",
                                             preceding_text="Why does the status server hang?"))
    kept = res.text.splitlines()
    info = kept.index("Java stack information for the threads listed above:")
    assert '"transfer-DUB-to-RTM":' in kept[info:] and '"transfer-RTM-to-DUB":' in kept[info:]
    assert not any(ln.startswith("\tat ") for ln in kept[info:])
    assert '[… 6 lines: the stack of "transfer-DUB-to-RTM" as shown above omitted]' in kept[info:]
    move = "\tat depot.store.TransferDesk.move(TransferDesk.java:14)"
    assert kept.count(move) == 2 and out.splitlines().count(move) == 4  # once per thread, above
