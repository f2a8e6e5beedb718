"""Corpus workloads of mixed output and small results, built from real command outputs.

The outputs in `corpus_data/mixed/` were captured by running real commands on a development machine
(`benchmarks/capture_mixed.py` says which and how: pytest and `pip download` through a pty, `curl -v` against a
loopback server, scripts that print JSON and then a summary, a logging app that logs a traceback, `jq .` of several
package.json files, `pip list` then `pip check`, `git log` with colour, `ls -la`). They are read as bytes, so the
`\\r`, escape codes and interleaved streams stay as the commands wrote them. Each workload puts one output in the
request shape of the agent that would have run it — Claude Code (Anthropic Messages; a failed command's result
starts with `Exit code N` and is flagged `is_error`), Codex (Responses; every output inside its exec envelope, and
Codex runs commands in a pty), or a Chat Completions client — with the question that needs it and the needles an
answer needs.

The corpus (`corpus.py`) registers these builders; it hands them its `Workload` type (`builders(Workload)`), so
this module needs nothing from it.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Callable

SYSTEM = ("You are a coding agent working in the user's repository. Use the tools to inspect files and run "
          "commands. Be concise and cite file paths.")


def capture(name: str) -> str:
    """One captured output, exactly as the command wrote it."""
    return (resources.files("headroom_cli") / "corpus_data" / "mixed" / f"{name}.txt").read_bytes().decode("utf-8")


def _anthropic(question: str, command: str, out: str, *, seed: int, is_error: bool = False) -> dict:
    tid = f"toolu_{seed:04d}0000{'cd' * 6}"
    if is_error:
        out = "Exit code 1\n" + out  # Claude Code: a failed command's result (stderr and stdout follow)
    return {"model": "claude-sonnet-4-5", "max_tokens": 8192, "stream": True,
            "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            "tools": [{"name": "Bash", "description": "Run a shell command.",
                       "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": question}]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Let me run that."},
                    {"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": command}}]},
                {"role": "user", "content": [{"tool_use_id": tid, "type": "tool_result", "content": out,
                                              "is_error": is_error, "cache_control": {"type": "ephemeral"}}]}]}


def _codex(question: str, command: str, out: str, *, seed: int, code: int = 0) -> dict:
    env = (f"Chunk ID: {seed * 7919 % 0xffffff:06x}\nWall time: 1.{seed:04d} seconds\nProcess exited with code {code}\n"
           f"Original token count: {len(out) // 4}\nOutput:\n")
    cid = f"call_{seed:04d}0000"
    return {"model": "gpt-5-codex", "stream": True, "instructions": SYSTEM, "store": False,
            "prompt_cache_key": f"bench-mixed-{seed}",
            "tools": [{"type": "function", "name": "exec_command", "description": "Runs a command in a PTY.",
                       "strict": False, "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}],
            "input": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": question}]},
                {"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": command}),
                 "call_id": cid},
                {"type": "function_call_output", "call_id": cid, "output": env + out}]}


def _chat(question: str, command: str, out: str, *, seed: int) -> dict:
    cid = f"call_{seed:04d}0000"
    return {"model": "gpt-4o", "stream": True, "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": cid, "type": "function", "function": {"name": "run_shell", "arguments": json.dumps({"command": command})}}]},
        {"role": "tool", "tool_call_id": cid, "content": out}],
        "tools": [{"type": "function", "function": {"name": "run_shell", "description": "Run a shell command.",
                                                    "parameters": {"type": "object",
                                                                   "properties": {"command": {"type": "string"}}}}}]}


def _line_with(text: str, needle: str) -> str:
    """The whole line of `text` that holds `needle` (needles are whole lines where a line is what counts)."""
    i = text.index(needle)
    return text[text.rfind("\n", 0, i) + 1: text.find("\n", i)].rstrip("\r")


def _replay(W):
    out = capture("replay_json_summary")
    body = _anthropic("Replay the recorded requests against staging and tell me which ones failed and why.",
                      "python scripts/replay.py --against staging", out, seed=21)
    summary = out[out.rindex("]") + 1:].strip()
    return W("mixed_json_summary", "anthropic", body,
             [summary, "invalid literal for int() with base 10: b'12a'"],
             "a JSON listing of 200 replayed requests, then a summary on its closing line", ["mixed", "json"])


def _curl(W):
    out = capture("curl_verbose_json")
    body = _codex("The parquet reader segfaulting on nested lists of structs with huge row groups - what is its "
                  "issue number, who is it assigned to, and what labels does it have?",
                  "curl -sv http://127.0.0.1:37589/issues.json 2>&1", out, seed=22)
    return W("mixed_curl_banner_json", "openai_responses", body,
             ["Reader segfaults on nested lists of structs when row groups exceed 2 GiB", "< HTTP/1.0 200 OK",
              "* Closing connection 0"],
             "curl -v: request/response banner, a JSON body with curl's stderr written into it", ["mixed", "json"])


def _ndjson(W):
    out = capture("ndjson_header")
    body = _chat("The orders consumer on partition 3 logged an error - what went wrong?",
                 "python tools/tail_events.py --queue orders-v2 --partition 3", out, seed=23)
    return W("mixed_ndjson_header", "openai_chat", body,
             [_line_with(out, "duplicate idempotency key"), "300 events, 1 error; consumer lag 0",
              out.split("\n", 1)[0]],
             "a header line, 300 JSON lines (one error), a footer", ["mixed", "log"])


def _traceback(W):
    out = capture("log_traceback")
    body = _anthropic("The billing worker dropped a batch overnight. What failed, and where in the code?",
                      "python -m billing.worker --replay-night", out, seed=24)
    return W("mixed_log_traceback", "anthropic", body,
             [_line_with(out, "dead-letter queue"), "KeyError: 'gbp'", _line_with(out, "in settle")],
             "an application log with a logged traceback in the middle", ["mixed", "log"])


def _pytest_pty(W):
    out = capture("pytest_color_pty")
    body = _codex("Run the billing tests and fix whatever fails.", "python -m pytest --color=yes -v test_billing.py",
                  out, seed=25, code=1)
    return W("mixed_pytest_pty", "openai_responses", body,
             # needles that stand between the escape codes in the raw output too
             ["E       ValueError: invalid literal for int() with base 10: 'x-retry'",
              " - ValueError: invalid literal for int() with base 10: 'x-retry'", "244 passed"],
             "pytest -v with colours through a pty (CRLF, escape codes, stderr warnings first)", ["mixed", "test"])


def _docs(W):
    out = capture("package_json_docs")
    body = _chat("Which of these packages have an install script, and what are their licenses?",
                 "jq . node_modules/{nan,node-addon-api,node-pty}/package.json", out, seed=26)
    docs = []
    dec, i = json.JSONDecoder(), 0
    while i < len(out):
        while i < len(out) and out[i].isspace():
            i += 1
        if i >= len(out):
            break
        d, i = dec.raw_decode(out, i)
        docs.append(d)
    needles = [d["name"] for d in docs if isinstance(d.get("name"), str)][:3]
    return W("mixed_json_documents", "openai_chat", body, needles, "several package.json documents in a row",
             ["mixed", "json"])


def _git_log(W):
    out = capture("git_log_color")
    body = _anthropic("When did the tests get a shared proxy fixture, and what else changed in that commit?",
                      "git log --color=always --stat -n 25", out, seed=27)
    subject = "tests: one proxy_for fixture in conftest.py instead of three identical copies"
    return W("mixed_git_log_color", "anthropic", body, [subject] if subject in out else [out.split("\n")[4].strip()],
             "git log --stat with colour codes", ["mixed", "text"])


def _small_ls(W):
    out = capture("ls_la_small")
    body = _anthropic("list the files", "ls -la", out, seed=28)
    lines = out.splitlines()
    return W("small_ls_la", "anthropic", body, [lines[0], lines[3], lines[len(lines) // 2], lines[-1]],
             "ls -la of 46 lines, asked to list the files (must come back whole)", ["small"])


def _small_pytest_failed(W):
    out = capture("pytest_plain_failed")
    body = _anthropic("Run the tests.", "python -m pytest -q", out, seed=29, is_error=True)
    return W("small_pytest_exit_code", "anthropic", body,
             ["Exit code 1", "E       ValueError: invalid literal for int() with base 10: 'x-retry'",
              _line_with(out, "1 failed, 244 passed")],
             "Claude Code's 'Exit code 1' result of a short failing pytest run", ["small", "test"])


def _small_pip(W):
    out = capture("pip_progress_pty")
    body = _codex("Download the wheels we vendor.", "pip download --no-deps -d vendor/ -r vendor.txt", out, seed=30)
    return W("small_pip_progress_pty", "openai_responses", body,
             ["Successfully downloaded rich pygments markdown-it-py mdurl"],
             "pip download with progress bars through a pty (\\r rewrites, colours)", ["small", "terminal"])


def _small_pip_list(W):
    out = capture("pip_list_check")
    body = _chat("Which aiohttp version is installed, and are the requirements consistent?",
                 "pip list; pip check", out, seed=31)
    return W("small_table_then_prose", "openai_chat", body,
             [_line_with(out, "aiohttp "), "No broken requirements found."],
             "pip list (a table) then pip check (a sentence)", ["small", "table"])


_ALL = (_replay, _curl, _ndjson, _traceback, _pytest_pty, _docs, _git_log, _small_ls, _small_pytest_failed, _small_pip,
        _small_pip_list)


def builders(workload_type: type) -> tuple[Callable[[], object], ...]:
    """Zero-argument builders of this module's workloads, each making a `workload_type` (the corpus' Workload)."""
    return tuple((lambda b=b: b(workload_type)) for b in _ALL)


# the request shapes, for the other corpus modules built from real outputs (corpus_real.py)
anthropic_request, codex_request, chat_request, line_with = _anthropic, _codex, _chat, _line_with
