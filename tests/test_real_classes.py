"""The output classes real sessions lost on (issue 13): mechanical edits repeated over many hunks, long runs of
added code in a diff, renames, long commit messages, compiler logs whose units warn alike, a test runner's set-up
lines, logs of a few kinds of event from many services or about many names, dependency trees, tables between bars. Each test shows the cut on the real output of
`headroom_cli/corpus_real.py` (and that what the answer needs stays verbatim)."""
from __future__ import annotations

import random
import re

from headroom_cli.compress import router
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import build, diff, logs, table, tree
from headroom_cli.corpus_real import capture

import test_compressors_samples as S
from test_compressors import file_hunks, line_maps


def _consistent(original: str, out: str, *, one_commit: bool = True) -> None:
    """Every hunk header agrees with its lines (`file_hunks` asserts it), and every kept line sits at its true line
    number (for a diff of one commit: in `git log -p` a file's line numbers differ between commits)."""
    assert file_hunks(out)
    if not one_commit:
        return
    old0, new0 = line_maps(original)
    old1, new1 = line_maps(out)
    assert old1 or new1
    assert all(old0[k] == v for k, v in old1.items())
    assert all(new0[k] == v for k, v in new1.items())


def test_a_change_repeated_over_many_hunks_is_shown_once_and_its_files_named():
    out = capture("git_show_mechanical")
    res = diff.compress(out, Context(tool_input="git show HEAD"))
    assert res is not None and res.lossy
    _consistent(out, res.text)
    # the one behaviour change stays verbatim, the mechanical `+# --` hunks are shown once
    assert "-    return round(value, 2)" in res.text and "+    return int(value)" in res.text
    assert res.text.count("+# --") < out.count("+# --") / 5
    m = re.search(r"\[… (\d+) hunks repeating changes shown above, in ([^\]]*) omitted\]", res.text)
    assert m and int(m.group(1)) >= 10 and "src/click/utils.py" in res.text
    # a file all of whose hunks repeat an earlier change loses its header lines too
    assert res.text.count("diff --git ") < out.count("diff --git ")
    assert len(res.text) < 0.4 * len(out)


def test_distinct_changes_are_never_grouped():
    text = "".join(
        f"diff --git a/m{i}.py b/m{i}.py\n--- a/m{i}.py\n+++ b/m{i}.py\n@@ -1,3 +1,3 @@\n a\n-x = {i}\n+x = {i + 1}\n b\n"
        for i in range(30))
    res = diff.compress(text, Context())
    for i in range(30):
        assert res is None or (f"-x = {i}\n+x = {i + 1}" in res.text)


def test_long_runs_of_added_code_keep_their_definitions_and_true_headers():
    out = capture("git_log_patch")  # the file's creation: one hunk of 164 added lines
    res = diff.compress(out, Context(tool_input="git log -p -3 -- headroom_cli/compress/terminal.py"))
    assert res is not None
    _consistent(out, res.text, one_commit=False)
    for d in ("+def envelope(text: str) -> tuple[str, str, str]:", "+def clean(text: str) -> str:",
              "+def _play(text: str) -> str:"):
        assert d in res.text
    assert re.search(r"\[… \d+ added lines omitted\]", res.text)
    # the one-line change of the newest commit, a short hunk, is never cut
    assert "-            col = max(0, col - 1)\n+            col = max(0, col - 2)" in res.text
    assert len(res.text) < 0.5 * len(out)


def test_the_definition_a_request_names_stays_whole_inside_a_run():
    out = capture("git_show_commit")
    ctx = Context(tool_input="git show e198b57", preceding_text="What does _cut_document return?")
    res = diff.compress(out, ctx)
    assert res is not None
    _consistent(out, res.text)
    start = out.index("+def _cut_document")
    body = out[start:out.index("+    return out or None\n", start)]
    assert body in res.text  # the whole definition, verbatim
    assert "+def _head_of(text: str, i: int, depth: int = 0) -> tuple[Any, int]:" in res.text
    assert "+    while k < len(text) and depth < 60:" not in res.text  # _head_of's body: not asked about


