"""What the agents read (issue 14 items 1 and 4): saved command outputs and installed code are compressed, a
project's own files (its .venv too) and anything under an unknown working directory stay protected."""
from __future__ import annotations

import pytest
from output_digests import MemStore

from headroom_cli.compress import markers, policy, readpaths
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.workdir import WorkDirs, statements
from headroom_cli.corpus_reads import module_source, numbered

CWD = "/home/dev/app"
SAVED = "/home/dev/.claude/projects/-home-dev-app/6f1c2a9e-0b7d-4c55-9a1e-3d2f8e7c4b10/tool-results/bx81k2.txt"


def claude(steps, system=f" - Primary working directory: {CWD}\n - Is a git repository: true", question="Why?"):
    msgs = [{"role": "user", "content": [{"type": "text", "text": question}]}]
    if system is not None:
        msgs.append({"role": "system", "content": system})  # where Claude Code 2.1.33x puts its environment
    for i, (name, inp, out) in enumerate(steps):
        msgs.append({"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": name, "input": inp}]})
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": out}]})
    return {"model": "m", "tools": [{"name": "Read"}], "messages": msgs}


def run(body, protocol="anthropic"):
    store = MemStore()
    return compress_request(body, protocol, CompressConfig(store=store, memo=Memo())), store


LIB = "\n".join(module_source(__import__("random").Random(3), 60)) + "\n"  # ~800 lines of Python


# --- working directory ------------------------------------------------------------------------------------
def test_each_agent_statement_is_found():
    assert statements(" - Primary working directory: /home/dev/app\n") == ["/home/dev/app"]
    assert statements("<environment_context>\n  <cwd>/srv/repo</cwd>\n</environment_context>") == ["/srv/repo"]
    assert statements("<env>\n  Working directory: /work/x\n  Workspace root folder: /work\n</env>") == ["/work/x"]
    assert statements("- **Workspace Directories:**\n  - /home/u/proj\n  - /home/u/other\n") == ["/home/u/proj"]
    assert statements("environment.\n* Current working directory: /tmp/p1\n* Git repository root: /tmp") == ["/tmp/p1"]
    # the tool schema's prose is not a statement, nor a relative path
    assert statements("cwd: Working directory for the command. Defaults to the turn cwd.") == []
    assert statements("Working directory: src") == []


def test_statement_after_the_block_or_inside_a_tool_result_does_not_count():
    body = claude([("Read", {"file_path": "/usr/lib/python3/dist-packages/lib.py"}, numbered(LIB.split("\n")))],
                  system=None)
    # the only statement is in a tool result (a file that quotes one) and in a later user message
    body["messages"][2]["content"][0]["content"] += "\n<cwd>/home/dev/app</cwd>"
    body["messages"].append({"role": "user", "content": "Primary working directory: /home/dev/app"})
    from headroom_cli.compress.protocols import sites

    ss = sites(body, "anthropic")
    dirs = WorkDirs(body, [s.path for s in ss])
    assert dirs.at(ss[0].path) is None
    r, _ = run(body)
    assert not r.blocks and r.skipped == {"protected": 1}  # unknown working directory: stays protected


# --- installed code -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,cwd,installed", [
    ("/usr/lib/python3.11/subprocess.py", CWD, True),
    ("/root/.pyenv/versions/3.11.7/lib/python3.11/subprocess.py", CWD, True),
    ("/home/dev/.local/share/virtualenvs/app-1/lib/python3.11/site-packages/requests/sessions.py", CWD, True),
    ("/home/dev/other/node_modules/react/index.js", CWD, True),
    ("/home/dev/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.0/src/de.rs", CWD, True),
    ("/usr/local/go/src/net/http/server.go", CWD, True),
    ("/home/dev/go/pkg/mod/github.com/x/y@v1.2.3/z.go", CWD, True),
    ("/usr/include/stdio.h", CWD, True),
    # the project's own environment may be patched: protected
    (f"{CWD}/.venv/lib/python3.11/site-packages/requests/sessions.py", CWD, False),
    (".venv/lib/python3.11/site-packages/requests/sessions.py", CWD, False),
    (f"{CWD}/node_modules/react/index.js", CWD, False),
    ("/usr/lib/python3.11/subprocess.py", None, False),  # unknown working directory
    ("~/.cargo/registry/src/x/y.rs", CWD, False),  # whose home?
    (f"{CWD}/src/app.py", CWD, False),
    ("/etc/nginx/nginx.conf", CWD, False),
])
def test_installed_code(path, cwd, installed):
    assert readpaths.is_installed_code(path, cwd) is installed


