"""A scripted Claude Code-like session: the request bodies a client sends over N turns.

Each turn the client re-sends its whole history unchanged, appends the assistant's tool call and the
tool result, and moves its `cache_control` breakpoint to the newest tool result — as Claude Code does.
Tool results are medium-sized (2–30 KB) and of every kind the engine handles.
"""
from __future__ import annotations

import copy
import json
import random

# Real agents send a large fixed prefix: Claude Code's system prompt and tool schemas were 45 % of input
# tokens in a real 16-request session (docs/ARCHITECTURE.md §10). Sizes here are of that order (~40 KB).
SYSTEM = [{"type": "text", "text": "You are a careful coding agent. Inspect before you edit. " * 200},
          {"type": "text", "text": "Use tools to inspect the repository before answering.", "cache_control": {"type": "ephemeral"}}]
TOOLS = [{"name": "Bash", "description": "Run a shell command. " + "Quote paths with spaces; prefer rg over grep. " * 60,
          "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}},
         {"name": "Read", "description": "Read a file. " + "Use offsets for large files; lines are numbered. " * 60,
          "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}}] + [
         {"name": f"Tool{i}", "description": f"Helper tool {i}. " + "It does one thing well and reports errors. " * 60,
          "input_schema": {"type": "object", "properties": {"arg": {"type": "string"}}}} for i in range(8)]


def _log(r: random.Random, n: int) -> str:
    lines = [f"2026-11-23T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {r.randint(1, 90)}ms"
             for i in range(n)]
    lines.insert(n * 2 // 3, "2026-11-23T10:09:59Z ERROR worker-2 batch 777 failed: ConnectionResetError: peer reset")
    return "\n".join(lines)


def _json(r: random.Random, n: int) -> str:
    items = [{"id": i, "name": f"svc-{i}", "status": "error" if i in (17, 123) else "ok",
              "latency_ms": r.randint(1, 500), "region": r.choice(["eu-west-1", "us-east-1"])} for i in range(n)]
    return json.dumps(items, indent=1)


def _grep(r: random.Random, n: int) -> str:
    return "\n".join(f"src/pkg/mod{i % 17}.py:{r.randint(1, 900)}:    result = load_config(path, strict={bool(i % 2)})"
                     for i in range(n))


def _pytest(r: random.Random, n: int) -> str:
    lines = ["============================= test session starts ==============================",
             "platform linux -- Python 3.11.7, pytest-9.0.3", f"collected {n} items", ""]
    for i in range(n):
        status = "FAILED" if i in (n // 3, n // 2) else "PASSED"
        lines.append(f"tests/test_mod{i % 9}.py::test_case_{i} {status} [{i * 100 // n:3d}%]")
    lines += ["", "=================================== FAILURES ===================================",
              f"___ test_case_{n // 3} ___", "    assert parse('x') == 1", "E   AssertionError: assert 2 == 1",
              f"=========================== 2 failed, {n - 2} passed in 3.21s ==========================="]
    return "\n".join(lines)


def _code(r: random.Random, n: int) -> str:
    out = ["import os", "import sys", ""]
    for i in range(n):
        out += [f"def function_{i}(a, b):", f'    """Compute thing {i}."""', "    total = 0",
                "    for x in range(a):", "        total += x * b", f"    return total + {i}", ""]
    return "\n".join(out)


KINDS = [("Bash", "tail -n 400 /var/log/worker.log", _log, 300),
         ("Bash", "curl -s localhost:8080/api/services", _json, 120),
         ("Bash", "grep -rn load_config src/", _grep, 250),
         ("Bash", "pytest -v", _pytest, 300),
         ("Read", "/repo/src/pkg/big.py", _code, 80)]


def session(turns: int = 40, seed: int = 7) -> list[dict]:
    """The request bodies of a `turns`-request session (the first has no tool result yet)."""
    r = random.Random(seed)
    messages = [{"role": "user", "content": [{"type": "text", "text": "Find why batch 777 failed and which services are in error."}]}]
    bodies = []
    for t in range(turns):
        body = {"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": True,
                "system": SYSTEM, "tools": TOOLS, "messages": copy.deepcopy(messages)}
        bodies.append(body)
        tool, cmd, gen, n = KINDS[t % len(KINDS)]
        tid = f"toolu_{t:04d}"
        inp = {"command": f"{cmd} # step {t}"} if tool == "Bash" else {"file_path": cmd.replace(".py", f"{t}.py")}
        messages.append({"role": "assistant", "content": [{"type": "text", "text": f"Step {t}: checking."},
                                                          {"type": "tool_use", "id": tid, "name": tool, "input": inp}]})
        out = gen(r, n + r.randint(0, n // 2))
        # the client keeps one breakpoint, on the newest tool result
        for m in messages:
            if isinstance(m["content"], list):
                for b in m["content"]:
                    b.pop("cache_control", None)
        messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": out,
                                                      "cache_control": {"type": "ephemeral"}}]})
    return bodies