def test_a_short_diff_within_budget_loses_no_changed_line():
    text = ("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,40 +1,60 @@\n"
            + "".join(f" c{i}\n" for i in range(40)) + "".join(f"+new {i}\n" for i in range(20)))
    res = diff.compress(text, Context(ratio=0.9))
    assert res is not None and all(f"+new {i}\n" in res.text for i in range(20))


def test_a_compiler_log_keeps_each_warning_once_its_error_whole_and_names_the_other_places():
    out = capture("make_warnings")
    res = build.compress(out, Context(tool_input="make -k -C native"))
    assert res is not None
    err = out.index("src/stage_29.c:14:10: error")
    excerpt = out[err:out.index("\n", out.index("^~~", err))]
    assert excerpt in res.text  # the error with its source excerpt and caret
    assert "note: each undeclared identifier" in res.text
    assert "unused variable ‘spare’" in res.text  # a warning of its own, seen once
    assert res.text.count("[-Wunused-parameter]") == 2  # its first place whole + the line naming the others
    m = re.search(r"the same warning \(unused parameter ‘flags’ \[-Wunused-parameter\]\) at 35 more places: "
                  r"src/stage_01\.c:8:47, src/stage_02\.c:8:47, ", res.text)
    assert m
    assert "make: *** [Makefile:11: build/stage_29.o] Error 1" in res.text
    assert len(res.text) < 0.25 * len(out)


def test_a_warning_is_not_grouped_with_a_different_message():
    lines = []
    for i in range(12):
        lines += [f"src/u{i}.c:3:5: warning: unused variable ‘v{i}’ [-Wunused-variable]", f"    3 |     int v{i};",
                  "      |         ^"]
    res = build.compress("\n".join(lines) + "\n", Context())
    assert res is None or all(f"unused variable ‘v{i}’" in res.text for i in range(12))


def test_through_the_router_the_classes_are_detected():
    assert router.detect(capture("make_warnings"), Context(tool_input="make -k")) == "build"
    assert router.detect(capture("git_show_mechanical"), Context(tool_input="git show HEAD")) == "diff"
    assert router.detect(capture("git_log_patch"), Context(tool_input="git log -p")) == "diff"


def test_an_incident_log_is_served_one_line_per_kind_of_event_and_keeps_its_error():
    out = capture("incident_log")
    res = logs.compress(out, Context(tool_input="cat logs/incident-2026-11-30.log",
                                     preceding_text="What went wrong in last night's incident?"))
    assert res is not None
    err = next(ln for ln in out.splitlines() if " ERROR " in ln)
    assert err in res.text
    kept = [ln for ln in res.text.splitlines() if ln[:4] == "2026"]
    # five kinds of event (gc pause, heartbeat, cache hit ratio, retrying call, request): a few lines each (head,
    # tail and the error's neighbours included)
    for kind in ("gc pause", "heartbeat ok", "cache hit ratio", "retrying call", "request id="):
        assert 1 <= sum(kind in ln for ln in kept) <= 6, kind
    assert len(res.text) < 0.15 * len(out)


def test_event_kinds_leave_out_the_time_level_and_component_only():
    assert logs._event_kind("#-#-#T#:#:#.#Z INFO gateway gc pause ms=#") == "gc pause ms=#"
    assert logs._event_kind("#-#-#T#:#:#.#Z DEBUG payments-api gc pause ms=#") == "gc pause ms=#"
    # a different message is a different kind, whoever logged it
    assert logs._event_kind("#-#-#T#:#:#.#Z INFO gateway disk #% full") != "gc pause ms=#"
    # short lines keep what they have
    assert logs._event_kind("#:#:# started") == "started"


def test_warnings_of_a_kind_are_capped_but_each_distinct_warning_stays():
    lines = []
    for i in range(300):
        lines.append(f"2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO svc-{i % 7} request id={1000 + i} ok")
        if i % 10 == 5:
            lines.append(f"2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z WARN svc-{i % 7} slow request "
                         f"id={1000 + i} ms={900 + i}")
    lines.insert(400, "2026-12-01T10:06:40Z WARN billing disk 91% full on /var/lib/ledger")
    text = "\n".join(lines) + "\n"
    res = logs.compress(text, Context())
    assert res is not None
    assert "WARN billing disk 91% full on /var/lib/ledger" in res.text
    assert sum("slow request" in ln for ln in res.text.splitlines()) <= 3


