"""Pure pieces of the proxy: URL joining, upstream choice, header filtering, body decoding, redaction."""
from __future__ import annotations

import gzip
import json
import socket
import zlib

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from headroom_cli.errors import HeadroomError
from headroom_cli.proxy import redact, upstream
from headroom_cli.proxy.runner import ProxyServer, bind_socket
from headroom_cli.proxy.settings import ProxySettings


@pytest.mark.parametrize("base,path,query,provider,expected", [
    ("https://api.anthropic.com", "/v1/messages", "beta=true", "anthropic", "https://api.anthropic.com/v1/messages?beta=true"),
    ("https://api.anthropic.com/", "/v1/messages", "", "anthropic", "https://api.anthropic.com/v1/messages"),
    ("https://api.anthropic.com/v1", "/v1/messages", "", "anthropic", "https://api.anthropic.com/v1/messages"),
    ("https://gw.example/anthropic", "/v1/messages", "", "anthropic", "https://gw.example/anthropic/v1/messages"),
    ("https://api.openai.com/v1", "/v1/responses", "", "openai", "https://api.openai.com/v1/responses"),
    ("https://api.openai.com", "/v1/responses", "", "openai", "https://api.openai.com/v1/responses"),
    ("https://chatgpt.com/backend-api/codex", "/v1/responses", "", "openai",
     "https://chatgpt.com/backend-api/codex/responses"),
    ("https://openrouter.ai/api/v1", "/v1/chat/completions", "a=1&b=2", "openai",
     "https://openrouter.ai/api/v1/chat/completions?a=1&b=2"),
    ("https://api.openai.com/v1", "/healthz-upstream", "", "openai", "https://api.openai.com/v1/healthz-upstream"),
    ("https://api.anthropic.com", "/api/hello", "", "anthropic", "https://api.anthropic.com/api/hello"),
    ("https://api.openai.com/v1", "/v1x/odd", "", "openai", "https://api.openai.com/v1/v1x/odd"),
])
def test_join_url(base, path, query, provider, expected):
    assert upstream.join_url(base, path, query, provider=provider) == expected


@given(st.sampled_from(["https://api.openai.com/v1", "https://api.anthropic.com", "https://x.test/v1/"]),
       st.sampled_from(["/v1/messages", "/v1/chat/completions", "/v1/responses", "/v1/models"]),
       st.sampled_from(["anthropic", "openai"]))
def test_join_url_never_doubles_v1(base, path, provider):
    assert "/v1/v1" not in upstream.join_url(base, path, provider=provider)


def test_provider_for():
    assert upstream.provider_for("/v1/messages", {}) == "anthropic"
    assert upstream.provider_for("/v1/messages/count_tokens", {}) == "anthropic"
    assert upstream.provider_for("/v1/responses", {}) == "openai"
    assert upstream.provider_for("/v1/files", {"anthropic-version": "2023-06-01"}) == "anthropic"
    assert upstream.provider_for("/api/hello", {"x-api-key": "k"}) == "anthropic"
    assert upstream.provider_for("/v1/files", {"authorization": "Bearer k"}) == "openai"
    assert upstream.provider_for("/v1/messagesX", {}) == "openai"


def test_forward_headers_drop_and_keep():
    items = [("Host", "127.0.0.1:9"), ("Content-Length", "12"), ("Accept-Encoding", "gzip, br, zstd"),
             ("Connection", "keep-alive, X-Private"), ("X-Private", "p"), ("Keep-Alive", "5"),
             ("Transfer-Encoding", "chunked"), ("Authorization", "Bearer sk"), ("x-api-key", "k"),
             ("anthropic-beta", "a,b"), ("anthropic-version", "2023-06-01"), ("User-Agent", "claude-cli"),
             ("x-headroom-bypass", "1"), ("x-headroom-hop", "3"), ("Content-Encoding", "zstd"),
             ("X-Multi", "1"), ("X-Multi", "2")]
    out = upstream.forward_headers(items, hop=4)
    names = [k.lower() for k, _ in out]
    for dropped in ("host", "content-length", "accept-encoding", "connection", "x-private", "keep-alive",
                    "transfer-encoding", "x-headroom-bypass", "content-encoding"):
        assert dropped not in names
    assert ("Authorization", "Bearer sk") in out and ("x-api-key", "k") in out
    assert ("anthropic-beta", "a,b") in out and ("User-Agent", "claude-cli") in out
    assert ("X-Multi", "1") in out and ("X-Multi", "2") in out
    assert ("x-headroom-hop", "4") in out and names.count("x-headroom-hop") == 1
    assert ("Content-Encoding", "zstd") in upstream.forward_headers(items, hop=1, content_encoding="zstd")


