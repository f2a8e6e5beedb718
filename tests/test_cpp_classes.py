"""The cpp scenario's classes ( benchmarks/scenario_cpp.py). Native crash reports: AddressSanitizer's and valgrind's
reports went to the text and log compressors, which filled their budget in order. The libstdc++ template frames at
the top of each stack were kept and the project's frames further down went: in the ASan report the frames that
free (`book.cpp:25`) and allocate (`book.cpp:38`) the block; in the valgrind report, the invalid read's own stack.
And ctest's run of the tests was read as plain text (no runner line it knew), so with Claude Code's error flag
(ratio doubled) its budget was filled with `17/37 Test #17: … Passed` lines. Each test runs on the real output in `headroom_cli/corpus_data/real/` (benchmarks/capture_real.py)."""
from __future__ import annotations

import re

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import common, crash
from headroom_cli.corpus_real import capture

_PROJECT = re.compile(r"/cpp/(?:src|tests)/|\((?:book|exchange|main|order|price)\.(?:cpp|hpp):\d+\)")


def _through_router(out: str, command: str, ask: str) -> str:
    res = router.Router().compress(out, Context(tool_input=command, preceding_text=ask, ratio=0.25))
    assert res is not None and res.lossy and res.compressor == "crash"
    return res.text


def test_native_frames_are_told_apart():
    lines = [
        "    #0 0x55 in operator delete(void*, unsigned long) ../../../../src/libsanitizer/asan/new_delete.cpp:164",
        ("    #1 0x55 in std::__new_allocator<tickbook::Order>::deallocate(tickbook::Order*, unsigned long) "
         "/usr/include/c++/12/bits/new_allocator.h:158"),
        "    #6 0x55 in tickbook::Level::~Level() /home/dev/app/cpp/src/book.hpp:25",
        "    #6 0x55 in std::function<void ()>::operator()() const (/home/dev/app/cpp/build/tests+0x1250)",
        "    #8 0x7f in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58",
        "==16276==    at 0x484499B: operator delete(void*, unsigned long) (in /usr/libexec/valgrind/vgpreload.so)",
        ("==16276==    by 0x1215EF: void std::__new_allocator<std::_Rb_tree_node<int> >::destroy<int>(int*) "
         "(new_allocator.h:181)"),
        ("==16276==    by 0x11DD05: tickbook::Order& std::vector<tickbook::Order>::emplace_back<tickbook::Order>"
         "(tickbook::Order&&) (vector.tcc:123)"),
        "==16276==    by 0x10BBD4: (anonymous namespace)::run_file(std::string const&) (main.cpp:69)",
        "#3  0x0000555555566f34 in tickbook::Book::cancel (this=0x0, id=3990004) at /home/dev/app/cpp/src/book.cpp:87",
        "#1  0x00007ffff7829d90 in __libc_start_call_main () from /lib/x86_64-linux-gnu/libc.so.6",
        "#0  tickbook::Book::cancel (this=0x0, id=3990004) at /home/dev/app/cpp/src/book.cpp:87",
        "#2 Install the package (pip) at once",  # a numbered list, not a frame
        "# heading, not a frame",
        "pointer 0x7ffd1234 was null",
    ]
    assert [common.native_frame(ln) for ln in lines] == [
        False,  # the innermost frame stays: which allocator freed the block
        True, False, True, True,
        False,  # valgrind's `at`: the innermost
        True, True, False, False, True, False, None, None, None]
    assert common.runtime_frames(lines)[1:5] == [True, False, True, True]


def test_an_asan_report_keeps_the_projects_frames_and_the_report():
    out = capture("asan_use_after_free")
    text = _through_router(out, "./build-asan/tickbook_tests 2>&1",
                           "The sanitizer build's tests crash. Where is the freed block used, freed and allocated?")
    lines = out.splitlines()
    project = [ln for ln in lines if _PROJECT.search(ln)]
    assert len(project) >= 12
    for ln in project:
        assert ln in text
    for ln in lines:
        if "AddressSanitizer" in ln or ln.startswith(("READ of size", "freed by thread", "previously allocated by")):
            assert ln in text
    assert "/usr/include/" not in text and "../sysdeps/" not in text.split("[… ")[0]
    assert "[… 30 lines: AddressSanitizer's shadow-memory map and legend omitted]" in text
    assert "[… 5 lines: standard-library and dependency frames omitted]" in text
    assert len(text) < len(out) * 0.45


def test_a_valgrind_report_keeps_each_error_once_with_its_stacks_and_the_programs_errors():
    out = capture("valgrind_memcheck")
    text = _through_router(out, "valgrind --leak-check=full ./build/tickbook data/sessions/session-0007.ord 2>&1 | "
                                "tail -n 120",
                           "What memory errors and leaks does session 7 show, and where in our code?")
    lines = out.splitlines()
    first = {}
    for ln in lines:
        if _PROJECT.search(ln):
            first.setdefault(ln.split("==", 2)[2].strip(), ln)
    for ln in first.values():  # every project frame, at its first showing
        assert ln in text
    assert text.count("Invalid read of size 8") == 2
    assert re.search(r"\[… 12 lines: the same stack as lines \d+–\d+ omitted\]", text)
    for ln in lines:
        if "SUMMARY" in ln or "lost:" in ln or "locked after order" in ln:
            assert ln in text
    assert "(stl_vector.h:" not in text


def test_crash_reports_are_detected_and_others_are_not():
    ctx = Context(tool_input="tail -n 80 run.log")
    assert router.detect(capture("valgrind_memcheck"), ctx) == "crash"
    assert router.detect(capture("asan_use_after_free")) == "crash"
    log = "".join(f"2026-12-01T10:{i:02d}:00Z INFO worker: buffer at 0x7ffd{i:04x} flushed\n" for i in range(40))
    assert router.detect(log, ctx) == "log"
    notes = "".join(f"# step {i}\nran 0x{i:02x} times\n" for i in range(20))
    assert router.detect(notes) != "crash"
    assert not crash.looks(["#1 is the first", "see 0x10 in the table", "#2 next"])
    assert not crash.looks(["#1 Install (pip)", "#2 Configure (yaml)", "#3 Run it (twice)", "#4 Done"])


def test_ctest_output_is_a_test_run_its_passing_lines_go():
    out = capture("ctest_failures")
    for is_error in (False, True):  # (Claude Code flags a failed command, Codex does not)
        res = router.Router().compress(out, Context(tool_input="ctest --test-dir build --output-on-failure 2>&1",
                                                    preceding_text="Why do the tests fail?", ratio=0.25,
                                                    is_error=is_error))
        assert res is not None and res.compressor == "build"
        for ln in out.splitlines():
            if "failed" in ln.lower() or ln.startswith("[ FAIL ]") or ln.startswith("\t"):
                assert ln in res.text
            if ln.rstrip().endswith("Passed    0.00 sec"):
                assert ln not in res.text
        assert "passing lines omitted]" in res.text
        assert len(res.text) < len(out) * 0.4
