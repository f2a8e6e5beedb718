"""Protocol walkers and the protection policy: what is touched, what context each block gets."""
from __future__ import annotations

import copy
import json

import pytest

from test_engine_helpers import FakeCompressor, big
from headroom_cli.compress import policy
from headroom_cli.compress.api import CompressConfig, compress, compress_request
from headroom_cli.compress.memo import Memo


def cfg(fc, **kw):
    return CompressConfig(compressor=fc, memo=Memo(), **kw)


# --- Anthropic -------------------------------------------------------------------------------------------
def anthropic_body():
    return {
        "model": "claude-x", "system": [{"type": "text", "text": "SYSTEM PROMPT SECRET"}],
        "tools": [{"name": "Bash"}, {"name": "Read"}],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "<system-reminder>\nboilerplate reminder\n</system-reminder>"},
                {"type": "text", "text": "Find the flaky worker please"}]},
            {"role": "system", "content": "# Environment\nunknown role passes through"},
            {"role": "assistant", "content": [
                {"type": "text", "text": "I will grep for the worker."},
                {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "grep -rn worker ."}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": big("GREP"), "is_error": False}]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "t2", "name": "Read", "input": {"file_path": "/src/app.py"}},
                {"type": "tool_use", "id": "t3", "name": "Bash", "input": {"command": "journalctl -u app"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t2", "content": big("READ")},
                {"type": "tool_result", "tool_use_id": "t3", "is_error": True, "cache_control": {"type": "ephemeral"},
                 "content": [{"type": "text", "text": big("LOG")},
                             {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                             {"type": "mystery", "text": big("MYSTERY")}]},
                "junk-not-a-dict", 42]},
            "junk message",
            {"role": "user", "content": [{"type": "text", "text": "LATEST USER TURN"}]},
        ],
    }


def test_anthropic_touches_only_tool_results():
    body = anthropic_body()
    before = copy.deepcopy(body)
    fc = FakeCompressor()
    r = compress_request(body, "anthropic", cfg(fc))
    assert body == before  # input never modified
    out = r.body
    assert r.changed and len(r.blocks) == 2
    # the grep result and the log text block were compressed
    assert "lines omitted" in out["messages"][3]["content"][0]["content"]
    res = out["messages"][5]["content"][1]
    assert "lines omitted" in res["content"][0]["text"]
    # Read is protected; image and unknown block untouched; flags stay where they were
    assert out["messages"][5]["content"][0] is body["messages"][5]["content"][0]
    assert res["content"][1] is body["messages"][5]["content"][1]["content"][1]
    assert res["content"][2] == body["messages"][5]["content"][1]["content"][2]
    assert res["cache_control"] == {"type": "ephemeral"} and res["is_error"] is True
    assert list(res) == list(body["messages"][5]["content"][1])  # key order kept
    # everything else is the very same objects
    for i in (0, 1, 2, 4, 6, 7):
        assert out["messages"][i] is body["messages"][i]
    assert out["system"] is body["system"] and out["tools"] is body["tools"]
    assert out["messages"][5]["content"][2:] == ["junk-not-a-dict", 42]
    assert r.skipped.get("protected") == 1


def test_anthropic_context_is_fixed_history_only():
    fc = FakeCompressor()
    compress_request(anthropic_body(), "anthropic", cfg(fc))
    ctx = fc.ctx_for("GREP line")
    assert ctx.tool_name == "Bash" and ctx.tool_input == "grep -rn worker ."
    assert "I will grep for the worker." in ctx.preceding_text
    assert "Find the flaky worker please" in ctx.preceding_text
    for forbidden in ("boilerplate reminder", "SYSTEM PROMPT", "LATEST USER TURN", "ephemeral", "unknown role"):
        assert forbidden not in ctx.preceding_text
    log_ctx = fc.ctx_for("LOG line")
    assert log_ctx.is_error is True and log_ctx.tool_input == "journalctl -u app"
    assert "MYSTERY" not in "".join(t for t, _ in fc.seen)


# --- OpenAI Chat -----------------------------------------------------------------------------------------
def chat_body():
    return {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "shell"}}], "messages": [
        {"role": "system", "content": "SYSTEM"},
        {"role": "user", "content": "Why is the build red?"},
        {"role": "assistant", "content": "Running the tests.", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "shell", "arguments": json.dumps({"command": ["bash", "-lc", "pytest -q"]})}},
            {"id": "c2", "type": "function", "function": {"name": "shell", "arguments": json.dumps({"command": ["bash", "-lc", "cat src/app.py"]})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": big("PYTEST")},
        {"role": "tool", "tool_call_id": "c2", "content": big("SOURCE")},
        {"role": "tool", "tool_call_id": "c9", "content": [{"type": "text", "text": big("ORPHAN")}]},
        {"role": "developer", "content": big("DEVELOPER")},
    ]}


