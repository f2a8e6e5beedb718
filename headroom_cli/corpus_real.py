"""Corpus workloads of the output classes real sessions lost on (issue 13), built from real command outputs.

The outputs in `corpus_data/real/` come from `benchmarks/capture_real.py`: `git show` of a commit of this
repository that adds functions and edits prose, `git log -p` over a file's history (a new file among them), `git
show` of a mechanical commit (the same line added to every module, one behaviour change among them), `make -k`
of a C library whose units all warn the same way and one of which does not compile, an incident log whose events
are a few kinds logged by many services at many levels, `npm ls --all` (a dependency tree), `git show` of a
rename done over many files, `python -X importtime` (a table between bars), the tail of a machine's dpkg log and
its `dpkg -l` (a table under a legend). Two more came from the held-out check (`benchmarks/capture_heldout.py`),
moved here after the fixes they taught: `git log --stat -3` of a git-inited copy of the installed rich sources after
real edits (the asked commit's stat block was cut) and `node --test` of a small module whose one failure repeats
(six cases, each printed twice: weak savings as text), and `pip inspect` through a jq projection asked, inside a
request of many questions, about two packages by name (the ranking found no clear signal; the named records went).
Three came from a Rust crate's session (`benchmarks/scenario_crate.py`): `cargo test`
with its backtraces, its log grepped twice (eighty errors of one form; a panic in a match's context) and its tail (one
error kind, twelve kinds of warning). Two came
from a C++ order book's (`benchmarks/scenario_cpp.py`): AddressSanitizer's and valgrind's reports, and ctest's run. One
from a TypeScript project's (`benchmarks/scenario_web.py`): its own `npm ls --all`, asked about in a request that names
the language (a word inside many longer package names), its pino-style log grepped for errors (the same stack
in every 500's `err.stack`) and its report's 300 tasks as JSON lines (`jq -c`), asked about one. One from a Java service's (`benchmarks/scenario_jvm.py`): `make test`, javac's warnings then
JUnit 4's three failures, a jstack dump of its deadlocked status server and
`javac -Xlint:all` (59 warnings of 29 kinds, one a real fall-through). One from a Go service's
(`benchmarks/scenario_gosvc.py`): `go test -v ./...` with six failing subtests and what each reported; and a small Go
program's panic under GOTRACEBACK=all (31 goroutines: idle workers, lookups stuck on a held mutex). One `find`
of this repository's Python files: a small result whose directories repeat on every line. Each is put
in the request shape of an agent that would have run it, with the question that needs it and the needles its answer needs.
"""
from __future__ import annotations

from importlib import resources
from typing import Callable

from .corpus_mixed import anthropic_request, chat_request, codex_request, line_with


def capture(name: str) -> str:
    """One captured output, exactly as the command wrote it."""
    return (resources.files("headroom_cli") / "corpus_data" / "real" / f"{name}.txt").read_bytes().decode("utf-8")


def _git_show_commit(W):
    out = capture("git_show_commit")
    body = codex_request("What did commit e198b57 change in the regions module, and what does _cut_document "
                         "return?", "git show e198b57", out, seed=41)
    return W("real_git_show_commit", "openai_responses", body,
             ["def _cut_document(text: str, i: int) -> list[Region] | None:",
              line_with(out, "+        if j - i >= MIN_JSON_CHARS and e.pos < j and not"),
              line_with(out, "+            cut = _cut_document(text, i)")],
             "git show of a commit adding functions (real, this repository)", ["diff", "real"])


def _git_log_patch(W):
    out = capture("git_log_patch")
    body = anthropic_request("The terminal tests fail since this morning. Which recent change to "
                             "compress/terminal.py could have broken them?",
                             "git log -p -3 -- headroom_cli/compress/terminal.py", out, seed=42)
    return W("real_git_log_patch", "anthropic", body,
             ["+            col = max(0, col - 2)", "-            col = max(0, col - 1)",
              line_with(out, "faster backspace handling")],
             "git log -p over a file's history: a one-line change, then the file's creation", ["diff", "real"])


