"""The Gemini API as a wire: the walker, properties with the real compressors, the retrieve tool, the
splicer, usage, output shaping, and the proxy in front of the fake provider speaking Gemini."""
from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_cli import corpus, wires
from headroom_cli.ccr import retrieve_tool
from headroom_cli.ccr.splice import MAX_ROUNDS, continuation_for_response, make_splicer, merge_responses
from headroom_cli.ccr.store import default_store
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.markers import find_keys
from headroom_cli.compress.memo import Memo
from headroom_cli.compress.protocols import sites
from headroom_cli.output.effort import route_effort, turn_kind
from headroom_cli.output.terseness import NOTE_TAG, apply_terseness
from headroom_cli.proxy import upstream
from headroom_cli.proxy.runner import ProxyServer
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.stats.usage import sniff
from headroom_cli.testing.fake_provider import FakeProvider, Reply, Text, ToolCall, last_is_tool_result

from test_properties import KINDS, check, content, diff_strings, json_values, small_result, step

G = wires.GEMINI
LOG = "\n".join(f"2026-11-23T10:{i // 60:02d}:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                for i in range(400)) + "\n2026-11-23T10:07:00Z ERROR worker-2 batch 777 failed: peer reset\n"
SHELL = "run_shell_command"
DECLS = [{"functionDeclarations": [{"name": SHELL, "description": "run a command",
                                    "parametersJsonSchema": {"type": "object"}}]}]


def cli_shell(output: str, code: int | None = None) -> str:
    """A tool output as Gemini CLI 0.61.0 sends its shell tool's result (seen against the loopback fake)."""
    status = f"\nExit Code: {code}" if code is not None else ""
    return f"<untrusted_context>\nOutput: {output}{status}\nProcess Group PGID: 4242\n</untrusted_context>"


def gemini_request(output: str = LOG, *, ids: bool = True, stream_tools=DECLS, extra: dict | None = None) -> dict:
    call: dict = {"name": SHELL, "args": {"command": "cat worker.log"}}
    resp: dict = {"name": SHELL, "response": {"output": cli_shell(output)}}
    if ids:
        call["id"] = resp["id"] = "run_shell_command_1_0"
    body = {"contents": [
        {"role": "user", "parts": [{"text": "<session_context>\nThis is the Gemini CLI.\n</session_context>"},
                                   {"text": "why did batch 777 fail?"}]},
        {"role": "model", "parts": [{"functionCall": call, "thoughtSignature": "c2lnbmF0dXJl"}]},
        {"role": "user", "parts": [{"functionResponse": resp}]}],
        "systemInstruction": {"parts": [{"text": "You are a CLI agent."}]},
        "generationConfig": {"temperature": 1, "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 8192}}}
    if stream_tools is not None:
        body["tools"] = json.loads(json.dumps(stream_tools))
    body.update(extra or {})
    return body


# -- the walker -----------------------------------------------------------------------------------
def test_walker_finds_the_output_inside_gemini_clis_envelope_with_its_call():
    (s,) = sites(gemini_request(), G)
    assert s.path == ("contents", 2, "parts", 0, "functionResponse", "response", "output")
    assert s.prefix == "<untrusted_context>\nOutput: " and s.suffix == "\nProcess Group PGID: 4242\n</untrusted_context>"
    assert s.text == LOG and s.tool_name == SHELL and s.command == "cat worker.log"
    assert "why did batch 777 fail?" in s.preceding_text and "session_context" not in s.preceding_text
    assert not s.is_error


def test_walker_keeps_gemini_clis_own_cut_of_a_long_output_verbatim():
    """Above 40,000 characters Gemini CLI 0.61.0 keeps 8,000 + 32,000 and names the full file first."""
    head = ("Output too large. Showing first 8,000 and last 32,000 characters. For full output see: "
            "/home/u/.gemini/tmp/p/tool-outputs/session-1/run_shell_command_1.txt\n")
    cut = LOG[:8000] + "\n\n... [1,948,969 characters omitted] ...\n\n" + LOG[-32000:]
    body = gemini_request()
    body["contents"][2]["parts"][0]["functionResponse"]["response"]["output"] = head + cli_shell(cut)
    (s,) = sites(body, G)
    assert s.prefix == head + "<untrusted_context>\nOutput: " and s.text == cut
    r = compress_request(body, G, CompressConfig(memo=Memo()))
    out = r.body["contents"][2]["parts"][0]["functionResponse"]["response"]["output"]
    assert out.startswith(s.prefix) and out.endswith(s.suffix) and len(out) < len(head + cli_shell(cut))


def test_walker_pairs_responses_by_name_in_order_when_there_are_no_ids():
    body = {"contents": [
        {"role": "user", "parts": [{"text": "look"}]},
        {"role": "model", "parts": [{"text": "Two reads.", "thought": True}, {"text": "Checking both."},
                                    {"functionCall": {"name": SHELL, "args": {"command": "cat a.log"}}},
                                    {"functionCall": {"name": "web_fetch", "args": {"url": "https://x"}}},
                                    {"functionCall": {"name": SHELL, "args": {"command": "cat b.log"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": SHELL, "response": {"output": "A"}}},
                                   {"functionResponse": {"name": "web_fetch", "response": {"output": "W"}}},
                                   {"functionResponse": {"name": SHELL, "response": {"output": "B"}}},
                                   {"functionResponse": {"name": "orphan", "response": {"output": "O"}}}]}]}
    got = [(s.text, s.tool_name, s.command) for s in sites(body, G)]
    assert got == [("A", SHELL, "cat a.log"), ("W", "web_fetch", ""), ("B", SHELL, "cat b.log"), ("O", "", "")]
    s = sites(body, G)[0]
    assert "Checking both." in s.preceding_text and "Two reads." not in s.preceding_text  # thoughts are not text


def test_walker_reads_nested_values_errors_and_exit_codes():
    body = gemini_request(extra={})
    body["contents"][2]["parts"][0]["functionResponse"]["response"] = {
        "output": cli_shell("boom\n", code=2), "meta": {"lines": ["x", {"deep": "y"}], "n": 3}}
    body["contents"].append({"role": "model", "parts": [{"functionCall": {"name": "read_file", "args": {"file_path": "a.py"}}}]})
    body["contents"].append({"role": "user", "parts": [{"functionResponse": {"name": "read_file",
                                                                             "response": {"error": "not found"}}}]})
    ss = sites(body, G)
    assert [s.path[-1] for s in ss] == ["output", 0, "deep", "error"]
    assert ss[0].is_error and ss[0].text == "boom\n" and ss[0].suffix.startswith("\nExit Code: 2\n")
    assert ss[-1].is_error and ss[-1].tool_name == "read_file"


def test_file_reads_stay_whole_and_everything_else_is_untouched():
    src = corpus.source_file(random.Random(3))[0]
    body = gemini_request()
    body["contents"] += [
        {"role": "model", "parts": [{"functionCall": {"id": "r1", "name": "read_file", "args": {"file_path": "app.py"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"id": "r1", "name": "read_file", "response": {"output": src}}}]}]
    r = compress_request(body, G, CompressConfig(memo=Memo()))
    assert [b.path[1] for b in r.blocks] == [2]  # the shell output, not the file read
    assert r.body["contents"][4] == body["contents"][4]
    assert diff_strings(body, r.body) == [("contents", 2, "parts", 0, "functionResponse", "response", "output")]


# -- properties with the real compressors -----------------------------------------------------------
def build(steps, noise: bool) -> dict:
    # Gemini CLI states its working directory in the session context it sends first (compress/workdir.py)
    session = ("<session_context>\nThis is the Gemini CLI.\n- **Workspace Directories:**\n  - /home/dev/app\n"
               "</session_context>")
    contents: list = [{"role": "user", "parts": [{"text": session}, {"text": "Please investigate the failures"}]}]
    for i, (name, out, inp) in enumerate(content(*s) for s in steps):
        call: dict = {"name": name, "args": inp}
        resp: dict = {"name": name, "response": {"output": cli_shell(out) if noise else out}}
        if i % 2 == 0:  # with and without ids
            call["id"] = resp["id"] = f"{name}_{i}"
        parts: list = [{"text": f"step {i}"}, {"functionCall": call, "thoughtSignature": f"sig{i}"}]
        if noise:
            parts.insert(0, {"text": "thinking", "thought": True})
        contents.append({"role": "model", "parts": parts})
        user_parts: list = [{"functionResponse": resp}]
        if noise and i % 2:
            user_parts.append({"inlineData": {"mimeType": "image/png", "data": "iVBOR"}})
        contents.append({"role": "user", "parts": user_parts})
    return {"contents": contents, "tools": [{"functionDeclarations": [{"name": "Bash"}]}],
            "systemInstruction": {"parts": [{"text": "SYS"}]}}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=5), noise=st.booleans())
def test_gemini_request_properties(steps, noise):
    body = build(steps, noise)
    blocks = check(body, G)  # valid output, only tool-result strings change, every key retrieves byte-exact
    r = compress_request(body, G, CompressConfig(memo=Memo()))
    for a, b in zip(body["contents"], r.body["contents"]):  # call/response pairing intact: ids, names, order
        for pa, pb in zip(a["parts"], b["parts"]):
            for k in ("functionCall", "functionResponse"):
                if k in pa:
                    assert {x: y for x, y in pa[k].items() if x != "response"} == \
                           {x: y for x, y in pb[k].items() if x != "response"}
            assert pa.get("thoughtSignature") == pb.get("thoughtSignature")
    assert len(blocks) <= len(steps)


def test_enough_gemini_examples_are_compressed():
    """Seeded examples of every kind above the small-result bound through the Gemini walker: most are compressed,
    half lossily (so the retrieval property above is exercised on keys)."""
    seen, compressed, lossy = Counter(), Counter(), Counter()
    for i in range(8):
        for kind in KINDS[:-1]:
            spec = (kind, 7919 * i + len(kind), i % 5, ["", "crlf", "unicode"][i % 3])
            if small_result(*spec):
                continue
            blocks = check(build([spec], i % 2 == 1), G)
            seen[kind] += 1
            if blocks and blocks[0].kind == kind:
                compressed[kind] += 1
                lossy[kind] += blocks[0].lossy
    for kind in KINDS[:-1]:
        assert seen[kind] >= 4, (kind, seen[kind])
        assert compressed[kind] >= 0.75 * seen[kind], (kind, compressed[kind], seen[kind])
        assert lossy[kind] >= 0.5 * seen[kind], (kind, lossy[kind], seen[kind])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=4), later=st.lists(step, min_size=1, max_size=2), noise=st.booleans())
def test_gemini_cache_safety(steps, later, noise):
    """Later turns never change the compressed bytes of an earlier block (a fresh memo each time)."""
    def values(body):
        return [s.prefix + s.text + s.suffix for s in sites(body, G)]
    ref = values(compress_request(build(steps, noise), G, CompressConfig(memo=Memo())).body)
    longer = build(steps + later, noise)
    longer["contents"].append({"role": "user", "parts": [{"text": "Now focus on ord_7f3a91 and the FATAL error"}]})
    assert values(compress_request(longer, G, CompressConfig(memo=Memo())).body)[:len(ref)] == ref


@settings(max_examples=100, deadline=None)
@given(junk=json_values, tools=st.booleans())
def test_gemini_walker_survives_junk(junk, tools):
    body = {"contents": junk if isinstance(junk, list) else [junk]}
    if isinstance(junk, dict):
        body["contents"] = [{"role": "user", "parts": [{"functionResponse": {"name": "x", "response": junk}}]}]
    if tools:
        body["tools"] = DECLS
    before = json.dumps(body)
    r = compress_request(body, G, CompressConfig(memo=Memo()))
    assert json.dumps(body) == before
    assert diff_strings(body, r.body) == [b.path for b in r.blocks]


# -- the retrieve tool ------------------------------------------------------------------------------
def test_the_tool_joins_the_declared_functions_with_the_same_bytes_every_time():
    a, b = retrieve_tool.inject(gemini_request(), G), retrieve_tool.inject(gemini_request(), G)
    assert json.dumps(a) == json.dumps(b)
    decls = a["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in decls] == [SHELL, "headroom_retrieve"]
    assert decls[-1]["parametersJsonSchema"]["required"] == ["key"]
    assert retrieve_tool.inject(a, G) is None  # already there


@pytest.mark.parametrize("why,body", [
    ("no tools (a title or summary request)", gemini_request(stream_tools=None)),
    ("tools without functions", gemini_request(stream_tools=[{"googleSearch": {}}])),
    ("JSON mode (Gemini CLI's router request)", gemini_request(extra={"generationConfig": {
        "responseMimeType": "application/json", "responseJsonSchema": {"type": "object"}}})),
    ("a response schema", gemini_request(extra={"generationConfig": {"responseSchema": {"type": "OBJECT"}}})),
    ("several candidates", gemini_request(extra={"generationConfig": {"candidateCount": 2}})),
])
def test_the_tool_is_not_injected_where_gemini_could_not_call_it(why, body):
    assert retrieve_tool.inject(body, G) is None, why
    assert not retrieve_tool.can_inject(body, G)


def test_withdraw_removes_the_tool_or_switches_function_calling_off():
    injected = retrieve_tool.inject(gemini_request(), G)
    assert retrieve_tool.withdraw(injected, G) == gemini_request()
    only = {"contents": [], "tools": [{"functionDeclarations": [retrieve_tool.definition(G)]}]}
    w = retrieve_tool.withdraw(only, G)
    assert w["tools"] == only["tools"] and w["toolConfig"] == {"functionCallingConfig": {"mode": "NONE"}}
    split = {"tools": [{"functionDeclarations": [retrieve_tool.definition(G)]}, *DECLS]}
    assert retrieve_tool.withdraw(split, G)["tools"] == DECLS


# -- the splicer ------------------------------------------------------------------------------------
ORIGINAL = "line 1\nline 2 the needle\n" * 3
STORE = {"k1": ORIGINAL}


def chunk(parts, finish=None, usage=None, rid="r1"):
    cand = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    d = {"candidates": [cand], "usageMetadata": usage or {"promptTokenCount": 10}, "modelVersion": "gemini-x",
         "responseId": rid}
    return f"data: {json.dumps(d)}\r\n\r\n".encode()


def run(sp, events):
    out = [sp.feed(e) for e in events]
    out.append(sp.end())
    return out


def test_a_stream_without_retrieve_calls_is_byte_identical_and_incremental():
    events = [chunk([{"text": "hel"}]), chunk([{"text": "lo"}]),
              chunk([{"functionCall": {"name": SHELL, "args": {"command": "ls"}}, "thoughtSignature": "s"}], "STOP")]
    sp = make_splicer(G)
    out = run(sp, events)
    assert b"".join(out) == b"".join(events) and out[0] == events[0] and out[1] == events[1]
    assert not sp.wants_round()


def test_a_retrieve_call_is_answered_and_the_continuation_echoes_its_signature():
    events = [chunk([{"text": "Let me "}]), chunk([{"text": "check."}]),
              chunk([{"functionCall": {"name": "headroom_retrieve", "args": {"key": "k1", "start_line": 2,
                                                                               "end_line": 2}},
                      "thoughtSignature": "U0lH"}], "STOP")]
    sp = make_splicer(G)
    out = run(sp, events)
    assert b"".join(out) == events[0] + events[1]  # the call is held back, the text went out
    assert sp.wants_round()
    body, answered = sp.advance(gemini_request(), STORE.get)
    assert answered == 1
    model, user = body["contents"][-2:]
    assert model == {"role": "model", "parts": [{"text": "Let me "}, {"text": "check."}, {
        "functionCall": {"name": "headroom_retrieve", "args": {"key": "k1", "start_line": 2, "end_line": 2}},
        "thoughtSignature": "U0lH"}]}
    assert user == {"role": "user", "parts": [{"functionResponse": {"name": "headroom_retrieve",
                                                                    "response": {"output": "line 2 the needle\n"}}}]}
    final = [chunk([{"text": "found"}], rid="r2"), chunk([{"text": " it"}], "STOP", rid="r2")]
    assert b"".join(run(sp, final)) == b"".join(final)  # the continuation is relayed as it comes


def test_a_retrieve_call_among_parallel_calls_keeps_gemini_s_one_signature():
    """Gemini signs only the first of parallel calls: when that one is dropped, the signature moves to
    the retrieve call kept, with the call's id."""
    events = [chunk([{"functionCall": {"id": "a", "name": SHELL, "args": {"command": "ls"}}, "thoughtSignature": "FIRST"},
                     {"functionCall": {"id": "b", "name": "headroom_retrieve", "args": {"key": "nope"}}}], "STOP")]
    sp = make_splicer(G)
    assert b"".join(run(sp, events)) == b""
    body, _ = sp.advance(gemini_request(), STORE.get)
    model, user = body["contents"][-2:]
    assert model["parts"] == [{"functionCall": {"id": "b", "name": "headroom_retrieve", "args": {"key": "nope"}},
                               "thoughtSignature": "FIRST"}]
    fr = user["parts"][0]["functionResponse"]
    assert fr["id"] == "b" and "error" in fr["response"] and "nope" in fr["response"]["error"]


def test_rounds_are_bounded_and_the_tool_withdrawn():
    sp = make_splicer(G)
    body = retrieve_tool.inject(gemini_request(), G)
    call = [chunk([{"functionCall": {"name": "headroom_retrieve", "args": {"key": "k1"}}}], "STOP")]
    for _ in range(MAX_ROUNDS + 1):
        run(sp, call)
        assert sp.wants_round()
        body, _ = sp.advance(body, STORE.get)
    assert "headroom_retrieve" not in json.dumps(body["tools"])  # the limit round withdrew it
    assert "limit reached" in json.dumps(body["contents"][-1])
    assert b"".join(run(sp, call)) == call[0]  # after that a call reaches the client as is


def test_whole_responses_merge_and_sum_usage():
    first = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Looking."}, {"functionCall": {"name": "headroom_retrieve", "args": {"key": "k1"}}, "thoughtSignature": "S"}]},
        "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 5}}
    final = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Done."}]}, "finishReason": "STOP"}],
             "usageMetadata": {"promptTokenCount": 150, "candidatesTokenCount": 7}, "modelVersion": "gemini-x"}
    sp = make_splicer(G)
    calls = sp.response_calls(first)
    cont = continuation_for_response(G, gemini_request(), first, calls, STORE.get)
    assert cont["contents"][-2]["parts"][1]["thoughtSignature"] == "S"
    assert cont["contents"][-1]["parts"][0]["functionResponse"]["response"] == {"output": ORIGINAL}
    merged = merge_responses(G, first, final)
    assert merged["candidates"][0]["content"]["parts"] == [{"text": "Looking."}, {"text": "Done."}]
    assert merged["usageMetadata"] == {"promptTokenCount": 250, "candidatesTokenCount": 12}


# -- usage, output shaping --------------------------------------------------------------------------
def test_usage_is_read_from_usage_metadata():
    body = chunk([{"text": "a"}], usage={"promptTokenCount": 150, "totalTokenCount": 150}) + chunk(
        [{"text": "b"}], "STOP", usage={"promptTokenCount": 150, "cachedContentTokenCount": 30,
                                        "candidatesTokenCount": 12, "thoughtsTokenCount": 5})
    u, model = sniff(G, body)
    assert (u.input_tokens, u.cache_read_tokens, u.cache_write_tokens, u.output_tokens) == (120, 30, 0, 17)
    assert model == "gemini-x"
    u, _ = sniff(G, json.dumps({"candidates": [], "usageMetadata": {"promptTokenCount": 9}}).encode())
    assert u.input_tokens == 9


def test_terseness_note_goes_last_in_system_instruction_once():
    body = gemini_request()
    new = apply_terseness(body, G, 2)
    assert new["systemInstruction"]["parts"][0] == body["systemInstruction"]["parts"][0]
    assert NOTE_TAG in new["systemInstruction"]["parts"][-1]["text"]
    assert apply_terseness(new, G, 2) is None
    bare = gemini_request()
    del bare["systemInstruction"]
    assert NOTE_TAG in apply_terseness(bare, G, 1)["systemInstruction"]["parts"][0]["text"]


def test_effort_lowers_a_fixed_thinking_budget_on_clean_tool_results_only():
    body = gemini_request()
    assert turn_kind(body, G) == "mechanical"
    assert route_effort(body, G, enabled=True)["generationConfig"]["thinkingConfig"]["thinkingBudget"] == 4096
    failed = gemini_request(output="Traceback (most recent call last):\n  boom\n")
    assert turn_kind(failed, G) == "error" and route_effort(failed, G, enabled=True) is None
    question = gemini_request()
    question["contents"].append({"role": "user", "parts": [{"text": "and now?"}]})
    assert turn_kind(question, G) == "question"
    dynamic = gemini_request(extra={"generationConfig": {"thinkingConfig": {"thinkingBudget": -1}}})
    assert route_effort(dynamic, G, enabled=True) is None


# -- the provider: URLs, errors ---------------------------------------------------------------------
def test_google_urls_and_provider_choice():
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert upstream.join_url("https://generativelanguage.googleapis.com", path, "alt=sse",
                             provider=upstream.GOOGLE) == "https://generativelanguage.googleapis.com" + path + "?alt=sse"
    assert upstream.join_url("https://gw.example/google/v1beta/", path, provider=upstream.GOOGLE) == \
        "https://gw.example/google" + path
    assert upstream.provider_for("/v1beta/models", {}) == upstream.GOOGLE
    assert upstream.provider_for("/v1/models", {"x-goog-api-key": "k"}) == upstream.GOOGLE
    assert upstream.provider_for("/v1/models", {}) == upstream.OPENAI
    err = json.loads(upstream.error_body(upstream.GOOGLE, 502, "no upstream"))
    assert err == {"error": {"code": 502, "message": "no upstream", "status": "UNAVAILABLE"}}


# -- the fake provider speaks Gemini ----------------------------------------------------------------
async def post(url, body, headers=None):
    async with aiohttp.ClientSession() as c:
        async with c.post(url, data=json.dumps(body).encode(),
                          headers={"content-type": "application/json", **(headers or {})}) as r:
            return r.status, r.headers.get("Content-Type", ""), await r.read()


async def test_fake_provider_answers_gemini_json_and_sse():
    async with FakeProvider() as fake:
        base = fake.url + "/v1beta/models/gemini-fake:"
        first = gemini_request()
        first["contents"] = first["contents"][:1]
        st_, ctype, raw = await post(base + "generateContent", first)
        resp = json.loads(raw)
        assert st_ == 200 and "json" in ctype
        (part,) = resp["candidates"][0]["content"]["parts"]
        assert part["functionCall"]["name"] == "bash" and resp["candidates"][0]["finishReason"] == "STOP"
        assert resp["modelVersion"] == "gemini-fake" and resp["usageMetadata"]["promptTokenCount"] == 150
        st_, ctype, raw = await post(base + "streamGenerateContent?alt=sse", gemini_request())
        assert "text/event-stream" in ctype and raw.endswith(b"\r\n\r\n") and b"\n\n" not in raw.replace(b"\r\n", b"")
        events = [json.loads(e[len("data: "):]) for e in raw.decode().split("\r\n\r\n") if e]
        assert "".join(p["text"] for e in events for p in e["candidates"][0]["content"]["parts"]) == \
            "Done: the listing shows 3 files."
        assert [("finishReason" in e["candidates"][0]) for e in events] == [False] * (len(events) - 1) + [True]
        json_mode = gemini_request(extra={"generationConfig": {"responseMimeType": "application/json"}})
        _, _, raw = await post(base + "generateContent", json_mode)
        json.loads(json.loads(raw)["candidates"][0]["content"]["parts"][0]["text"])  # a JSON text
        assert [r.stream for r in fake.model_requests] == [False, True, False]
        assert last_is_tool_result(G, gemini_request()) and not last_is_tool_result(G, first)


# -- through the proxy ------------------------------------------------------------------------------
def proxy_settings(fake, **kw):
    kw.setdefault("anthropic_upstream", fake.url)
    kw.setdefault("openai_upstream", fake.url + "/v1")
    kw.setdefault("gemini_upstream", fake.url)
    return ProxySettings(**kw)


PATH = "/v1beta/models/gemini-2.5-flash:"


@pytest.mark.parametrize("stream", [True, False])
async def test_proxy_compresses_and_answers_retrieval_in_gemini_streams(stream):
    seen = {}

    def script(req):
        if "first" not in seen:
            seen["first"] = req.json
            out = req.json["contents"][2]["parts"][0]["functionResponse"]["response"]["output"]
            return [Text("Checking."), ToolCall("headroom_retrieve", {"key": find_keys(out)[0]},
                                                extra={"thoughtSignature": "U0lH"})]
        seen["second"] = req.json
        return Text("batch 777 failed: peer reset")

    records = []
    async with FakeProvider(script) as fake:
        with ProxyServer(proxy_settings(fake, on_record=records.append)) as proxy:
            method = "streamGenerateContent?alt=sse" if stream else "generateContent"
            status, ctype, raw = await post(proxy.url + PATH + method, gemini_request(),
                                            {"x-goog-api-key": "AIzaSyFAKE-0123"})
            for _ in range(500):
                if records:
                    break
                await asyncio.sleep(0.01)
    assert status == 200
    sent = seen["first"]
    out = sent["contents"][2]["parts"][0]["functionResponse"]["response"]["output"]
    assert out.startswith("<untrusted_context>\nOutput: ") and out.endswith("</untrusted_context>")
    assert len(out) < len(cli_shell(LOG)) / 4 and "batch 777 failed" in out
    assert default_store().get(find_keys(out)[0]) == LOG
    assert sent["tools"][0]["functionDeclarations"][-1]["name"] == "headroom_retrieve"
    assert sent["contents"][:2] == gemini_request()["contents"][:2]  # everything but the tool result as sent
    model, user = seen["second"]["contents"][-2:]
    assert model["parts"][-1]["thoughtSignature"] == "U0lH"
    assert user["parts"][0]["functionResponse"]["response"] == {"output": LOG}
    if stream:
        events = [json.loads(e[len("data: "):]) for e in raw.decode().split("\r\n\r\n") if e.strip()]
    else:
        events = [json.loads(raw)]
    parts = [p for e in events for p in e["candidates"][0]["content"]["parts"]]
    assert all("functionCall" not in p for p in parts)  # the client never sees the retrieve call
    assert "".join(p["text"] for p in parts) == "Checking.batch 777 failed: peer reset"
    (rec,) = records
    assert rec.protocol == G and rec.retrievals == 1 and rec.usage.input_tokens > 0 and rec.model == "gemini-2.5-flash"
    assert rec.streamed is stream


async def test_proxy_leaves_json_mode_and_tool_less_gemini_requests_byte_identical():
    async with FakeProvider() as fake:
        with ProxyServer(proxy_settings(fake)) as proxy:
            router = {"contents": [{"role": "user", "parts": [{"text": "route me"}]}],
                      "generationConfig": {"responseMimeType": "application/json",
                                           "responseJsonSchema": {"type": "object"}},
                      "tools": DECLS}
            raw = json.dumps(router, indent=1).encode()
            async with aiohttp.ClientSession() as c:
                async with c.post(proxy.url + PATH + "generateContent", data=raw,
                                  headers={"content-type": "application/json"}) as r:
                    assert r.status == 200
            assert fake.model_requests[-1].body == raw  # not one byte changed: no tool in JSON mode
            await post(proxy.url + PATH + "streamGenerateContent?alt=sse", gemini_request(stream_tools=None))
            assert "tools" not in fake.model_requests[-1].json  # compressed, but no function declared


async def test_gemini_credentials_pass_through_and_stay_out_of_logs_and_errors(caplog):
    caplog.set_level(logging.DEBUG, logger="headroom")
    secret_header, secret_query = "AIzaSyHEADER-4f3e2d1c", "AIzaSyQUERY-9a8b7c6d"
    records = []
    async with FakeProvider() as fake:
        with ProxyServer(proxy_settings(fake, on_record=records.append)) as proxy:
            await post(proxy.url + PATH + f"generateContent?key={secret_query}", gemini_request(),
                       {"x-goog-api-key": secret_header})
            rec = fake.model_requests[-1]
            assert rec.headers["x-goog-api-key"] == secret_header and rec.query == f"key={secret_query}"
        with ProxyServer(proxy_settings(fake, gemini_upstream="http://127.0.0.1:9", on_record=records.append)) as dead:
            status, _, raw = await post(dead.url + PATH + f"generateContent?key={secret_query}", gemini_request(),
                                        {"x-goog-api-key": secret_header})
        for _ in range(500):
            if len(records) >= 2:
                break
            await asyncio.sleep(0.01)
    assert status == 502
    err = json.loads(raw)["error"]
    assert err["code"] == 502 and err["status"] == "UNAVAILABLE" and "could not reach" in err["message"]
    for where in (caplog.text, raw.decode(), *(r.error for r in records)):
        assert secret_header not in where and secret_query not in where


async def test_a_failed_continuation_ends_the_gemini_stream_with_an_error_chunk():
    def script(req):
        if len(fake.model_requests) == 1:
            return ToolCall("headroom_retrieve", {"key": "k1"})
        return Reply(status=503, json={"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})

    async with FakeProvider(script) as fake:
        with ProxyServer(proxy_settings(fake)) as proxy:
            status, _, raw = await post(proxy.url + PATH + "streamGenerateContent?alt=sse", gemini_request())
    assert status == 200
    last = json.loads(raw.decode().strip().split("\n\n")[-1][len("data: "):])
    assert last["error"]["status"] == "UNAVAILABLE" and "continuation failed (HTTP 503)" in last["error"]["message"]
