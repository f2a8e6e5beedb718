"""Durable records (`durable_records`, on in a fleet): a request's ledger row is committed before its answer
ends, so an instance killed at any moment has written the row of every answer a client completed. Shown with a
recorder that looks, when asked to write, whether the client has its whole answer yet: it must not."""
from __future__ import annotations

import http.client
import json
import threading

import pytest

from headroom_cli.testing import FakeProvider


class WatchingRecorder:
    """Records rows and notes, for each, whether the client already had the end of its answer."""

    def __init__(self, client_done: threading.Event):
        self.client_done = client_done
        self.rows: list[tuple[int, bool]] = []  # (status, client had its whole answer when the row was written)
        self.lock = threading.Lock()

    def __call__(self, rec) -> None:  # the asynchronous path
        with self.lock:
            self.rows.append((rec.status, self.client_done.is_set()))

    def record_now(self, rec) -> bool:
        self(rec)
        return True


def _ask(port: int, *, stream: bool, done: threading.Event) -> str:
    body = {"model": "claude-x", "max_tokens": 20, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/v1/messages", body=json.dumps(body),
              headers={"x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json"})
    text = c.getresponse().read().decode()  # to the end of the answer
    done.set()
    c.close()
    return text


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("durable", [True, False], ids=["durable", "default"])
def test_the_row_is_committed_before_the_answer_ends_only_when_durable(proxy_for, stream, durable):
    done = threading.Event()
    rec = WatchingRecorder(done)
    with FakeProvider().in_thread() as fake:
        server = proxy_for(fake, on_record=rec, durable_records=durable)
        text = _ask(server.port, stream=stream, done=done)
        assert ("message_stop" in text) if stream else json.loads(text)["content"]
        server.stop(grace=5)  # the default path writes its row after the answer: let it land
    assert len(rec.rows) == 1
    status, client_had_it = rec.rows[0]
    assert status == 200
    assert client_had_it is (not durable)


def test_retrieval_relay_commits_before_the_end_too(proxy_for):
    """A request whose `headroom_retrieve` call the proxy answers (two upstream rounds) has one row, committed
    before the client's answer ends."""
    from headroom_cli.testing.fake_provider import Text, ToolCall

    log = "\n".join(f"2026-01-01T00:00:{i % 60:02d}Z INFO worker {i % 5} job {i} done in {i * 7 % 300} ms"
                    for i in range(400))
    keys: list[str] = []

    def script(req):
        import re

        found = re.findall(r"headroom_retrieve key=([0-9a-f]{24})", json.dumps(req.json))
        msgs = req.json["messages"]
        if msgs[-1]["content"][0].get("tool_use_id") == "hr1":
            return Text("got it")
        keys.extend(found)
        return ToolCall("headroom_retrieve", {"key": found[0]}, id="hr1")

    done = threading.Event()
    rec = WatchingRecorder(done)
    body = {"model": "claude-x", "max_tokens": 20, "stream": True,
            "messages": [{"role": "user", "content": "look"},
                         {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                                            "input": {"command": "cat log"}}]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": log}]}]}
    with FakeProvider(script=script).in_thread() as fake:
        server = proxy_for(fake, on_record=rec, durable_records=True)
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        c.request("POST", "/v1/messages", body=json.dumps(body),
                  headers={"x-api-key": "k", "anthropic-version": "2023-06-01", "content-type": "application/json"})
        text = c.getresponse().read().decode()
        done.set()
        c.close()
        server.stop(grace=5)
    assert keys and "got it" in text and len(fake.model_requests) == 2
    assert rec.rows == [(200, False)]
