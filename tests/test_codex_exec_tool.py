"""Codex 0.171's default model runs shell commands from JavaScript in one freeform `exec` tool
(`await tools.exec_command({cmd: "cat src/x.py"})`, a `custom_tool_call`). Captured with the real agent: its source
reads came back compressed, because the command inside the script was not seen. A read of a source file through
`exec` is protected like any shell read; other commands' output is still compressed."""
from __future__ import annotations

import json

from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.protocols.common import render_input


def source() -> str:
    return "\n".join(f"def handler_{i}(request):\n    value = compute_{i}(request)\n    return value + {i}\n"
                     for i in range(300))


def log() -> str:
    return "\n".join(f"2026-12-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} batch {i} ok"
                     for i in range(600))


def js(cmd: str) -> str:
    return "const r = await tools.exec_command({cmd: %s});\ntext(r.output);" % json.dumps(cmd)


def body(cmd: str, output: str) -> dict:
    return {"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "look at the handlers"}]},
        {"type": "custom_tool_call", "call_id": "c1", "name": "exec", "input": js(cmd)},
        {"type": "custom_tool_call_output", "call_id": "c1", "output": [
            {"type": "input_text", "text": "Script completed\nWall time 0.1 seconds\nOutput:\n"},
            {"type": "input_text", "text": output}]},
    ]}


def out_text(b: dict) -> str:
    return b["input"][2]["output"][1]["text"]


def test_a_source_read_inside_exec_is_protected():
    b = body("cat src/handlers.py", source())
    assert out_text(compress_request(b, "openai_responses", CompressConfig()).body) == source()
    both = body("ls && cat src/handlers.py", source())  # any source read among the commands protects
    assert render_input(both["input"][1]["input"])[1] == "ls && cat src/handlers.py"


def test_other_commands_inside_exec_are_still_compressed():
    b = body("python3 tools/run.py", log())
    assert len(out_text(compress_request(b, "openai_responses", CompressConfig()).body)) < len(log()) / 2


def test_the_commands_of_a_script_are_read_one_per_line():
    two = "const a = await tools.exec_command({cmd: 'ls'});\nconst b = await tools.exec_command({\"cmd\": \"sed -n 1,5p a.py\"});"
    assert render_input(two)[1] == "ls\nsed -n 1,5p a.py"
    assert render_input("text(1)")[1] == "" and render_input("*** Begin Patch\n")[1] == ""


def test_a_read_of_installed_code_through_exec_is_code_not_text():
    """The source-read hint looks at the command inside the script: `cat …/textwrap.py` (installed code, which the
    read policy leaves to compression) was text, its long module docstring filling the sample the content is
    judged by."""
    import textwrap as stdlib_module

    from headroom_cli.compress import router
    from headroom_cli.compress.base import Context

    path = stdlib_module.__file__
    src = open(path, encoding="utf-8").read()
    ctx = Context(tool_name="exec", tool_input=js(f"cat {path}"))
    assert router.detect(src, ctx) == "code"
    assert router.detect(src, Context(tool_name="exec", tool_input=js(f"wc -l {path}"))) != "code"  # no read, no hint