def _git_show_mechanical(W):
    out = capture("git_show_mechanical")
    body = chat_request("Review the last commit: did it change any behaviour, or only formatting?",
                        "git show HEAD", out, seed=43)
    return W("real_git_show_mechanical", "openai_chat", body,
             ["-    return round(value, 2)", "+    return int(value)", "tidy headers; simplify total()"],
             "git show of a mechanical commit (one line added to every module) hiding one behaviour change",
             ["diff", "real"])


def _make_warnings(W):
    out = capture("make_warnings")
    body = codex_request("The native build fails. Which unit, and why?", "make -k -C native", out, seed=44, code=2)
    return W("real_make_warnings", "openai_responses", body,
             [line_with(out, "error: ‘frame_crc’ undeclared"), line_with(out, "unused variable ‘spare’"),
              line_with(out, "make: *** ")],
             "make -k of 36 C units: the same two warnings in each, one unused variable, one error", ["build", "real"])


def _incident_log(W):
    out = capture("incident_log")
    body = anthropic_request("What went wrong in last night's incident?", "cat logs/incident-2026-11-30.log", out,
                             seed=45)
    lines = out.splitlines()
    return W("real_incident_log", "anthropic", body, [line_with(out, " ERROR "), lines[-1]],
             "an incident log: 260 events of five kinds from six services at four levels, one ERROR", ["log", "real"])


def _npm_ls_tree(W):
    out = capture("npm_ls_tree")
    body = codex_request("Which versions of the native pty modules do the installed agents pull in?",
                         "npm ls -g --all", out, seed=46)
    return W("real_npm_ls_tree", "openai_responses", body,
             ["@lydell/node-pty@1.1.0", "node-pty@1.0.0", "@lydell/node-pty@1.2.0-beta.15", "@openai/codex@0.171.0"],
             "npm ls --all of the agents installed on a machine: 590 lines, 6 packages at the top", ["tree", "real"])


def _npm_ls_web(W):
    out = capture("npm_ls_web")
    body = anthropic_request("This TypeScript task board's lint fails. Which typescript-eslint and eslint versions "
                             "does it install, and which typescript do they use?", "npm ls --all", out, seed=61)
    return W("real_npm_ls_web", "anthropic", body,
             ["typescript-eslint@8.46.4", "eslint@9.39.1", "typescript@5.9.3", "@typescript-eslint/parser@8.46.4"],
             "npm ls --all of a TypeScript project: 344 lines, the request's word inside 28 longer names",
             ["tree", "real"])


def _web_log_grep_errors(W):
    out = capture("web_log_grep_errors")
    body = codex_request("What are the 500s in logs/api.log: which error, thrown where?",
                         "grep -n '\"level\":50' logs/api.log | head -n 40", out, seed=62)
    return W("real_web_log_grep_errors", "openai_responses", body,
             ["at isoDay (file:///home/dev/app/w/web/src/domain/dates.ts:12:12)",
              '"err":{"type":"RangeError","message":"Invalid time value"'],
             "grep of a pino-style JSON-lines log for its errors: 11 lines, each with the same 700-character stack",
             ["search", "logs", "real"])


def _junit_failures(W):
    out = capture("junit_failures")
    body = codex_request("Why do the tests fail? Give each failing test and what it expected.", "make test", out,
                         seed=63)
    return W("real_junit_failures", "openai_responses", body,
             ["3) aConfirmedOrderOutlivesItsHold(depot.service.ReservationServiceTest)",
              "reserved units after the sweep expected:<4> but was:<0>",
              "swept at 09:20 expected:<[R-1]> but was:<[R-1, R-2]>",
              "R-000002: no open reservation (its hold expired)", "Tests run: 35,  Failures: 3"],
             "make test of a Java project: javac's 14 warnings, then JUnit 4's run with 3 failures (one caused by)",
             ["test", "build", "real"])


