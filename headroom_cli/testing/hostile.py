"""Hostile and malformed traffic for the proxy: requests a clumsy client or an attacker sends, and
upstreams that misbehave. Used by tests/test_hostile.py and benchmarks/fuzz_proxy.py; loopback only.

- `UPSTREAM_MODES` / `upstream_script`: how the fake provider answers a request, chosen by the request's
  `x-hostile-upstream` header (which the proxy forwards like any unknown header);
- `hand_written()`: named cases, one per kind of trouble; `mutated(rng)`: a random malformed request;
- `Client.send`: one case sent as is (raw bytes for absolute-form targets and broken framing), and
  `check`: what must hold for every answer — no 5xx without a provider-shaped body, no traceback.
"""
from __future__ import annotations

import asyncio
import gzip
import json
import random
from dataclasses import dataclass, field
from typing import Any

from .fake_provider import Recorded, Reply, Text, default_script

UPSTREAM_HEADER = "x-hostile-upstream"
PATHS = ("/v1/messages", "/v1/chat/completions", "/v1/responses", "/v1/messages/count_tokens", "/v1/models",
         "/v1/other/thing")
ANTH_HEADERS = {"x-api-key": "sk-ant-hostile", "anthropic-version": "2023-06-01", "Content-Type": "application/json"}
OAI_HEADERS = {"Authorization": "Bearer sk-hostile", "Content-Type": "application/json"}
BOMB_LIMIT = 1 << 20  # the proxy's max_body_bytes in these runs: bombs decode far beyond it


def headers_for(path: str) -> dict[str, str]:
    return dict(ANTH_HEADERS if path.startswith("/v1/messages") else OAI_HEADERS)


