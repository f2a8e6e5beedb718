"""Opt-in (HEADROOM_E2E=1, `claude` on PATH): real Claude Code through `headroom wrap` with compression,
MCP retrieval and --reduce-output, against the in-package fake provider on loopback."""
from __future__ import annotations

import pytest

from headroom_cli.ccr.store import default_store
from headroom_cli.compress.markers import find_keys
from headroom_cli.output.terseness import note_for
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result

from test_real_agents import assert_clean, base_env, need, run_wrap, workdir  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

BIG = ("for i in $(seq 1 400); do echo \"2026-11-23T10:00:$((i%60))Z INFO worker-$((i%4)) processed batch $i\"; done; "
       "echo \"2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset\"")
RETRIEVE = "mcp__headroom__headroom_retrieve"


def _last_tool_result(body: dict) -> str:
    for m in reversed(body.get("messages", [])):
        if isinstance(m.get("content"), list):
            for b in m["content"]:
                if b.get("type") == "tool_result":
                    c = b["content"]
                    return c if isinstance(c, str) else "".join(x.get("text", "") for x in c if isinstance(x, dict))
    return ""


def _main(req) -> bool:  # Claude Code's side calls (titles, summaries) ask for few tokens
    return req.protocol == "anthropic" and (req.json or {}).get("max_tokens", 0) >= 2000


