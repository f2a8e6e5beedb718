"""Proxy-side retrieval: splicing continuations into one client stream, per protocol."""
import json

import pytest

from headroom_cli.ccr import retrieve_tool
from headroom_cli.ccr.splice import (MISSING, _parse_event, _split_events, continuation_for_response,
                                     make_splicer, merge_responses)

ORIGINAL = "line 1\nline 2 the needle\n" * 3
STORE = {"k1": ORIGINAL}


def sse(name, data):
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def chat_chunk(delta, finish=None, usage=None):
    d = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage:
        d = {"id": "c1", "choices": [], "usage": usage}
    return f"data: {json.dumps(d)}\n\n".encode()


def anthropic_stream(blocks, stop_reason, usage_in=10, usage_out=5):
    ev = [sse("message_start", {"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant",
                                                                    "content": [], "usage": {"input_tokens": usage_in}}})]
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            ev.append(sse("content_block_start", {"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}}))
            for part in (b["text"][:3], b["text"][3:]):
                ev.append(sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": part}}))
        else:
            ev.append(sse("content_block_start", {"type": "content_block_start", "index": i,
                                                  "content_block": {"type": "tool_use", "id": b["id"], "name": b["name"], "input": {}}}))
            js = json.dumps(b["input"])
            for part in (js[:5], js[5:]):
                ev.append(sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": {"type": "input_json_delta", "partial_json": part}}))
        ev.append(sse("content_block_stop", {"type": "content_block_stop", "index": i}))
    ev.append(sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop_reason}, "usage": {"output_tokens": usage_out}}))
    ev.append(sse("message_stop", {"type": "message_stop"}))
    return ev


def events_of(data: bytes):
    buf = bytearray(data)
    return [_parse_event(e) for e in _split_events(buf)]


def test_anthropic_no_retrieve_is_byte_identical_and_incremental():
    stream = anthropic_stream([{"type": "text", "text": "hello world"},
                               {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}}], "tool_use")
    sp = make_splicer("anthropic")
    out = []
    for ev in stream:
        out.append(sp.feed(ev))
    out.append(sp.end())
    assert b"".join(out) == b"".join(stream)
    # the text deltas went out as they arrived, before the message ended
    assert out[2] == stream[2] and out[3] == stream[3]
    assert not sp.calls


def test_anthropic_retrieve_round_spliced_into_one_message():
    first = anthropic_stream([{"type": "text", "text": "let me look"},
                              {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls"}},
                              {"type": "tool_use", "id": "r1", "name": "headroom_retrieve", "input": {"key": "k1"}}], "tool_use")
    sp = make_splicer("anthropic")
    client = b"".join(sp.feed(e) for e in first) + sp.end()
    assert sp.wants_round() and sp.calls[0].key == "k1"
    # neither tool call reached the client
    assert b"tool_use" not in client and b"message_stop" not in client
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    cont = sp.continuation(body, STORE.get)
    assistant, results = cont["messages"][-2:]
    assert assistant["content"] == [{"type": "text", "text": "let me look"},
                                    {"type": "tool_use", "id": "r1", "name": "headroom_retrieve", "input": {"key": "k1"}}]
    assert results["content"] == [{"type": "tool_result", "tool_use_id": "r1", "content": ORIGINAL}]
    assert body["messages"] == [{"role": "user", "content": "hi"}]  # caller's body untouched
    sp.next_round()
    second = anthropic_stream([{"type": "text", "text": "found it"},
                               {"type": "tool_use", "id": "t2", "name": "Bash", "input": {"command": "cat x"}}], "tool_use")
    client += b"".join(sp.feed(e) for e in second) + sp.end()
    evs = events_of(client)
    types = [d["type"] for _, d in evs]
    assert types.count("message_start") == 1 and types.count("message_stop") == 1
    starts = [d for _, d in evs if d["type"] == "content_block_start"]
    assert [s["index"] for s in starts] == [0, 1, 2]
    assert [s["content_block"]["type"] for s in starts] == ["text", "text", "tool_use"]
    assert starts[2]["content_block"]["id"] == "t2"


def test_anthropic_missing_key_answers_with_error():
    first = anthropic_stream([{"type": "tool_use", "id": "r1", "name": "headroom_retrieve", "input": {"key": "nope"}}], "tool_use")
    sp = make_splicer("anthropic")
    for e in first:
        sp.feed(e)
    sp.end()
    cont = sp.continuation({"messages": []}, STORE.get)
    res = cont["messages"][-1]["content"][0]
    assert res["is_error"] is True and "nope" in res["content"]


def test_anthropic_rounds_are_bounded():
    sp = make_splicer("anthropic", max_rounds=2)
    call = anthropic_stream([{"type": "tool_use", "id": "r", "name": "headroom_retrieve", "input": {"key": "k1"}}], "tool_use")
    for _ in range(2):
        for e in call:
            sp.feed(e)
        sp.end()
        assert sp.wants_round()
        sp.continuation({"messages": []}, STORE.get)
        sp.next_round()
    # the call after the bound gets the limit answer, in a continuation that withdraws the tool
    out = b"".join(sp.feed(e) for e in call) + sp.end()
    assert sp.wants_round() and sp.at_limit and out.count(b"headroom_retrieve") == 0
    body = {"messages": [], "tools": [retrieve_tool.definition("anthropic")]}
    cont, answered = sp.advance(body, STORE.get)
    assert answered == 0 and "limit" in cont["messages"][-1]["content"][0]["content"]
    assert cont["messages"][-1]["content"][0]["is_error"] is True
    assert cont["tool_choice"] == {"type": "none"}  # the only tool: kept listed, tools switched off
    # a model that calls the withdrawn tool anyway: the call reaches the client as is
    out = b"".join(sp.feed(e) for e in call) + sp.end()
    assert not sp.wants_round()
    assert b"headroom_retrieve" in out


def test_chat_retrieve_round():
    first = [chat_chunk({"role": "assistant", "content": "chec"}), chat_chunk({"content": "king"}),
             chat_chunk({"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "headroom_retrieve", "arguments": ""}}]}),
             chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"key\": \"k1\"}"}}]}),
             chat_chunk({}, finish="tool_calls"), chat_chunk(None, usage={"prompt_tokens": 5}), b"data: [DONE]\n\n"]
    sp = make_splicer("openai_chat")
    client = [sp.feed(c) for c in first]
    assert client[0] == first[0] and client[1] == first[1]  # text streamed as it came
    assert b"".join(client[2:]) == b""
    assert sp.end() == b"" and sp.wants_round()
    cont = sp.continuation({"messages": [{"role": "user", "content": "q"}]}, STORE.get)
    assert cont["messages"][1]["content"] == "checking"
    assert cont["messages"][1]["tool_calls"][0]["function"]["name"] == "headroom_retrieve"
    assert cont["messages"][2] == {"role": "tool", "tool_call_id": "c1", "content": ORIGINAL}
    sp.next_round()
    second = [chat_chunk({"role": "assistant", "content": "done"}), chat_chunk({}, finish="stop"), b"data: [DONE]\n\n"]
    tail = b"".join(sp.feed(c) for c in second) + sp.end()
    assert tail == b"".join(second)
    assert len(sp.rounds_usage_events) == 1


