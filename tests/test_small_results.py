"""Small results are never cut (tokens.SMALL_RESULT_TOKENS): below the bound only lossless rewrites; just above
it the compressors cut as before."""
from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from headroom_cli.compress import router, terminal, tokens
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.base import Context
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.tokens import SMALL_RESULT_TOKENS, count_tokens, estimate_tokens, lossy_allowed

FIXTURES = Path(__file__).parent / "fixtures" / "small_results"

KINDS = ("log", "build", "search", "table", "diff", "json", "text", "ls")


def _line(kind: str, i: int, r: random.Random) -> str:
    if kind == "log":
        lvl = "ERROR" if i == 7 else r.choice(["INFO", "INFO", "DEBUG", "WARN"])
        return f"2026-12-01T10:{i % 60:02d}:{r.randrange(60):02d}Z {lvl} worker-{r.randrange(4)} batch {i} in {r.randrange(900)}ms"
    if kind == "build":
        return f"tests/test_api.py::test_case_{i} {'FAILED' if i == 5 else 'PASSED'} [{i % 100:3d}%]"
    if kind == "search":
        return f"src/pkg_{r.randrange(9)}/mod_{i}.py:{r.randrange(1, 400)}:    value = resolve_upstream(cfg, {i})"
    if kind == "table":
        return f"api-{r.randrange(16 ** 6):06x}-{i:03d}   1/1     {'CrashLoopBackOff' if i == 4 else 'Running'}   0   {i}d"
    if kind == "diff":
        return f"-old line {i}" if i % 9 == 3 else (f"+new line {i}" if i % 9 == 4 else f" context line {i}")
    if kind == "text":
        return f"Paragraph {i}: the service keeps a cache of sessions and refreshes each one every {i} minutes."
    if kind == "ls":
        return f"-rw-r--r-- 1 dev dev {r.randrange(100, 90000):6d} Dec  1 10:{i % 60:02d} report_{20261100 + i}.csv"
    return ""


def _size(t: str, lo: int) -> int:
    """The exact count, once the estimate says it may be near `lo` (the estimate is at least 0.6x the exact count:
    below lo/2 by the estimate, below lo exactly)."""
    e = estimate_tokens(t)
    return e if e < 0.5 * lo else count_tokens(t)


def _block(kind: str, r: random.Random, lo: int, hi: int) -> str | None:
    """An output of `kind` whose exact count (the rule's) is in [lo, hi), or None when a line step jumps over it."""
    head = {"build": ["============================= test session starts ==============================",
                      "collected 400 items", ""],
            "table": ["NAME                     READY   STATUS    RESTARTS   AGE"],
            "diff": ["diff --git a/app.py b/app.py", "--- a/app.py", "+++ b/app.py", "@@ -1,400 +1,400 @@"],
            "ls": ["total 2208", "drwxr-xr-x 2 dev dev   4096 Dec  1 10:00 .", "drwxr-xr-x 9 dev dev   4096 Dec  1 09:00 .."],
            }.get(kind, [])
    tail = {"build": ["=========================== short test summary info ============================",
                      "FAILED tests/test_api.py::test_case_5 - AssertionError", "===== 1 failed in 2.10s ====="]}.get(kind, [])
    if kind == "json":
        recs: list[dict] = []
        while True:
            recs.append({"id": len(recs), "name": f"item-{r.randrange(10 ** 6)}", "status": "ok"})
            t = json.dumps(recs, indent=2)
            e = _size(t, lo)
            if e >= hi:
                return None
            if e >= lo:
                return t
    lines = list(head)
    i = 0
    while True:
        lines.append(_line(kind, i, r))
        i += 1
        t = "\n".join(lines + tail) + "\n"
        e = _size(t, lo)
        if e >= hi:
            return None
        if e >= lo:
            return t


def _cut_by_its_compressor(text: str) -> bool:
    """Would the block's own compressor cut it (what the bound prevents)?"""
    kind = router.detect(text)
    res = router.REGISTRY.for_kind(kind).compress(text, Context(tool_input="run"))
    return res is not None and res.lossy


def test_small_results_of_every_kind_are_never_cut():
    r = random.Random(1202)
    seen = would_cut = lossless = 0
    for k in range(240):
        kind = KINDS[k % len(KINDS)]
        text = _block(kind, r, 400, SMALL_RESULT_TOKENS)
        if text is None:
            continue
        seen += 1
        assert not lossy_allowed(text)
        would_cut += _cut_by_its_compressor(text)
        res = router.compress_block(text, Context(tool_input="run"))
        assert res is None or not res.lossy, (kind, res.text[:200])
        if res is not None:
            lossless += 1
            if kind == "json":
                assert json.loads(res.text) == json.loads(text)  # same values, written compactly
    assert seen >= 200
    assert would_cut >= 0.6 * seen  # without the bound, most of these would have been cut
    assert lossless >= 20  # small JSON still gets its lossless rewrite


def test_just_above_the_bound_results_are_cut():
    r = random.Random(1203)
    seen = cut = 0
    for k in range(160):
        kind = KINDS[k % len(KINDS)]
        text = _block(kind, r, SMALL_RESULT_TOKENS, SMALL_RESULT_TOKENS + 150)
        if text is None:
            continue
        seen += 1
        assert lossy_allowed(text)
        res = router.compress_block(text, Context(tool_input="run"))
        cut += res is not None and res.lossy
    assert seen >= 120 and cut >= 0.8 * seen


