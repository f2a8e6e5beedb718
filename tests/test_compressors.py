"""Compressors on realistic tool outputs: needles survive verbatim, markers carry the block's key,
JSON stays JSON, diff hunks stay consistent, CRLF survives, output is deterministic."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest

from headroom_cli.compress import markers, router
from headroom_cli.ccr.store import key_for
from headroom_cli.corpus_real import capture
from headroom_cli.compress.base import Context
from headroom_cli.compress.compressors import code, diff, json_data, logs, search, text
from headroom_cli.compress.tokens import estimate_tokens

import test_compressors_samples as S

_MARK = re.compile(r"\[… [^\]]* omitted")


def cases():
    recs, rneedles, question = S.records_json()
    return {
        "pytest": (S.pytest_log(), Context(tool_input='{"command": "pytest -v"}'), "build"),
        "jest": (S.jest_log(), Context(tool_input="npx jest"), "build"),
        "cargo": (S.cargo_log(), Context(tool_input="cargo test"), "build"),
        "go": (S.go_log(), Context(tool_input="go test -v ./..."), "build"),
        "sre": (S.sre_jsonl(), Context(tool_input="cat /var/log/checkout.jsonl"), "jsonl"),
        "worker": (S.worker_log(), Context(tool_input="journalctl -u worker"), "log"),
        "grep": (S.grep_output(), Context(tool_input='grep -rn "load_config" src'), "search"),
        "diff": (S.git_diff(), Context(tool_input="git diff"), "diff"),
        "python": (S.python_source(), Context(tool_input="cat orders.py"), "code"),
        "js": (S.js_source(), Context(tool_input="cat things.js"), "code"),
        "kubectl": (S.kubectl_table(), Context(tool_input="kubectl get pods"), "table"),
        "prose": (S.prose(), Context(tool_input="cat docs/scheduler.md",
                                     preceding_text="What does SCHED_MAX_BACKOFF do?"), "text"),
        "records": ((recs, rneedles), Context(tool_input="curl -s localhost:8080/api/orders",
                                              preceding_text=question), "json"),
    }


CASES = cases()


def strip_markers(out: str) -> list[str]:
    return [ln for ln in out.split("\n") if not _MARK.search(ln)]


def is_subsequence(sub: list[str], full: list[str]) -> bool:
    it = iter(full)
    return all(any(x == y for y in it) for x in sub)


@pytest.mark.parametrize("name", list(CASES))
def test_realistic_inputs_keep_needles_and_key(name):
    (text_, needles), ctx, kind = CASES[name]
    assert router.detect(text_, ctx) == kind
    res = router.compress_block(text_, ctx)
    assert res is not None, name
    assert res.kind == kind
    for n in needles:
        assert n in res.text, (name, n)
    assert res.lossy
    assert markers.find_keys(res.text) == [key_for(text_)]
    assert ctx.marker_tool in res.text
    assert estimate_tokens(res.text, coarse=True) < 0.6 * estimate_tokens(text_, coarse=True)


def test_overall_savings_at_least_75_percent():
    before = after = 0
    for (text_, _), ctx, _kind in CASES.values():
        res = router.compress_block(text_, ctx)
        before += estimate_tokens(text_, coarse=True)
        after += estimate_tokens(res.text if res else text_, coarse=True)
    assert (before - after) / before >= 0.75


@pytest.mark.parametrize("name", ["pytest", "jest", "cargo", "go", "sre", "worker", "grep", "kubectl"])
def test_line_compressors_keep_exact_lines_in_order(name):
    (text_, _), ctx, _ = CASES[name]
    res = router.compress_block(text_, ctx)
    kept = strip_markers(res.text)
    assert is_subsequence(kept, text_.split("\n"))


def test_deterministic_same_bytes():
    for (text_, _), ctx, _ in CASES.values():
        a = router.compress_block(text_, ctx)
        b = router.compress_block(text_, ctx)
        assert a.text == b.text


def test_deterministic_across_hash_seeds():
    prog = ("import sys, hashlib; sys.path.insert(0, 'tests'); import test_compressors as T; "
            "from headroom_cli.compress import router; h = hashlib.sha256()\n"
            "for (t, _), c, _ in T.cases().values():\n"
            "    r = router.compress_block(t, c); h.update((r.text if r else '').encode())\n"
            "print(h.hexdigest())")
    outs = set()
    for seed in ("1", "12345"):
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
        p = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, env=env, timeout=120,
                           cwd=str(__import__("pathlib").Path(__file__).parent.parent))
        assert p.returncode == 0, p.stderr
        outs.add(p.stdout.strip())
    assert len(outs) == 1


# ---------------------------------------------------------------- logs

def test_logs_dedupe_keeps_error_trace_and_neighbours():
    (text_, needles), ctx, _ = CASES["worker"]
    res = logs.compress(text_, ctx)
    out = res.text
    assert "similar" in out
    lines = text_.split("\n")
    i = lines.index(needles[0])
    for k in range(i - 1, i + 5):  # neighbour before, error, whole traceback
        assert lines[k] in out
    assert lines[0] in out and lines[-2] in out  # first and last lines


def test_logs_crlf_preserved():
    text_, needles = S.worker_log(crlf=True)
    res = router.compress_block(text_, Context())
    assert res is not None
    assert "\n" in res.text and re.search(r"(?<!\r)\n", res.text) is None
    for n in needles:
        assert n + "\r\n" in res.text


def test_a_flagged_error_gets_the_same_cut_as_the_same_output_unflagged():
    # Claude Code flags a failing command's result, Codex does not: one output must not get two cuts (the budget once
    # doubled for flagged results, and only ever added more of the same filler). What a failure needs is kept by rule.
    # Every compressor that once read the flag: build (keep_ratio), table (a budget fill of rows), logs (two lines
    # of context around an error instead of one).
    for name, out, tool_input in (("ctest", capture("ctest_failures"), "ctest --output-on-failure 2>&1"),
                                  ("make test", capture("junit_failures"), "make test 2>&1"),
                                  ("dpkg table", capture("dpkg_table"), "dpkg-query -W -f '${Package} ${Version}'"),
                                  ("importtime", capture("importtime"), "python3 -X importtime -c 'import rich' 2>&1"),
                                  ("log tail", capture("gosvc_log_tail"), "tail -n 200 logs/ledgerd.log"),
                                  ("log grep", capture("crate_log_grep_panic"), "grep -n -C 5 panicked logs/ledger.log")):
        plain = router.Router().compress(out, Context(tool_input=tool_input, ratio=0.25))
        flagged = router.Router().compress(out, Context(tool_input=tool_input, ratio=0.25, is_error=True))
        assert plain is not None and flagged is not None, name
        assert len(plain.text) < len(out) * 0.6, name  # the budget was binding: a doubled one would show
        assert flagged.text == plain.text, name


def test_logs_context_term_keeps_matching_line():
    text_, _ = S.worker_log()
    res = logs.compress(text_, Context(preceding_text="what happened to batch 77?"))
    res = logs.compress(text_.replace("batch 77 ", "batch job-77x "), Context(preceding_text="what about job-77x?"))
    assert "processed batch job-77x in" in res.text


# ---------------------------------------------------------------- json

def test_json_records_valid_json_needle_and_marker():
    (text_, needles), ctx, _ = CASES["records"]
    res = json_data.compress(text_, ctx)
    doc = json.loads(res.text)
    assert isinstance(doc, list)
    ids = [r["id"] for r in doc if isinstance(r, dict)]
    assert "ord-10142" in ids  # asked about in the context
    assert "ord-10211" in ids  # the error record (matched by value)
    # the question names ord-10142, so the ranking has signal and replaces the head/tail sample (issue 13)
    assert "ord-10000" not in ids and "ord-10299" not in ids
    assert any(isinstance(r, str) and key_for(text_) in r for r in doc)


def test_json_tabular_is_lossless():
    recs = [{"id": i, "name": f"n{i}", "ok": True} for i in range(8)]
    text_ = json.dumps(recs, indent=2)
    res = json_data.compress(text_, Context())
    assert res is not None and not res.lossy
    doc = json.loads(res.text)
    assert [dict(zip(doc["columns"], row)) for row in doc["rows"]] == recs


def test_json_scalars_long_strings_and_nesting():
    doc = {"meta": {"count": 500, "note": "x" * 5000 + "TAILNEEDLE"},
           "values": list(range(500)),
           "groups": [{"name": f"g{i}", "members": [f"u{i}-{k}" for k in range(40)]} for i in range(3)]}
    text_ = json.dumps(doc, indent=2)
    res = router.compress_block(text_, Context())
    out = json.loads(res.text)
    assert out["meta"]["count"] == 500
    assert out["meta"]["note"].endswith("TAILNEEDLE") and len(out["meta"]["note"]) < 1500
    assert out["values"][:3] == [0, 1, 2] and out["values"][-1] == 499
    assert len(out["values"]) < 30
    assert markers.find_keys(res.text) == [key_for(text_)]


def test_json_invalid_does_not_crash():
    bad = '{"a": [1, 2, 3' + ", 4" * 2000
    assert json_data.compress(bad, Context()) is None
    res = router.compress_block(bad, Context())
    assert res is None or key_for(bad) in res.text


# ---------------------------------------------------------------- diff

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def hunks(text_: str) -> list[tuple[int, int, int, int, list[str]]]:
    """Parse hunks; assert every header's counts agree with its lines."""
    return [h[1:] for h in file_hunks(text_)]