def _jstack_deadlock(W):
    out = capture("jstack_deadlock")
    body = anthropic_request("The status server hangs: which threads are stuck, on what, and where in our code?",
                             "sh tools/threaddump.sh", out, seed=64)
    return W("real_jstack_deadlock", "anthropic", body,
             ["Found one Java-level deadlock:", "at depot.store.TransferDesk.move(TransferDesk.java:14)",
              '"transfer-DUB-to-RTM" #24', "- waiting to lock <0x000000069e892120> (a depot.store.Warehouse)",
              "java.lang.Thread.State: BLOCKED (on object monitor)"],
             "jstack -l of a Java server: 33 threads, two of them deadlocked on two Warehouse monitors",
             ["threads", "real"])


def _javac_lint(W):
    out = capture("javac_lint")
    body = codex_request("What does the compiler warn about? Is any warning a real bug?",
                         "javac -Xlint:all -d build/classes $(find src/main/java -name '*.java') 2>&1", out, seed=65)
    return W("real_javac_lint", "openai_responses", body,
             ["LegacyImport.java:55: warning: [fallthrough] possible fall-through into case",
              "[deprecation] finalize() in Object has been deprecated", "[cast] redundant cast to double",
              "59 warnings"],
             "javac -Xlint:all of a Java project: 59 warnings of 29 kinds, the real bug among the last ones printed",
             ["build", "real"])


def _jdeps_verbose(W):
    out = capture("jdeps_verbose")
    body = codex_request("Which JDK-internal API does the service depend on, from which class?",
                         "jdeps -verbose:class build/depot.jar", out, seed=67)
    return W("real_jdeps_verbose", "openai_responses", body,
             [line_with(out, "-> sun.misc.Signal "), line_with(out, "-> sun.misc.SignalHandler "),
              "depot.jar -> jdk.unsupported"],
             "jdeps -verbose:class: 320 dependencies in columns without a header row (a table, no longer text "
             "sampled in order), two of them on a JDK-internal API", ["table", "real"])


def _git_blame(W):
    out = capture("git_blame")
    body = anthropic_request("Who last changed the small-result bound in tokens.py, to what, and when?",
                             "git blame headroom_cli/compress/tokens.py", out, seed=68)
    return W("real_git_blame", "anthropic", body,
             [line_with(out, "SMALL_RESULT_TOKENS = 1200"), line_with(out, ") def lossy_allowed(")],
             "git blame of a 194-line module from five commits, asked about one constant (blame lines, no longer "
             "text sampled from the head)", ["blame", "real"])


def _top_batch(W):
    out = capture("top_batch")
    rows = out.splitlines()[7:]
    most = max(rows, key=lambda ln: int(ln.split()[5]))  # the largest resident size
    body = anthropic_request("What priority does watchdogd run at, and what is using the most memory?",
                             "top -b -n 1 -w 120 | head -90", out, seed=69)
    return W("real_top_batch", "anthropic", body, [line_with(out, " watchdogd"), most],
             "top in batch mode: five summary lines, then the task table (a table now, its header on line 7; "
             "was text sampled from the head)", ["table", "real"])


def _json_head_cut(W):
    out = capture("json_head_cut")
    body = codex_request("Which task is about polishing the audit log export, who has it and how many points is it?",
                         "jq . reports/tasks.json | head -n 400", out, seed=70)
    return W("real_json_head_cut", "openai_responses", body,
             ["Polish audit log export", '"WEB-10"'],
             "a JSON report as jq prints it, cut by head (it never closes): its whole records as a document, the "
             "partial one as it was (was code, kept whole)", ["json", "mixed", "real"])


