"""The request path's parts on their own: the Flow's steps, the shared relay pieces, the module rules."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading

import pytest
from multidict import CIMultiDict

from headroom_cli import config
from headroom_cli.proxy import pipeline, upstream
from headroom_cli.proxy.counters import SessionCounters
from headroom_cli.proxy.flow import Flow, Refused
from headroom_cli.proxy.relay import NullSniffer, Reporter, SafeSniffer, sniffer_for
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.stats.records import Usage



class FakeRequest:
    """What a Flow reads of an aiohttp request."""

    def __init__(self, body: bytes = b"", headers=None, path="/v1/messages", query="", method="POST",
                 content_length=None):
        self._body = body
        self.headers = CIMultiDict(headers or {})
        self.path, self.method = path, method
        self.raw_path = path + (f"?{query}" if query else "")
        self.content_length = content_length
        self.transport = None
        self.state: dict = {}  # an aiohttp request is also a mapping (request[key]: per-request state)

    def get(self, key, default=None):
        return self.state.get(key, default)

    async def read(self) -> bytes:
        return self._body


def flow_for(req: FakeRequest, protocol="anthropic", **settings) -> Flow:
    return Flow.begin(req, protocol, None, ProxySettings(**settings))


# -- Flow steps ---------------------------------------------------------------------------------
def test_begin_reads_provider_hops_and_bypass_from_headers():
    f = flow_for(FakeRequest(path="/v1/other", headers={"x-api-key": "k", config.HOP_HEADER: "2",
                                                         config.BYPASS_HEADER: "yes"}), "passthrough")
    assert f.provider == upstream.ANTHROPIC and f.hops == 2 and f.bypass
    assert f.record.protocol == "passthrough" and f.record.path == "/v1/other"
    assert not flow_for(FakeRequest(headers={config.BYPASS_HEADER: "0"})).bypass


@pytest.mark.parametrize("req, status", [
    (FakeRequest(headers={"Upgrade": "websocket"}), 426),
    (FakeRequest(headers={config.HOP_HEADER: str(upstream.MAX_HOPS)}), 508),
    (FakeRequest(content_length=2000), 413),
])
def test_check_refuses_before_reading(req, status):
    with pytest.raises(Refused) as e:
        flow_for(req, max_body_bytes=1000).check()
    assert e.value.status == status


def test_check_lets_an_ordinary_request_through():
    flow_for(FakeRequest(content_length=10, headers={config.HOP_HEADER: "1"})).check()


async def test_read_decodes_but_keeps_the_client_bytes_to_send():
    raw = gzip.compress(b'{"a":1}')
    f = flow_for(FakeRequest(raw, headers={"Content-Encoding": "gzip"}))
    await f.read()
    assert f.raw == raw and f.decoded == b'{"a":1}' and f.request_body == b'{"a":1}'
    assert f.body == raw and f.send_encoding == "gzip"  # untouched until the pipeline changes it


async def test_read_does_not_decode_bypassed_or_relayed_bodies():
    for headers in ({config.BYPASS_HEADER: "1"}, {config.HOP_HEADER: "1"}):
        f = flow_for(FakeRequest(b'{"a":1}', headers=headers))
        await f.read()
        assert f.decoded is None and f.request_body == b'{"a":1}'


async def test_read_refuses_a_corrupt_body_and_forwards_an_unknown_encoding():
    f = flow_for(FakeRequest(b"not gzip", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(Refused) as e:
        await f.read()
    assert e.value.status == 400
    f = flow_for(FakeRequest(b"???", headers={"Content-Encoding": "br-weird"}))
    await f.read()  # fail open: forwarded as it came
    assert f.decoded is None and f.body == b"???" and f.send_encoding == "br-weird" and f.record.error


def test_adopt_takes_a_changed_body_uncompressed_and_the_figures():
    f = flow_for(FakeRequest(headers={"Content-Encoding": "gzip"}))
    f.body, f.send_encoding = b"gz", "gzip"
    def figures(rec):
        rec.saved_by = {"json": 6}

    f.adopt(pipeline.Transformed(body=b"new", changed=True, tokens_before=10, tokens_after=4,
                                 compressors={"json": 1}, fill_figures=figures, parsed={"m": 1},
                                 extra={"conversation_id": "c"}))
    assert (f.body, f.send_encoding) == (b"new", None)
    assert f.figures is figures and f.splice_body == {"m": 1}
    assert (f.record.tokens_before, f.record.tokens_after, f.record.compressors) == (10, 4, {"json": 1})
    assert f.record.conversation_id == "c"


def test_adopt_unchanged_keeps_the_client_bytes_and_count_tokens_counts_no_savings():
    f = flow_for(FakeRequest(path="/v1/messages/count_tokens"))
    f.body, f.send_encoding = b"orig", "zstd"
    f.adopt(pipeline.Transformed(body=b"orig", tokens_before=10, tokens_after=4, fill_figures=lambda rec: None))
    assert (f.body, f.send_encoding) == (b"orig", "zstd")
    assert f.figures is None and f.record.tokens_before == 0


def test_address_joins_the_url_and_counts_the_hop():
    f = flow_for(FakeRequest(path="/v1/chat/completions", query="x=1", headers={"Authorization": "Bearer s",
                                                                              "Host": "127.0.0.1"}),
                 "openai_chat")
    f.address("https://api.example.test/v1", None)
    assert f.url == "https://api.example.test/v1/chat/completions?x=1"
    hdrs = dict(f.headers)
    assert hdrs[config.HOP_HEADER] == "1" and hdrs["Authorization"] == "Bearer s" and "Host" not in hdrs


# -- shared relay pieces ------------------------------------------------------------------------
def test_safe_sniffer_turns_off_on_the_first_failure():
    class Boom:
        model = "m"

        def feed(self, chunk):
            raise ValueError("bad")

        def finish(self):
            raise ValueError("bad")

    s = SafeSniffer(Boom())
    s.feed(b"x")
    s.feed(b"y")
    assert s.broken and s.finish() == (Usage(), "")
    assert isinstance(sniffer_for("passthrough").inner, NullSniffer)
    assert not isinstance(sniffer_for("anthropic").inner, NullSniffer)


async def test_reporter_finishes_with_the_model_from_the_request_and_counts_figures_after():
    seen = []
    settings = ProxySettings(on_record=seen.append)
    reporter = Reporter(settings, SessionCounters("s", "a"))
    f = Flow.begin(FakeRequest(b'{"model": "claude-x", "messages": []}'), "anthropic", None, settings)
    await f.read()
    reporter.finish(f, SafeSniffer(NullSniffer()))
    assert [r.model for r in seen] == ["claude-x"]  # no figures: reported at once

    threads = []

    def figures(rec):
        threads.append(threading.get_ident())
        rec.tokens_before, rec.tokens_after, rec.saved_by = 100, 40, {"json": 60}

    f.figures = figures
    reporter.finish(f, SafeSniffer(NullSniffer()), usage=Usage(input_tokens=7))
    await reporter.drain(timeout=5)
    assert len(seen) == 2 and seen[1].saved_by == {"json": 60} and seen[1].usage.input_tokens == 7
    assert threads and threads[0] != threading.get_ident()  # counted off the loop
    assert seen[1].encoding  # the tokenizer behind the figures is named


# -- module rules -------------------------------------------------------------------------------
def test_relay_modules_do_not_import_the_forwarder():
    code = ("import sys; import headroom_cli.proxy.retrieval, headroom_cli.proxy.relay, headroom_cli.proxy.flow; "
            "print('headroom_cli.proxy.forward' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- splicer state behind methods ---------------------------------------------------------------
ANSWER = {
    "anthropic": {"content": [{"type": "text", "text": "a"},
                              {"type": "tool_use", "id": "r", "name": "headroom_retrieve", "input": {"key": "k"}}]},
    "openai_chat": {"choices": [{"message": {"role": "assistant", "content": "a", "tool_calls": [
        {"id": "r", "type": "function", "function": {"name": "headroom_retrieve", "arguments": "{\"key\":\"k\"}"}}]}}]},
    "openai_responses": {"output": [{"type": "message", "id": "m"},
                                    {"type": "function_call", "call_id": "r", "name": "headroom_retrieve",
                                     "arguments": "{\"key\":\"k\"}"}]},
}
BODY = {"anthropic": {"messages": []}, "openai_chat": {"messages": []}, "openai_responses": {"input": []}}


@pytest.mark.parametrize("protocol", sorted(ANSWER))
def test_splicer_rounds_advance_through_methods_and_stop_at_the_bound(protocol):
    from headroom_cli.ccr.splice import make_splicer

    sp = make_splicer(protocol, max_rounds=2)
    body, answered_total = BODY[protocol], 0
    while sp.take_response(ANSWER[protocol]):
        assert [c.key for c in sp.calls] == ["k"]
        body, answered = sp.advance(body, {"k": "the original"}.get)
        answered_total += answered
        assert sp.calls == ()  # the next round starts with no calls
    # two answered rounds, then the limit round (its call answered with the limit, not the original)
    assert sp.round == 4 and answered_total == 2
    assert json.dumps(body).count("the original") == 2  # each round's answer is in the conversation
    assert json.dumps(body).count("retrieval limit reached") == 1
    assert "a" in json.dumps(body)  # what the client saw ahead of the calls is repeated
    with pytest.raises(AttributeError):
        sp.round = 1  # the splicer owns its state
    with pytest.raises(AttributeError):
        sp.calls = ()


@pytest.mark.parametrize("protocol", sorted(ANSWER))
def test_a_response_without_retrieve_calls_wants_no_round(protocol):
    from headroom_cli.ccr.splice import make_splicer

    sp = make_splicer(protocol)
    assert not sp.take_response({"content": [], "choices": [{"message": {"content": "hi"}}], "output": []})
    assert sp.round == 1 and sp.calls == ()


def test_refused_carries_status_message_and_kind():
    r = Refused(502, "down", kind="api_error")
    assert (r.status, r.message, r.kind, str(r)) == (502, "down", "api_error", "down")
