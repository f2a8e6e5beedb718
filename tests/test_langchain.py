"""Issue 18 item 2: `HeadroomChatModel` wraps any LangChain chat model. Against LangChain's own fake chat model and
against the project's fake provider on loopback through the real ChatOpenAI / ChatAnthropic clients: what the
provider received was compressed, markers retrieve byte-exact originals (the wrapper answers headroom_retrieve
itself), tool calling, structured output and streaming still work, callbacks see the compressed call, a LangGraph
agent runs on it, and total_tokens_saved is the engine's figure."""
from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("langchain_core")

from langchain_core.callbacks import BaseCallbackHandler, UsageMetadataCallbackHandler  # noqa: E402
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_core.utils.function_calling import convert_to_openai_tool  # noqa: E402
from pydantic import BaseModel  # noqa: E402

import doc_samples as ds  # noqa: E402
from headroom_cli import compress  # noqa: E402
from headroom_cli.compress.markers import find_keys  # noqa: E402
from headroom_cli.integrations.langchain import HeadroomChatModel  # noqa: E402
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result  # noqa: E402

ASK = "Summarise this log: "
LOG = ds.server_log(3000)


class Fake(GenericFakeChatModel):
    """LangChain's fake, recording what it was sent; `tools=True` lets it bind tools (the stock one cannot)."""

    sent: list = []
    can_bind: bool = True

    def bind_tools(self, tools, **kw):
        if not self.can_bind:
            raise NotImplementedError
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kw)

    def _generate(self, messages, stop=None, run_manager=None, **kw):
        self.sent.append((messages, kw))
        return super()._generate(messages, stop, run_manager, **kw)  # (its _stream calls _generate)


def fake(*replies, can_bind=True) -> Fake:
    return Fake(messages=iter([AIMessage(r) if isinstance(r, str) else r for r in replies]), sent=[],
                can_bind=can_bind)


def engine_figures(text: str, model: str = "") -> tuple[int, int]:
    r = compress([{"role": "user", "content": text}], model=model or "unknown")
    return r.tokens_before, r.tokens_saved


# -- LangChain's fake chat model ---------------------------------------------------------------------------

def test_invoke_sends_the_compressed_document_and_counts_the_engines_figures():
    inner = fake("It failed on the ledger.")
    llm = HeadroomChatModel(inner)
    out = llm.invoke(ASK + LOG)
    assert out.content == "It failed on the ledger."
    (messages, kw), = inner.sent
    sent = messages[0].content
    assert isinstance(messages[0], HumanMessage) and sent.startswith(ASK) and ds.FATAL in sent
    assert len(sent) < 0.3 * len(ASK + LOG)
    assert [t["function"]["name"] for t in kw["tools"]] == ["headroom_retrieve"]  # bound because a marker is out
    before, saved = engine_figures(ASK + LOG)
    (call,) = llm.calls
    assert llm.total_tokens_saved == saved == call.tokens_saved and call.tokens_before == before
    assert saved >= 0.7 * before and call.documents == 1 and call.keys == find_keys(sent)


def test_small_calls_pass_untouched_without_the_tool():
    inner = fake("hi")
    llm = HeadroomChatModel(inner)
    msgs = [SystemMessage("Be brief."), HumanMessage("hello")]
    llm.invoke(msgs)
    (sent, kw), = inner.sent
    assert [m.content for m in sent] == ["Be brief.", "hello"] and "tools" not in kw
    assert llm.total_tokens_saved == 0 and llm.calls[0].keys == []


def test_a_model_that_cannot_bind_tools_gets_lossless_cuts_only():
    inner = fake("a", "b", can_bind=False)
    llm = HeadroomChatModel(inner)
    llm.invoke(ASK + LOG)
    assert inner.sent[0][0][0].content == ASK + LOG  # no lossy cut: the model could not get it back
    listing = ds.json_listing(150)
    llm.invoke("Totals?\n\n" + listing)
    doc = inner.sent[1][0][0].content.split("\n\n", 1)[1]
    assert json.loads(doc) == json.loads(listing) and len(doc) < len(listing)
    assert all(not c.keys for c in llm.calls)


