"""Issue 20's first Must-show item: on loopback with `--store postgresql://…`, an original stored through one
`headroom proxy` process is retrieved byte-exact by the model's `headroom_retrieve` call answered by another proxy
process on the same store; the ledger rows of both are in the database."""
from __future__ import annotations

import json
import urllib.request

import pytest

from headroom_cli.compress.markers import find_keys
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

from test_proxy_cli import start_proxy, stop

pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")

LOG = "\n".join(f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                for i in range(400)) + "\n2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset \ud83d\n"


def tool_result(body: dict, tool_use_id: str) -> str:
    for m in body["messages"]:
        if isinstance(m["content"], list):
            for b in m["content"]:
                if b.get("type") == "tool_result" and b.get("tool_use_id") == tool_use_id:
                    c = b["content"]
                    return c if isinstance(c, str) else "".join(x.get("text", "") for x in c)
    raise AssertionError(f"no tool result {tool_use_id}")


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(url + "/v1/messages", method="POST", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "x-api-key": "k",
                                          "anthropic-version": "2023-06-01"})
    # a bound against a hang, not a speed check: a first request under load (warm-up, pool) took >30 s once
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.status == 200
        return json.loads(r.read())


def test_original_stored_by_one_proxy_is_retrieved_through_another(pg_url):
    keys: list[str] = []

    def script(req):
        if last_is_tool_result("anthropic", req.json) and req.json["messages"][-1]["content"][0].get(
                "tool_use_id", "").startswith("toolu_"):
            return Text("the original says: peer reset")  # the retrieve call was answered
        if len(req.json["messages"]) <= 3:
            return Text("I see a compressed log.")  # turn 1, through proxy A
        keys.extend(find_keys(tool_result(req.json, "t1")))
        return [ToolCall("headroom_retrieve", {"key": keys[0]})]  # turn 2, through proxy B

    turn1 = {"model": "claude-x", "max_tokens": 100, "messages": [
        {"role": "user", "content": "why did batch 777 fail?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat worker.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": LOG}]}]}
    with FakeProvider(script).in_thread() as fake:
        a, url_a, _ = start_proxy("--port", "0", "--store", pg_url, "--anthropic-upstream", fake.url)
        try:
            b, url_b, _ = start_proxy("--port", "0", "--store", pg_url, "--anthropic-upstream", fake.url)
        except BaseException:
            stop(a)
            raise
        try:
            post(url_a, turn1)
            compressed = tool_result(fake.model_requests[0].json, "t1")
            assert compressed != LOG and find_keys(compressed), "proxy A compressed the log and left a marker"
            # turn 2 goes through proxy B; the model asks for the original behind A's marker
            turn2 = {**turn1, "messages": turn1["messages"] + [
                {"role": "assistant", "content": [{"type": "text", "text": "I see a compressed log."}]},
                {"role": "user", "content": "show me the exact error line"}]}
            answer = post(url_b, turn2)
            assert "peer reset" in json.dumps(answer)
            continuation = fake.model_requests[-1].json
            last = continuation["messages"][-1]["content"][0]
            assert last["type"] == "tool_result"
            assert tool_result(continuation, last["tool_use_id"]) == LOG  # byte-exact, lone surrogate included
        finally:
            code_b, err_b = stop(b)
            code_a, err_a = stop(a)
        assert code_a == 0 and code_b == 0, err_a + err_b
    import psycopg

    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT session_id, path, status, retrievals, user_name, tokens_before > tokens_after "
                            "FROM headroom.requests ORDER BY ts").fetchall()  # rows are written asynchronously
        stored = conn.execute("SELECT owner, size FROM headroom.originals WHERE key = %s", (keys[0],)).fetchall()
        spans = conn.execute("SELECT session_id, started < ended FROM headroom.sessions ORDER BY started").fetchall()
    assert len(rows) == 2 and rows[0][0] != rows[1][0]  # one row per proxy process, each its own session
    assert [r[1:5] for r in rows] == [("/v1/messages", 200, 0, "local"), ("/v1/messages", 200, 1, "local")]
    assert rows[0][5] is True  # A's row records the compression
    assert stored == [("local", len(LOG.encode("utf-8", "surrogatepass")))]
    assert [sid for sid, _ in spans] == [r[0] for r in rows] and all(ok for _, ok in spans)  # each run's span
