"""The classes a Rust crate's captured sessions (benchmarks/scenario_crate.py, Claude Code 2.1.197 and Codex
0.171.0) lost on, each shown on the real command output of `headroom_cli/corpus_real.py`:
- a one-file `grep -n -B 3 -A 30` whose context holds a Rust backtrace: `486-   at /rustc/…/panicking.rs:689:5`
  and `512-[2026-11-27T…` were read as `path:num:` hits of files named `486-   at /rustc/…` and `512-[2026`,
  so every such line became a marker longer than the line, naming a made-up file;
- eighty `grep -n ERROR` hits of one form (`cannot ship 38 x GD-0114: 38 on hand; …`) kept one line and a bare
  `[… 79 lines omitted]`: the values, where the bug shows, were all behind the marker;
- traces kept whole in test output and logs spent most of their lines on the runtime's own frames (Rust's panic
  machinery, node:internal, site-packages) while the project's frames are what a fix needs."""
from __future__ import annotations

import json
import re

from headroom_cli.compress.base import Context
from headroom_cli.compress import router
from headroom_cli.compress.compressors import build, common, logs, search
from headroom_cli.corpus_real import capture

MADE_UP_FILE = re.compile(r"\d+-(?:\s+at |\[\d{4}) [^\]]*\(\d+\)")


def test_a_one_file_grep_reads_its_line_numbers_whatever_its_lines_hold():
    out = capture("crate_log_grep_panic")
    ctx = Context(tool_input="grep -n -B 3 -A 30 'panicked' logs/stockledger.log",
                  preceding_text="Why was batch 173 dropped?")
    res = search.compress(out, ctx)
    assert res is not None and res.lossy
    markers = [ln for ln in res.text.splitlines() if ln.startswith("[…")]
    assert markers and not any(MADE_UP_FILE.search(m) or " in 1 file" in m for m in markers), markers
    # the project's frames (where it failed) stay; the std's panic machinery is one marker that says so
    for frame in ("489-   3: stockledger::ledger::Ledger::apply", "490-             at ./src/ledger.rs:216:36",
                  "492-             at ./src/main.rs:84:22"):
        assert frame in res.text
    assert "/rustc/" not in res.text
    assert "[… 6 lines: standard-library and dependency frames omitted]" in res.text
    assert "481-attempt to divide by zero" in res.text


def test_a_path_that_starts_with_digits_is_still_a_path():
    hits = "".join(f"2024-report.txt:{i}:total {i}\n" for i in (3, 9, 14)) + \
           "".join(f"2025-report.txt:{i}:total {i}\n" for i in (2, 5, 11, 12))
    assert not search._one_file(hits.splitlines())
    assert search._one_file(["12:a", "13-b", "--", "40:c", "41-d"])
    assert not search._one_file(["12:a", "13-b", "5:c", "6-d"])  # numbers going back: not one file in order


def test_many_hits_of_one_form_in_one_file_show_a_few_and_say_so():
    out = capture("crate_log_grep_errors")
    lines = out.splitlines()
    res = search.compress(out, Context(tool_input="grep -n ERROR logs/stockledger.log | head -n 80",
                                       preceding_text="What do the errors in the ledger's log say?"))
    assert res is not None
    kept = [ln for ln in lines if ln in res.text.splitlines()]
    assert len(kept) >= 3 and kept[0] == lines[0]
    assert f"[… {80 - len(kept)} lines of the same form as line 4 omitted]" in res.text
    # over many files, one usage is still shown once (the file named in the marker)
    usages = "".join(f"src/m{i}.py:{i}:from ..tokens import estimate_tokens\n" for i in range(1, 30))
    many = search.compress(usages, Context(tool_input="grep -rn estimate_tokens src"))
    assert many is not None and sum(1 for ln in many.text.splitlines() if "import estimate_tokens" in ln) == 1