def file_hunks(text_: str) -> list[tuple[str, int, int, int, int, list[str]]]:
    out = []
    lines = text_.split("\n")
    i = 0
    path = ""
    while i < len(lines):
        if lines[i].startswith("diff --git "):
            path = lines[i].split(" b/")[-1]
        m = _HUNK.match(lines[i])
        if not m:
            i += 1
            continue
        os_, ol = int(m.group(1)), int(m.group(2) or 1)
        ns, nl = int(m.group(3)), int(m.group(4) or 1)
        body = []
        o = n = 0
        i += 1
        while i < len(lines) and (o < ol or n < nl):
            t = lines[i][:1]
            assert t in (" ", "-", "+", "\\"), f"bad line in hunk: {lines[i]!r}"
            o += t in " -"
            n += t in " +"
            body.append(lines[i])
            i += 1
        assert (o, n) == (ol, nl), "hunk header disagrees with its lines"
        out.append((path, os_, ol, ns, nl, body))
    return out


def line_maps(text_: str) -> tuple[dict, dict]:
    """(file, old line number) -> text and (file, new line number) -> text, from the hunks."""
    old, new = {}, {}
    for path, os_, ol, ns, nl, body in file_hunks(text_):
        o = os_ if ol else os_ + 1
        n = ns if nl else ns + 1
        for ln in body:
            if ln[:1] in " -":
                old[path, o] = ln[1:]
                o += 1
            if ln[:1] in " +":
                new[path, n] = ln[1:]
                n += 1
    return old, new


