"""Property tests over generated requests of all three protocols, with the real router and compressors.

For every generated request: the output is a request of the same shape; only tool-result strings (or aider
command-output sections) differ; ids and order are intact; every key named in a marker retrieves the
byte-exact original. A separate test makes sure lossy cuts are common for every compressor, so the key
property is not vacuous.
"""
from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_cli import corpus
from headroom_cli.ccr.store import retrieve
from headroom_cli.compress import terminal
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.protocols import sites
from headroom_cli.compress.tokens import lossy_allowed

router = pytest.importorskip("headroom_cli.compress.router")
markers = pytest.importorskip("headroom_cli.compress.markers")

KINDS = ["log", "jsonl", "json", "search", "diff", "build", "code", "table", "text", "small"]
PROSE = ("The deployment pipeline runs in three stages. Each stage writes its own report. "
         "Operators review the reports before promoting a build. Failures page the on-call engineer. "
         "Reports older than thirty days are archived to cold storage. ")


def content(kind: str, seed: int, size: int, nasty: str) -> tuple[str, str, dict]:
    """(tool name, output, tool input) for one generated tool result of `kind`."""
    r = random.Random(seed)
    if kind == "log":
        out = corpus.plain_log(r, 40 + size * 20, "2026-11-23T10:09:41Z ERROR worker-2 batch failed: disk quota exceeded")
        name, inp = "Bash", {"command": "tail -n 400 /var/log/app/worker.log"}
    elif kind == "jsonl":
        out, _ = corpus.sre_incident(r)
        out = "\n".join(out.split("\n")[: 40 + size * 40]) + "\n"
        name, inp = "Bash", {"command": "kubectl logs deploy/payments"}
    elif kind == "json":
        out, _, _ = corpus.json_api(r)
        recs = json.loads(out)["data"][: 15 + size * 15]
        out = json.dumps(recs, indent=2)
        name, inp = "http_get", {"url": "https://orders.internal/api/v1/orders"}
    elif kind == "search":
        out, cmd, _ = corpus.code_search(r)
        out = "\n".join(out.split("\n")[: 40 + size * 40]) + "\n"
        name, inp = "Bash", {"command": cmd}
    elif kind == "diff":
        out, _ = corpus.git_diff(r)
        name, inp = "Bash", {"command": "git diff HEAD~3"}
    elif kind == "build":
        out, _ = corpus.pytest_log(r)
        name, inp = "Bash", {"command": "python -m pytest -v"}
    elif kind == "code":
        out, _ = corpus.source_file(r)
        # installed code outside the working directory the requests state (issue 14: a project's own .venv stays protected)
        name, inp = "Bash", {"command": "cat /usr/lib/python3/dist-packages/requests/sessions.py"}
    elif kind == "table":
        out, _ = corpus.kubectl_table(r)
        out = "\n".join(out.split("\n")[: 30 + size * 30]) + "\n"
        name, inp = "Bash", {"command": "kubectl get pods -A"}
    elif kind == "text":
        sents = [s + "." for s in PROSE.split(". ") if s.strip(". ")]
        paras = []
        for i in range(20 + size * 10):
            paras.append(" ".join(r.choice(sents) for _ in range(4)) + f" Section {i} ends here.")
        out = "\n\n".join(paras) + "\n"
        name, inp = "WebFetch", {"url": "https://docs.internal/runbook"}
    else:
        out, name, inp = f"ok {seed}\n", "Bash", {"command": "true"}
    if nasty == "crlf":
        out = out.replace("\n", "\r\n")
    elif nasty == "unicode":
        out = out.replace("worker", "wörker-日本").replace("ok", "ök")
    elif nasty == "longline":
        out = out + "x" * 30000 + "\n"
    return name, out, inp


SYS = "SYS\nPrimary working directory: /home/dev/app"  # the agents state their working directory (compress/workdir.py)
CODEX_ENV = "<environment_context>\n  <cwd>/home/dev/app</cwd>\n</environment_context>"


def build_aider(protocol: str, steps: list[tuple[str, int, int, str]]) -> dict:
    """aider: no tools; file contents and `/run` outputs as user messages."""
    msgs: list = [{"role": "user", "content": "Files to edit:\napp.py\n```\n" + content("code", 1, 2, "")[1] + "```\n"},
                  {"role": "assistant", "content": "Ok."}]
    for name, out, inp in (content(*s) for s in steps):
        cmd = inp.get("command") or "make test"
        msgs.append({"role": "user", "content": f"I ran this command:\n\n{cmd}\n\nAnd got this output:\n\n{out}\n"})
        msgs.append({"role": "assistant", "content": "Ok."})
    if protocol == "openai_chat":
        msgs.insert(0, {"role": "system", "content": "aider system prompt"})
    return {"model": "m", "messages": msgs}