@pytest.mark.parametrize("tool_search", [False, True])
def test_big_output_compressed_and_retrieved_through_mcp(workdir, tool_search, monkeypatch):  # noqa: F811
    need("claude")
    state: dict = {"step": 0}

    def script(req):
        body = req.json or {}
        if not _main(req):
            return Text("ok")
        names = [t.get("name") for t in body.get("tools", [])]
        if not last_is_tool_result("anthropic", body):
            return ToolCall("Bash", {"command": BIG, "description": "print the worker log"})
        txt = _last_tool_result(body)
        if state["step"] == 0:
            state["compressed"], state["key"] = txt, find_keys(txt)[0]
            state["step"] = 1
            if RETRIEVE not in names:  # deferred: load it first, as the marker says
                return ToolCall("ToolSearch", {"query": f"select:{RETRIEVE}", "max_results": 1})
        if state["step"] == 1:
            state["step"] = 2
            return ToolCall(RETRIEVE, {"key": state["key"]})
        if state["step"] == 2:
            state["retrieved"], state["step"] = txt, 3
        return Text("Batch 777 failed with a peer reset.")

    with FakeProvider(script).in_thread() as fake:
        env = base_env(ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e-key")
        if tool_search:
            env["ENABLE_TOOL_SEARCH"] = "true"
        out = run_wrap("claude", ["--anthropic-upstream", fake.url],
                       ["-p", "print the worker log and tell me why batch 777 failed", "--allowedTools", "Bash"],
                       env, workdir)
        assert out.returncode == 0, out.stderr[-3000:]
        assert "Batch 777 failed" in out.stdout
        main = [r for r in fake.requests if _main(r)]
        # the retrieve tool reaches the model through MCP, never injected by the proxy
        assert any(RETRIEVE in [t.get("name") for t in r.json.get("tools", [])] for r in main)
        assert not any("headroom_retrieve" == t.get("name") for r in main for t in r.json.get("tools", []))
    compressed = state["compressed"]
    assert "ERROR worker-2 batch 777 failed" in compressed and f"{RETRIEVE} key=" in compressed
    assert ("ToolSearch" in compressed) == tool_search
    monkeypatch.setenv("HEADROOM_HOME", env["HEADROOM_HOME"])
    original = default_store().get(state["key"])
    assert original and len(original) > 10 * len(compressed)
    # Claude Code itself answered the call with the original: /mcp answers only the proxy's secret, which
    # Claude Code expanded from ${HEADROOM_PROXY_SECRET} in the server's headers (never on its command line)
    assert state["retrieved"] == original
    assert_clean(env, out)


def test_reduce_output_note_is_last_system_block(workdir):  # noqa: F811
    need("claude")
    with FakeProvider().in_thread() as fake:
        env = base_env(ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e-key")
        out = run_wrap("claude", ["--anthropic-upstream", fake.url, "--reduce-output"],
                       ["-p", "list the files", "--allowedTools", "Bash"], env, workdir)
        assert out.returncode == 0, out.stderr[-3000:]
        main = [r for r in fake.requests if _main(r)]
        assert len(main) >= 2
        for r in main:
            assert r.json["system"][-1]["text"] == note_for(2)
            assert sum(note_for(2) in b.get("text", "") for b in r.json["system"]) == 1
    assert_clean(env, out)


def test_codex_retrieves_through_its_mcp_namespace(workdir):  # noqa: F811
    """Codex lists the proxy's MCP tools as a Responses `namespace` tool (`mcp__headroom`); a call with
    that namespace reaches headroom's /mcp through Codex itself."""
    need("codex")
    state: dict = {"step": 0}
    cmd = ("for i in $(seq 1 300); do echo \"2026-11-23T10:00:$((i%60))Z INFO worker-$((i%4)) batch $i ok\"; done; "
           "echo 'ERROR batch 777 failed: peer reset'")

    def last_output(body: dict) -> str:
        for it in reversed(body.get("input", [])):
            if it.get("type") == "function_call_output":
                o = it["output"]
                return o if isinstance(o, str) else "".join(p.get("text", "") for p in o if isinstance(p, dict))
        return ""

    def script(req):
        body = req.json or {}
        if state["step"] == 0:
            state["step"] = 1
            return ToolCall("exec_command", {"cmd": cmd})
        if state["step"] == 1:
            state["compressed"] = last_output(body)
            state["key"] = find_keys(state["compressed"])[0]
            state["step"] = 2
            return ToolCall("headroom_retrieve", {"key": state["key"]}, extra={"namespace": "mcp__headroom"})
        if state["step"] == 2:
            state["retrieved"], state["step"] = last_output(body), 3
        return Text("batch 777 failed with a peer reset")

    with FakeProvider(script).in_thread() as fake:
        env = base_env(OPENAI_API_KEY="sk-fake-e2e-key", CODEX_HOME=str(workdir.parent / "codex-home"))
        (workdir.parent / "codex-home").mkdir()
        out = run_wrap("codex", ["--openai-upstream", fake.url + "/v1"],
                       ["exec", "-m", "gpt-5", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox",
                        "why did batch 777 fail"], env, workdir)
        assert out.returncode == 0, out.stderr[-3000:]
        tools = fake.model_requests[0].json.get("tools", [])
        assert any(t.get("type") == "namespace" and t.get("name") == "mcp__headroom" for t in tools)
        assert not any(t.get("name") == "headroom_retrieve" for t in tools)  # not injected
    assert "headroom_retrieve key=" in state["compressed"] and "ERROR batch 777 failed" in state["compressed"]
    original = default_store().get(state["key"])
    # Codex itself called /mcp, with the secret from bearer_token_env_var (/mcp refuses calls without it);
    # it trims long tool output to head + tail, so compare the ends
    assert original and "batch 1 ok" in state["retrieved"] and "ERROR batch 777 failed" in state["retrieved"]
    assert len(state["retrieved"]) > 3 * len(state["compressed"])
    assert_clean(env, out)


def test_copilot_injected_retrieval_answered_by_the_proxy(workdir):  # noqa: F811
    """Copilot (no per-run MCP): the proxy injects headroom_retrieve, answers the model's call itself and
    splices the continuation into Copilot's stream; Copilot never sees the call."""
    need("copilot")
    state: dict = {"step": 0}
    cmd = ("for i in $(seq 1 300); do echo \"2026-11-23T10:00:$((i%60))Z INFO worker-$((i%4)) batch $i ok\"; done; "
           "echo 'ERROR batch 777 failed: peer reset'")

    def script(req):
        body = req.json or {}
        msgs = body.get("messages", [])
        if state["step"] == 0:
            state["step"] = 1
            bash = next((t["function"]["name"] for t in body.get("tools", [])
                         if t.get("function", {}).get("name") in ("bash", "shell", "run_in_terminal")), "bash")
            state["tool"] = bash
            return ToolCall(bash, {"command": cmd, "description": "print the log", "mode": "sync"})
        if state["step"] == 1 and msgs and msgs[-1].get("role") == "tool":
            c = msgs[-1]["content"]
            state["compressed"] = c if isinstance(c, str) else "".join(p.get("text", "") for p in c)
            state["key"] = find_keys(state["compressed"])[0]
            state["step"] = 2
            return [Text("Fetching the full log."), ToolCall("headroom_retrieve", {"key": state["key"]})]
        if state["step"] == 2:
            state["retrieved"], state["step"] = msgs[-1]["content"], 3
            return Text("Batch 777 failed with a peer reset.")
        return Text("done")

    with FakeProvider(script).in_thread() as fake:
        env = base_env(OPENAI_API_KEY="sk-proj-fake-e2e-key", COPILOT_MODEL="gpt-4.1")
        out = run_wrap("copilot", ["--openai-upstream", fake.url + "/v1"],
                       ["-p", "why did batch 777 fail?", "--allow-all-tools"], env, workdir)
        assert out.returncode == 0, out.stderr[-3000:]
        main = [r for r in fake.model_requests if r.protocol == "openai_chat"]
        assert all(any(t.get("function", {}).get("name") == "headroom_retrieve" for t in r.json.get("tools", []))
                   for r in main)
    assert "headroom_retrieve key=" in state["compressed"]
    assert state["retrieved"] == default_store().get(state["key"])  # answered by the proxy, byte-exact
    assert "peer reset" in out.stdout
    assert "headroom_retrieve" not in out.stdout
    assert_clean(env, out)