def test_a_dependency_tree_keeps_its_top_levels_the_named_branches_and_its_problems():
    out = capture("npm_ls_tree")
    ctx = Context(tool_input="npm ls -g --all",
                  preceding_text="Which versions of the native pty modules do the installed agents pull in?")
    assert router.detect(out, ctx) == "tree"
    res = tree.compress(out, ctx)
    assert res is not None
    for n in ("@lydell/node-pty@1.1.0", "node-pty@1.0.0", "@lydell/node-pty@1.2.0-beta.15", "@openai/codex@0.171.0",
              "openclaw@"):
        assert n in res.text
    # every kept line is a line of the tree, in order
    kept = [ln for ln in res.text.splitlines() if "[…" not in ln]
    src = out.splitlines()
    pos = [src.index(ln) for ln in kept]
    assert pos == sorted(pos)
    # the branch to a named line is kept: node-pty's parent is there
    assert "├─┬ @google/gemini-cli@" in res.text
    assert "UNMET OPTIONAL DEPENDENCY" not in res.text
    assert len(res.text) < 0.35 * len(out)


def test_a_tree_problem_deep_down_is_kept_with_its_branch():
    text, needles = S.npm_tree()
    res = tree.compress(text, Context(tool_input="npm ls --all"))
    assert res is not None and all(n in res.text for n in needles)
    assert "├─┬ axios@" in res.text and "axios-dep2@" in res.text  # the invalid package's branch
    assert "express-dep0-sub0@" not in res.text  # a deep line nothing names


def test_a_rename_over_many_files_is_shown_twice_and_the_change_inside_it_stays():
    out = capture("git_show_rename")
    res = diff.compress(out, Context(tool_input="git show HEAD",
                                     preceding_text="The last commit renamed cell_len to cell_width. Did it change "
                                                    "any behaviour?"))
    assert res is not None
    _consistent(out, res.text)
    change = next(ln for ln in out.splitlines() if ln.startswith("+") and "endswith(\" \")" in ln)
    assert change in res.text  # the behaviour change hidden in the rename
    assert re.search(r"\[… \d+ hunks changing only cell_len to cell_width, in src/rich/", res.text)
    renamed = [ln for ln in res.text.splitlines() if ln.startswith("+") and "cell_width" in ln]
    assert len(renamed) < 0.3 * sum(1 for ln in out.splitlines() if ln.startswith("+") and "cell_width" in ln)
    assert len(res.text) < 0.4 * len(out)


def test_a_substitution_is_a_whole_word_change_that_explains_the_whole_line():
    assert diff._substitution("x = cell_len(t)", "x = cell_width(t)") == ("cell_len", "cell_width")
    assert diff._substitution("a = cell_len(t) + len(u)", "a = cell_width(t) + len(u)") == ("cell_len", "cell_width")
    assert diff._substitution("return total", "return total + 1") is None  # an insertion, not a rename
    assert diff._substitution("n = cell_len(x)", "n = cell_width(x) + 1") is None  # more than the rename


def test_a_long_commit_message_keeps_its_head_and_the_lines_the_request_names():
    out = capture("git_log_patch")
    res = diff.compress(out, Context(tool_input="git log -p -3 -- headroom_cli/compress/terminal.py"))
    assert res is not None
    assert "    issue 13 items 2 and 4 (first piece): mixed output, terminal noise, agent envelopes, small results" \
        in res.text
    assert re.search(r"    \[… \d+ lines of the commit message omitted\]", res.text)
    assert "    native codec stages; terminal: faster backspace handling" in res.text  # a short message: whole