def build_request(protocol: str, steps: list[tuple[str, int, int, str]], noise: bool) -> dict:
    results = [content(*s) for s in steps]
    if protocol == "anthropic":
        msgs: list = [{"role": "user", "content": [{"type": "text", "text": "Please investigate the failures"}]}]
        if noise:
            msgs.append({"role": "system", "content": "unknown role in messages"})
        for i, (name, out, inp) in enumerate(results):
            msgs.append({"role": "assistant", "content": [{"type": "text", "text": f"step {i}"},
                                                          {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": inp}]})
            block = {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": out, "is_error": i % 3 == 2}
            if noise and i % 2:
                block["content"] = [{"type": "text", "text": out},
                                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}]
            msgs.append({"role": "user", "content": [block]})
        msgs[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
        return {"model": "claude", "system": SYS, "tools": [{"name": "Bash"}], "messages": msgs}
    if protocol == "openai_chat":
        msgs = [{"role": "system", "content": SYS}, {"role": "user", "content": "Please investigate the failures"}]
        for i, (name, out, inp) in enumerate(results):
            msgs.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(inp)}}]})
            msgs.append({"role": "tool", "tool_call_id": f"call_{i}",
                         "content": [{"type": "text", "text": out}] if noise and i % 2 else out})
        return {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "Bash"}}], "messages": msgs}
    items: list = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": CODEX_ENV}]},
                   {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Please investigate"}]}]
    if noise:
        items.append({"type": "reasoning", "summary": [], "encrypted_content": "gAAAA"})
    for i, (name, out, inp) in enumerate(results):
        items.append({"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": inp.get("command", "x")}),
                      "call_id": f"call_{i}"})
        items.append({"type": "function_call_output", "call_id": f"call_{i}",
                      "output": corpus._codex_envelope(out) if noise else out})
    return {"model": "gpt-5", "tools": [{"type": "function", "name": "exec_command"}], "input": items}


def diff_strings(a, b, path=()) -> list[tuple]:
    """Paths where two JSON values differ; asserts they have the same shape everywhere else."""
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b), path
        return [p for k in a for p in diff_strings(a[k], b[k], path + (k,))]
    if isinstance(a, list):
        assert len(a) == len(b), path
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in diff_strings(x, y, path + (i,))]
    if isinstance(a, str):
        return [] if a == b else [path]
    assert a == b, path
    return []


def get(body, path):
    for p in path:
        body = body[p]
    return body


def check(body: dict, protocol: str) -> list:
    before = json.dumps(body)
    r = compress_request(body, protocol, CompressConfig(memo=Memo()))
    assert json.dumps(body) == before  # input untouched
    allowed = {s.path: s for s in sites(body, protocol)}
    changed = diff_strings(body, r.body)
    assert set(changed) <= set(allowed)  # only tool results / command-output sections change
    assert set(changed) == {b.path for b in r.blocks}
    json.loads(json.dumps(r.body))  # still serializable JSON
    for path in changed:
        s = allowed[path]
        new = get(r.body, path)
        assert new.startswith(s.prefix) and new.endswith(s.suffix)  # envelopes kept verbatim
    for b in r.blocks:
        s = allowed[b.path]
        new = get(r.body, b.path)
        keys = markers.find_keys(new)
        if b.lossy:
            assert b.key in keys
        for k in keys:
            assert retrieve(k) == s.text  # byte-exact original
    return r.blocks