def test_a_kept_trace_shows_the_projects_frames_not_the_runtimes():
    out = capture("cargo_test_backtrace")
    res = build.compress(out, Context(tool_input="cargo test --no-fail-fast 2>&1",
                                      preceding_text="Three tests fail since yesterday. Why, and where in our code?"))
    assert res is not None
    for line in out.splitlines():  # every frame of our code (its `at ./…` line and the frame's name above it)
        if line.strip().startswith("at ./"):
            assert line in res.text
    assert "/rustc/" not in res.text and "__rustc::rust_begin_unwind" not in res.text
    assert "[… 8 standard-library and dependency frame lines omitted]" in res.text
    assert "shipping exactly what is on hand: Insufficient { sku: \"HW-0001\", requested: 6, on_hand: 6 }" in res.text


def test_runtime_frames_of_each_language():
    py = ['Traceback (most recent call last):',
          '  File "/srv/app/.venv/lib/python3.11/site-packages/aiohttp/web_protocol.py", line 577, in _handle',
          '    resp = await request_handler(request)',
          '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
          '  File "/srv/app/src/linkd/app.py", line 64, in resolve',
          '    link = request.app[STORE].get(code)',
          '  File "<frozen importlib._bootstrap>", line 1204, in _gcd_import',
          'ValueError: bad code']
    assert common.runtime_frames(py) == [False, True, True, True, False, False, True, False]
    node = ["TypeError: Cannot read properties of undefined (reading 'pct')",
            "    at findCoupon (/srv/orders/src/pricing.js:41:19)",
            "    at Test.run (node:internal/test_runner/test:1047:25)",
            "    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)",
            "    at Object.<anonymous> (/srv/orders/node_modules/express/lib/router/index.js:12:3)"]
    assert common.runtime_frames(node) == [False, False, True, True, True]
    java = ["java.lang.IllegalStateException: closed", "\tat com.acme.Pool.take(Pool.java:88)",
            "\tat java.base/java.lang.Thread.run(Thread.java:833)", "\tat org.junit.runners.Suite.run(Suite.java:1)"]
    assert common.runtime_frames(java) == [False, False, True, True]
    rust = ["   0: __rustc::rust_begin_unwind", "             at /rustc/5980/library/std/src/panicking.rs:689:5",
            "   3: stockledger::ledger::Ledger::apply", "             at ./src/ledger.rs:216:36",
            "   9: __rust_try", "  12: <fn() -> core::result::Result<(), String> as core::ops::FnOnce<()>>::call_once"]
    assert common.runtime_frames(rust) == [True, True, False, False, True, True]
    full = ["  14:     0x555d35adf6bd - __rustc[b7974e8690430dd9]::rust_begin_unwind",  # RUST_BACKTRACE=full
            "                               at /rustc/5980761/library/std/src/panicking.rs:689:5",
            "  17:     0x555d35ac8e27 - rsfull::div::hd5dfbf50eb11f928",
            "                               at /tmp/rsfull/src/main.rs:1:33",
            "  22:     0x55fc1fd5eb44 - <&dyn core[c1f1a4ba060b9bfa]::ops::function::Fn<(), Output = i32>>::call_once",
            "  33:     0x7f3ba0a9a24a - __libc_start_call_main",
            "                               at ./csu/../sysdeps/nptl/libc_start_call_main.h:58:16",
            "  35:     0x55fc1fd37d51 - _start"]
    assert common.runtime_frames(full) == [True, True, False, False, True, True, True, True]