def _jq_select_pretty(W):
    out = capture("jq_select_pretty")
    body = codex_request("Which high-priority tasks are in progress, and who has each of them?",
                         "jq '.items[] | select(.priority == \"high\" and .column == \"doing\")' reports/tasks.json",
                         out, seed=71)
    return W("real_jq_select_pretty", "openai_responses", body,
             ['"Speed up the mobile board view"', '"OPS-14"', '"noor.haddad"', '"Audit search pagination"'],
             "a small answer jq prints indented (nine tasks, under the small-result bound): the same documents "
             "written compactly, every value as it was (was kept as it came)", ["json", "small", "real"])


def _pytest_help(W):
    out = capture("pytest_help")
    body = anthropic_request("Which pytest option stops the run after the first N failures, and which one stops at "
                             "the very first failure?", "python -m pytest --help", out, seed=72)
    return W("real_pytest_help", "anthropic", body,
             ["--maxfail=num         Exit after first num failures or errors", "-x, --exitfirst"],
             "pytest --help (its options, a plugin's, the ini keys) asked about two options: was build output, its "
             "head kept in order", ["help", "real"])


def _curl_help(W):
    out = capture("curl_help")
    body = codex_request("How do I make curl retry when a transfer fails, and wait between the retries?",
                         "curl --help all", out, seed=73)
    return W("real_curl_help", "openai_responses", body, ["--retry <num>", "--retry-delay <seconds>"],
             "curl --help all: 260 one-line options, asked about retrying (was text)", ["help", "real"])


def _man_git_log(W):
    out = capture("man_git_log")
    body = anthropic_request("Which git log option traces the history of one function, or of a range of lines, in "
                             "a file?", "man git-log | col -b", out, seed=74)
    return W("real_man_git_log", "anthropic", body, ["-L<start>,<end>:<file>, -L:<funcname>:<file>"],
             "the git-log manual page (its NAME, SYNOPSIS, DESCRIPTION and 300 options) asked about one: was a log",
             ["help", "real"])


def _git_log_oneline_stat(W):
    out = capture("git_log_oneline_stat")
    body = anthropic_request("Which of the last 15 commits changed headroom_cli/jsonspan.py, and by how many lines?",
                             "git log --oneline --stat -15", out, seed=75)
    return W("real_git_log_oneline_stat", "anthropic", body,
             ["f0320d2 jsonspan._align", " headroom_cli/jsonspan.py | 3 ++-", "9d35cde jsonspan: list alignment",
              " headroom_cli/jsonspan.py | 19 ++++++++++++++++++-"],
             "git log --oneline --stat: one line a commit, its files under it, asked which commits touched a file "
             "(was a log: the stat lines kept without the commits they are under)", ["gitlog", "real"])


def _go_test_v(W):
    out = capture("go_test_v")
    body = anthropic_request("Why does go test fail? Which values are off?", "go test -v ./... 2>&1", out, seed=66)
    return W("real_go_test_v", "anthropic", body,
             ["money_test.go:90: Fee(19.99, 250 bp) = 0.49, want 0.50",
              "ledger_test.go:56: net payout = 44.22, want 44.21",
              "--- FAIL: TestFee/250.00_at_275bp", "FAIL\tledgerd/internal/ledger"],
             "go test -v ./... of a Go module: 6 failing subtests in two packages, their t.Errorf lines",
             ["test", "build", "real"])


def _web_report_lines(W):
    out = capture("web_report_lines")
    asked = line_with(out, "Nightly backup of the reports database")
    body = codex_request("The task about the nightly database backup timing out: what is its id, who has it, which "
                         "column is it in and how many points is it?", "jq -c '.items[]' reports/tasks.json", out,
                         seed=67)
    return W("real_web_report_lines", "openai_responses", body, [asked, '"id":"OPS-39"'],
             "jq -c of a report's 300 tasks (JSON lines that are records, not log events), one asked about in words",
             ["json", "real"])