def test_a_pytest_runs_set_up_lines_go_and_its_failure_stays():
    head = ("============================= test session starts ==============================\n"
            "platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0 -- /home/dev/.venv/bin/python\n"
            "cachedir: .pytest_cache\nhypothesis profile 'default'\nrootdir: /home/dev/app\n"
            "plugins: asyncio-1.5.0, anyio-4.16.0, hypothesis-6.170.17\n"
            "asyncio: mode=Mode.STRICT, debug=False\ncollecting ... collected 60 items\n\n")
    body = "".join(f"tests/test_a.py::test_{i} PASSED{' ' * 20}[{i:3d}%]\n" for i in range(59))
    fail = ("tests/test_a.py::test_last FAILED\n\n=================================== FAILURES ====\n"
            "____ test_last ____\n\n    def test_last():\n>       assert f() == 2\nE       assert 1 == 2\n\n"
            "tests/test_a.py:9: AssertionError\n=========================== short test summary info ====\n"
            "FAILED tests/test_a.py::test_last - assert 1 == 2\n========= 1 failed, 59 passed in 0.51s =========\n")
    res = build.compress(head + body + fail, Context(tool_input="pytest -v"))
    assert res is not None
    assert "platform linux -- Python 3.11.7" in res.text and "E       assert 1 == 2" in res.text
    for gone in ("cachedir:", "rootdir:", "plugins:", "hypothesis profile", "asyncio: mode"):
        assert gone not in res.text


def test_a_table_between_bars_keeps_its_largest_values():
    out = capture("importtime")
    assert router.detect(out, Context(tool_input="python -X importtime -c 'import rich.console'")) == "table"
    res = table.compress(out, Context())
    assert res is not None
    rows = [ln for ln in out.splitlines()[1:] if ln.count("|") == 2]
    for col in (0, 1):
        top = sorted(rows, key=lambda ln: -int(ln.split("|")[col].split(":")[-1]))[:3]
        assert all(r in res.text for r in top), col
    assert out.splitlines()[0] in res.text
    assert len(res.text) < 0.25 * len(out)


def test_log_events_about_different_names_are_one_kind_and_the_end_is_kept_when_asked_for():
    out = capture("dpkg_log")
    lines = out.splitlines()
    assert logs._event_kind("# # status installed libc#:am# #+#u#") == logs._event_kind("# # status installed zstd:am# #.#")
    vague = logs.compress(out, Context(tool_input="tail -n 400 /var/log/dpkg.log"))
    asked = logs.compress(out, Context(tool_input="tail -n 400 /var/log/dpkg.log",
                                       preceding_text="Which packages were installed last, and when?"))
    assert vague is not None and asked is not None
    assert len(vague.text) < 0.1 * len(out)
    last_install = next(ln for ln in reversed(lines) if " install " in ln)
    assert last_install in asked.text and len(asked.text) < 0.4 * len(out)
    # "last night" names a time, not the end of the log
    night = logs.compress(out, Context(preceding_text="what did dpkg do last night?"))
    assert len(night.text) == len(vague.text)


def test_the_renamed_definition_itself_is_never_cut():
    out = capture("git_show_rename")
    res = diff.compress(out, Context(tool_input="git show HEAD"))
    assert "-def cell_len(text: str" in res.text and "+def cell_width(text: str" in res.text


def test_a_table_under_a_legend_is_a_table_and_keeps_the_legend_header_and_asked_row():
    out = capture("dpkg_table")
    ctx = Context(tool_input="dpkg -l | head -200", preceding_text="Which version of cmake is installed?")
    assert router.detect(out, ctx) == "table"
    res = table.compress(out, ctx)
    assert res is not None
    lines = out.splitlines()
    for ln in lines[:5]:  # the legend, the header and its rule
        assert ln in res.text
    assert next(ln for ln in lines if ln.startswith("ii  cmake ")) in res.text
    assert len(res.text) < 0.15 * len(out)


def test_a_legend_is_found_only_above_a_header_of_column_names():
    rows = [f"ii  pkg{i}  1.{i}  all  thing {i}" for i in range(8)]
    assert table.header_at(["Desired=Unknown", "| Status=Not", "||/ Name      Version      Architecture Description",
                            "+++-====", *rows]) == 2
    assert table.header_at(["some prose here", "More prose That Is Capitalised", *rows]) == 0


def _ps_aux_with_a_jvm() -> tuple[str, str]:
    """`ps aux` as a dev machine prints it: a JVM whose COMMAND holds a classpath of 35 jars, and small rows."""
    cp = ":".join(f"/opt/tomcat/lib/dependency-{i:02d}-{'x' * (i % 7)}-1.{i}.jar" for i in range(35))
    jvm = (f"tomcat    4242 12.5 18.3 9876540 1503212 ?     Sl   09:12  41:07 /usr/lib/jvm/java-17/bin/java "
           f"-Xmx2g -classpath {cp} -Dcatalina.base=/opt/tomcat org.apache.catalina.startup.Bootstrap start")
    rows = ["USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND", jvm]
    for i in range(40):
        rows.append(f"root     {1000 + i:5d}  0.{i % 10}  0.1  {20000 + 97 * i:6d} {9000 - 150 * i:5d} ?        "
                    f"S    09:{i % 60:02d}   0:0{i % 10} /usr/sbin/daemon-{i} --flag {i}")
    return "\n".join(rows) + "\n", jvm