def test_diff_hunks_consistent_and_positions_true():
    (text_, needles), ctx, _ = CASES["diff"]
    res = diff.compress(text_, ctx)
    assert res is not None
    old0, new0 = line_maps(text_)
    old1, new1 = line_maps(res.text)
    assert old1 and new1
    for k, v in old1.items():
        assert old0[k] == v
    for k, v in new1.items():
        assert new0[k] == v
    # every changed line of a non-generated file is kept
    for ln in text_.split("\n"):
        if ln[:1] in "+-" and not ln.startswith(("+++", "---")) and "dep" not in ln:
            assert ln in res.text
    assert "generated file" in res.text


def test_diff_pure_addition_header():
    text_ = ("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -10,12 +10,13 @@\n"
             + "".join(f" c{i}\n" for i in range(6)) + "+added\n" + "".join(f" d{i}\n" for i in range(6)))
    res = diff.compress(text_, Context())
    h = hunks(res.text)
    assert h == [(15, 2, 15, 3, [" c5", "+added", " d0"])]


# ---------------------------------------------------------------- search

def test_search_groups_by_file_and_keeps_exact_lines():
    (text_, needles), ctx, _ = CASES["grep"]
    res = search.compress(text_, ctx)
    orig = set(text_.split("\n"))
    for ln in strip_markers(res.text):
        assert ln in orig
    assert re.search(r"\[… \d+ lines in \d+ files: src/app/module_\d\d\.py \(\d+\)", res.text)


