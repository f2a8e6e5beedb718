"""Issue 18 item 3: `HeadroomAgnoModel` wraps any Agno model. Through the real OpenAIChat client against the
project's fake provider on loopback: what the provider received was compressed, the wrapper answers
headroom_retrieve itself with byte-exact originals, tool calling and streaming still work, and
total_tokens_saved is the engine's figure."""
from __future__ import annotations

import asyncio
import copy

import pytest

pytest.importorskip("agno")
pytest.importorskip("openai")

from agno.agent import Agent  # noqa: E402
from agno.models.openai import OpenAIChat  # noqa: E402

import doc_samples as ds  # noqa: E402
from headroom_cli import compress  # noqa: E402
from headroom_cli.compress.markers import find_keys  # noqa: E402
from headroom_cli.integrations.agno import HeadroomAgnoModel  # noqa: E402
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall, last_is_tool_result  # noqa: E402

ASK = "Debug this incident report: "
LOG = ds.server_log(3000)


def user_text(body: dict) -> str:
    c = next(m for m in body["messages"] if m["role"] == "user")["content"]
    return c if isinstance(c, str) else "".join(p.get("text", "") for p in c)


def openai_model(fake) -> OpenAIChat:
    return OpenAIChat(id="gpt-4o", base_url=fake.url + "/v1", api_key="sk-test")


def retrieving(req):
    if last_is_tool_result("openai_chat", req.json):
        return Text("The ledger ran out of disk quota.")
    key = find_keys(user_text(req.json))[0]
    return [Text("Checking. "), ToolCall("headroom_retrieve", {"key": key, "start_line": 1, "end_line": 2})]


def test_the_seed_example_runs_as_written(monkeypatch):
    with FakeProvider(lambda req: Text("No incident found.")).in_thread() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        from agno.agent import Agent
        from agno.models.openai import OpenAIChat
        from headroom_cli.integrations.agno import HeadroomAgnoModel
        model = HeadroomAgnoModel(OpenAIChat(id="gpt-4o"))
        agent = Agent(model=model)
        response = agent.run("Debug this incident report")
        print(f"Tokens saved: {model.total_tokens_saved}")
        assert response.content == "No incident found." and model.total_tokens_saved == 0
        agent.run("Debug this incident report:\n" + LOG)
        sent = user_text(fake.model_requests[-1].json)
    assert sent.startswith("Debug this incident report:\n") and ds.FATAL in sent
    assert model.total_tokens_saved >= 0.7 * model.calls[-1].tokens_before
    assert isinstance(model, OpenAIChat) and model.id == "gpt-4o"


@pytest.mark.parametrize("stream", [False, True])
def test_retrieval_is_answered_by_the_wrapper(stream):
    with FakeProvider(retrieving).in_thread() as fake:
        model = HeadroomAgnoModel(openai_model(fake))
        agent = Agent(model=model)
        if stream:
            text = "".join(ev.content or "" for ev in agent.run(ASK + LOG, stream=True)
                           if getattr(ev, "event", "") == "RunContent")
        else:
            text = agent.run(ASK + LOG).content
        first, second = (r.json for r in fake.model_requests)
    assert text == "Checking. The ledger ran out of disk quota."
    sent = user_text(first)
    assert sent.startswith(ASK) and ds.FATAL in sent and len(sent) < 0.3 * len(ASK + LOG)
    assert [t["function"]["name"] for t in first["tools"]] == ["headroom_retrieve"]
    answer = second["messages"][-1]
    assert answer["role"] == "tool" and answer["content"] == "".join((ASK + LOG).splitlines(keepends=True)[:2])
    assert user_text(second) == sent
    engine = compress([{"role": "user", "content": ASK + LOG}], model="gpt-4o")
    (call,) = model.calls
    assert call.tokens_saved == model.total_tokens_saved == engine.tokens_saved and call.retrievals == 1


def test_agent_tools_still_work_and_their_big_results_are_compressed():
    def read_log(service: str) -> str:
        """Return the service's log."""
        return LOG

    def script(req):
        if last_is_tool_result("openai_chat", req.json):
            return Text("Payments hit the disk quota.")
        return ToolCall("read_log", {"service": "payments"})

    with FakeProvider(script).in_thread() as fake:
        model = HeadroomAgnoModel(openai_model(fake))
        agent = Agent(model=model, tools=[read_log])
        out = agent.run("Why did payments fail?")
        reqs = [r.json for r in fake.model_requests]
    assert out.content == "Payments hit the disk quota." and len(reqs) == 2
    assert [t["function"]["name"] for t in reqs[0]["tools"]] == ["read_log"]  # nothing to retrieve yet
    tool_msg = reqs[1]["messages"][-1]
    assert tool_msg["role"] == "tool" and ds.FATAL in tool_msg["content"] and len(tool_msg["content"]) < len(LOG) / 3
    assert [t["function"]["name"] for t in reqs[1]["tools"]] == ["read_log", "headroom_retrieve"]
    assert any(m.role == "tool" and m.content == LOG for m in out.messages)  # the agent keeps the original
    assert model.calls[1].tool_results == 1 and model.total_tokens_saved == model.calls[1].tokens_saved > 0


def test_structured_output_still_works():
    from pydantic import BaseModel

    class Verdict(BaseModel):
        service: str
        cause: str

    verdict = {"service": "payments", "cause": "disk quota"}
    with FakeProvider(lambda req: Text(__import__("json").dumps(verdict))).in_thread() as fake:
        model = HeadroomAgnoModel(openai_model(fake))
        out = Agent(model=model, output_schema=Verdict).run(ASK + LOG)
        (req,) = fake.model_requests
    assert out.content == Verdict(**verdict)
    assert req.json["response_format"]["type"] == "json_schema" and len(user_text(req.json)) < 0.3 * len(ASK + LOG)


def test_async_run_and_copies_share_the_figures():
    with FakeProvider(lambda req: Text("async ok")).in_thread() as fake:
        model = HeadroomAgnoModel(openai_model(fake))
        twin = copy.deepcopy(model)
        assert twin.headroom is model.headroom and type(twin) is type(model)
        out = asyncio.run(Agent(model=twin).arun(ASK + LOG))
        sent = user_text(fake.model_requests[0].json)
    assert out.content == "async ok" and len(sent) < 0.3 * len(ASK + LOG)
    assert model.total_tokens_saved > 0 and model.calls[0].documents == 1


def test_wrapping_twice_or_the_wrong_thing():
    base = OpenAIChat(id="gpt-4o", api_key="sk-test")
    once = HeadroomAgnoModel(base)
    twice = HeadroomAgnoModel(once)
    assert type(twice) is type(once) and twice.headroom is not once.headroom
    with pytest.raises(TypeError, match="agno Model"):
        HeadroomAgnoModel("gpt-4o")