def test_a_wide_table_row_kept_for_its_values_keeps_its_columns_and_command_ends():
    text, jvm = _ps_aux_with_a_jvm()
    res = table.compress(text, Context(tool_input="ps aux --sort=-rss | head -60",
                                       preceding_text="Which process uses the most memory?"))
    assert res is not None and res.lossy
    row = next(ln for ln in res.text.splitlines() if " 4242 " in ln)
    # the columns and both ends of the command stay; the classpath's middle is one counted marker
    assert row.startswith(jvm[:200]) and row.endswith("org.apache.catalina.startup.Bootstrap start")
    assert re.search(r"\[… \d+ chars omitted\]", row) and len(row) < len(jvm) / 3
    assert "dependency-20-xxxxxx-1.20.jar" not in res.text and len(jvm) < 2000  # (under the general clip)


def test_a_wide_row_the_request_points_to_stays_whole():
    text, jvm = _ps_aux_with_a_jvm()
    res = table.compress(text, Context(tool_input="ps aux --sort=-rss | head -60",
                                       preceding_text="Show me the full command line of the catalina process."))
    assert res is not None and jvm in res.text


def test_rustc_errors_over_budget_keep_where_what_and_help():
    """Eight rustc errors (a real `cargo build`): each keeps its location, the source line and labels under it, its
    notes and its help line; the help's suggested source is one retrieval away. (Was: every error's name only.)"""
    out = capture("cargo_build_errors")
    res = build.compress(out, Context(tool_input="cargo build 2>&1", preceding_text="Fix the compile errors."))
    assert res is not None and res.lossy
    wheres = re.findall(r"^\s*--> (src/main\.rs:\d+:\d+)$", out, re.M)
    assert len(wheres) >= 8 and all(f"--> {w}" in res.text for w in wheres)
    assert "expected `Option<u64>`, found `Option<&u64>`" in res.text
    assert "help: use `Option::copied` to copy the value inside the `Option`" in res.text
    assert "self.links.get(code).copied() }" not in res.text  # the suggestion's source line
    assert len(res.text) < len(out)


def test_a_module_the_request_names_in_words_keeps_all_its_diagnostics():
    """`mypy --strict` over 34 modules (real): "the relevance module" names relevance.py in words. Its four errors
    stay, though three share one message shape and the ranking's words ("type", "errors") are on every line."""
    from headroom_cli.compress.compressors import search

    out = capture("mypy_strict")
    res = search.compress(out, Context(tool_input="mypy --ignore-missing-imports --strict headroom_cli/compress",
                                       preceding_text="Fix the type errors in the relevance module first."))
    assert res is not None and res.lossy and len(res.text) < len(out) / 2
    asked = [ln for ln in out.splitlines() if ln.startswith("headroom_cli/compress/relevance.py:")]
    assert len(asked) == 4 and all(ln in res.text for ln in asked)


def test_every_line_of_the_file_a_request_names_stays_in_a_search_over_many_files():
    """A real `grep -rn` over the engine's modules, the request naming one file: all of its hits stay (up to 200),
    not the per-file share that every other file gets."""
    import pathlib
    import subprocess

    from headroom_cli.compress.compressors import search

    root = pathlib.Path(__file__).resolve().parents[1]
    cmd = "grep -rn 'def \\|return ' headroom_cli/compress"
    out = subprocess.run(cmd, shell=True, cwd=root, capture_output=True, text=True).stdout
    asked = [ln for ln in out.splitlines() if ln.startswith("headroom_cli/compress/tokens.py:")]
    files = {ln.split(":", 1)[0] for ln in out.splitlines()}
    assert len(files) >= 20 and 15 <= len(asked) <= 200
    res = search.compress(out, Context(tool_input=cmd, preceding_text="What does tokens.py define and return?"))
    assert res is not None and len(res.text) < len(out) / 2
    assert all(ln in res.text for ln in asked)