def _crate_log_tail(W):
    out = capture("crate_log_tail")
    body = anthropic_request("What are the errors in logs/stockledger.log, and what else does it warn about?",
                             "tail -n 150 logs/stockledger.log", out, seed=68)
    return W("real_crate_log_tail", "anthropic", body,
             [line_with(out, "a receipt needs a unit cost"), line_with(out, "unknown sku FT-9999"),
              line_with(out, "240 batches (1 dropped)")],
             "tail -n 150 of a Rust service's log: one error kind 34 times, twelve kinds of warning",
             ["logs", "real"])


def _go_goroutines(W):
    out = capture("go_goroutines")
    body = codex_request("Why does it crash, and what are the other goroutines stuck on?", "GOTRACEBACK=all go run .",
                         out, seed=69)
    return W("real_go_goroutines", "openai_responses", body,
             ["panic: assignment to entry in nil map", "/home/dev/app/gp/main.go:38 +0x1b0",
              "main.(*Cache).Get(0x0?, {0x497b33?, 0x1?})\n\t/home/dev/app/gp/main.go:15 +0x65"],
             "a Go panic's goroutine dump (GOTRACEBACK=all): 31 goroutines, 24 idle workers, 6 waiting on a mutex",
             ["threads", "real"])


def _git_show_rename(W):
    out = capture("git_show_rename")
    body = anthropic_request("The last commit renamed cell_len to cell_width. Did it change any behaviour?",
                             "git show HEAD", out, seed=47)
    return W("real_git_show_rename", "anthropic", body,
             [line_with(out, "+        return cached_cell_len(text, unicode_version) + (1 if"),
              line_with(out, "-        return cached_cell_len(text, unicode_version)"),
              line_with(out, "rename cell_len to cell_width")],
             "git show of a rename over 11 files hiding one behaviour change", ["diff", "real"])


def _importtime(W):
    out = capture("importtime")
    body = codex_request("Which imports make `import rich.console` slow?",
                         "python -X importtime -c 'import rich.console'", out, seed=48)
    rows = [ln for ln in out.splitlines()[1:] if ln.count("|") == 2]
    slowest = max(rows, key=lambda ln: int(ln.split("|")[0].split(":")[1]))  # the largest self time
    return W("real_importtime", "openai_responses", body,
             [line_with(out, "| rich.console"), slowest, out.splitlines()[0]],
             "python -X importtime: a table with columns between bars", ["table", "real"])


def _dpkg_log(W):
    out = capture("dpkg_log")
    lines = out.splitlines()
    body = chat_request("Which packages were installed last, and when?", "tail -n 400 /var/log/dpkg.log", out,
                        seed=49)
    last_install = next(ln for ln in reversed(lines) if " install " in ln)
    return W("real_dpkg_log", "openai_chat", body, [lines[-1], last_install],
             "tail of a machine's dpkg log: 400 events of a few kinds about many packages", ["log", "real"])


def _dpkg_table(W):
    out = capture("dpkg_table")
    body = anthropic_request("Which version of cmake is installed?", "dpkg -l | head -200", out, seed=50)
    return W("real_dpkg_table", "anthropic", body, [line_with(out, "ii  cmake "), line_with(out, "||/ Name")],
             "dpkg -l: a legend of three lines, a header, a rule, 195 rows", ["table", "real"])


def _git_log_stat(W):
    out = capture("git_log_stat")
    body = chat_request("How many files did the cell_width rename touch?", "git log --stat -3", out, seed=51)
    return W("real_git_log_stat", "openai_chat", body, [line_with(out, " 10 files changed"), " rich/console.py    |"],
             "git log --stat of three commits, asked about one: its stat block", ["log", "real"])


def _node_test(W):
    out = capture("node_test")
    body = codex_request("Run the JS unit tests; anything failing?", "node --test lib.test.mjs", out, seed=52, code=1)
    return W("real_node_test", "openai_responses", body,
             ['slugify("ÆON Flux") #5', line_with(out, "ℹ fail 6"), "+ 'on-flux'", "- 'aeon-flux'"],
             "node --test (spec reporter): one failure hit by six cases, each printed twice", ["build", "real"])