def test_tool_messages_are_compressed_and_history_stays_byte_stable():
    inner = fake("one", "two")
    llm = HeadroomChatModel(inner)
    call = {"name": "read_log", "args": {"path": "/var/log/app.log"}, "id": "c1"}
    history = [HumanMessage("What broke?"), AIMessage("", tool_calls=[call]),
               ToolMessage(LOG, tool_call_id="c1")]
    llm.invoke(history)
    llm.invoke(history + [AIMessage("one"), HumanMessage("And then?")])
    first, second = inner.sent[0][0], inner.sent[1][0]
    assert len(first[2].content) < len(LOG) / 3 and first[2].tool_call_id == "c1"
    assert second[2].content == first[2].content  # re-sent history: the same bytes (prompt cache)
    assert llm.calls[0].tool_results == 1 and llm.calls[1].tokens_saved == llm.calls[0].tokens_saved


def test_compress_config_reaches_the_engine():
    from headroom_cli import CompressConfig

    inner = fake("ok", "ok")
    call = {"name": "read_log", "args": {}, "id": "c1"}
    history = [HumanMessage("What broke?"), AIMessage("", tool_calls=[call]), ToolMessage(LOG, tool_call_id="c1")]
    HeadroomChatModel(inner, compress_config=CompressConfig(protect_tools=["read_log"])).invoke(history)
    assert inner.sent[0][0][2].content == LOG  # a protected tool's result goes whole
    HeadroomChatModel(inner, compress_config=CompressConfig(documents="off")).invoke(ASK + LOG)
    assert inner.sent[1][0][0].content == ASK + LOG


def test_list_content_keeps_its_other_blocks():
    inner = fake("ok")
    llm = HeadroomChatModel(inner)
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    llm.invoke([HumanMessage(content=[image, {"type": "text", "text": ASK + LOG}, "plain tail"])])
    content = inner.sent[0][0][0].content
    assert content[0] == image and content[2] == "plain tail"
    assert content[1]["type"] == "text" and content[1]["text"].startswith(ASK) and len(content[1]["text"]) < len(LOG) / 3


def test_stream_batch_and_async():
    inner = fake("streamed words arrive", "b1", "b2", "async one", "async streamed")
    llm = HeadroomChatModel(inner)
    chunks = list(llm.stream(ASK + LOG))
    assert len(chunks) > 1 and "".join(c.content for c in chunks) == "streamed words arrive"
    assert sorted(m.content for m in llm.batch([ASK + LOG, "short"])) == ["b1", "b2"]
    assert asyncio.run(llm.ainvoke(ASK + LOG)).content == "async one"

    async def collect():
        return [c async for c in llm.astream(ASK + LOG)]

    assert "".join(c.content for c in asyncio.run(collect())) == "async streamed"
    docs = [m for m, _ in inner.sent if len(m[0].content) > 1000]
    assert len(docs) == 4 and all(len(m[0].content) < len(LOG) / 3 for m in docs)
    assert len(llm.calls) == 5 and llm.total_tokens_saved == 4 * engine_figures(ASK + LOG)[1]


class Recorder(BaseCallbackHandler):
    def __init__(self):
        self.starts = []

    def on_chat_model_start(self, serialized, messages, **kw):
        self.starts.append(messages)


def test_callbacks_see_the_compressed_call_once():
    inner = fake("ok", "ok2")
    llm = HeadroomChatModel(inner)
    rec, usage = Recorder(), UsageMetadataCallbackHandler()
    llm.invoke(ASK + LOG, config={"callbacks": [rec, usage]})
    (batch,), = rec.starts  # one run: the wrapped model's, with what it was sent
    assert batch[0].content == inner.sent[0][0][0].content != ASK + LOG
    list(llm.stream(ASK + LOG, config={"callbacks": [rec]}))
    assert len(rec.starts) == 2 and rec.starts[1][0][0].content == batch[0].content


def test_the_wrapper_answers_headroom_retrieve_itself():
    key = compress([{"role": "user", "content": ASK + LOG}]).keys[0]
    call = {"name": "headroom_retrieve", "args": {"key": key, "start_line": 2, "end_line": 3}, "id": "r1"}
    inner = fake(AIMessage("Checking. ", tool_calls=[call]), "The ledger ran out of quota.")
    llm = HeadroomChatModel(inner)
    out = llm.invoke(ASK + LOG)
    assert out.content == "Checking. The ledger ran out of quota." and out.tool_calls == []
    second = inner.sent[1][0]
    assert isinstance(second[-1], ToolMessage) and second[-1].tool_call_id == "r1"
    assert second[-1].content == "".join((ASK + LOG).splitlines(keepends=True)[1:3])  # byte-exact
    assert second[-2].tool_calls[0]["id"] == "r1" and second[0].content == inner.sent[0][0][0].content
    assert llm.calls[0].retrievals == 1