def test_a_repeated_warning_whose_other_lines_cost_less_than_their_note_keeps_them_in_place():
    msg = "[deprecation] getYear() in Date has been deprecated"
    few = [f"src/main/java/depot/io/LegacyImport.java:71: warning: {msg}"] * 2
    many = [f"src/main/java/depot/io/Legacy{i}.java:{10 + i}: warning: [rawtypes] found raw type: Vector"
            for i in range(12)]
    filler = [f"[javac] compiling unit {i} of 40" for i in range(40)]
    text = "\n".join(filler[:20] + few + many + filler[20:] + ["14 warnings"]) + "\n"
    res = build.compress(text, Context(tool_input="javac -Xlint:all"))
    assert res is not None
    kept = res.text.splitlines()
    assert kept.count(few[0]) == 2 and f"the same warning ({msg})" not in res.text  # cheaper than its note
    assert many[0] in kept and not any(ln in kept for ln in many[1:])  # one place whole, eleven named
    assert "the same warning ([rawtypes] found raw type: Vector) at 11 more places" in res.text


def test_a_table_after_a_summary_is_a_table_and_keeps_the_rows_the_request_is_after():
    # `top -b -n 1` (procps-ng, a real capture): five summary lines and a blank one, then the task table, its
    # header on line 7 with `%CPU` and `TIME+` in it
    out = capture("top_batch")
    assert router.detect(out, Context(tool_input="top -b -n 1")) == "table"  # before: text
    res = router.compress_block(out, Context(tool_input="top -b -n 1 -w 120",
                                             preceding_text="What priority does watchdogd run at, and what is "
                                                            "using the most memory?"))
    assert res is not None and res.kind == "table"
    kept = res.text.splitlines()
    assert kept[:7] == out.splitlines()[:7]  # the summary and the header as they were
    rows = out.splitlines()[7:]
    assert next(ln for ln in rows if ln.rstrip().endswith(" watchdogd")) in kept  # the row the request names
    most = max(rows, key=lambda ln: int(ln.split()[5]))  # the largest RES
    assert most in kept
    assert len(res.text) < 0.6 * len(out) and "rows omitted]" in res.text


def test_a_repeated_warning_names_each_file_once_in_its_places():
    # javac warns about one raw `Map.put` on every line of a legacy method: the places line names the file once,
    # then its line numbers (`File.java:22, :23, …`): the places cost their numbers, not a path each
    msg = "[unchecked] unchecked call to put(K,V) as a member of the raw type Map"
    path = "src/main/java/depot/io/LegacyImport.java"
    warned = [f"{path}:{21 + i}: warning: {msg}" for i in range(5)] + \
             [f"src/main/java/depot/app/Server.java:{40 + i}: warning: {msg}" for i in range(2)]
    filler = [f"[javac] compiling unit {i} of 40" for i in range(40)]
    text = "\n".join(filler[:20] + warned + filler[20:] + ["14 warnings"]) + "\n"
    res = build.compress(text, Context(tool_input="javac -Xlint:all"))
    assert res is not None
    note = next(ln for ln in res.text.splitlines() if f"the same warning ({msg})" in ln)
    assert note.count(path) == 1 and note.count("Server.java") == 1
    assert f"at 6 more places: {path}:22, :23, :24, :25, src/main/java/depot/app/Server.java:40, :41 omitted]" in note


def _pytest_caplog_failure() -> list[str]:
    out = ["________________________ test_reserve_rejects_oversell _________________________", "",
           "caplog = <_pytest.logging.LogCaptureFixture object at 0x7f703d668890>", "",
           "    def test_reserve_rejects_oversell(caplog):",
           "        w = Warehouse()",
           ">       with pytest.raises(ValueError, match=\"insufficient stock\"):",
           "E       Failed: DID NOT RAISE ValueError", "",
           "tests/test_inventory.py:13: Failed",
           "------------------------------ Captured log call -------------------------------"]
    out += [f"DEBUG    shoplib.inventory:inventory.py:6 receive sku=SKU-{i % 40} n=3 before={3 * (i // 40)}"
            for i in range(120)]
    out.insert(11 + 77, "WARNING  shoplib.inventory:inventory.py:19 reserve sku=SKU-17 n=2 on_hand=1: oversold")
    return out