def _git_log_oneline(W):
    out = capture("git_log_oneline")
    body = codex_request("The terminal tests fail since this morning: which recent commit touched terminal "
                         "handling?", "git log --oneline -25", out, seed=55)
    lines = out.splitlines()
    return W("real_git_log_oneline", "openai_responses", body,
             [line_with(out, "faster backspace handling"), lines[7].split()[0], lines[12].split()[0],
              lines[-1].split()[0]],
             "git log --oneline of 25 commits with long subjects (real, this repository)", ["gitlog", "real"])


def _git_log_stat_ops(W):
    out = capture("git_log_stat_ops")
    body = anthropic_request("What did the last commits change? Which files grew the most?", "git log --stat -3",
                             out, seed=54)
    return W("real_git_log_stat_ops", "anthropic", body,
             ["rename cell_len to cell_width", line_with(out, " 102 files changed"),
              line_with(out, "src/rich/_emoji_codes.py "), line_with(out, " 11 files changed")],
             "git log --stat: a rename over 11 files, then the vendoring commit's stat of 102 files",
             ["gitlog", "real"])


def _grep_binary(W):
    out = capture("grep_binary")
    body = chat_request("Where is estimate_tokens defined, and who calls it?", "grep -rn estimate_tokens headroom_cli",
                        out, seed=53)
    return W("real_grep_binary", "openai_chat", body,
             [line_with(out, "tokens.py:78:def estimate_tokens("), "headroom_cli/compress/pipeline.py"],
             "grep -rn over a package with compiled __pycache__ files: 'binary file matches' among the hits",
             ["search", "real"])


PIP_QUESTIONS = ("Before the release, a few checks. Which commit touched the retry logic last week, and did its tests "
                 "pass? Is the proxy still reading NO_PROXY from the environment? Which version of tenacity is "
                 "installed, and which Python does rich require? Also, does anything still depend on the old "
                 "charset detector? Finally, list what the build backend needs.")


def _pip_inspect_named(W):
    import json

    recs = {m["name"]: m for m in json.loads(capture("pip_inspect"))}
    out = json.dumps(list(recs.values()), ensure_ascii=False, separators=(",", ":")) + "\n"  # what `jq -c` prints
    body = anthropic_request(PIP_QUESTIONS, "pip inspect --local | jq -c '[.installed[].metadata | {name, version, "
                             "summary, requires_python, requires_dist}]'", out, seed=56)
    return W("real_pip_inspect_named", "anthropic", body,
             [json.dumps(recs[k], separators=(",", ":")) for k in ("tenacity", "rich")],
             "pip inspect of 112 packages, two named in a request of many questions: kept whole", ["json", "real"])


def _cargo_build_errors(W):
    out = capture("cargo_build_errors")
    body = anthropic_request("The build is broken. Fix the compile errors in src/main.rs.", "cargo build 2>&1", out,
                             seed=57)
    return W("real_cargo_build_errors", "anthropic", body,
             [" --> src/main.rs:4:48", "expected `Option<u64>`, found `Option<&u64>`", " --> src/main.rs:18:18",
              "help: use `Option::copied` to copy the value inside the `Option`"],
             "cargo build of a crate with eight type errors: each keeps where, what and its help", ["build", "real"])


def _service_exceptions(out: str) -> list[str]:
    import re

    return sorted(set(re.findall(r"^(?:\d+-)?(ValueError: .*)$", out, re.M)))


def _service_log_tail(W):
    out = capture("service_log_tail")
    body = codex_request("What are the 500s in the server log: which exception, from which code path, and for which "
                         "codes?", "tail -n 150 logs/linkd.log", out, seed=58)
    return W("real_service_log_tail", "openai_responses", body,
             _service_exceptions(out) + [line_with(out, 'raise ValueError(f"invalid base62 digit')],
             "tail of an aiohttp service's log: the same traceback logged for each bad code", ["log", "real"])


