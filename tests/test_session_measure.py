"""The session runner's rules (benchmarks/session_measure.py) on small hand-made sessions: which items form
the cached prefix, what is billed, how tool results are classed and counted, when a needle counts as kept,
and what the re-forwarding check catches. Tokens are counted as characters here, so every figure is exact."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import session_measure as sm  # noqa: E402

TOOLS = [{"name": "Bash", "input_schema": {"type": "object"}}]


def chars(s: str) -> int:
    return len(s)


def dumps(b: dict) -> str:
    return json.dumps(b, separators=(",", ":"))


def anthropic(system: list, messages: list, tools=TOOLS) -> dict:
    return {"model": "m", "tools": tools, "system": system, "messages": messages, "stream": True}


def user(text, cc=False):
    block = {"type": "text", "text": text}
    if cc:
        block["cache_control"] = {"type": "ephemeral"}
    return {"role": "user", "content": [block]}


def call(i, cmd, name="Bash"):
    return {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": name,
                                              "input": {"command": cmd} if name == "Bash" else cmd}]}


def result(i, text, cc=False):
    b = {"type": "tool_result", "tool_use_id": f"t{i}", "content": text}
    if cc:
        b["cache_control"] = {"type": "ephemeral"}
    return {"role": "user", "content": [b]}


SYS = [{"type": "text", "text": "you are an agent"}, {"type": "text", "text": "be brief", "cache_control": {}}]


def test_the_cached_prefix_is_the_leading_run_of_identical_items_with_cache_control_ignored():
    r1 = anthropic(SYS, [user("hi", cc=True)])
    r2 = anthropic(SYS, [user("hi"), call(1, "ls"), result(1, "a\nb", cc=True)])  # the breakpoint moved
    r3 = anthropic(SYS, [user("hi"), call(1, "ls"), result(1, "a\nb"), call(2, "pwd"), result(2, "/x", cc=True)])
    bodies = [r1, r2, r3]
    b = sm.bill([dumps(x) for x in bodies], bodies, "anthropic", chars)
    its = [sm.items(x, "anthropic") for x in bodies]
    assert len(its[0]) == 1 + 2 + 1 and len(its[2]) == 1 + 2 + 5
    assert b.cached[0] == 0
    # request 2 shares tools, both system blocks and the first user message with request 1
    assert b.cached[1] == sum(len(i) for i in its[1][:4])
    # request 3 shares everything request 2 had: the moved cache_control does not count as a change
    assert b.cached[2] == sum(len(i) for i in its[2][:6])
    for tok, c, billed in zip(b.tokens, b.cached, b.billed):
        assert billed == pytest.approx(0.1 * c + 1.25 * (tok - c))
    assert b.tokens == [len(dumps(x)) for x in bodies]


def test_a_changed_system_block_ends_the_prefix_there_and_openai_bills_the_rest_at_1x():
    r1 = anthropic(SYS, [user("hi")])
    r2 = anthropic([SYS[0], {"type": "text", "text": "be verbose"}], [user("hi")])
    b = sm.bill([dumps(r1), dumps(r2)], [r1, r2], "anthropic", chars)
    assert b.cached[1] == sum(len(i) for i in sm.items(r2, "anthropic")[:2])  # tools + the first block only
    o1 = {"model": "m", "tools": [], "input": [{"type": "message", "role": "user", "content": "hi"}]}
    o2 = {"model": "m", "tools": [], "input": o1["input"] + [{"type": "function_call", "call_id": "c",
                                                               "name": "shell", "arguments": "{}"}]}
    ob = sm.bill([dumps(o1), dumps(o2)], [o1, o2], "openai_responses", chars)
    assert ob.billed[0] == ob.tokens[0]
    assert ob.billed[1] == pytest.approx(0.1 * ob.cached[1] + (ob.tokens[1] - ob.cached[1]))
    assert ob.cached[1] == sum(len(i) for i in sm.items(o2, "openai_responses")[:2])


def test_a_changed_tools_array_caches_nothing():
    r1 = anthropic(SYS, [user("hi")])
    r2 = anthropic(SYS, [user("hi")], tools=TOOLS + [{"name": "headroom_retrieve"}])
    b = sm.bill([dumps(r1), dumps(r2)], [r1, r2], "anthropic", chars)
    assert b.cached == [0, 0]


def test_tool_results_are_classed_by_the_call_that_asked_for_them():
    body = anthropic(SYS, [
        user("go"),
        call(1, "cat src/app.py"), result(1, "code"),
        call(2, "bash -lc 'cat app.log | grep ERROR'"), result(2, "ERROR x"),
        call(3, {"file_path": "/p/src/x.py"}, name="Read"), result(3, "x = 1"),
        call(4, {"file_path": "/h/.claude/projects/p/s/tool-results/b1.txt"}, name="Read"), result(4, "big output"),
        call(5, {"key": "k"}, name="mcp__headroom__headroom_retrieve"), result(5, "original"),
        call(6, "pytest -q"), result(6, [{"type": "text", "text": "1 failed"}]),
        call(7, "tail -n 50 /var/log/app.log"), result(7, "log"),
        call(8, {"file_path": "/p/out/run.jsonl"}, name="Read"), result(8, "{}"),
    ])
    kinds = {cid: (tr.kind, tr.text) for cid, tr in sm.tool_results(body, "anthropic").items()}
    assert kinds == {"t1": ("read", "code"), "t2": ("output", "ERROR x"), "t3": ("read", "x = 1"),
                     "t4": ("output", "big output"), "t5": ("retrieve", "original"), "t6": ("output", "1 failed"),
                     "t7": ("output", "log"), "t8": ("output", "{}")}


def test_codex_shell_calls_and_outputs_are_paired_by_call_id():
    body = {"input": [
        {"type": "function_call", "call_id": "a", "name": "exec_command", "arguments": json.dumps({"cmd": "sed -n 1,50p x.py"})},
        {"type": "function_call_output", "call_id": "a", "output": "line"},
        {"type": "function_call", "call_id": "b", "name": "shell", "arguments": json.dumps({"command": ["bash", "-lc", "ls -la"]})},
        {"type": "function_call_output", "call_id": "b", "output": "total 0"},
    ]}
    trs = sm.tool_results(body, "openai_responses")
    assert (trs["a"].kind, trs["b"].kind) == ("read", "output")


def test_each_tool_result_counts_once_and_compares_with_its_forwarded_form():
    o1 = anthropic(SYS, [user("go"), call(1, "make"), result(1, "x" * 100)])
    o2 = anthropic(SYS, [user("go"), call(1, "make"), result(1, "x" * 100), call(2, "cat a.py"), result(2, "y" * 40)])
    f1 = anthropic(SYS, [user("go"), call(1, "make"), result(1, "x" * 10)])
    f2 = anthropic(SYS, [user("go"), call(1, "make"), result(1, "x" * 10), call(2, "cat a.py"), result(2, "y" * 40)])
    s = sm.tool_savings([o1, o2], [f1, f2], "anthropic", chars)
    assert s.before == {"read": 40, "output": 100, "retrieve": 0}
    assert s.after == {"read": 40, "output": 10, "retrieve": 0}
    assert s.saved("output") == pytest.approx(0.9) and s.saved("read") == 0


def test_a_needle_is_kept_verbatim_behind_a_marker_whose_original_holds_it_or_lost():
    o = [anthropic(SYS, [user("go"), call(1, "log"), result(1, "INFO\nERROR disk full\nINFO")])]
    verbatim = [anthropic(SYS, [user("go"), call(1, "log"), result(1, "ERROR disk full [key=abc]")])]
    marker = [anthropic(SYS, [user("go"), call(1, "log"), result(1, "INFO [… omitted; key=abc]")])]
    store = {"abc": "INFO\nERROR disk full\nINFO", "zzz": "other"}

    def keys(s):
        return ["abc"] if "key=abc" in s else []

    assert sm.needle_status("ERROR disk full", o, verbatim, store.get, keys) == "verbatim"
    assert sm.needle_status("ERROR disk full", o, marker, store.get, keys) == "retrieval"
    assert sm.needle_status("ERROR disk full", o, marker, {"abc": "INFO only"}.get, keys) == "lost"
    assert sm.needle_status("not there", o, verbatim, store.get, keys) == "absent"
    # kept in one request but lost in a later one that still carries it: lost
    o2, v2 = o + o, verbatim + [anthropic(SYS, [user("go"), call(1, "log"), result(1, "INFO")])]
    assert sm.needle_status("ERROR disk full", o2, v2, store.get, keys) == "lost"


def test_the_reforwarding_check_flags_an_unchanged_item_forwarded_changed():
    o1 = anthropic(SYS, [user("go"), call(1, "make"), result(1, "x" * 100)])
    o2 = anthropic(SYS, [user("go"), call(1, "make"), result(1, "x" * 100, cc=True), user("more")])
    good = [anthropic(SYS, [user("go"), call(1, "make"), result(1, "x")]),
            anthropic(SYS, [user("go"), call(1, "make"), result(1, "x"), user("more")])]
    bad = [good[0], anthropic(SYS, [user("go"), call(1, "make"), result(1, "xx"), user("more")])]
    checked, violations = sm.reforward_violations([o1, o2], good, "anthropic")
    assert checked == 6 and violations == []
    assert sm.reforward_violations([o1, o2], bad, "anthropic")[1] == ["request 1 item 5"]


def test_protocols_are_told_apart_by_their_bodies():
    assert sm.protocol_of(anthropic(SYS, [])) == "anthropic"
    assert sm.protocol_of({"input": []}) == "openai_responses"
    assert sm.protocol_of({"messages": [{"role": "user", "content": "hi"}]}) == "openai_chat"


def test_codex_code_mode_exec_calls_are_classed_by_the_command_inside_the_script():
    def js(cmd):
        return "const r = await tools.exec_command({cmd: %s});\ntext(r.output);" % json.dumps(cmd)

    body = {"input": [
        {"type": "custom_tool_call", "call_id": "a", "name": "exec", "input": js("cat src/x.py")},
        {"type": "custom_tool_call_output", "call_id": "a", "output": [{"type": "input_text", "text": "x = 1"}]},
        {"type": "custom_tool_call", "call_id": "b", "name": "exec", "input": js('grep -rn "cat x.py" .')},
        {"type": "custom_tool_call_output", "call_id": "b", "output": "hits"},
        {"type": "custom_tool_call", "call_id": "c", "name": "exec",
         "input": js("cat a.py") + js("cat b.py")},  # two commands: not one file's content
        {"type": "custom_tool_call_output", "call_id": "c", "output": "both"},
    ]}
    trs = sm.tool_results(body, "openai_responses")
    assert (trs["a"].kind, trs["a"].text) == ("read", "x = 1")
    assert trs["b"].kind == "output" and trs["c"].kind == "output"


def test_an_output_redirection_is_not_a_file_read():
    """`tail -n 50 app.log 2>/dev/null` prints a log (output); `cat src/a.py 2> /dev/null` prints source (a read)."""
    assert sm.cat_like_files("tail -n 50 app.log 2>/dev/null") == ["app.log"]
    assert sm.cat_like_files("cat src/a.py 2> /dev/null") == ["src/a.py"]
    assert sm.cat_like_files("head -n 5 x.log >> out.txt") == ["x.log"]
    assert sm.cat_like_files("cat < src/a.py") == ["src/a.py"]