def test_stdlib_read_outside_the_working_directory_is_compressed_like_code_and_the_question_decides_bodies():
    lines = LIB.split("\n")[:-1]
    target = next(ln for ln in lines if ln.startswith("def refund_"))
    name = target.split("(")[0][4:]
    body = claude([("Read", {"file_path": "/usr/lib/python3/dist-packages/orders/pipeline.py"}, numbered(lines))],
                  question=f"How does `orders.{name}()` treat the limit?")
    r, store = run(body)
    (blk,) = r.blocks
    assert blk.compressor == "code" and blk.est_after < blk.est_before * 0.6
    out = body_text = r.body["messages"][3]["content"][0]["content"]
    k = lines.index(target)
    body_lines = [ln for ln in lines[k + 1:k + 8]]
    assert all(f"\t{ln}\n" in out for ln in body_lines)  # the definition the question names: kept whole
    assert "[… lines " in out and "omitted]" in out  # other bodies: behind markers naming their line ranges
    assert store.items[blk.key] == body["messages"][3]["content"][0]["content"]
    assert markers.find_keys(body_text) == [blk.key]


def test_the_same_read_inside_the_project_venv_or_with_no_stated_directory_stays_protected():
    lines = LIB.split("\n")[:-1]
    inside = claude([("Read", {"file_path": f"{CWD}/.venv/lib/python3.11/site-packages/orders/pipeline.py"},
                      numbered(lines))])
    assert not run(inside)[0].blocks
    unknown = claude([("Read", {"file_path": "/usr/lib/python3/dist-packages/orders/pipeline.py"}, numbered(lines))],
                     system=None)
    assert not run(unknown)[0].blocks
    # the guard at work: the same read outside the stated directory is compressed
    outside = claude([("Read", {"file_path": "/usr/lib/python3/dist-packages/orders/pipeline.py"}, numbered(lines))])
    assert run(outside)[0].blocks


def test_a_chosen_range_of_installed_code_stays_whole():
    lines = LIB.split("\n")[:-1]
    rng = numbered(lines[299:600], 300)
    body = claude([("Read", {"file_path": "/usr/lib/python3/dist-packages/orders/pipeline.py", "offset": 300,
                             "limit": 300}, rng)])
    assert not run(body)[0].blocks
    assert policy.is_protected("Bash", "sed -n '300,600p' /usr/lib/python3/dist-packages/o/p.py", cwd=CWD)
    assert not policy.is_protected("Bash", "cat /usr/lib/python3/dist-packages/o/p.py", cwd=CWD)
    assert policy.is_protected("Bash", "cat /usr/lib/python3/dist-packages/o/p.py")  # unknown cwd


def test_codex_cat_of_installed_code_with_its_cwd_statement():
    lines = LIB.split("\n")[:-1]
    items = [{"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": f"<environment_context>\n  <cwd>{CWD}</cwd>\n</environment_context>"}]},
        {"type": "function_call", "name": "exec_command", "call_id": "c1",
         "arguments": '{"cmd": "cat /home/dev/.rustup/toolchains/x/lib/rustlib/src/rust/library/core/src/lib.py"}'},
        {"type": "function_call_output", "call_id": "c1", "output": "\n".join(lines) + "\n"}]
    r, _ = run({"model": "gpt-5", "tools": [{"type": "function", "name": "exec_command"}], "input": items},
               "openai_responses")
    assert [b.compressor for b in r.blocks] == ["code"]


# --- saved command outputs -----------------------------------------------------------------------------------
LOG = [f"2026-12-01T09:{i // 60 % 60:02d}:{i % 60:02d}Z INFO replay: request {i} ok in {i * 7 % 240}ms"
       for i in range(2400)]
LOG[1873] = "2026-12-01T09:31:13Z ERROR replay: request 1873 failed: upstream returned 502 after 3 retries"