def resp_ev(typ, **kw):
    return sse(typ, {"type": typ, **kw})


def test_responses_retrieve_round_renumbers_and_completes():
    msg = {"type": "message", "id": "msg1", "role": "assistant", "content": [{"type": "output_text", "text": "hmm"}]}
    fc = {"type": "function_call", "id": "fc1", "call_id": "call1", "name": "headroom_retrieve", "arguments": "{\"key\":\"k1\"}"}
    first = [resp_ev("response.created", sequence_number=0, response={"id": "r1"}),
             resp_ev("response.output_item.added", sequence_number=1, output_index=0, item={"type": "message"}),
             resp_ev("response.output_text.delta", sequence_number=2, output_index=0, delta="hmm"),
             resp_ev("response.output_item.done", sequence_number=3, output_index=0, item=msg),
             resp_ev("response.output_item.added", sequence_number=4, output_index=1, item={"type": "function_call", "name": "headroom_retrieve"}),
             resp_ev("response.output_item.done", sequence_number=5, output_index=1, item=fc),
             resp_ev("response.completed", sequence_number=6, response={"id": "r1", "output": [msg, fc], "usage": {"input_tokens": 3}})]
    sp = make_splicer("openai_responses")
    out = [sp.feed(e) for e in first]
    assert out[:4] == first[:4] and b"".join(out[4:]) == b""
    sp.end()
    cont = sp.continuation({"input": "question", "stream": True}, STORE.get)
    assert cont["input"][0] == {"role": "user", "content": "question"}
    assert cont["input"][1] == msg
    assert cont["input"][-1] == {"type": "function_call_output", "call_id": "call1", "output": ORIGINAL}
    sp.next_round()
    msg2 = {"type": "message", "id": "msg2", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}
    second = [resp_ev("response.created", sequence_number=0, response={"id": "r2"}),
              resp_ev("response.output_item.added", sequence_number=1, output_index=0, item={"type": "message"}),
              resp_ev("response.output_item.done", sequence_number=2, output_index=0, item=msg2),
              resp_ev("response.completed", sequence_number=3, response={"id": "r2", "output": [msg2]})]
    tail = b"".join(sp.feed(e) for e in second) + sp.end()
    evs = events_of(b"".join(out) + tail)
    assert [d["sequence_number"] for _, d in evs] == list(range(len(evs)))
    added = [d["output_index"] for _, d in evs if d["type"] == "response.output_item.added"]
    assert added == [0, 1]
    done = evs[-1][1]
    assert done["type"] == "response.completed" and [i["id"] for i in done["response"]["output"]] == ["msg1", "msg2"]