def test_a_failing_tests_captured_log_keeps_its_ends_and_what_is_not_routine():
    # pytest -v: a failure's report with the 120 DEBUG lines the test logged (kept whole inside the failure's
    # region: 27 % saved); the routine lines go but for the section's ends, the WARNING among them stays
    fail = _pytest_caplog_failure()
    passed = [f"tests/test_inventory.py::test_case_{i} PASSED                                   [{i:3d}%]"
              for i in range(60)]
    text = "\n".join(["============================= test session starts ==============================",
                      "collected 61 items", ""] + passed + ["", "=================================== FAILURES "
                                                              "==================================="] + fail +
                     ["=========================== short test summary info ============================",
                      "FAILED tests/test_inventory.py::test_reserve_rejects_oversell - Failed: DID NOT RAISE ValueError",
                      "========================= 1 failed, 60 passed in 0.41s ========================="]) + "\n"
    res = build.compress(text, Context(tool_input="pytest -v", preceding_text="Why does the oversell test fail?"))
    assert res is not None and len(res.text) < 0.35 * len(text)
    kept = res.text.splitlines()
    assert "E       Failed: DID NOT RAISE ValueError" in kept
    assert "WARNING  shoplib.inventory:inventory.py:19 reserve sku=SKU-17 n=2 on_hand=1: oversold" in kept
    assert sum(ln.startswith("DEBUG    shoplib") for ln in kept) <= 8
    assert any("captured output" in ln for ln in kept)


def test_a_tail_that_starts_inside_a_traceback_keeps_its_explanation_lines():
    # `pytest -v | tail -n 260`: the output starts in the middle of a failure's traceback (its header cut away);
    # the `E   ValueError: …` line there is the answer to "why does the fractional-seconds test fail?"
    head = ["    tt, fraction, gmtoff_fraction = _strptime(data_string, format)",
            "                                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"]
    head += [f"    frame_line_{i} = helper_{i}(data_string, format, locale_{i})" for i in range(40)]
    head += ["E           ValueError: unconverted data remains: .250", "",
             "/usr/lib/python3.11/_strptime.py:352: ValueError"]
    text = "\n".join(head + _pytest_caplog_failure() +
                     ["=========================== short test summary info ============================",
                      "FAILED tests/test_ts.py::test_fractional_seconds - ValueError: unconverted data remains: .250",
                      "========================= 2 failed, 60 passed in 0.41s ========================="]) + "\n"
    res = build.compress(text, Context(tool_input="pytest -v 2>&1 | tail -n 260",
                                       preceding_text="Why does the fractional-seconds timestamp test fail?"))
    assert res is not None
    assert "E           ValueError: unconverted data remains: .250" in res.text.splitlines()


def _tap(n: int = 40) -> tuple[str, list[str]]:
    """`node --test` into a pipe prints TAP: each subtest's `ok N`/`not ok N` line, then its YAML diagnostics."""
    out = ["TAP version 13", "# Subtest: mergeCarts"]
    for i in range(1, n + 1):
        out += [f"    # Subtest: keeps disjoint sku #{i}", f"    ok {i} - keeps disjoint sku #{i}", "      ---",
                f"      duration_ms: 0.{100 + 7 * i}", "      ..."]
    fail = [f"    not ok {n + 1} - adds quantities when the same SKU is in both carts", "      ---",
            "      duration_ms: 4.056266", "      location: '/srv/cart/cart.test.js:10:8'",
            "      failureType: 'testCodeFailure'", "      error: |-", "        Expected values to be strictly deep-equal:",
            "        + actual - expected", "        ", "          [", "            {", "        +     qty: 3,",
            "        -     qty: 5,", "              sku: 'SKU-9'", "            }", "          ]",
            "      code: 'ERR_ASSERTION'", "      name: 'AssertionError'", "      expected:", "        0:",
            "          sku: 'SKU-9'", "          qty: 5", "      actual:", "        0:", "          sku: 'SKU-9'",
            "          qty: 3", "      operator: 'deepStrictEqual'", "      stack: |-",
            "        TestContext.<anonymous> (/srv/cart/cart.test.js:11:12)",
            "        Test.runInAsyncScope (node:async_hooks:206:9)", "      ..."]
    out += fail + [f"    1..{n + 1}", "not ok 1 - mergeCarts", "  ---", "  error: '1 subtest failed'", "  ...",
                   f"1..1", f"# tests {n + 1}", f"# pass {n}", "# fail 1"]
    return "\n".join(out) + "\n", fail