step = st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), st.integers(0, 4),
                 st.sampled_from(["", "", "", "crlf", "unicode", "longline"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(protocol=st.sampled_from(["anthropic", "openai_chat", "openai_responses"]),
       steps=st.lists(step, min_size=1, max_size=5), noise=st.booleans())
def test_request_properties(protocol, steps, noise):
    check(build_request(protocol, steps, noise), protocol)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protocol=st.sampled_from(["anthropic", "openai_chat"]), steps=st.lists(step, min_size=1, max_size=3))
def test_aider_request_properties(protocol, steps):
    body = build_aider(protocol, steps)
    blocks = check(body, protocol)
    assert all(b.origin == "command_output" for b in blocks)
    first_user = 1 if protocol == "openai_chat" else 0
    assert all(b.path[1] != first_user for b in blocks)  # file contents never touched


@pytest.mark.parametrize("protocol", ["anthropic", "openai_chat"])
def test_aider_outputs_do_get_compressed(protocol):
    blocks = check(build_aider(protocol, [("build", 5, 2, ""), ("log", 6, 3, ""), ("small", 7, 0, "")]), protocol)
    assert [b.kind for b in blocks] == ["build", "log"] and all(b.lossy for b in blocks)


def small_result(kind: str, seed: int, size: int, nasty: str) -> bool:
    """Whether the generated output is a small result, kept whole by design (tests/test_small_results.py)."""
    out = content(kind, seed, size, nasty)[1]
    return not lossy_allowed(terminal.clean(terminal.envelope(out)[1]))


def test_lossy_cuts_are_common_for_every_compressor():
    """Seeded examples of every kind above the small-result bound: each compressor must actually compress most."""
    seen, compressed, lossy = Counter(), Counter(), Counter()
    for i in range(12):
        for kind in KINDS[:-1]:
            protocol = ("anthropic", "openai_chat", "openai_responses")[i % 3]
            spec = (kind, 7919 * i + len(kind), i % 5, ["", "crlf", "unicode"][i % 3])
            if small_result(*spec):
                continue
            body = build_request(protocol, [spec], i % 2 == 1)
            blocks = check(body, protocol)
            seen[kind] += 1
            if blocks and blocks[0].kind == kind:  # detected as generated, and compressed
                compressed[kind] += 1
                lossy[kind] += blocks[0].lossy
    for kind in KINDS[:-1]:
        assert seen[kind] >= 6, (kind, seen[kind])
        assert compressed[kind] >= 0.75 * seen[kind], (kind, compressed[kind], seen[kind])
        assert lossy[kind] >= 0.5 * seen[kind], (kind, lossy[kind], seen[kind])  # keys exercised per compressor


def _tool_values(body: dict, protocol: str) -> list:
    """The compressed tool-result values in order, with cache_control stripped from their blocks."""
    return [s.prefix + s.text + s.suffix for s in sites(body, protocol)]


def _move_cache_control(body: dict, protocol: str) -> dict:
    if protocol != "anthropic":
        return body
    b = json.loads(json.dumps(body))
    for m in b["messages"]:
        if isinstance(m.get("content"), list):
            for blk in m["content"]:
                if isinstance(blk, dict):
                    blk.pop("cache_control", None)
    b["messages"][2]["content"][0]["cache_control"] = {"type": "ephemeral"}
    return b


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protocol=st.sampled_from(["anthropic", "openai_chat", "openai_responses"]),
       steps=st.lists(step, min_size=1, max_size=4), later=st.lists(step, min_size=1, max_size=2), noise=st.booleans())
def test_cache_safety_with_real_compressors(protocol, steps, later, noise):
    """Moving cache_control, or appending later turns (which mention other things), never changes the
    compressed bytes of an earlier block — in a fresh process-like state (new memo each time)."""
    base = build_request(protocol, steps, noise)
    ref = _tool_values(compress_request(base, protocol, CompressConfig(memo=Memo())).body, protocol)
    moved = _move_cache_control(base, protocol)
    assert _tool_values(compress_request(moved, protocol, CompressConfig(memo=Memo())).body, protocol) == ref
    longer = build_request(protocol, steps + later, noise)
    field = "input" if protocol == "openai_responses" else "messages"
    note = "Now focus on ord_7f3a91 and the FATAL error"
    longer[field].append({"role": "user", "content": note} if protocol != "openai_responses" else
                         {"type": "message", "role": "user", "content": [{"type": "input_text", "text": note}]})
    got = _tool_values(compress_request(longer, protocol, CompressConfig(memo=Memo())).body, protocol)
    assert got[: len(ref)] == ref


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["tool_result", "tool_use", "text", "user", "assistant", "tool", "function_call_output",
                       "function_call", "message", "input_text", "call_1", "I ran this command:\n\nx\n\nAnd got this output:\n\ny\n"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["role", "content", "type", "text", "id", "tool_use_id", "tool_call_id", "call_id", "name",
                         "input", "arguments", "output", "tool_calls", "function", "cache_control", "is_error"]),
        children, max_size=6),
    max_leaves=30)


@settings(max_examples=150, deadline=None)
@given(protocol=st.sampled_from(["anthropic", "openai_chat", "openai_responses"]), junk=json_values,
       tools=st.booleans())
def test_walkers_survive_junk(protocol, junk, tools):
    field = "input" if protocol == "openai_responses" else "messages"
    body = {"model": "m", field: junk if isinstance(junk, list) else [junk]}
    if tools:
        body["tools"] = [{"name": "x"}]
    before = json.dumps(body)
    r = compress_request(body, protocol, CompressConfig(memo=Memo()))
    assert json.dumps(body) == before
    assert diff_strings(body, r.body) == [b.path for b in r.blocks]