def test_response_headers_drop_encoding_and_length():
    out = upstream.response_headers([("Content-Encoding", "gzip"), ("Content-Length", "10"),
                                     ("Transfer-Encoding", "chunked"), ("Content-Type", "text/event-stream"),
                                     ("request-id", "r1"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
    assert out == [("Content-Type", "text/event-stream"), ("request-id", "r1"), ("Set-Cookie", "a=1"),
                   ("Set-Cookie", "b=2")]


def test_hop_count():
    assert upstream.hop_count({}) == 0
    assert upstream.hop_count({"x-headroom-hop": "1"}) == 1
    assert upstream.hop_count({"x-headroom-hop": "5"}) == 5
    assert upstream.hop_count({"x-headroom-hop": "yes"}) == 1


@pytest.mark.parametrize("coding,pack", [
    ("gzip", gzip.compress), ("x-gzip", gzip.compress), ("deflate", zlib.compress),
    ("deflate", lambda b: _raw_deflate(b)),  # raw deflate, as some clients send it
    ("zstd", lambda b: zstandard.ZstdCompressor().compress(b)),
    ("identity", lambda b: b),
])
def test_decode_body(coding, pack):
    plain = json.dumps({"input": ["x" * 1000] * 20}).encode()
    assert upstream.decode_body(pack(plain), coding, limit=10 ** 6) == plain


def _raw_deflate(b: bytes) -> bytes:
    c = zlib.compressobj(wbits=-15)
    return c.compress(b) + c.flush()


def test_decode_body_streamed_zstd_frame_without_size():
    plain = b'{"a":"' + b"y" * 50000 + b'"}'
    chunker = zstandard.ZstdCompressor().compressobj()  # streaming: the frame header has no content size
    packed = chunker.compress(plain) + chunker.flush()
    assert upstream.decode_body(packed, "zstd", limit=10 ** 6) == plain


def test_decode_body_errors():
    with pytest.raises(upstream.BodyError) as e:
        upstream.decode_body(b"garbage", "gzip", limit=100)
    assert e.value.status == 400
    with pytest.raises(upstream.BodyError) as e:
        upstream.decode_body(gzip.compress(b"z" * 10_000), "gzip", limit=1000)
    assert e.value.status == 413
    with pytest.raises(upstream.BodyError) as e:
        upstream.decode_body(b"x", "compress", limit=100)
    assert e.value.status == 415


def test_error_bodies_are_provider_shaped():
    a = json.loads(upstream.error_body("anthropic", 502, "no route"))
    assert a == {"type": "error", "error": {"type": "api_error", "message": "no route"}}
    assert json.loads(upstream.error_body("anthropic", 413, "big"))["error"]["type"] == "request_too_large"
    o = json.loads(upstream.error_body("openai", 502, "no route"))
    assert o["error"]["message"] == "no route" and o["error"]["type"] == "server_error"
    assert json.loads(upstream.error_body("openai", 413, "big"))["error"]["type"] == "invalid_request_error"


def test_redaction():
    h = redact.headers([("Authorization", "Bearer sk-SECRET"), ("x-api-key", "sk-ant-SECRET"),
                        ("Cookie", "s=SECRET"), ("anthropic-version", "2023-06-01"),
                        ("x-goog-api-key", "SECRET"), ("OpenAI-Organization", "org-1")])
    assert "SECRET" not in json.dumps(h)
    assert h["anthropic-version"] == "2023-06-01" and h["OpenAI-Organization"] == "org-1"
    u = redact.url("https://user:SECRETPW@gw.example/v1/x?key=SECRET&beta=true")
    assert "SECRET" not in u and "beta=true" in u and "gw.example/v1/x" in u


def test_env_proxy_for(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://corp-proxy:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert upstream.env_proxy_for("https://api.anthropic.com") == "http://corp-proxy:3128"
    assert upstream.env_proxy_for("https://internal.example/v1") is None
    assert upstream.env_proxy_for("http://127.0.0.1:4000") is None
    assert upstream.env_proxy_for("http://localhost:4000/v1") is None


def test_bind_socket_listens_at_once_and_reports_port_in_use():
    s = bind_socket("127.0.0.1", 0)
    try:
        port = s.getsockname()[1]
        assert port > 0
        c = socket.create_connection(("127.0.0.1", port), timeout=5)  # queued in the backlog already
        c.close()
        with pytest.raises(HeadroomError) as e:
            bind_socket("127.0.0.1", port)
        assert "already in use" in str(e.value) and e.value.hint
    finally:
        s.close()


def test_proxy_server_lifecycle():
    s = bind_socket()
    server = ProxyServer(ProxySettings(), s)
    assert server.url == f"http://127.0.0.1:{s.getsockname()[1]}"  # known before start
    server.start().wait_ready(20)
    assert server.running
    server.stop(grace=0.5)
    assert not server.running
    server.stop()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_proxy_server_stop_without_start_releases_socket():
    s = bind_socket()
    port = s.getsockname()[1]
    ProxyServer(ProxySettings(), s).stop()
    bind_socket("127.0.0.1", port).close()


def test_settings_from_config_env_and_overrides(monkeypatch):
    monkeypatch.setenv("HEADROOM_ANTHROPIC_UPSTREAM", "http://gw.test")
    monkeypatch.setenv("HEADROOM_COMPRESS_RATIO", "0.5")
    s = ProxySettings.from_config(openai_upstream="http://o.test/v1", compress_ratio=None)
    assert (s.anthropic_upstream, s.openai_upstream, s.compress_ratio) == ("http://gw.test", "http://o.test/v1", 0.5)
    assert s.max_body_bytes == 64 * 1024 * 1024 and s.session_id and s.agent == "proxy"
    assert ProxySettings().session_id != ProxySettings().session_id