@pytest.mark.parametrize("path", [
    SAVED,  # Claude Code 2.1.33x (seen with the real binary)
    "/tmp/1776297019473-copilot-tool-output-2jk2c7.txt",  # Copilot CLI (as its SDK issue #1091 quotes it)
    "/tmp/1796173877146-copilot-tool-output-2465-93e9bd48-b3bb-416e-af39-66955506f791.txt",  # Copilot CLI 1.0.102
    "/home/dev/.gemini/tmp/3f9a2b/tool-outputs/session-5d1e/run_shell_command_17.txt",  # Gemini CLI
])
def test_saved_outputs_are_recognised(path):
    assert readpaths.is_saved_output(path)
    assert not policy.is_protected("Read", read_path=path)
    assert not policy.is_protected("Bash", f"cat {path}")
    assert not policy.is_protected("view", read_path=path, cwd=None)  # whatever the working directory


def test_saved_output_read_back_is_compressed_like_the_output_it_is_and_its_key_is_byte_exact():
    text = numbered(LOG) + "\n<system-reminder>\nkeep going\n</system-reminder>"
    body = claude([("Bash", {"command": "python tools/replay.py --all"},
                    f"<persisted-output>\nOutput too large (160.2KB). Full output saved to: {SAVED}\n\n"
                    "Preview (first 2KB):\n" + "\n".join(LOG[:20]) + "\n...\n</persisted-output>"),
                   ("Read", {"file_path": SAVED}, text)], system=None)  # no working directory needed
    r, store = run(body)
    blk = next(b for b in r.blocks if b.path[1] == 4)
    out = r.body["messages"][4]["content"][0]["content"]
    assert blk.kind == "log" and blk.est_after < blk.est_before * 0.1
    assert LOG[1873] in out  # the line that matters, verbatim, without its number prefix
    assert "1874\t" not in out  # line numbers dropped: they were the read tool's, not the output's
    assert out.endswith("\n<system-reminder>\nkeep going\n</system-reminder>")
    assert store.items[blk.key] == text and markers.find_keys(out) == [blk.key]


def test_a_file_that_only_looks_like_a_saved_output_name_stays_protected():
    for p in (f"{CWD}/tool-results/x.txt", f"{CWD}/projects/a/tool-results/x.txt", "tool-results/x.txt",
              f"{CWD}/projects/web/session-1/tool-results/x.txt"):
        assert not readpaths.is_saved_output(p)
        assert policy.is_protected("Read", read_path=p, cwd=CWD)


def test_installed_module_opening_with_a_long_docstring_is_still_code():
    # textwrap.py opens with a ~70-line class docstring: the detection sample is prose, the path says source
    doc = ['"""Text helpers."""', "", "import re", "", "class Wrapper:", '    """'] + \
        [f"    option_{i} (default: {i}) controls how the {i}th rule wraps long words." for i in range(80)] + ['    """']
    lines = doc + LIB.split("\n")[:-1]
    body = claude([("Read", {"file_path": "/usr/lib/python3.11/textwrap2.py"}, numbered(lines))],
                  question="How does `textwrap2.refund_order()` work?")
    (blk,) = run(body)[0].blocks
    assert blk.kind == "code"


# --- logs read with the read tool ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [f"{CWD}/logs/server.log", "/var/log/syslog", f"{CWD}/run/worker.log.1",
                                  f"{CWD}/events.jsonl", "logs/server.log"])
def test_a_log_read_with_the_read_tool_is_output_like_its_cat(path):
    """A log is output the agent reads, never source it edits: `cat server.log` was compressed already, the same
    file through Claude Code's Read passed whole."""
    assert not policy.is_protected("Read", read_path=path, cwd=CWD)
    assert not policy.is_protected("Bash", f"cat {path}", cwd=CWD)


@pytest.mark.parametrize("path", [f"{CWD}/src/app.py", f"{CWD}/data/users.csv", f"{CWD}/logging.py",
                                  f"{CWD}/log/config.yaml", f"{CWD}/catalog.json"])
def test_source_and_data_files_read_with_the_read_tool_stay_protected(path):
    assert policy.is_protected("Read", read_path=path, cwd=CWD)


def test_a_log_read_with_the_read_tool_is_compressed_and_keeps_its_error_line():
    path = f"{CWD}/logs/replay.log"
    body = claude([("Read", {"file_path": path}, numbered(LOG))], question="Why did a replay request fail?")
    r, store = run(body)
    blk = next(b for b in r.blocks if b.path[1] == 3)
    out = r.body["messages"][3]["content"][0]["content"]
    assert blk.kind == "log" and blk.lossy and blk.est_after < blk.est_before * 0.1
    assert LOG[1873] in out and "1874\t" not in out  # compressed like the log it is, the read tool's numbers gone
    assert store.items[blk.key] == numbered(LOG)