def test_tap_output_is_a_test_run_and_keeps_a_failures_diagnostics():
    # `node --test | …` (TAP): read as a log, the failure's YAML lines were "similar lines" and went, the
    # expected value among them (`-     qty: 5,`): the model saw what came out, not what was wanted
    text, fail = _tap()
    ctx = Context(tool_input="node --test", preceding_text="Why do the tests fail? Give me each failing test and the cause.")
    assert router.detect(text, ctx) == "build"
    res = router.compress_block(text, ctx)
    assert res is not None and len(res.text) < 0.6 * len(text)
    kept = res.text.splitlines()
    for line in (fail[0], "        +     qty: 3,", "        -     qty: 5,", "          qty: 5", "# fail 1"):
        assert line in kept


def _schema() -> tuple[str, list[str]]:
    """`sqlite3 app.db '.schema --indent'`: twelve tables, their columns indented under each CREATE TABLE."""
    rnd = random.Random(8)
    out, invoices = [], []
    for t in ("users", "organizations", "memberships", "projects", "invoices", "payments", "refunds", "plans",
              "subscriptions", "audit_events", "api_keys", "webhooks"):
        cols = [f"  {t[:-1]}_{c} {rnd.choice(('INTEGER', 'TEXT', 'REAL'))}{' NOT NULL' if rnd.random() < .5 else ''},"
                for c in ("id", "created_at", "updated_at", "owner", "state", "label", "note", "ref", "kind", "extra",
                          "source", "region", "currency", "version", "flags", "parent", "origin", "token")]
        if t == "invoices":
            cols[3:3] = ["  amount_cents INTEGER NOT NULL,", "  stripe_invoice_id TEXT UNIQUE,"]
            invoices = cols
        out += [f"CREATE TABLE {t}("] + cols + ["  PRIMARY KEY (id)", ");"]
        out += [f"CREATE INDEX idx_{t}_created ON {t}({t[:-1]}_created_at);"]
    return "\n".join(out) + "\n", invoices


def test_a_line_the_request_points_to_keeps_the_block_indented_under_it():
    # "what columns does the invoices table have?": `CREATE TABLE invoices(` was kept (or not: the words of a
    # request counted only where they were code-like), its columns went in a marker while other tables stayed
    text, cols = _schema()
    res = router.compress_block(text, Context(tool_input="sqlite3 app.db '.schema --indent'",
                                              preceding_text="What columns does the invoices table have?"))
    assert res is not None and len(res.text) < 0.6 * len(text)
    kept = res.text.splitlines()
    assert "CREATE TABLE invoices(" in kept and all(c in kept for c in cols)


def test_a_tree_keeps_the_entry_the_request_names_in_words():
    # `tree headroom_cli`: "where does the blame compressor live?" — the compressors folder (deeper than the
    # levels a tree keeps) was folded into a marker, `blame.py` with it; the name is a plain word, not code-like
    out = ["headroom_cli", "├── __init__.py", "├── compress"]
    for d in ("cli", "gateway", "launch", "learn", "mcp", "output", "proxy", "stats", "storage"):
        out += [f"│   ├── {d}"] + [f"│   │   ├── {d}_{k}.py" for k in range(8)]
    out += ["│   └── compressors"] + [f"│       ├── {m}.py" for m in (
        "build", "code", "common", "crash", "diff", "gitlog", "helptext", "json_data", "logs", "search", "table",
        "text", "threads", "tree", "blame")] + ["│       └── __init__.py", "└── wires.py", "", "12 directories, 90 files"]
    text = "\n".join(out) + "\n"
    res = tree.compress(text, Context(tool_input="tree -I __pycache__ headroom_cli",
                                      preceding_text="Where does the blame compressor live?"))
    assert res is not None and len(res.text) < 0.7 * len(text)
    kept = res.text.splitlines()
    assert "│       ├── blame.py" in kept and "│   └── compressors" in kept