def test_the_bound_is_on_the_output_inside_the_envelope_without_terminal_noise():
    r = random.Random(7)
    body = _block("log", r, SMALL_RESULT_TOKENS - 150, SMALL_RESULT_TOKENS - 10)
    assert body is not None
    coloured = "".join(f"\x1b[38;5;245m{ln}\x1b[0m\n" for ln in body.splitlines())  # colour codes push it over
    assert lossy_allowed(coloured) and not lossy_allowed(body)
    block = "Chunk ID: 0a1b2c\nWall time: 0.2 seconds\nProcess exited with code 0\nOriginal token count: 900\nOutput:\n" + coloured
    res = router.compress_block(block, Context(tool_input="tail -n 80 app.log"))
    assert res is not None and not res.lossy and res.compressor == terminal.NAME
    assert res.text == terminal.envelope(block)[0] + body


def _ls_la(tmp_path) -> str:
    r = random.Random(46)
    for i in range(43):
        name = f"{r.choice(['report', 'invoice', 'ledger', 'export', 'notes'])}_{20261100 + i}.{r.choice(['csv', 'json', 'md', 'py'])}"
        (tmp_path / name).write_text("x" * r.randrange(10, 90000))
    out = subprocess.run(["ls", "-la"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert len(out.splitlines()) == 46
    return out


def test_ls_la_of_46_lines_for_list_the_files_comes_back_whole(tmp_path):
    listing = _ls_la(tmp_path)
    assert _cut_by_its_compressor(listing)  # what happened before the bound: the listing was cut
    body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [
        {"role": "user", "content": "list the files"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                           "input": {"command": "ls -la"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": listing}]}]}
    res = compress_request(body, "anthropic", CompressConfig(memo=Memo()))
    assert res.body["messages"][2]["content"][0]["content"] == listing
    assert not res.keys


@pytest.mark.parametrize("kind", ["log", "search", "ls"])
def test_small_result_decisions_are_deterministic(kind):
    text = _block(kind, random.Random(3), 600, SMALL_RESULT_TOKENS)
    a = router.compress_block(text, Context(tool_input="run"))
    b = router.Router().compress(text, Context(tool_input="run"))
    assert (a is None) == (b is None) and (a is None or a.text == b.text)


def _claude_turn(question: str, command: str, output: str) -> dict:
    return {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [
        {"role": "user", "content": question},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                           "input": {"command": command}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": output}]}]}


def test_test_output_the_estimate_overcounts_is_below_the_bound_and_comes_back_whole():
    # real `pytest -v` output: padded lines and rule lines, which BPE packs far tighter than the estimate thinks
    out = (FIXTURES / "pytest_v.txt").read_text(encoding="utf-8")
    assert count_tokens(out) < SMALL_RESULT_TOKENS <= estimate_tokens(out)  # small, but the estimate says not
    assert _cut_by_its_compressor(out)  # what its compressor would do without the bound
    assert not lossy_allowed(out)
    res = router.compress_block(out, Context(tool_input="pytest -v"))
    assert res is None or not res.lossy
    body = _claude_turn("run the tests", "python -m pytest -v", out)
    r = compress_request(body, "anthropic", CompressConfig(memo=Memo()))
    assert r.body["messages"][2]["content"][0]["content"] == out and not r.keys


def _listing_over_the_bound(tmp_path, argv: list[str]) -> str:
    """A real `ls -la` of files created here, grown until its exact count passes the bound by 10 %."""
    r = random.Random(13)
    for i in range(400):
        name = f"{r.choice(['report', 'invoice', 'ledger', 'export'])}_{20261100 + i}.{r.choice(['csv', 'json', 'md'])}"
        (tmp_path / name).write_text("x" * r.randrange(10, 90000))
        if i >= 40 and i % 4 == 0:
            out = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
            if count_tokens(out) >= 1.1 * SMALL_RESULT_TOKENS:
                return out
    raise AssertionError("the listing never reached the bound")


def test_a_listing_over_the_bound_the_estimate_undercounts_is_cut(tmp_path):
    argv = ["ls", "-la"]
    out = _listing_over_the_bound(tmp_path, argv)
    assert estimate_tokens(out) < SMALL_RESULT_TOKENS <= count_tokens(out)  # not small, but the estimate says so
    assert lossy_allowed(out)
    res = router.compress_block(out, Context(tool_input=" ".join(argv)))
    assert res is not None and res.lossy


def test_the_exact_count_is_asked_only_where_the_estimate_is_ambiguous(monkeypatch):
    asked = []
    monkeypatch.setattr(tokens, "count_tokens_cached", lambda t: asked.append(t) or count_tokens(t))
    clear = "ok " * 40 + "\n"
    tiny = clear * 2  # the estimate far below the bound
    huge = clear * 400  # far above it
    assert not lossy_allowed(tiny) and lossy_allowed(huge) and not asked
    near = (FIXTURES / "pytest_v.txt").read_text(encoding="utf-8")
    assert not lossy_allowed(near) and asked == [near]


def test_without_an_encoding_the_estimate_decides(monkeypatch):
    monkeypatch.setattr(tokens, "_enc", False)
    monkeypatch.setattr(tokens, "_enc_name", tokens.ESTIMATE)
    assert tokens.encoding_name() == tokens.ESTIMATE
    out = (FIXTURES / "pytest_v.txt").read_text(encoding="utf-8")
    assert lossy_allowed(out) == (estimate_tokens(out) >= SMALL_RESULT_TOKENS)
