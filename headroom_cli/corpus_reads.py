"""Benchmark workloads for how agents read (issue 14): installed code, re-reads, ranges, saved outputs.

Shaped like the agents send them: Claude Code 2.1.33x numbers `Read` output `N\\t…` and states its working
directory in its environment block; Codex states `<cwd>` in its environment context and reads with `cat`/`sed`;
Claude Code saves a Bash output over ~30,000 characters to `<config>/projects/<project>/<session>/tool-results/
<id>.txt`, sends a 2 KB `<persisted-output>` preview, and the model reads the file back with `Read` (checked with
the real 2.1.332 binary against the loopback fake provider).

`stdlib_read` reads this interpreter's own `subprocess.py` (real code, tagged `host`: its bytes are this
machine's Python's). The others are generated, seeded: the same bytes on every machine.
"""
from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any, Callable

CWD = "/home/dev/app"
_SYSTEM = ("You are a coding agent working in the user's repository. Use the tools to inspect files and run "
           "commands. Be concise and cite file paths.")
_CC_ENV = (f"# Environment\nYou have been invoked in the following environment: \n - Primary working directory: {CWD}\n"
           " - Is a git repository: true\n - Platform: linux")
_TOOLS = [{"name": n, "description": f"{n} tool.", "input_schema": {"type": "object", "properties": {}}}
          for n in ("Bash", "Read", "Grep", "Edit")]
_RESPONSES_TOOLS = [{"type": "function", "name": "exec_command", "description": "Runs a command in a PTY.",
                     "strict": False, "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}]


def numbered(lines: list[str], first: int = 1) -> str:
    """Claude Code 2.1.33x's `Read` output: `N\\t` before each line."""
    return "".join(f"{first + i}\t{ln}\n" for i, ln in enumerate(lines))


def claude_body(question: str, steps: list[tuple[str, dict, str]], *, seed: int) -> dict:
    msgs: list[dict] = [
        {"role": "user", "content": [{"type": "text", "text": question}]},
        {"role": "system", "content": _CC_ENV},  # Claude Code sends its environment block as a system message
    ]
    for i, (name, inp, out) in enumerate(steps):
        tid = f"toolu_r{seed:03d}{i:03d}{'cd' * 8}"
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": f"Next: {name}."},
                                                       {"type": "tool_use", "id": tid, "name": name, "input": inp}]})
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": out}]})
    msgs[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {"model": "claude-sonnet-4-5", "max_tokens": 8192, "stream": True,
            "system": [{"type": "text", "text": _SYSTEM}], "tools": _TOOLS, "messages": msgs}


def codex_body(question: str, steps: list[tuple[str, str]], *, seed: int) -> dict:
    items: list[dict] = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": _SYSTEM}]},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": f"<environment_context>\n  <cwd>{CWD}</cwd>\n</environment_context>"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": question}]},
    ]
    for i, (cmd, out) in enumerate(steps):
        cid = f"call_r{seed:03d}{i:03d}"
        items.append({"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": cmd}),
                      "call_id": cid})
        env = (f"Chunk ID: {seed:03d}{i:03d}\nWall time: 0.0100 seconds\nProcess exited with code 0\n"
               f"Original token count: {len(out) // 4}\nOutput:\n")
        items.append({"type": "function_call_output", "call_id": cid, "output": env + out})
    return {"model": "gpt-5-codex", "stream": True, "instructions": _SYSTEM, "input": items,
            "tools": _RESPONSES_TOOLS, "store": False, "prompt_cache_key": f"reads-{seed}"}


# ---------------------------------------------------------------------------------------------------------
def module_source(r: random.Random, n_funcs: int = 40) -> list[str]:
    """A project module: functions with docstrings and bodies (seeded)."""
    words = ("order invoice refund ledger batch retry token cache route tenant quota window price "
             "discount shipment carrier parcel").split()
    out = ['"""Order pipeline: pricing, refunds and shipment hand-off."""', "from __future__ import annotations",
           "", "import logging", "from decimal import Decimal", "", "log = logging.getLogger(__name__)", ""]
    for k in range(n_funcs):
        a, b = r.choice(words), r.choice(words)
        out += ["", f"def {a}_{b}_{k}(ctx, {b}s, limit=None):", f'    """{a.capitalize()} the {b}s of one tenant."""']
        for j in range(r.randint(8, 16)):
            out.append(r.choice([
                f"    {a}_{j} = ctx.lookup('{b}', {j}) or Decimal('{r.randint(1, 99)}.{r.randint(0, 99):02d}')",
                f"    if {a}_{j} is None and limit is not None and limit > {j}:",
                f"        log.debug('skipping {b} %s for tenant %s', {a}_{j}, ctx.tenant)",
                f"    for item in {b}s[{j}:{j + r.randint(2, 9)}]:",
                f"        ctx.emit('{a}.{b}', item, weight={r.randint(1, 9)})",
            ]))
        out.append(f"    return ctx.result('{a}_{b}_{k}')")
    return out


