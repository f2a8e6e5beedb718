"""Router: kind detection from content (hints only lower the bar), accept thresholds, fail-open."""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from headroom_cli.compress import markers, router
from headroom_cli.ccr.store import key_for
from headroom_cli.compress.base import Context, Result
from headroom_cli.compress.tokens import lossy_allowed
from headroom_cli.compress.compressors import build, code, diff, json_data, logs, search, table, text

import test_compressors_samples as S

CODEX_HEADER = ("Chunk ID: 1effa5\nWall time: 0.0000 seconds\nProcess exited with code 1\n"
                "Original token count: 5708\nOutput:\n")


def test_tiny_blocks_untouched():
    assert router.compress_block("ERROR something\n" * 10, Context()) is None
    assert router.compress_block("", Context()) is None


def test_codex_header_kept_and_key_covers_whole_block():
    body, needles = S.pytest_log()
    block = CODEX_HEADER + body
    res = router.compress_block(block, Context(tool_input='{"cmd": "pytest -v"}'))
    assert res is not None and res.kind == "build"
    assert res.text.startswith(CODEX_HEADER)
    assert markers.find_keys(res.text) == [key_for(block)]
    for n in needles:
        assert n in res.text


class _Stub:
    """A compressor for one kind that runs `fn` (what a registered compressor module looks like)."""

    def __init__(self, kind, fn):
        self.name, self.kinds, self.fn = "stub", (kind,), fn

    def compress(self, text_, ctx, *, key=None, doc=None):
        return self.fn(text_, ctx, key=key)


def _router_with(kind, fn):
    return router.Router(router.REGISTRY.replacing(_Stub(kind, fn)))


def test_fail_open_on_compressor_exception():
    def boom(text_, ctx, *, key=None):
        raise RuntimeError("bug")
    text_, _ = S.worker_log()
    assert _router_with("log", boom).compress(text_, Context()) is None


def test_lossy_result_without_key_is_rejected():
    r = _router_with("log", lambda t, c, *, key=None: Result("short", True, "x", "log"))
    text_, _ = S.worker_log()
    assert r.compress(text_, Context()) is None


def test_small_savings_rejected():
    text_, _ = S.worker_log()
    r = _router_with("log", lambda t, c, *, key=None: Result(t[:-40] + markers.omitted("x", key, c), True, "x", "log"))
    assert r.compress(text_, Context()) is None


def test_hints_lower_the_bar_but_content_decides():
    grep_few = "src/a.py:10:    load_config()\nsome note\nother note\nsrc/b.py:3:load_config\nmore\n"
    assert router.detect(grep_few, Context()) != "search"
    assert router.detect(grep_few, Context(tool_input="grep -rn load_config src")) == "search"
    # a tool named like a search tool returning JSON is still JSON
    assert router.detect(json.dumps([{"a": 1}] * 20), Context(tool_name="Grep")) == "json"
    # timestamps and pod names are not grep results
    assert router.detect(S.worker_log()[0], Context()) == "log"
    assert router.detect(S.kubectl_table()[0], Context()) == "table"


def test_detect_diff_and_empty_and_text():
    assert router.detect(S.git_diff()[0], Context()) == "diff"
    assert router.detect("   \n\n", Context()) == "empty"
    assert router.detect(S.prose()[0], Context()) == "text"


# ---------------------------------------------------------------- nasty inputs

def test_huge_single_line_is_clipped_with_key():
    rnd = random.Random(7)
    line = "".join(rnd.choice("abcdef ghij.,") for _ in range(2_000_000))
    res = router.compress_block(line, Context())
    assert res is not None and len(res.text) < 5000
    assert markers.find_keys(res.text) == [key_for(line)]
    assert res.text.startswith(line[:500])


def test_huge_minified_json_stays_json():
    doc = {"items": [{"id": i, "v": "x" * 20} for i in range(20000)]}
    text_ = json.dumps(doc, separators=(",", ":"))
    res = router.compress_block(text_, Context())
    assert res is not None and res.kind == "json"
    out = json.loads(res.text)
    assert out["items"][0] == {"id": 0, "v": "x" * 20}


def test_binaryish_unicode_and_error_results_do_not_crash():
    rnd = random.Random(3)
    binary = "".join(chr(rnd.randrange(0, 0x3000)) for _ in range(20000))
    for t in (binary, binary.replace("\n", "\r\n"), "😀 naïve café 日本語 ERROR ошибка\n" * 300, "\x00" * 5000):
        for ctx in (Context(), Context(is_error=True)):
            res = router.compress_block(t, ctx)
            if res is not None:
                assert key_for(t) in res.text or not res.lossy


def test_unicode_lines_kept_exactly():
    lines = [f"2026-01-01T00:00:{i % 60:02d}Z INFO 处理 batch {i} — ok ✓" for i in range(300)]
    lines[150] = "2026-01-01T00:02:30Z ERROR 失败: café naïve 😀 broke"
    text_ = "\n".join(lines)
    res = router.compress_block(text_, Context())
    assert lines[150] in res.text and lines[0] in res.text