def test_openai_chat_tool_messages():
    body = chat_body()
    fc = FakeCompressor()
    r = compress_request(body, "openai_chat", cfg(fc))
    m = r.body["messages"]
    assert "lines omitted" in m[3]["content"]
    assert m[4] is body["messages"][4]  # `cat src/app.py` through bash -lc: protected source read
    assert "lines omitted" in m[5]["content"][0]["text"]
    assert m[6] is body["messages"][6] and m[0] is body["messages"][0]
    ctx = fc.ctx_for("PYTEST line")
    assert ctx.tool_name == "shell" and ctx.tool_input == "pytest -q"
    assert "Why is the build red?" in ctx.preceding_text and "Running the tests." in ctx.preceding_text
    orphan = fc.ctx_for("ORPHAN line")
    assert orphan.tool_name == "" and orphan.preceding_text == ""


# --- OpenAI Responses ------------------------------------------------------------------------------------
def responses_body():
    env = "Chunk ID: ab12cd\nWall time: 0.0100 seconds\nProcess exited with code 0\nOriginal token count: 900\nOutput:\n"
    return {"model": "gpt-5", "tools": [{"type": "function", "name": "exec_command"}], "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "DEV"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>cwd</environment_context>"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Check the worker log"}]},
        {"type": "reasoning", "summary": [], "encrypted_content": "opaque"},
        {"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": "tail -n 500 worker.log"}), "call_id": "k1"},
        {"type": "function_call_output", "call_id": "k1", "output": env + big("WORKER")},
        {"type": "custom_tool_call", "name": "apply_patch", "input": "*** Begin Patch", "call_id": "k2"},
        {"type": "custom_tool_call_output", "call_id": "k2", "output": big("PATCHOUT")},
        {"type": "function_call", "name": "exec_command", "arguments": "{\"cmd\": \"ls\"}", "call_id": "k3"},
        {"type": "function_call_output", "call_id": "k3", "output": [{"type": "input_text", "text": big("LISTING")},
                                                                     {"type": "input_image", "image_url": "data:"}]},
        {"type": "function_call", "name": "exec_command", "arguments": "{\"cmd\": \"x\"}", "call_id": "k4"},
        {"type": "function_call_output", "call_id": "k4", "output": json.dumps({"output": big("OLDCODEX"), "metadata": {"exit_code": 0}})},
        {"type": "mystery_item", "payload": big("MYST")},
    ]}


def test_responses_items_and_codex_envelope():
    body = responses_body()
    fc = FakeCompressor()
    r = compress_request(body, "openai_responses", cfg(fc))
    items = r.body["input"]
    out = items[5]["output"]
    assert out.startswith("Chunk ID: ab12cd\nWall time: 0.0100 seconds\nProcess exited with code 0\n"
                          "Original token count: 900\nOutput:\nWORKER line 0")
    assert "lines omitted" in out
    assert "Chunk ID" not in fc.ctx_for("WORKER line").tool_input
    assert not any("Chunk ID" in t for t, _ in fc.seen)  # the envelope is never compressed
    assert "lines omitted" in items[7]["output"]
    assert "lines omitted" in items[9]["output"][0]["text"] and items[9]["output"][1] == {"type": "input_image", "image_url": "data:"}
    legacy = json.loads(items[11]["output"])
    assert "lines omitted" in legacy["output"] and legacy["metadata"] == {"exit_code": 0}
    for i in (0, 1, 2, 3, 4, 6, 8, 10, 12):
        assert items[i] is body["input"][i]
    ctx = fc.ctx_for("WORKER line")
    assert ctx.tool_input == "tail -n 500 worker.log" and "Check the worker log" in ctx.preceding_text
    assert "cwd" not in ctx.preceding_text and "DEV" not in ctx.preceding_text


def test_responses_string_input_passes():
    r = compress_request({"model": "m", "input": "just a prompt"}, "openai_responses", cfg(FakeCompressor()))
    assert not r.changed and r.body == {"model": "m", "input": "just a prompt"}


# --- aider (no tools) ------------------------------------------------------------------------------------
RUN = "I ran this command:\n\n{cmd}\n\nAnd got this output:\n\n{out}\n"