def test_rounds_are_bounded_and_other_tools_survive():
    key = compress([{"role": "user", "content": ASK + LOG}]).keys[0]
    retrieve = {"name": "headroom_retrieve", "args": {"key": key}, "id": "r"}
    looping = [AIMessage("", tool_calls=[dict(retrieve, id=f"r{i}")]) for i in range(4)]
    inner = fake(*looping)
    llm = HeadroomChatModel(inner, max_retrievals=3)
    out = llm.invoke(ASK + LOG)
    assert out.tool_calls == [] and len(inner.sent) == 4 and llm.calls[0].retrievals == 3
    weather = {"name": "get_weather", "args": {"city": "Oslo"}, "id": "w1"}
    inner2 = fake(AIMessage("", tool_calls=[weather]))
    out = HeadroomChatModel(inner2).invoke(ASK + LOG)
    assert out.tool_calls == [dict(weather, type="tool_call")]


# -- the real clients against the fake provider on loopback -----------------------------------------------

@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


class Verdict(BaseModel):
    service: str
    cause: str


def user_text(protocol: str, body: dict) -> str:
    c = body["messages"][0]["content"]
    if isinstance(c, list):
        return "".join(b.get("text", "") for b in c if isinstance(b, dict))
    return c


def retrieving(protocol: str, final):
    """Round 1: the model asks for lines 1-2 of the marker's original; after a tool result: `final`."""

    def script(req):
        if last_is_tool_result(protocol, req.json):
            return final(req) if callable(final) else final
        key = find_keys(user_text(protocol, req.json))[0]
        return [Text("Looking. "), ToolCall("headroom_retrieve", {"key": key, "start_line": 1, "end_line": 2})]

    return script


def tool_result(protocol: str, body: dict) -> str:
    last = body["messages"][-1]
    if protocol == "openai_chat":
        return last["content"]
    block = next(b for b in last["content"] if b.get("type") == "tool_result")
    c = block["content"]
    return c if isinstance(c, str) else "".join(p["text"] for p in c)


CLIENTS = {
    "openai_chat": lambda url: __import__("langchain_openai").ChatOpenAI(model="gpt-4o", base_url=url + "/v1",
                                                                         api_key="sk-test", max_retries=0),
    "anthropic": lambda url: __import__("langchain_anthropic").ChatAnthropic(model="claude-sonnet-4-5", base_url=url,
                                                                             api_key="sk-ant-test", max_retries=0),
}


@pytest.fixture(params=sorted(CLIENTS))
def protocol(request):
    pytest.importorskip("langchain_openai" if request.param == "openai_chat" else "langchain_anthropic")
    return request.param


@pytest.mark.parametrize("streaming", [False, True])
def test_real_client_retrieval_round_trip(protocol, streaming):
    with FakeProvider(retrieving(protocol, Text("The ledger ran out of quota."))).in_thread() as fake_p:
        llm = HeadroomChatModel(CLIENTS[protocol](fake_p.url))
        if streaming:
            chunks = list(llm.stream(ASK + LOG))
            text = "".join(c.text for c in chunks)
        else:
            text = llm.invoke(ASK + LOG).text
        first, second = (r.json for r in fake_p.model_requests)
    assert text == "Looking. The ledger ran out of quota."
    sent = user_text(protocol, first)
    assert sent.startswith(ASK) and ds.FATAL in sent and len(sent) < 0.3 * len(ASK + LOG)
    names = [t.get("name") or t["function"]["name"] for t in first["tools"]]
    assert names == ["headroom_retrieve"]
    assert tool_result(protocol, second) == "".join((ASK + LOG).splitlines(keepends=True)[:2])
    assert user_text(protocol, second) == sent  # the continuation re-sends the compressed history as it was
    assert llm.total_tokens_saved == engine_figures(ASK + LOG, "gpt-4o" if protocol == "openai_chat" else
                                                    "claude-sonnet-4-5")[1]