def test_search_prefers_lines_matching_context():
    text_ = "".join(f"lib/a.py:{i}:    x = call(arg{i})\n" for i in range(1, 200))
    res = search.compress(text_, Context(tool_input="grep -rn call lib", preceding_text="why is arg150 wrong?"))
    assert "lib/a.py:150:    x = call(arg150)" in res.text


# ---------------------------------------------------------------- code

def test_python_bodies_elided_still_parses_and_relevant_body_kept():
    text_, needles = S.python_source()
    res = code.compress(text_, Context(preceding_text="look at step_3 of Handler2"))
    ast.parse(res.text)  # elided bodies become `...  # [… n lines omitted]`
    for n in needles:
        assert n in res.text
    assert "Run step 3 on the order." in res.text
    assert "value_8 = order.get('field_8', 8) * 4" in res.text  # step_3's body, asked about
    assert "value_8 = order.get('field_8', 8) * 2" not in res.text  # step_1's body, elided


def test_read_tool_line_numbers_understood():
    text_, _ = S.python_source()
    numbered = "".join(f"{i + 1:6d}→{ln}\n" for i, ln in enumerate(text_.split("\n")[:-1]))
    res = router.compress_block(numbered, Context(tool_name="Read"))
    assert res is not None and res.kind == "code"
    assert "     1→\"\"\"Order processing.\"\"\"" in res.text


# ---------------------------------------------------------------- text

def test_text_never_joins_lines_and_keeps_context_paragraph():
    (text_, needles), ctx, _ = CASES["prose"]
    res = text.compress(text_, ctx)
    assert needles[0] in res.text
    orig = set(text_.split("\n"))
    for ln in strip_markers(res.text):
        assert ln in orig


def test_text_long_single_line_keeps_sentences_on_one_line():
    sents = [f"Sentence number {i} talks about topic {i % 7}." for i in range(200)]
    sents[120] = "The magic value is ZETA_42 and it matters."
    text_ = " ".join(sents)
    res = router.compress_block(text_, Context(preceding_text="what is ZETA_42?"))
    assert res is not None
    assert "The magic value is ZETA_42 and it matters." in res.text
    assert res.text.count("\n") == 1  # the line and the block's marker line


def test_jsonl_errors_by_level_not_by_key_and_outliers_kept():
    lines = []
    for i in range(400):
        rec = {"ts": f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z", "level": "info", "msg": "metrics",
               "p99_ms": 100 + i % 7, "error": None}
        if i == 250:
            rec["p99_ms"] = 9000  # a latency spike: outlier within its template
        if i == 300:
            rec.update(level="error", msg="upstream reset by peer", error="ECONNRESET")
        lines.append(json.dumps(rec))
    text_ = "\n".join(lines) + "\n"
    res = router.compress_block(text_, Context(tool_input="kubectl logs checkout"))
    assert res is not None and res.kind == "jsonl"
    assert lines[300] in res.text and lines[250] in res.text
    # '"error": null' on every line does not make every line an error
    assert estimate_tokens(res.text, coarse=True) < 0.1 * estimate_tokens(text_, coarse=True)


def test_search_repeated_usages_shown_once_files_named():
    lines = [f"src/m{f:02d}.py:{10 + k}:    x{f}_{k} = fetch_user(uid_{k})" for f in range(30) for k in range(3)]
    lines.insert(40, "src/users.py:7:def fetch_user(uid: int) -> User:")
    text_ = "\n".join(lines) + "\n"
    res = search.compress(text_, Context(tool_input='grep -rn "fetch_user" src'))
    assert "src/users.py:7:def fetch_user(uid: int) -> User:" in res.text  # the definition ranks first
    assert "src/m29.py (3)" in res.text or "+" in res.text  # dropped files are named with their counts
    assert estimate_tokens(res.text, coarse=True) < 0.25 * estimate_tokens(text_, coarse=True)


def test_search_free_text_lines_are_not_collapsed():
    notes = ["fix the parser", "remove this hack", "handle unicode paths here", "document retry policy",
             "split module", "add tests for the cache layer", "rename after release", "check the timeout"]
    text_ = "".join(f"src/f{i}.py:{i + 1}:    # TODO: {notes[i % 8]} {'now' * (i % 3)}\n" for i in range(16))
    res = search.compress(text_, Context(tool_input='grep -rn "TODO" src', ratio=0.6))
    kept = [ln for ln in strip_markers(res.text) if ln]
    assert len(kept) >= 6