def test_json_log_lines_grepped_in_one_file_have_the_shape_of_their_keys():
    # pino-style lines: the same keys, a title and an id that differ, the same long stack string in each
    stack = "RangeError: Invalid time value\\n    at Date.toISOString (<anonymous>)\\n" + \
            "\\n".join(f"    at step{k} (file:///srv/app/src/s{k}.ts:{k}:3)" for k in range(12))
    titles = ["Fix the login", "Remove the notifications panel", "Add a dark mode to every page", "Ship it"]
    out = "".join(
        f'{40 + 37 * i}:{{"level":50,"time":{1796237127806 + i},"reqId":"req-{i:04x}","body":{{"title":'
        f'"{titles[i % 4]}","due":"{i + 1:02d}/12/2026"}},"err":{{"type":"RangeError","stack":"{stack}"}},'
        f'"msg":"task rejected"}}\n' for i in range(12))
    res = search.compress(out, Context(tool_input="grep -n '\"level\":50' logs/api.log",
                                       preceding_text="What are the errors in the API log?"))
    assert res is not None
    kept = [ln for ln in res.text.splitlines() if re.match(r"\d+:\{", ln)]
    assert 3 <= len(kept) <= 5
    assert kept[0] in out.splitlines()  # the first whole; the others' stack is a note (its repeat, see test_web_classes)
    assert res.text.count(stack) == 1
    assert re.search(r"\[… \d+ lines of the same form as line \d+ omitted\]", res.text)


def test_a_match_shown_in_a_grep_with_context_is_not_merged_away():
    # `grep -n -A 4 ERROR`: each match is followed by routine lines; the cut keeps matches before context, and
    # merging the gaps around a kept match (a lone kept line between two gaps) must not drop the match itself
    groups = []
    for g in range(12):
        at = 100 + 5 * g  # groups touch: grep prints no `--` between them
        words = " ".join(["disk"] * (g % 5 + 1))
        groups.append(f"{at}:2026-11-27T0{g % 10}:00:00Z ERROR job-{g} failed: {words} quota exceeded on vol{g}\n" +
                      "".join(f"{at + k}-2026-11-27T0{g % 10}:00:0{k}Z INFO worker-{k} heartbeat ok seq={at * 7 + k}\n"
                              for k in range(1, 5)))
    out = "".join(groups)
    res = search.compress(out, Context(tool_input="grep -n -A 4 ERROR logs/jobs.log"))
    assert res is not None
    shown = [ln for ln in res.text.splitlines() if " ERROR " in ln]
    assert len(shown) == 12 and all(ln in out.splitlines() for ln in shown)


def test_a_tree_keeps_its_pointers_only_when_asked_about():
    # npm ls --all marks an entry listed in full elsewhere `deduped`: a pointer, not a dependency to read again;
    # kept when the request names it (who pulls a package in), not for being near the top
    from headroom_cli.compress.compressors import tree

    lines = ["app@1.0.0 /srv/app"]
    for k in range(8):
        lines += [f"├─┬ lib{k}@1.{k}.0"] + [f"│ ├── shared{j}@2.0.0 deduped" for j in range(6)] + \
                 [f"│ └─┬ own{k}@0.{k}.1", f"│   └── leaf{k}@3.0.{k}"]
    lines += ["└── shared0@2.0.0", "└── shared1@2.0.0"]
    out = "\n".join(lines) + "\n"
    res = tree.compress(out, Context(tool_input="npm ls --all", preceding_text="What does the app depend on?"))
    assert res is not None
    assert not any(ln.endswith(" deduped") for ln in res.text.splitlines())
    # (a child of each lib is shown after its pointers: the pointers' marker stays in place, not in the count of
    # entries whose children all went, which holds each `own` entry's leaf)
    assert "[… 6 lines listed in full elsewhere omitted]" in res.text and "├─┬ lib3@1.3.0" in res.text
    assert "[… the 8 lines under 8 entries drawn with a branch (┬) and no children shown omitted]" in res.text
    named = tree.compress(out, Context(tool_input="npm ls --all", preceding_text="Which packages pull in shared4?"))
    assert named is not None and sum(ln.endswith("shared4@2.0.0 deduped") for ln in named.text.splitlines()) == 8