@pytest.mark.parametrize("streaming", [False, True])
def test_real_client_tool_calling_still_works(protocol, streaming):
    with FakeProvider(lambda req: ToolCall("get_weather", {"city": "Oslo"})).in_thread() as fake_p:
        llm = HeadroomChatModel(CLIENTS[protocol](fake_p.url)).bind_tools([get_weather])
        if streaming:
            chunks = list(llm.stream(ASK + LOG))
            msg = chunks[0]
            for c in chunks[1:]:
                msg = msg + c
        else:
            msg = llm.invoke(ASK + LOG)
        (req,) = fake_p.model_requests
    assert [(c["name"], c["args"]) for c in msg.tool_calls] == [("get_weather", {"city": "Oslo"})]
    names = [t.get("name") or t["function"]["name"] for t in req.json["tools"]]
    assert names == ["get_weather", "headroom_retrieve"]
    assert len(user_text(protocol, req.json)) < 0.3 * len(ASK + LOG)


def test_real_client_structured_output(protocol):
    verdict = {"service": "payments", "cause": "disk quota"}
    if protocol == "openai_chat":
        reply = Text(json.dumps(verdict))  # ChatOpenAI's default: a json_schema response format
    else:
        reply = ToolCall("Verdict", verdict)  # ChatAnthropic's: a forced tool call
    with FakeProvider(lambda req: reply).in_thread() as fake_p:
        base = HeadroomChatModel(CLIENTS[protocol](fake_p.url))
        out = base.with_structured_output(Verdict).invoke(ASK + LOG)
        (req,) = fake_p.model_requests
    assert out == Verdict(**verdict)
    assert len(user_text(protocol, req.json)) < 0.3 * len(ASK + LOG)
    assert base.total_tokens_saved > 0


def test_the_seed_example_runs_as_written(monkeypatch):
    pytest.importorskip("langchain_openai")
    with FakeProvider(lambda req: Text("Nothing alarming.")).in_thread() as fake_p:
        monkeypatch.setenv("OPENAI_BASE_URL", fake_p.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        from langchain_openai import ChatOpenAI
        from headroom_cli.integrations.langchain import HeadroomChatModel
        llm = HeadroomChatModel(ChatOpenAI(model="gpt-4o"))
        response = llm.invoke("Analyse these 10,000 lines of server logs")
        print(f"Tokens saved: {llm.total_tokens_saved}")
        assert response.content == "Nothing alarming." and llm.total_tokens_saved == 0  # nothing pasted: nothing cut
        logs = ds.server_log(10_000)
        llm.invoke("Analyse these 10,000 lines of server logs:\n" + logs)
        sent = user_text("openai_chat", fake_p.model_requests[-1].json)
    assert sent.startswith("Analyse these 10,000 lines of server logs:\n") and ds.FATAL in sent
    assert llm.total_tokens_saved >= 0.7 * llm.calls[-1].tokens_before


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_inside_a_langgraph_agent():
    """A LangGraph ReAct agent on the wrapper: its tool returns a big log, which the provider then receives
    compressed; the agent never sees headroom_retrieve."""
    prebuilt = pytest.importorskip("langgraph.prebuilt")
    pytest.importorskip("langchain_openai")

    @tool
    def read_log(service: str) -> str:
        """The service's log."""
        return LOG

    def script(req):
        if last_is_tool_result("openai_chat", req.json):
            return Text("The payments ledger hit its disk quota.")
        return ToolCall("read_log", {"service": "payments"})

    with FakeProvider(script).in_thread() as fake_p:
        llm = HeadroomChatModel(CLIENTS["openai_chat"](fake_p.url))
        agent = prebuilt.create_react_agent(llm, [read_log])
        state = agent.invoke({"messages": [("user", "Why did payments fail?")]})
        reqs = [r.json for r in fake_p.model_requests]
    assert state["messages"][-1].content == "The payments ledger hit its disk quota."
    assert len(reqs) == 2
    tool_msg = reqs[1]["messages"][-1]
    assert tool_msg["role"] == "tool" and ds.FATAL in tool_msg["content"] and len(tool_msg["content"]) < len(LOG) / 3
    assert state["messages"][2].content == LOG  # the agent's own state keeps the original
    assert [t["function"]["name"] for t in reqs[1]["tools"]] == ["read_log", "headroom_retrieve"]
    assert llm.calls[1].tool_results == 1 and llm.total_tokens_saved > 0
