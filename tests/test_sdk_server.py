"""headroom_cli/sdk_server.py and `headroom engine --stdio`: the engine served to the TypeScript SDK."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from headroom_cli.cli import main
from headroom_cli.sdk_server import PROTOCOL, answer_line


def call(method: str, params: dict | None = None, rid: int = 1) -> dict:
    line = answer_line(json.dumps({"id": rid, "method": method, "params": params or {}}).encode())
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    line.decode("ascii")  # answers are ASCII: every string crosses escaped, byte-exact
    return json.loads(line)


def big_log(n: int = 2000) -> str:
    lines = [f"2024-05-01T10:00:{i % 60:02d}Z INFO worker-{i % 7} handled request {i} for café-{i % 5}"
             for i in range(n)]
    lines[n // 2] = "2024-05-01T10:30:00Z FATAL worker-3 out of memory — shutting down"
    return "\n".join(lines) + "\n"


def tool_turn(text: str) -> list:
    return [{"role": "assistant", "content": None,
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "cat", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": text}]


def test_hello_names_the_protocol_and_what_this_engine_can_do():
    import dataclasses

    from headroom_cli.compress.api import CompressConfig

    hello = call("hello")["result"]
    assert hello["protocol"] == PROTOCOL
    assert hello["features"]["documents"] == any(f.name == "documents" for f in dataclasses.fields(CompressConfig))


def test_compress_returns_the_library_result_and_retrieve_gives_the_original_back(isolated_dirs):
    log = big_log()
    r = call("compress", {"messages": tool_turn(log), "model": "gpt-4o"}, rid=7)
    assert r["id"] == 7
    res = r["result"]
    assert res["protocol"] == "openai_chat" and res["changed"]
    assert res["tokens_after"] < 0.3 * res["tokens_before"]
    assert res["tokens_saved"] == res["tokens_before"] - res["tokens_after"] and res["encoding"]
    assert "FATAL worker-3" in res["messages"][1]["content"]
    assert len(res["keys"]) == 1 and res["tool"]["function"]["name"] == "headroom_retrieve"
    assert call("retrieve", {"key": res["keys"][0]})["result"]["text"] == log
    ranged = call("answer_retrieve", {"arguments": json.dumps({"key": res["keys"][0], "start_line": 1,
                                                                "end_line": 2})})["result"]["text"]
    assert ranged == "".join(log.splitlines(keepends=True)[:2])


def test_the_protocol_may_be_given_and_shapes_the_tool(isolated_dirs):
    msgs = [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Bash",
                                                "input": {"command": "cat app.log"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": big_log()}]}]
    res = call("compress", {"messages": msgs, "protocol": "anthropic", "model": "claude-3-opus"})["result"]
    assert res["protocol"] == "anthropic" and res["tool"]["name"] == "headroom_retrieve"
    assert "input_schema" in res["tool"]


@pytest.mark.parametrize("line,kind,rid", [
    (b"not json", "UsageError", None),
    (b"[1, 2]", "UsageError", None),
    (b'{"id": 3, "method": "nope"}', "UsageError", 3),
    (b'{"id": 4, "method": "compress", "params": {"messages": "x"}}', "UsageError", 4),
    (b'{"id": 5, "method": "compress", "params": {"messages": [], "ratio": 2}}', "UsageError", 5),
    (b'{"id": 6, "method": "compress", "params": {"messages": [], "protocol": "smtp"}}', "UsageError", 6),
    (b'{"id": 8, "method": "retrieve", "params": {"key": "0123456789abcdef01234567"}}', "NotFound", 8),
])
def test_a_bad_request_gets_an_error_answer_with_its_id(line, kind, rid, isolated_dirs):
    r = json.loads(answer_line(line))
    assert r["id"] == rid and "result" not in r
    assert r["error"]["type"] == kind and r["error"]["message"]


def test_an_engine_bug_is_an_error_answer_not_a_crash(monkeypatch):
    from headroom_cli import sdk_server

    def boom(params):
        raise RuntimeError("planted")

    monkeypatch.setitem(sdk_server.METHODS, "hello", boom)
    r = json.loads(answer_line(b'{"id": 1, "method": "hello"}'))
    assert r["error"]["type"] == "InternalError" and "planted" in r["error"]["message"]


def test_headroom_engine_stdio_serves_until_stdin_closes(isolated_dirs):
    log = big_log(1500)
    reqs = [{"id": 1, "method": "hello"}, {"id": 2, "method": "compress", "params": {"messages": tool_turn(log)}}]
    p = subprocess.run([sys.executable, "-m", "headroom_cli", "engine", "--stdio"],
                       input=b"".join(json.dumps(r).encode() + b"\n" for r in reqs) + b"garbage\n",
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    answers = [json.loads(ln) for ln in p.stdout.splitlines()]
    assert [a["id"] for a in answers] == [1, 2, None]
    key = answers[1]["result"]["keys"][0]
    from headroom_cli import retrieve

    assert retrieve(key) == log  # the same store as the library's


def test_headroom_engine_without_stdio_is_a_usage_error(capsys):
    assert main(["engine"]) == 2
    assert "headroom engine --stdio" in capsys.readouterr().err