@pytest.mark.parametrize("mod", [build, code, diff, json_data, logs, search, table, text])
def test_each_compressor_handles_empty_and_garbage(mod):
    for t in ("", "\n", "\r\n\r\n", "{", "[1,", "@@ -1 +1 @@\n+x", "a:1:b\n" * 3, "\x00\x01\x02" * 100):
        r = mod.compress(t, Context())
        if r is not None and r.lossy:
            assert key_for(t) in r.text


_LINE = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["ERROR boom", "Traceback (most recent call last):", "  File \"x.py\", line 3, in f",
                     "src/a.py:12:def f():", "test_x.py::t PASSED", "FAILED test_x.py::t - AssertionError",
                     "@@ -1,3 +1,3 @@", "+added", "-removed", " context", "def f(x):", "    return x",
                     "NAME   READY   STATUS", "{\"level\": \"info\", \"n\": 1}", ""]),
    st.builds(lambda n: f"2026-01-01T00:00:00Z INFO worker {n} done", st.integers(0, 10**6)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINE, min_size=0, max_size=200), crlf=st.booleans(), is_error=st.booleans())
def test_property_no_crash_key_present_and_lines_exact(lines, crlf, is_error):
    text_ = ("\r\n" if crlf else "\n").join(lines)
    ctx = Context(is_error=is_error, tool_input="grep -rn f src")
    for mod in (build, logs, search, table):
        try:
            r = mod.compress(text_, ctx)
        except Exception as e:  # pragma: no cover - a failure here is the bug we look for
            raise AssertionError(f"{mod.name} raised {e!r}")
        if r is None:
            continue
        assert markers.find_keys(r.text) == [key_for(text_)]
        # every kept line is an original line (or a clipped one), in order
        orig = iter(text_.split("\n"))
        for ln in r.text.split("\n"):
            if "omitted" in ln and "[…" in ln:
                continue
            assert any(ln == o for o in orig), (mod.name, ln)
    r = router.compress_block(text_, ctx)
    if r is not None and r.lossy:
        assert markers.find_keys(r.text) == [key_for(text_)]