def _service_log_grep(W):
    out = capture("service_log_grep")
    body = anthropic_request("Why does the service answer 500 to some redirects?",
                             "grep -n -A 30 'Error handling request' logs/linkd.log | head -n 120", out, seed=59)
    return W("real_service_log_grep", "anthropic", body, _service_exceptions(out),
             "grep -n -A 30 over one log (no path): each match a repeated traceback", ["search", "real"])


def _mypy_strict(W):
    out = capture("mypy_strict")
    body = chat_request("Fix the type errors in the relevance module first.",
                        "mypy --ignore-missing-imports --strict headroom_cli/compress", out, seed=60)
    return W("real_mypy_strict", "openai_chat", body,
             [ln for ln in out.splitlines() if ln.startswith("headroom_cli/compress/relevance.py:")],
             "mypy --strict over 34 modules, one module asked about in words: its errors kept", ["search", "real"])


def _cargo_test_backtrace(W):
    out = capture("cargo_test_backtrace")
    body = anthropic_request("Three tests fail since yesterday. Why, and where in our code?",
                             "cargo test --no-fail-fast 2>&1", out, seed=61)
    return W("real_cargo_test_backtrace", "anthropic", body,
             [line_with(out, "shipping exactly what is on hand: "), line_with(out, "the last nine hoses ship: "),
              "a valid day was refused in part:", "at ./src/ledger.rs:283:57", "at ./tests/cli.rs:75:5",
              "at ./tests/ledger_api.rs:35:24", "test result: FAILED. 29 passed; 1 failed"],
             "cargo test with RUST_BACKTRACE=1: three panics, each trace mostly std and harness frames",
             ["build", "real"])


def _crate_log_grep_errors(W):
    out = capture("crate_log_grep_errors")
    body = codex_request("What do the errors in the ledger's log say?", "grep -n ERROR logs/stockledger.log | head -n 80",
                         out, seed=62)
    first = out.splitlines()[0]
    return W("real_crate_log_grep_errors", "openai_responses", body, [first[first.index("cannot ship"):]],
             "grep -n ERROR over one log: eighty errors of one form, values differing", ["search", "real"])


def _crate_log_grep_panic(W):
    out = capture("crate_log_grep_panic")
    body = anthropic_request("Why was batch 173 dropped?", "grep -n -B 3 -A 30 'panicked' logs/stockledger.log", out,
                             seed=63)
    return W("real_crate_log_grep_panic", "anthropic", body,
             ["attempt to divide by zero", "at ./src/ledger.rs:216:36", "stockledger::ledger::Ledger::apply",
              "batch-0173.csv: batch dropped, it panicked (attempt to divide by zero)"],
             "grep -n -B 3 -A 30 over one log: a Rust panic's backtrace in the context, read as one file",
             ["search", "real"])


def _asan_use_after_free(W):
    out = capture("asan_use_after_free")
    body = anthropic_request("The sanitizer build's tests crash. What is used after it is freed, and where in our code "
                             "is it freed and allocated?", "./build-asan/tickbook_tests 2>&1", out, seed=64)
    return W("real_asan_use_after_free", "anthropic", body,
             ["ERROR: AddressSanitizer: heap-use-after-free", line_with(out, "cpp/src/book.cpp:30"),
              line_with(out, "cpp/src/book.hpp:25"), line_with(out, "cpp/src/book.cpp:25"),
              line_with(out, "cpp/src/book.cpp:38"), line_with(out, "SUMMARY: AddressSanitizer")],
             "AddressSanitizer's use-after-free report: three stacks, mostly libstdc++'s frames, and the shadow map",
             ["crash", "real"])


def _ctest_failures(W):
    out = capture("ctest_failures")
    body = anthropic_request("Why do the tests fail?", "ctest --test-dir build --output-on-failure 2>&1", out,
                             seed=66)
    return W("real_ctest_failures", "anthropic", body,
             [line_with(out, "test_book.cpp:61:"), line_with(out, "test_book.cpp:71:"),
              line_with(out, "test_book.cpp:94:"), "3 tests failed out of 37"],
             "ctest --output-on-failure: 37 tests, three failing with their checks", ["build", "real"])