def valid_body(path: str, *, stream: bool = False, text: str = "hello") -> dict:
    """A well-formed request for the route (the material mutations start from)."""
    if path.startswith("/v1/messages"):
        return {"model": "claude-x", "max_tokens": 16, "stream": stream, "messages": [
            {"role": "user", "content": text},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"c": "ls"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a\nb\n" * 50}]}]}
    if path == "/v1/responses":
        return {"model": "gpt-x", "stream": stream, "input": [
            {"role": "user", "content": text},
            {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "a\nb\n" * 50}]}
    return {"model": "gpt-x", "stream": stream, "messages": [
        {"role": "user", "content": text},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "a\nb\n" * 50}]}


# -- misbehaving upstreams --------------------------------------------------------------------------
_ZEROS_GZIP: bytes | None = None


def _bomb() -> bytes:
    """gzip of 8 MB of zeros (~8 KB): decodes far beyond BOMB_LIMIT."""
    global _ZEROS_GZIP
    if _ZEROS_GZIP is None:
        _ZEROS_GZIP = gzip.compress(b"\0" * (8 << 20), 9)
    return _ZEROS_GZIP


_SSE = [("message_start", {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 5}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "partial"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_stop", {"type": "message_stop"})]
_ERROR = {"type": "error", "error": {"type": "overloaded_error", "message": "fake upstream overloaded"}}


def _upstream(mode: str) -> Any:
    if mode == "die_mid_stream":
        return Reply(events=_SSE, abort_after=2)
    if mode == "invalid_gzip":
        return Reply(raw=b'{"id": "x", "content": []}', claim_encoding="gzip", content_type="application/json")
    if mode == "invalid_zstd":
        return Reply(raw=b'{"id": "x", "content": []}', claim_encoding="zstd", content_type="application/json")
    if mode == "invalid_gzip_stream":
        return Reply(events=_SSE, claim_encoding="gzip")
    if mode == "gzip_bomb":
        return Reply(raw=_bomb(), headers={"Content-Encoding": "gzip"}, content_type="application/json")
    if mode == "truncated":
        return Reply(json={"id": "x", "content": [{"type": "text", "text": "y" * 500}]}, cut_after=20)
    if mode == "garbage_sse":
        return Reply(events=[("message_start", "{not json"), (None, "no event name"),
                             ("content_block_delta", {"type": "content_block_delta", "index": "x", "delta": 5}),
                             ("message_delta", {"type": "message_delta", "usage": "many"}),
                             ("message_stop", {"type": "message_stop"})])
    if mode == "deep_json":
        return Reply(raw=b"[" * 100_000 + b"]" * 100_000, content_type="application/json")
    if mode == "nan_usage":
        return Reply(raw=b'{"id": "x", "content": [], "usage": {"input_tokens": NaN, "output_tokens": 1e400}}',
                     content_type="application/json")
    if mode == "error_500":
        return Reply(status=500, json=_ERROR)
    if mode == "html":
        return Reply(raw=b"<html><body>gateway says no</body></html>", content_type="text/html")
    return None


UPSTREAM_MODES = ("normal", "die_mid_stream", "invalid_gzip", "invalid_zstd", "invalid_gzip_stream", "gzip_bomb",
                  "truncated", "garbage_sse", "deep_json", "nan_usage", "error_500", "html")


def upstream_script(req: Recorded) -> Any:
    """The fake provider's answer: the misbehaviour the request asks for, else the default dialogue."""
    reply = _upstream(req.headers.get(UPSTREAM_HEADER, "normal"))
    if reply is not None:
        return reply
    try:
        return default_script(req)
    except Exception:
        return Text("ok")


# -- requests ----------------------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    path: str = "/v1/messages"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    raw: bytes | None = None  # the whole request as bytes (absolute-form targets, broken framing)
    forwarded: bool = True  # reaches the proxy's forwarding handler (so it must get a ledger row)


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


def _raw(target: str, host: str = "127.0.0.1", body: bytes = b"{}", extra: str = "") -> bytes:
    return (f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nx-api-key: k\r\n"
            f"anthropic-version: 2023-06-01\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
            ).encode("latin-1") + body


def hand_written() -> list[Case]:
    """One named case per kind of trouble the issue lists."""
    a = valid_body("/v1/messages")
    deep = b"[" * 100_000 + b"]" * 100_000
    cases = [
        Case("garbage bytes", body=b"\x00\xff\xfe garbage {{{"),
        Case("empty body", body=b""),
        Case("truncated JSON", body=_dumps(a)[:57]),
        Case("JSON null", body=b"null"),
        Case("JSON list", body=b"[1, 2, 3]"),
        Case("deep list nesting", body=deep),
        Case("deep object nesting", body=b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        Case("deep nesting inside messages", body=b'{"model":"m","messages":' + deep + b"}"),
        Case("deep nesting on chat", path="/v1/chat/completions", body=deep),
        Case("lone surrogate", body=b'{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"\\ud800"}]}'),
        Case("lone surrogate in a tool result", body=_dumps(a).replace(b"a\\nb", b"a\\udfffb", 1)),
        Case("invalid UTF-8", body=b'{"model":"m","messages":[{"role":"user","content":"\xc3\x28"}]}'),
        Case("NaN", body=b'{"model":"m","max_tokens":NaN,"messages":[]}'),
        Case("Infinity and 1e400", body=b'{"model":"m","temperature":1e400,"top_p":-Infinity,"messages":[]}'),
        Case("huge integer", body=b'{"model":"m","max_tokens":' + b"9" * 5000 + b',"messages":[]}'),
        Case("duplicate keys", body=b'{"model":"a","model":"b","messages":[],"messages":[{"role":"user","content":"x"}]}'),
        Case("wrong types", body=_dumps({"model": 5, "messages": "hi", "tools": {"x": 1}, "stream": "yes"})),
        Case("tool result of odd shape", body=_dumps({**a, "messages": [{"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": 7, "content": {"nested": [1, None]}}]}]})),
        Case("responses input a number", path="/v1/responses", body=_dumps({"model": "g", "input": 12})),
        Case("chat n=3 stream", path="/v1/chat/completions",
             body=_dumps({**valid_body("/v1/chat/completions", stream=True), "n": 3})),
        Case("lying gzip", body=_dumps(a), headers={"Content-Encoding": "gzip"}),
        Case("lying zstd", body=_dumps(a), headers={"Content-Encoding": "zstd"}),
        Case("lying chain", body=_dumps(a), headers={"Content-Encoding": "gzip, zstd"}),
        Case("unknown encoding", body=_dumps(a), headers={"Content-Encoding": "br"}),
        Case("gzip bomb", body=_bomb(), headers={"Content-Encoding": "gzip"}),
        Case("zstd bomb", body=_zstd_bomb(), headers={"Content-Encoding": "zstd"}),
        Case("gzip of garbage", body=gzip.compress(b"\xff" * 1000), headers={"Content-Encoding": "gzip"}),
        Case("text/plain from a page", body=_dumps(a),
             headers={"Content-Type": "text/plain", "Origin": "http://evil.example"}),
        Case("rebinding Host", body=_dumps(a), headers={"Host": "evil.example"}),
        Case("hop header garbage", body=_dumps(a), headers={"x-headroom-hop": "not-a-number"}),
        Case("hop header huge", body=_dumps(a), headers={"x-headroom-hop": "9" * 40}),
        Case("bypass header odd", body=_dumps(a), headers={"x-headroom-bypass": "\u00ff"}),
        Case("GET with a body", method="GET", body=_dumps(a)),
        Case("PUT on messages", method="PUT", body=_dumps(a)),
        Case("path traversal", path="/v1/../../etc/passwd", body=b"{}"),
        Case("odd query", path="/v1/messages?key=%00%ff&&==&x", body=_dumps(a)),
        Case("absolute-form target", raw=_raw("http://evil.example/v1/messages")),
        Case("absolute-form odd scheme", raw=_raw("t://a/v1/messages")),
        Case("host-smuggling target", raw=_raw("x.evil.example://a/v1/messages"), forwarded=False),  # aiohttp: 400
        Case("Content-Length and chunked", raw=_raw("/v1/messages", extra="Transfer-Encoding: chunked\r\n"),
             forwarded=False),
        Case("bad chunk size", raw=(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                                    b"Connection: close\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n"), forwarded=False),
        Case("bad request line", raw=b"GARBAGE\r\n\r\n", forwarded=False),
        Case("header too long", raw=_raw("/v1/messages", extra="x-big: " + "a" * 70_000 + "\r\n"), forwarded=False),
        Case("NUL in a header", raw=_raw("/v1/messages", extra="x-nul: a\x00b\r\n"), forwarded=False),
    ]
    for mode in UPSTREAM_MODES[1:]:
        stream = "stream" in mode or mode in ("garbage_sse",)
        cases.append(Case(f"upstream {mode}", body=_dumps(valid_body("/v1/messages", stream=stream)),
                          headers={UPSTREAM_HEADER: mode}))
        cases.append(Case(f"upstream {mode} (chat)", path="/v1/chat/completions",
                          body=_dumps(valid_body("/v1/chat/completions", stream=stream)),
                          headers={UPSTREAM_HEADER: mode}))
    return cases


_ZSTD_BOMB: bytes | None = None


def _zstd_bomb() -> bytes:
    global _ZSTD_BOMB
    if _ZSTD_BOMB is None:
        import zstandard

        _ZSTD_BOMB = zstandard.ZstdCompressor(level=3).compress(b"\0" * (8 << 20))
    return _ZSTD_BOMB


_NASTY_STRINGS = ["\\ud800", "\\udfff", "\\u0000", "\\x41", "\\", "\"", "\u202e", "𝕳", "\\uZZZZ", "\r\n", "\t"]
_NASTY_VALUES = [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-0", b"1" * 400, b"null", b"[]", b"{}", b'""',
                 b"true", b"[[[[[[[[]]]]]]]]", b'{"type": 5}']


def mutated(rng: random.Random) -> Case:
    """A random malformed request: a valid one broken in one or more ways."""
    path = rng.choice(PATHS[:3] * 3 + PATHS[3:])
    stream = rng.random() < 0.4
    body = _dumps(valid_body(path, stream=stream, text=rng.choice(["hi", "x" * rng.randrange(1, 3000)])))
    headers = headers_for(path)
    for _ in range(rng.randrange(1, 4)):
        kind = rng.randrange(12)
        if kind == 0 and body:  # truncate
            body = body[:rng.randrange(len(body))]
        elif kind == 1 and body:  # flip bytes
            b = bytearray(body)
            for _ in range(rng.randrange(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            body = bytes(b)
        elif kind == 2:  # deep nesting somewhere
            n = rng.choice([100, 1000, 20_000, 150_000])
            opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
            deep = opener * n + (b"1" if opener != b"[" else b"") + closer * n
            body = body.replace(b'"hi"', deep, 1) if b'"hi"' in body and rng.random() < 0.5 else deep
        elif kind == 3:  # nasty string content
            body = body.replace(b"a\\nb", rng.choice(_NASTY_STRINGS).encode("utf-8"), 1)
        elif kind == 4:  # nasty value
            body = body.replace(b"16", rng.choice(_NASTY_VALUES), 1).replace(b"false", rng.choice(_NASTY_VALUES), 1)
        elif kind == 5:  # a lying or odd Content-Encoding
            headers["Content-Encoding"] = rng.choice(["gzip", "zstd", "deflate", "gzip, gzip", "br", "identity",
                                                      "x-unknown", "gzip, zstd", ""])
        elif kind == 6:  # honest encoding of whatever the body is now
            body, headers["Content-Encoding"] = gzip.compress(body, 1), "gzip"
        elif kind == 7:  # a bomb
            body, headers["Content-Encoding"] = rng.choice([(_bomb(), "gzip"), (_zstd_bomb(), "zstd")])
        elif kind == 8:  # hostile headers
            key, value = rng.choice([("Origin", "http://evil.example"), ("Host", "evil.example"),
                                     ("Content-Type", "text/plain"), ("x-headroom-hop", "x"),
                                     ("x-headroom-hop", str(rng.randrange(-5, 20))), ("x-headroom-bypass", "1"),
                                     ("anthropic-version", "\u00e9"), ("Content-Type", "multipart/form-data"),
                                     ("Accept-Encoding", "zstd, br"), ("Connection", "x-api-key, close")])
            headers[key] = value
        elif kind == 9:  # duplicate keys / wrong types
            body = body.replace(b'"model": ', b'"model": 1, "model": ', 1).replace(b'"messages": [', b'"messages": 3, "x": [', 1)
        elif kind == 10:  # random garbage
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600)))
        else:  # a misbehaving upstream for this one
            headers[UPSTREAM_HEADER] = rng.choice(UPSTREAM_MODES)
    method = "POST" if rng.random() < 0.95 else rng.choice(["GET", "PUT", "PATCH", "DELETE"])
    return Case(f"mutated {kind}", path=path, body=body, headers=headers, method=method)


# -- sending and checking ------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int  # 0: no answer (the connection was closed or reset first)
    body: bytes
    cut: bool = False  # the answer began and then broke off (a stream the upstream cut)


def check(case: Case, ans: Answer) -> list[str]:
    """What must hold for every answer the proxy gives; the violations found."""
    bad = []
    if b"Traceback" in ans.body or b'File "/' in ans.body:
        bad.append(f"{case.name}: a traceback reached the client")
    if ans.status >= 500 and not ans.cut:
        try:
            doc = json.loads(ans.body)
            ok = isinstance(doc, dict) and isinstance(doc.get("error"), dict) and \
                isinstance(doc["error"].get("message"), str)
        except ValueError:
            ok = False
        if not ok:
            bad.append(f"{case.name}: {ans.status} without a provider-shaped body: {ans.body[:120]!r}")
    if ans.status == 0 and case.forwarded and not ans.cut:
        bad.append(f"{case.name}: no answer at all")
    return bad


class Client:
    """Sends cases to a proxy at `host:port`: an aiohttp session for well-framed requests, a raw socket for
    the rest."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self._session: Any = None

    async def __aenter__(self) -> Client:
        import aiohttp

        self._session = aiohttp.ClientSession(auto_decompress=False, timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._session.close()

    async def send(self, case: Case) -> Answer:
        if case.raw is not None:
            return await self._send_raw(case.raw)
        import aiohttp

        url = f"http://{self.host}:{self.port}{case.path}"
        skip = [h for h in ("Content-Type",) if h not in case.headers]
        try:
            async with self._session.request(case.method, url, data=case.body, headers=case.headers,
                                             skip_auto_headers=skip) as r:
                try:
                    return Answer(r.status, await r.read())
                except aiohttp.ClientPayloadError:
                    return Answer(r.status, b"", cut=True)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, ConnectionResetError):
            return Answer(0, b"", cut=True)

    async def _send_raw(self, raw: bytes) -> Answer:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            return Answer(0, b"")
        try:
            writer.write(raw)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(-1), 60)
        except (ConnectionResetError, BrokenPipeError):
            return Answer(0, b"", cut=True)
        finally:
            writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        try:
            status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return Answer(0, data)
        if b"transfer-encoding: chunked" in head.lower():
            body = _dechunk(body)
        return Answer(status, body)


def _dechunk(data: bytes) -> bytes:
    out, rest = bytearray(), data
    while rest:
        line, _, rest = rest.partition(b"\r\n")
        try:
            n = int(line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out += rest[:n]
        rest = rest[n + 2:]
    return bytes(out)
