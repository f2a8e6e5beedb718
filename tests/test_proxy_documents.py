"""Issue 18: the proxy keeps its rule for agents — a user's text is never touched — and offers document compression
as an opt-in (`headroom proxy --compress-documents`), lossless only when the model cannot retrieve."""
from __future__ import annotations

import json

import urllib.request

import doc_samples as ds
from headroom_cli.ccr.store import default_store
from headroom_cli.compress.markers import find_keys
from headroom_cli.proxy import pipeline
from headroom_cli.proxy.settings import ProxySettings
from headroom_cli.testing.fake_provider import FakeProvider, Text, ToolCall

ASK = "Summarise this log: "


def chat_body(content: str, **kw) -> dict:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **kw}


def transform(body: dict, **settings):
    rctx = pipeline.RequestContext(protocol="openai_chat", path="/v1/chat/completions",
                                   settings=ProxySettings(session_id="t", **settings))
    return pipeline.transform_request(json.dumps(body).encode(), rctx)


def user_text(raw: bytes) -> str:
    return json.loads(raw)["messages"][0]["content"]


def test_by_default_the_proxy_never_touches_user_text():
    log = ds.server_log(2000)
    t = transform(chat_body(ASK + log))
    assert user_text(t.body) == ASK + log


def test_opt_in_compresses_documents_with_retrieval():
    log = ds.server_log(2000)
    t = transform(chat_body(ASK + log), compress_documents=True)
    sent = user_text(t.body)
    assert sent.startswith(ASK) and ds.FATAL in sent and len(sent) < len(log) / 4
    (key,) = t.keys
    assert default_store().get(key) == ASK + log
    assert any(tool["function"]["name"] == "headroom_retrieve" for tool in json.loads(t.body)["tools"])
    before, after, by = t.figures()
    assert by == {"logs": before - after} and after < 0.3 * before


def test_opt_in_without_retrieval_is_lossless():
    log = ds.server_log(2000)
    listing = ds.json_listing(150)
    t = transform({"model": "gpt-4o", "messages": [{"role": "user", "content": ASK + log},
                                                   {"role": "user", "content": "Totals?\n\n" + listing}]},
                  compress_documents=True, retrieval="off")
    body = json.loads(t.body)
    assert body["messages"][0]["content"] == ASK + log  # no lossy cut the model could not undo
    doc = body["messages"][1]["content"].split("\n\n", 1)[1]
    assert json.loads(doc) == json.loads(listing) and len(doc) < len(listing) and not t.keys


def test_cli_flag_reaches_the_settings(capsys):
    from headroom_cli.cli import main
    from headroom_cli.cli.proxy import build_settings

    assert build_settings(compress_documents=True).compress_documents is True
    assert build_settings().compress_documents is False
    assert main(["proxy", "--help"]) == 0
    assert "--compress-documents" in capsys.readouterr().out


def test_through_the_running_proxy_with_the_injected_retrieve_tool(proxy_for):
    """End to end: the fake provider receives the compressed document, calls headroom_retrieve with the
    marker's key, and gets the user's original text back byte-exact from the proxy."""
    log = ds.server_log(2500)
    seen: list[dict] = []

    def script(req):
        body = json.loads(req.body)
        seen.append(body)
        if len(seen) == 1:
            key = find_keys(body["messages"][0]["content"])[0]
            return ToolCall("headroom_retrieve", {"key": key, "start_line": 1, "end_line": 1})
        return Text("the ledger ran out of quota")

    with FakeProvider(script).in_thread() as fake:
        server = proxy_for(fake, compress_documents=True)
        req = urllib.request.Request(f"{server.url}/v1/chat/completions", json.dumps(chat_body(ASK + log)).encode(),
                                     {"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            answer = json.loads(r.read())
    assert answer["choices"][0]["message"]["content"] == "the ledger ran out of quota"
    first = seen[0]["messages"][0]["content"]
    assert first.startswith(ASK) and len(first) < len(log) / 4
    answered = seen[1]["messages"][-1]
    assert answered["role"] == "tool" and answered["content"] == (ASK + log).splitlines(keepends=True)[0]