@pytest.mark.parametrize("name", [n for n in CASES if n != "records"])
def test_crlf_input_keeps_crlf_everywhere(name):
    (text_, needles), ctx, _ = CASES[name]
    crlf = text_.replace("\n", "\r\n")
    res = router.compress_block(crlf, ctx)
    assert res is not None
    assert re.search(r"(?<!\r)\n", res.text) is None, name
    assert markers.find_keys(res.text) == [key_for(crlf)]


def test_json_map_of_records_shrinks_like_an_array():
    doc = {"nodes": {f"node-{i:03d}": {"cpu": 10 + i % 5, "state": "ready"} for i in range(200)}}
    doc["nodes"]["node-123"]["state"] = "NotReady"  # a rare value of a categorical field
    text_ = json.dumps(doc, indent=2)
    res = router.compress_block(text_, Context(preceding_text="what is wrong with node-077?"))
    out = json.loads(res.text)
    nodes = out["nodes"]
    assert "node-077" in nodes and "node-123" in nodes and "node-000" in nodes and "node-199" in nodes
    assert key_for(text_) in nodes["…"] and len(nodes) < 12


def test_diff_deleted_file_body_dropped_header_kept():
    text_ = ("diff --git a/old.py b/old.py\ndeleted file mode 100644\nindex 1234567..0000000\n--- a/old.py\n"
             "+++ /dev/null\n@@ -1,600 +0,0 @@\n" + "".join(f"-line {i}\n" for i in range(600))
             + "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    res = router.compress_block(text_, Context(tool_input="git show HEAD"))
    assert "deleted file mode 100644" in res.text and "-line 150" not in res.text
    assert "+B" in res.text and "-b" in res.text
    assert "(+0 -600 lines of a deleted file)" in res.text  # (600: above the small-result bound)
    hunks(res.text)


def test_make_gcc_and_tsc_errors_kept():
    out = ["make[1]: Entering directory '/home/dev/engine'"]
    for i in range(150):
        out.append(f"cc -O2 -Wall -c src/module_{i}.c -o build/module_{i}.o")
    out.insert(90, "src/module_88.c:41:17: error: 'struct conn' has no member named 'fd_count'")
    out.insert(91, "   41 |     total += c->fd_count;")
    out.insert(92, "      |                 ^~")
    out += ["make[1]: *** [Makefile:23: build/module_88.o] Error 1",
            "make[1]: Leaving directory '/home/dev/engine'", "make: *** [Makefile:9: all] Error 2"]
    text_ = "\n".join(out) + "\n"
    res = router.compress_block(text_, Context(tool_input="make -j4"))
    assert res is not None and res.kind == "build"
    for n in (out[90], out[91], "make[1]: *** [Makefile:23: build/module_88.o] Error 1", "make: *** [Makefile:9: all] Error 2"):
        assert n in res.text
    tsc = [f"src/views/v{i}.ts({i + 3},5): error TS2322: Type 'string' is not assignable to type 'number'."
           for i in range(5)] + [f"src/ok{i}.ts: checked" for i in range(200)] + ["Found 5 errors in 5 files."]
    text_ = "\n".join(tsc) + "\n"
    res = router.compress_block(text_, Context(tool_input="npx tsc --noEmit"))
    assert res is not None
    for n in tsc[:5] + ["Found 5 errors in 5 files."]:
        assert n in res.text


@pytest.mark.parametrize("name", ["worker", "sre", "grep", "pytest"])
def test_higher_ratio_keeps_more(name):
    (text_, needles), ctx, _ = CASES[name]
    low = router.compress_block(text_, Context(tool_input=ctx.tool_input, ratio=0.2))
    high = router.compress_block(text_, Context(tool_input=ctx.tool_input, ratio=0.8))
    if name == "pytest":  # passing tests are dropped at any ratio: only neutral lines may be added
        assert high is None or len(high.text) >= len(low.text)
    else:
        assert high is None or len(high.text) > len(low.text)
    for n in needles:
        assert n in low.text