def test_ps_and_docker_tables_detected_and_outlier_rows_kept():
    ps = ["USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    for i in range(120):
        cpu = "97.3" if i == 61 else "0.0"
        ps.append(f"app      {1000 + i:7d} {cpu:>4} 0.1 123456  7890 ?        S    10:00   0:00 /usr/bin/worker --id {i}")
    text_ = "\n".join(ps) + "\n"
    assert router.detect(text_, Context(tool_input="ps aux")) == "table"
    res = router.compress_block(text_, Context(tool_input="ps aux", preceding_text="which worker is burning CPU?"))
    assert res is not None and ps[0] in res.text and ps[62] in res.text  # the CPU outlier
    docker = ["CONTAINER ID   IMAGE          COMMAND                  CREATED        STATUS                      PORTS     NAMES"]
    for i in range(60):
        st = "Exited (137) 2 hours ago" if i == 17 else "Up 3 hours"
        docker.append(f"{i:012x}   shop/api:1.{i}   \"python -m api\"   3 hours ago    {st:<27} 80/tcp    api_{i}")
    text_ = "\n".join(docker) + "\n"
    assert router.detect(text_, Context()) == "table"
    res = router.compress_block(text_, Context(tool_input="docker ps -a"))
    assert res is not None and docker[18] in res.text and docker[0] in res.text


def test_pathological_long_lines_finish():
    """Lines built to make backtracking regexes blow up (would hang if any pattern were quadratic)."""
    long_words = " ".join(f"w{i}" for i in range(30000))
    blocks = [
        "= " + "x " * 100000 + "passed =\n" + "ok\n" * 10,
        "public static " + long_words + "(" + "a, " * 20000 + ") {\n    body();\n}\n" * 3,
        "___ " + "_ " * 100000 + "\n" + "line\n" * 20,
        "src/a.py:1:" + ":" * 200000 + "\n" + "src/b.py:2:x\n" * 20,
        "    " * 50000 + "def f(:\n" + "  x\n" * 20,
        "[" * 100000 + "]" * 100000,  # nesting deeper than any parser's recursion limit
        '{"a": "' + "x" * 300000 + '"}',
        "@@ -1,100000 +1,100000 @@\n" + " x\n" * 100000,
        "\t" * 200000 + "{\n" + "a;\n" * 30,
    ]
    for b in blocks:
        for mod in (build, code, diff, json_data, search, logs, text, table):
            r = mod.compress(b, Context(tool_input="grep -rn x"))
            assert r is None or not r.lossy or key_for(b) in r.text
        router.compress_block(b, Context())


def _random_block(rnd: random.Random) -> tuple[str, str]:
    kind = rnd.choice(["log", "build", "search", "table", "diff", "json"])
    n = rnd.randrange(60, 400)
    if kind == "log":
        lines = [f"2026-01-0{rnd.randrange(1, 9)}T10:{i % 60:02d}:00Z {rnd.choice(['INFO', 'INFO', 'DEBUG', 'WARN'])} "
                 f"svc-{rnd.randrange(4)} handled request {rnd.randrange(10**6)} in {rnd.randrange(900)}ms"
                 for i in range(n)]
        lines[rnd.randrange(n)] = "2026-01-01T11:00:00Z ERROR svc-2 NEEDLE-ERR upstream refused connection"
    elif kind == "build":
        lines = [f"tests/test_{i % 13}.py::test_{i} PASSED [{i * 100 // n:3d}%]" for i in range(n)]
        lines[rnd.randrange(n)] = "tests/test_3.py::test_needle FAILED [ 50%]"
        lines += ["=== short test summary info ===", "FAILED tests/test_3.py::test_needle - NEEDLE-ERR",
                  f"=== 1 failed, {n - 1} passed in 3.21s ==="]
    elif kind == "search":
        lines = [f"src/mod_{rnd.randrange(40)}/file_{i}.py:{rnd.randrange(1, 900)}:    value_{i} = lookup(key_{i})"
                 for i in range(n)]
    elif kind == "table":
        lines = ["NAME                 READY   STATUS    RESTARTS   AGE"] + [
            f"api-{rnd.randrange(16**6):06x}-{i:03d}   1/1     Running   0          {rnd.randrange(1, 30)}d" for i in range(n)]
    elif kind == "diff":
        lines = ["diff --git a/x.py b/x.py", "--- a/x.py", "+++ b/x.py", f"@@ -1,{n} +1,{n} @@"]
        body = [f" line {i}" for i in range(n)]
        k = rnd.randrange(n)
        body[k] = f"-old {k}"
        body.insert(k + 1, f"+new {k} NEEDLE-ERR")
        lines += body
    else:
        return kind, json.dumps([{"id": i, "name": f"n{rnd.randrange(10**6)}", "ok": True} for i in range(n)], indent=2)
    return kind, "\n".join(lines) + ("\n" if rnd.random() < 0.5 else "")


def test_random_blocks_mostly_compressed_with_keys_and_needles():
    rnd = random.Random(20261124)
    compressed = big = 0
    total = 300
    for _ in range(total):
        kind, text_ = _random_block(rnd)
        allowed = lossy_allowed(text_)
        big += allowed
        res = router.compress_block(text_, Context(tool_input="run"))
        if res is None:
            continue
        compressed += allowed
        if res.lossy:
            assert allowed, (kind, len(text_))  # below the small-result bound nothing is cut
            assert markers.find_keys(res.text) == [key_for(text_)]
        for ln in text_.split("\n"):
            if "NEEDLE-ERR" in ln:
                assert ln in res.text, (kind, ln)
        if kind == "json":
            json.loads(res.text)
    assert big >= 0.7 * total  # most blocks are above the bound…
    assert compressed >= 0.9 * big  # …and those are compressed


def test_lone_surrogates_stay_utf8_encodable_json():
    text_ = "[" + ",".join('{"id": %d, "v": "\\ud800 x"}' % i for i in range(300)) + "]"
    res = router.compress_block(text_, Context())
    assert res is not None and res.kind == "json"
    res.text.encode("utf-8")  # no raw lone surrogate in the output
    assert json.loads(res.text)[0] == {"id": 0, "v": "\ud800 x"}


def test_the_kernel_log_from_boot_is_a_log():
    # `dmesg`: its first lines are the boot's, their timestamps padded inside the brackets (`[    0.000000]`):
    # read as text, the cut kept ~95 boot lines and the OOM killer's report went; `dmesg | tail` was a log already
    rnd = random.Random(3)
    boot = [f"[    0.{i:06d}] BIOS-e820: [mem 0x{rnd.getrandbits(32):08x}-0x{rnd.getrandbits(32):08x}] usable"
            for i in range(60)]
    later = [f"[ {1100 + i}.{rnd.randint(0, 999999):06d}] eth0: link up, {rnd.choice((100, 1000))} Mbps"
             for i in range(300)]
    oom = ["[ 1160.197883] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task=python3,pid=24912,uid=0",
           "[ 1160.197901] Memory cgroup out of memory: Killed process 24912 (python3) total-vm:812344kB"]
    text = "\n".join(boot + later[:150] + oom + later[150:]) + "\n"
    assert router.detect(text, Context(tool_input="dmesg")) == "log"
    res = router.compress_block(text, Context(tool_input="dmesg",
                                              preceding_text="my report_builder job died with exit code 137, why?"))
    assert res is not None and oom[1] in res.text