def _valgrind_memcheck(W):
    out = capture("valgrind_memcheck")
    body = codex_request("Replaying session 7 under valgrind: what memory errors and leaks are there, and where in "
                         "our code?", "valgrind --leak-check=full ./build/tickbook data/sessions/session-0007.ord",
                         out, seed=65)
    return W("real_valgrind_memcheck", "openai_responses", body,
             ["Invalid read of size 8", line_with(out, "(book.cpp:71)"), line_with(out, "(book.hpp:25)"),
              line_with(out, "(book.cpp:80)"), line_with(out, "(exchange.cpp:12)"),
              line_with(out, "definitely lost: "), line_with(out, "ERROR SUMMARY: "),
              line_with(out, "locked after order")],
             "valgrind memcheck: the same error twice with its free and allocation stacks, a leak, the program's log",
             ["crash", "real"])


def _find_paths(W):
    out = capture("find_paths")
    body = anthropic_request("Which modules does the engine have under compress/compressors, and where does the "
                             "relevance ranking live?", "find headroom_cli -name '*.py' | sort", out, seed=70)
    return W("real_find_paths", "anthropic", body,
             ["headroom_cli/compress/relevance.py", "json_data.py", "search.py", "headroom_cli/compress/compressors/"],
             "find of a repository's 143 Python files (a small result: only its directories written once)",
             ["small", "tree", "real"])


def _gosvc_log_read(W):
    out = capture("gosvc_log_tail")
    numbered = "".join(f"{i}\t{ln}\n" for i, ln in enumerate(out.splitlines(), 1))  # as Claude Code's Read shows it
    saved = "/home/dev/.claude/projects/-home-dev-app/0b5c1d7e-9a2f-4c3e-8d1b-2f6a7c9e0d41/tool-results/b1.txt"
    body = anthropic_request("What went wrong in the settlement run, and whose payouts were held, and why?",
                             "", numbered, seed=71)
    call = body["messages"][1]["content"][1]
    call["name"], call["input"] = "Read", {"file_path": saved}
    return W("real_gosvc_log_read", "anthropic", body,
             [line_with(out, 'msg="payment for an unknown merchant"').split(" ", 1)[1],
              'reason="chargeback ratio 2.31% over the 1.00% limit (Visa VDMP)"',
              line_with(out, 'msg="settlement finished"')],
             "a Go service's slog log (logfmt) read back from the file Claude Code saved it to", ["logs", "real"])


_ALL = (_git_show_commit, _git_log_patch, _git_show_mechanical, _make_warnings, _incident_log, _npm_ls_tree,
        _git_show_rename, _importtime, _dpkg_log, _dpkg_table, _git_log_stat, _node_test, _git_log_oneline,
        _git_log_stat_ops, _grep_binary,
        _pip_inspect_named, _cargo_build_errors, _service_log_tail, _service_log_grep,
        _mypy_strict, _cargo_test_backtrace, _crate_log_grep_errors, _crate_log_grep_panic, _asan_use_after_free,
        _valgrind_memcheck, _ctest_failures, _npm_ls_web, _web_log_grep_errors,
        _junit_failures, _jstack_deadlock, _javac_lint, _jdeps_verbose, _go_test_v, _web_report_lines,
        _crate_log_tail, _go_goroutines, _find_paths, _gosvc_log_read, _git_blame, _top_batch, _json_head_cut,
        _jq_select_pretty, _pytest_help, _curl_help, _man_git_log,
        _git_log_oneline_stat)


def builders(workload_type: type) -> tuple[Callable[[], object], ...]:
    """Zero-argument builders of this module's workloads, each making a `workload_type` (the corpus' Workload)."""
    return tuple((lambda b=b: b(workload_type)) for b in _ALL)