def test_one_error_about_many_names_is_one_kind_in_a_log():
    # a C++ order book's log tail (benchmarks/scenario_cpp.py's shape): the same error for every book it locks,
    # each book's symbol making a template of its own, so every line stayed as an error "never seen before"
    import random

    from headroom_cli.compress.compressors import logs

    rnd = random.Random(7)
    syms = [f"{a}{b}{c}-{y}" for a, b, c, y in zip("CKOPSWNBZGR", "CBJBNHGRNOE", "HFFZZHUFFKA", [27, 28, 29] * 4)]
    lines = []
    for k in range(150):
        t = f"2026-12-01T09:{10 + k // 6:02d}:{k % 60:02d}.{rnd.randrange(1000):03d}Z"
        if k % 9 == 4:
            lines.append(f"{t} WARN  tickbook: session-0298.ord: cancel of unknown order {4114700 + k} on "
                         f"{rnd.choice(syms)}")
        elif k % 13 == 6:
            lines.append(f"{t} ERROR tickbook: session-0298.ord line {k}: bad price \"{rnd.randrange(99)}.{k}.5\"")
        else:
            px = f"{rnd.randrange(30, 9000)}.{rnd.randrange(100):02d}"
            lines.append(f"{t} ERROR tickbook: book {rnd.choice(syms)} locked after order {4114700 + k}: "
                         f"bid {px} >= ask {px}")
    out = "\n".join(lines) + "\n"
    res = logs.compress(out, Context(tool_input="tail -n 150 logs/tickbook.log",
                                     preceding_text="What went wrong in the order book?"))
    assert res is not None
    kept = [ln for ln in res.text.splitlines() if " locked after order " in ln]
    assert 6 <= len(kept) <= 20 and kept[0] == next(ln for ln in lines if " locked after " in ln)
    bad = [ln for ln in lines if "bad price" in ln]
    assert sum(ln in res.text for ln in bad) >= 3  # the other error kind keeps its own occurrences
    assert "similar lines omitted]" in res.text


def test_a_count_given_to_the_command_is_no_term_of_the_request():
    # `tail -n 200`, `head -80`, `grep -A 30`, `git log -6`: how much to show; lines holding "200" (a batch, an
    # amount) were kept as if the request named them
    for cmd, count in (("tail -n 200 logs/ledgerd.log", "200"), ("grep -n -A 30 'panicked' app.log | head -n 120",
                                                                 "120"), ("git log -6 --stat", "6")):
        ctx = Context(tool_input=json.dumps({"command": cmd}), preceding_text="What are the errors in the log?")
        assert count not in common.terms(ctx), cmd
    # a number the request itself gives is still a term
    ctx = Context(tool_input=json.dumps({"command": "tail -n 200 logs/orders.log"}),
                  preceding_text="What happened to order 4200?")
    assert "4200" in common.terms(ctx)
    codex = Context(tool_input='const r = await tools.exec_command({cmd: "tail -n 200 logs/ledgerd.log"});')
    assert "200" not in common.terms(codex)


def test_a_log_of_many_kinds_shows_each_kind_without_filling_its_budget():
    # `tail -n 150` of the crate's log: one error kind (a backorder, 34 times) and twelve kinds of warning; the
    # lines that show each kind had filled the whole ratio's budget (29 % of the log's characters)
    out = capture("crate_log_tail")
    res = router.compress_block(out, Context(tool_input="tail -n 150 logs/stockledger.log",
                                             preceding_text="What are the errors in logs/stockledger.log?"))
    assert res is not None and res.lossy and res.kind == "log"
    kept = res.text.splitlines()
    items = out.rstrip("\n").split("\n")
    tpl = common.templates(items, "\n".join(items))
    for level in (" ERROR ", " WARN "):
        kinds: dict[str, list[str]] = {}
        for i, line in enumerate(items):
            if level in line:
                kinds.setdefault(logs._event_kind(tpl[i]), []).append(line)
        assert kinds and all(any(x in kept for x in v) for v in kinds.values()), level  # each kind, verbatim
    assert items[-1] in kept  # the log's end
    assert len(res.text) < 0.26 * len(out)