@pytest.mark.parametrize("protocol", ["anthropic", "openai_chat", "openai_responses"])
def test_non_streaming_continuation_and_merge(protocol):
    if protocol == "anthropic":
        first = {"content": [{"type": "text", "text": "a"}, {"type": "tool_use", "id": "r", "name": "headroom_retrieve", "input": {"key": "k1"}}],
                 "usage": {"input_tokens": 10, "output_tokens": 2}}
        final = {"content": [{"type": "text", "text": "b"}], "usage": {"input_tokens": 20, "output_tokens": 3}}
        body = {"messages": []}
    elif protocol == "openai_chat":
        first = {"choices": [{"message": {"role": "assistant", "content": "a", "tool_calls": [
            {"id": "r", "type": "function", "function": {"name": "headroom_retrieve", "arguments": "{\"key\":\"k1\"}"}}]}}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 2}}
        final = {"choices": [{"message": {"role": "assistant", "content": "b"}}], "usage": {"prompt_tokens": 20, "completion_tokens": 3}}
        body = {"messages": []}
    else:
        first = {"output": [{"type": "message", "id": "m"}, {"type": "function_call", "call_id": "r", "name": "headroom_retrieve", "arguments": "{\"key\":\"k1\"}"}],
                 "usage": {"input_tokens": 10, "output_tokens": 2}}
        final = {"output": [{"type": "message", "id": "m2"}], "usage": {"input_tokens": 20, "output_tokens": 3}}
        body = {"input": []}
    sp = make_splicer(protocol)
    calls = sp.response_calls(first)
    assert [c.key for c in calls] == ["k1"]
    cont = continuation_for_response(protocol, body, first, calls, STORE.get)
    assert json.dumps(ORIGINAL) in json.dumps(cont)
    merged = merge_responses(protocol, first, final)
    usage = merged["usage"]
    assert sum(v for v in usage.values()) == 35
    assert "headroom_retrieve" not in json.dumps(merged)


@pytest.mark.parametrize("protocol", ["anthropic", "openai_chat", "openai_responses"])
def test_injection_is_stable_and_idempotent(protocol):
    body = {"model": "m", "tools": [{"name": "x"}] if protocol == "anthropic" else []}
    a = retrieve_tool.inject(body, protocol)
    b = retrieve_tool.inject(body, protocol)
    assert json.dumps(a) == json.dumps(b)
    assert retrieve_tool.inject(a, protocol) is None  # already there
    assert retrieve_tool.tool_name_of(a["tools"][-1]) == "headroom_retrieve"


def test_no_injection_with_server_side_state():
    assert retrieve_tool.inject({"previous_response_id": "r1", "input": []}, "openai_responses") is None


def test_missing_message_format():
    assert "k" in MISSING.format(key="k")


def test_line_range_is_byte_exact():
    from headroom_cli.ccr.retrieve_tool import line_range

    text = "a\r\nb\nc\n\nd"
    assert line_range(text) == text
    assert line_range(text, 2, 3) == "b\nc\n"
    assert line_range(text, 4) == "\nd"
    assert line_range(text, None, 1) == "a\r\n"
    assert line_range(text, 9, 12) == ""


def test_injected_answer_honours_line_range():
    first = anthropic_stream([{"type": "tool_use", "id": "r1", "name": "headroom_retrieve",
                               "input": {"key": "k1", "start_line": 2, "end_line": 2}}], "tool_use")
    sp = make_splicer("anthropic")
    for e in first:
        sp.feed(e)
    sp.end()
    cont = sp.continuation({"messages": []}, STORE.get)
    assert cont["messages"][-1]["content"][0]["content"] == "line 2 the needle\n"