def _w_stdlib_read(make: Callable[..., Any]) -> Any:
    """A Read of this interpreter's subprocess.py, asked how Popen.communicate() enforces its timeout."""
    path = str(Path(subprocess.__file__).resolve())
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    needles = [ln.strip() for ln in lines if ln.strip().startswith(("def communicate(", "def _check_timeout("))]
    body = claude_body("How does `Popen.communicate()` enforce its timeout? Look at the standard library's code.",
                       [("Read", {"file_path": path}, numbered(lines))], seed=1)
    return make("stdlib_read", "anthropic", body, needles,
                "Read of the interpreter's own subprocess.py (2,000+ lines), one question", ["code", "reads", "host"])


def _w_rereads(make: Callable[..., Any]) -> Any:
    """Claude Code reads a project file whole, reads a range of it, edits it, and reads it whole again."""
    r = random.Random(1401)
    src = module_source(r)
    path = f"{CWD}/src/orders/pipeline.py"
    edited = list(src)
    target = next(i for i, ln in enumerate(edited) if ln.startswith("def ") and i > len(edited) // 2)
    new_line = "    if limit is not None and limit <= 0:  # guard added by the fix"
    edited.insert(target + 2, new_line)
    steps = [
        ("Read", {"file_path": path}, numbered(src)),
        ("Grep", {"pattern": "def refund", "path": "src"}, "src/orders/pipeline.py\n"),
        ("Read", {"file_path": path, "offset": 140, "limit": 76}, numbered(src[139:215], 140)),
        ("Edit", {"file_path": path, "old_string": src[target + 1], "new_string": src[target + 1] + "\n" + new_line},
         f"The file {path} has been updated."),
        ("Read", {"file_path": path}, numbered(edited)),
    ]
    needles = [src[target].strip(), new_line.strip(), src[150].strip()]
    body = claude_body("Add a guard for a zero limit in the refund path and check nothing else changed.", steps, seed=2)
    return make("rereads", "anthropic", body, needles,
                "Claude Code: whole read, range re-read, edit, whole re-read of one project file", ["reads"])


def _w_range_reread(make: Callable[..., Any]) -> Any:
    """Codex `cat`s a project file, then prints a range of it again with `sed -n`."""
    r = random.Random(1402)
    src = module_source(r, 34)
    path = "src/billing/pricing.py"
    steps = [(f"cat {path}", "\n".join(src) + "\n"),
             ("rg -n 'def discount' src", f"{path}:41:def discount_price_3(ctx, prices, limit=None):\n"),
             (f"sed -n '120,190p' {path}", "\n".join(src[119:190]) + "\n")]
    needles = [src[130].strip(), src[180].strip()]
    body = codex_body("Why is the discount applied twice? Look at the pricing module.", steps, seed=3)
    return make("range_reread", "openai_responses", body, needles,
                "Codex: cat of a project file, then sed -n of a range of it", ["reads"])


def _w_persisted_output(make: Callable[..., Any]) -> Any:
    """Claude Code persists a 90 KB Bash output; the model reads the saved file back with Read."""
    r = random.Random(1403)
    out = []
    err = "2026-12-01T09:41:07Z ERROR replay: request 1873 failed: upstream returned 502 after 3 retries (tenant acme-eu)"
    for i in range(2400):
        out.append(f"2026-12-01T09:{(i // 60) % 60:02d}:{i % 60:02d}Z INFO replay: request {i} ok in "
                   f"{r.randint(3, 240)}ms ({r.randint(1, 40)} items)")
        if i == 1873:
            out.append(err)
    summary = "replayed 2400 requests: 2399 ok, 1 failed"
    out.append(summary)
    full = "\n".join(out) + "\n"
    saved = f"/home/dev/.claude/projects/-home-dev-app/6f1c2a9e-0b7d-4c55-9a1e-3d2f8e7c4b10/tool-results/b{r.getrandbits(32):08x}.txt"
    head, size = [], 0
    for ln in out:
        if size + len(ln) + 1 > 2000:
            break
        head.append(ln)
        size += len(ln) + 1
    preview = (f"<persisted-output>\nOutput too large ({len(full) / 1024:.1f}KB). Full output saved to: {saved}\n\n"
               f"Preview (first 2KB):\n" + "\n".join(head) + "\n...\n</persisted-output>")
    steps = [("Bash", {"command": "python tools/replay.py --all", "description": "Replay every recorded request"},
              preview),
             ("Read", {"file_path": saved}, numbered(out + [""]))]
    body = claude_body("Replay all the recorded requests and tell me which ones fail and why.", steps, seed=4)
    return make("persisted_output", "anthropic", body, [err, summary],
                "Claude Code: a 90 KB Bash output persisted to tool-results/, read back with Read", ["reads", "log"])


_ALL = (_w_stdlib_read, _w_rereads, _w_range_reread, _w_persisted_output)


def builders(make: Callable[..., Any]) -> tuple[Callable[[], Any], ...]:
    """This module's workloads as `corpus` builders: each returns `make(name, protocol, body, needles,
    description, tags)` (`make` is `corpus.Workload`; passed in so the two modules do not import each other)."""
    return tuple((lambda f=f: f(make)) for f in _ALL)
