"""Opt-in: real Gemini CLI and OpenCode through `headroom wrap` against the in-package fake provider.

Skipped unless HEADROOM_E2E=1 and the binary is on PATH. Each agent runs one-shot in a fresh HOME: the
fake provider asks for a shell command whose output is a log (so it compresses), then, seeing the
compressed result, calls `headroom_retrieve` with the marker's key (OpenCode: through MCP; Gemini CLI:
the injected tool the proxy answers itself), and answers once the original came back. Wrap must return
the agent's exit code and leave nothing behind (process, port, file).
"""
from __future__ import annotations

import json

import pytest

from headroom_cli.ccr.store import default_store
from headroom_cli.compress.markers import find_keys
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, gemini_json_mode

from test_real_agents import assert_clean, base_env, describe, need, run_wrap, workdir  # noqa: F401

pytestmark = pytest.mark.e2e

# A log with one failure among hundreds of routine lines: the kind of output the engine cuts.
COMMAND = ("seq 1 600 | awk '{print \"2026-11-23T10:00:00Z INFO worker-\" $1%4 \" processed batch \" $1 \" ok\"}'; "
           "echo '2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset'")
ORIGINAL_LINE = "2026-11-23T10:00:00Z INFO worker-1 processed batch 421 ok"


def tool_results(req) -> list[str]:
    """The tool-result texts of a request (Gemini functionResponse outputs, Anthropic tool_result contents)."""
    body = req.json or {}
    out = []
    for c in body.get("contents") or []:
        for p in c.get("parts") or []:
            if isinstance(p, dict) and "functionResponse" in p:
                out.append(json.dumps(p["functionResponse"].get("response")))
    for m in body.get("messages") or []:
        if isinstance(m.get("content"), list):
            out += [json.dumps(b.get("content")) for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_result"]
    return out


class Dialogue:
    """shell call → (compressed result) retrieve call with its key → (original) final answer."""

    def __init__(self, shell: str, retrieve: str, protocol: str):
        self.shell, self.retrieve, self.protocol = shell, retrieve, protocol
        self.key = ""
        self.compressed = ""
        self.retrieved = ""

    def __call__(self, req):
        if req.protocol != self.protocol:
            return Text("unused")
        if self.protocol == "gemini" and gemini_json_mode(req.json):
            return Text('{"reasoning": "fake", "model_choice": "flash"}')
        if not (req.json or {}).get("tools"):
            return Text("A title")  # OpenCode's title request
        results = tool_results(req)
        if not results:
            return ToolCall(self.shell, {"command": COMMAND, "description": "show the worker log"})
        if not self.key:
            keys = find_keys(results[-1])
            if not keys:
                return Text("no marker")
            self.key, self.compressed = keys[0], results[-1]
            return ToolCall(self.retrieve, {"key": self.key})
        self.retrieved = results[-1]
        return Text("batch 777 failed: peer reset")


def check_dialogue(d: Dialogue, fake: FakeProvider, out) -> None:
    assert out.returncode == 0, describe(fake) + "\n" + out.stdout[-2000:] + out.stderr[-4000:]
    assert d.key, describe(fake)
    assert ORIGINAL_LINE not in d.compressed and "batch 777 failed" in d.compressed  # cut, the failure kept
    original = default_store().get(d.key)
    assert original is not None and ORIGINAL_LINE in original
    assert ORIGINAL_LINE in d.retrieved  # the model got the original back through the retrieve tool
    assert "batch 777 failed" in out.stdout


def test_gemini(workdir):
    need("gemini")
    d = Dialogue("run_shell_command", "headroom_retrieve", "gemini")
    with FakeProvider(d).in_thread() as fake:
        env = base_env(GEMINI_API_KEY="AIzaSyFAKE-e2e-0000000000000000")
        out = run_wrap("gemini", ["--gemini-upstream", fake.url],
                       ["-p", "why did batch 777 fail? look at the worker log", "-m", "gemini-2.5-flash",
                        "--approval-mode", "yolo", "--skip-trust"], env, workdir)
        check_dialogue(d, fake, out)
        main = [r for r in fake.model_requests if r.protocol == "gemini"]
        assert all(r.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent" and r.query == "alt=sse"
                   for r in main)
        assert all(r.headers.get("x-goog-api-key") == env["GEMINI_API_KEY"] for r in main)
        print("gemini provider saw:", describe(fake))
    assert_clean(env, out)


@pytest.mark.parametrize("agent,args", [
    ("gemini", ["-p", "hi", "-m", "gemini-2.5-flash", "--approval-mode", "yolo", "--skip-trust"]),
    ("opencode", ["run", "hi", "-m", "anthropic/claude-sonnet-4-5"]),
])
def test_a_failing_run_returns_the_agents_own_exit_code(workdir, agent, args):
    """Every model request refused (HTTP 400, not retried): the agent fails, and wrap's exit code is the
    one the agent gave, which the fake wrapper script records."""
    need(agent)
    import os
    import shutil
    import stat

    from headroom_cli.testing.fake_provider import Reply

    bad = Reply(status=400, json={"error": {"code": 400, "message": "fake: bad request", "status": "INVALID_ARGUMENT"}}
                if agent == "gemini" else {"type": "error", "error": {"type": "invalid_request_error",
                                                                      "message": "fake: bad request"}})
    real = shutil.which(agent)
    shim_dir = workdir.parent / "shim"
    shim_dir.mkdir()
    record = workdir.parent / "agent-exit"
    shim = shim_dir / agent  # runs the real agent and writes down its exit code
    shim.write_text(f'#!/bin/sh\n"{real}" "$@"\ncode=$?\necho $code > "{record}"\nexit $code\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    with FakeProvider(lambda req: bad).in_thread() as fake:
        env = base_env(GEMINI_API_KEY="AIzaSyFAKE-e2e-0000000000000000", ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e",
                       OPENCODE_DISABLE_MODELS_FETCH="1")
        env["PATH"] = f"{shim_dir}{os.pathsep}{env['PATH']}"
        flag = "--gemini-upstream" if agent == "gemini" else "--anthropic-upstream"
        out = run_wrap(agent, [flag, fake.url], args, env, workdir, timeout=180)
    code = int(record.read_text())
    assert code != 0 and out.returncode == code, (code, out.returncode, out.stderr[-2000:])
    assert_clean(env, out)


def test_opencode(workdir):
    need("opencode")
    d = Dialogue("bash", "headroom_headroom_retrieve", "anthropic")
    with FakeProvider(d).in_thread() as fake:
        env = base_env(ANTHROPIC_API_KEY="sk-ant-api03-fake-e2e-key", OPENCODE_DISABLE_MODELS_FETCH="1")
        out = run_wrap("opencode", ["--anthropic-upstream", fake.url],
                       ["run", "why did batch 777 fail? look at the worker log", "-m", "anthropic/claude-sonnet-4-5"],
                       env, workdir)
        check_dialogue(d, fake, out)
        print("opencode provider saw:", describe(fake))
    assert_clean(env, out)


def test_opencode_with_a_gemini_model(workdir):
    """OpenCode's built-in google provider (the AI SDK's Gemini client) goes through the Gemini wire too."""
    need("opencode")
    d = Dialogue("bash", "headroom_headroom_retrieve", "gemini")
    with FakeProvider(d).in_thread() as fake:
        env = base_env(GOOGLE_GENERATIVE_AI_API_KEY="AIzaSyFAKE-e2e-0000000000000000",
                       OPENCODE_DISABLE_MODELS_FETCH="1")
        out = run_wrap("opencode", ["--gemini-upstream", fake.url],
                       ["run", "why did batch 777 fail? look at the worker log", "-m", "google/gemini-2.5-flash"],
                       env, workdir)
        check_dialogue(d, fake, out)
        main = [r for r in fake.model_requests if r.protocol == "gemini"]
        assert all(r.path.startswith("/v1beta/models/") for r in main)  # its title request may use a smaller model
        assert all(r.path.startswith("/v1beta/models/gemini-2.5-flash:") for r in main if (r.json or {}).get("tools"))
        print("opencode (gemini) provider saw:", describe(fake))
    assert_clean(env, out)