@pytest.mark.parametrize("protocol", ["openai_chat", "anthropic"])
def test_aider_command_output_only(protocol):
    source = "app.py\n```\n" + big("FILECONTENT") + "```\n"
    run_msg = RUN.format(cmd="pytest -q", out=big("TESTRUN"))
    messages = [
        {"role": "user", "content": "Here are the files to edit:\n" + source},
        {"role": "assistant", "content": "Ok."},
        {"role": "user", "content": "Fix the failing test"},
        {"role": "assistant", "content": "Please run the tests."},
        {"role": "user", "content": run_msg},
        {"role": "assistant", "content": "Ok."},
        {"role": "user", "content": RUN.format(cmd="cat app.py", out=big("CATSRC"))},
    ]
    if protocol == "openai_chat":
        messages.insert(0, {"role": "system", "content": "aider system"})
    fc = FakeCompressor()
    r = compress_request({"model": "m", "messages": messages}, protocol, cfg(fc))
    new = r.body["messages"]
    off = 1 if protocol == "openai_chat" else 0
    assert new[off] is messages[off]  # file contents never touched
    compressed = new[4 + off]["content"]
    assert compressed.startswith("I ran this command:\n\npytest -q\n\nAnd got this output:\n\nTESTRUN line 0")
    assert compressed.endswith("]\n") and "lines omitted" in compressed
    assert new[6 + off] is messages[6 + off]  # `cat` of a source file: protected
    ctx = fc.ctx_for("TESTRUN")
    assert ctx.tool_input == "pytest -q" and "Fix the failing test" in ctx.preceding_text
    # with tools declared, user text is never touched
    r2 = compress_request({"model": "m", "messages": messages, "tools": [{"name": "x"}]}, protocol, cfg(FakeCompressor()))
    assert not r2.changed


# --- policy ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tool,cmd,protected", [
    ("Read", "", True), ("NotebookRead", "", True), ("read_file", "", True), ("view", "", True),
    ("mcp__fs__read_file", "", True), ("headroom_retrieve", "", True), ("mcp__headroom__headroom_retrieve", "", True),
    ("Bash", "cat unix.py", True), ("Bash", "grep -rn x .", False), ("exec_command", "bash -lc \"sed -n '1,80p' a.go\"", True),
    ("shell", "cd repo && nl -ba lib/x.rs", True), ("Bash", "cat app.log", False), ("Bash", "cat f.py | grep def", False),
    ("Bash", "tail -n 100 /var/log/syslog", False), ("Bash", "cat .venv/lib/python3.11/site-packages/x/y.py", True),  # the project's own .venv (issue 14)
    ("Bash", "head -n 20 data.jsonl", False), ("Bash", "pytest -q", False), ("Grep", "", False),
    ("exec", "cat src/main.ts", True), ("some_new_shell_tool", "sed -n 1,40p lib/a.rb", True),
    # a redirection's target is not a file the command prints (agents append `2>/dev/null` to many commands)
    ("Bash", "tail -n 300 /var/log/apt/history.log 2>/dev/null", False), ("Bash", "tail -n 50 app.log 2> /dev/null", False),
    ("Bash", "head -n 40 server.log 2>>/tmp/err.txt", False), ("Bash", "cat build.log 2>&1", False),
    ("Bash", "cat src/app.py 2>/dev/null", True), ("Bash", "sed -n 1,80p lib/a.rb 2> /dev/null", True),
    ("Bash", "cat < src/app.py", True),
])
def test_policy(tool, cmd, protected):
    assert policy.is_protected(tool, cmd) is protected


def test_policy_user_additions():
    assert policy.is_protected("WebFetch", "", ["webfetch"])
    assert policy.is_protected("mcp__db__query", "", ["mcp__db__*"])
    assert not policy.is_protected("mcp__db__query", "", ["mcp__web__*"])


def test_retrieved_originals_never_recompressed():
    fc = FakeCompressor()
    body = {"model": "m", "tools": [{"name": "x"}], "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "r1", "name": "mcp__headroom__headroom_retrieve",
                                           "input": {"key": "abc"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "r1", "content": big("ORIGINAL")}]}]}
    r = compress_request(body, "anthropic", cfg(fc))
    assert not r.changed and fc.seen == []


def test_protect_tools_config():
    fc = FakeCompressor()
    r = compress_request(anthropic_body(), "anthropic", cfg(fc, protect_tools=["bash"]))
    assert not r.changed


def test_compress_detects_protocol():
    fc = FakeCompressor()
    r = compress(anthropic_body()["messages"], model="claude-x", config=cfg(fc))
    assert r.protocol == "anthropic" and r.changed
    r2 = compress(chat_body()["messages"], config=cfg(FakeCompressor()))
    assert r2.protocol == "openai_chat" and r2.changed
    assert r2.messages is r2.body["messages"]


def test_codex_nonzero_exit_marks_error():
    body = responses_body()
    body["input"][5]["output"] = body["input"][5]["output"].replace("exited with code 0", "exited with code 2")
    fc = FakeCompressor()
    compress_request(body, "openai_responses", cfg(fc))
    assert fc.ctx_for("WORKER line").is_error is True
    assert fc.ctx_for("PATCHOUT line").is_error is False
