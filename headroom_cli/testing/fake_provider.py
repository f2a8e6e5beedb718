"""An in-process fake LLM provider speaking Anthropic Messages, OpenAI Chat Completions, OpenAI
Responses and the Gemini API (`…/models/M:generateContent`, `:streamGenerateContent?alt=sse`),
streaming (the real SSE event shapes) and not. Used by tests, benchmarks and
`headroom doctor`; loopback only, no network.

Default dialogue: the first answer is a tool call (Anthropic `tool_use`, Chat `tool_calls`,
Responses `function_call`, Gemini `functionCall`); after a request whose last item is a tool result,
a final text. A Gemini request in JSON mode (`generationConfig.responseMimeType: application/json`,
which cannot call functions) gets a JSON text.
Override it with `script`: a list consumed one reply per model request, or a callable
`(req: Recorded) -> reply`; a reply is a `Text`, a `ToolCall`, a list of those (one message with
several blocks), or a `Reply` (exact status/body/events).

Every request is recorded (`fake.requests`): method, path, query, headers, raw body bytes as
received, decoded body, parsed JSON.

Lockstep mode (`lockstep=True`) proves streaming is incremental without timing: the provider
sends SSE event k+1 only after the test calls `fake.release()` (having seen event k).

Run it in the current event loop (`async with FakeProvider() as fake:`) or on its own thread
(`with FakeProvider().in_thread() as fake:`); `fake.url` is `http://127.0.0.1:PORT`.
"""
from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union

from multidict import CIMultiDict

DEFAULT_USAGE = {"input": 120, "cache_read": 30, "cache_write": 10, "output": 12}


@dataclass
class Text:
    text: str
    usage: dict | None = None  # keys input, cache_read, cache_write, output (DEFAULT_USAGE if None)


@dataclass
class ToolCall:
    name: str
    input: dict = field(default_factory=dict)
    id: str | None = None
    usage: dict | None = None
    # More fields of the call: Responses, of the function_call item (e.g. "namespace"); Gemini, of the
    # functionCall part (e.g. "thoughtSignature").
    extra: dict | None = None


@dataclass
class Reply:
    """An exact answer: `events` (SSE: (event name or None, data dict or str)), else `raw` bytes,
    else `json`."""
    status: int = 200
    json: Any = None
    raw: bytes | None = None
    events: list[tuple[str | None, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    gzip: bool = False  # send the body gzip-compressed with Content-Encoding: gzip
    abort_after: int | None = None  # SSE: drop the connection after this many events (a broken upstream)
    # Misbehaving upstreams (the hostile suite):
    encoding: str | None = None  # "gzip" | "zstd": send the body compressed so (a bomb: a big `raw` of zeros)
    claim_encoding: str | None = None  # a Content-Encoding header over a body (or events) NOT so encoded: a lie
    cut_after: int | None = None  # whole bodies: announce the full length, send this many bytes, drop the connection


Turn = Union[Text, ToolCall, list, Reply]


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: CIMultiDict
    raw: bytes  # body bytes exactly as received (possibly gzip/zstd)
    body: bytes  # decoded body
    json: Any  # parsed JSON or None
    protocol: str  # "anthropic" | "openai_chat" | "openai_responses" | "gemini" | "count_tokens" | "models" | "other"
    response: bytes = b""  # the body bytes the fake sent back (before any Content-Encoding)

    @property
    def stream(self) -> bool:
        if self.protocol == "gemini":  # Gemini streams by method, not by a body field
            return self.path.endswith(":streamGenerateContent")
        return isinstance(self.json, dict) and bool(self.json.get("stream"))


MODEL_PROTOCOLS = ("anthropic", "openai_chat", "openai_responses", "gemini")


def gemini_json_mode(body: Any) -> bool:
    """Whether a Gemini request asks for a JSON answer (function calling is then refused by Gemini)."""
    gc = body.get("generationConfig") if isinstance(body, dict) else None
    return isinstance(gc, dict) and gc.get("responseMimeType") == "application/json"


def protocol_of(path: str) -> str:
    if path.endswith((":generateContent", ":streamGenerateContent")):
        return "gemini"
    if path.endswith("/messages/count_tokens"):
        return "count_tokens"
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith("/chat/completions"):
        return "openai_chat"
    if path.endswith("/responses"):
        return "openai_responses"
    if path.endswith("/models"):
        return "models"
    return "other"


def last_is_tool_result(protocol: str, body: Any) -> bool:
    """Whether the request's last conversation item carries a tool result."""
    if not isinstance(body, dict):
        return False
    if protocol == "anthropic":
        msgs = body.get("messages") or []
        if not msgs:
            return False
        content = msgs[-1].get("content")
        return isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
    if protocol == "openai_chat":
        msgs = body.get("messages") or []
        return bool(msgs) and msgs[-1].get("role") == "tool"
    if protocol == "openai_responses":
        items = body.get("input")
        return isinstance(items, list) and bool(items) and isinstance(items[-1], dict) and \
            items[-1].get("type") == "function_call_output"
    if protocol == "gemini":
        contents = body.get("contents")
        if not (isinstance(contents, list) and contents and isinstance(contents[-1], dict)):
            return False
        parts = contents[-1].get("parts")
        return isinstance(parts, list) and any(isinstance(p, dict) and "functionResponse" in p for p in parts)
    return False


def default_script(req: Recorded) -> Turn:
    if req.protocol == "gemini" and gemini_json_mode(req.json):
        return Text('{"reasoning": "fake provider", "model_choice": "flash"}')
    if last_is_tool_result(req.protocol, req.json):
        return Text("Done: the listing shows 3 files.")
    return ToolCall("bash" if req.protocol != "anthropic" else "Bash", {"command": "ls -la"})


def _decode(raw: bytes, encoding: str | None) -> bytes:
    if not encoding:
        return raw
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip", "deflate"):
            raw = zlib.decompress(raw, 47)
        elif coding == "zstd":
            import zstandard

            with zstandard.ZstdDecompressor().stream_reader(raw) as r:
                raw = r.read()
    return raw


def _sse(name: str | None, data: Any, eol: str = "\n") -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {name}{eol}" if name else ""
    return f"{head}data: {payload}{eol}{eol}".encode()


class FakeProvider:
    def __init__(self, script: list[Turn] | Callable[[Recorded], Turn] | None = None, *,
                 lockstep: bool = False, model: str | None = None, chunk_text: int = 8):
        self.script = script
        self._script_iter: Iterator[Turn] | None = iter(script) if isinstance(script, list) else None
        self.lockstep = lockstep
        self.model = model
        self.chunk_text = chunk_text  # characters per text delta event
        self.requests: list[Recorded] = []
        self.sent_events = 0  # SSE events written so far (all streams)
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None
        self._runner: Any = None
        self._thread: threading.Thread | None = None
        self._thread_stop: asyncio.Event | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def model_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.protocol in MODEL_PROTOCOLS]

    # -- lockstep ------------------------------------------------------------------------------
    def release(self, n: int = 1) -> None:
        """Let the provider send `n` more SSE events (lockstep mode). Thread-safe."""
        loop, sem = self._loop, self._sem
        assert loop is not None and sem is not None, "provider not started"
        for _ in range(n):
            loop.call_soon_threadsafe(sem.release)

    # -- running -------------------------------------------------------------------------------
    def make_app(self):
        from aiohttp import web

        app = web.Application(client_max_size=1024 ** 3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeProvider:
        from aiohttp import web

        self._loop = asyncio.get_running_loop()
        self._sem = asyncio.Semaphore(0)
        self._runner = web.AppRunner(self.make_app(), access_log=None, auto_decompress=False,
                                     max_field_size=65536, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeProvider:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def in_thread(self) -> _ThreadCtx:
        """Context manager serving this provider from a daemon thread."""
        return _ThreadCtx(self)

    def start_thread(self) -> FakeProvider:
        ready = threading.Event()
        err: list[BaseException] = []

        def run() -> None:
            async def main() -> None:
                try:
                    await self.start()
                    self._thread_stop = asyncio.Event()
                except BaseException as e:  # reported to the starting thread
                    err.append(e)
                    ready.set()
                    return
                ready.set()
                await self._thread_stop.wait()
                await self.stop()

            asyncio.run(main())

        self._thread = threading.Thread(target=run, name="fake-provider", daemon=True)
        self._thread.start()
        ready.wait(30)
        if err:
            raise err[0]
        return self

    def stop_thread(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._thread_stop is not None:
            self._loop.call_soon_threadsafe(self._thread_stop.set)
        self._thread.join(10)
        self._thread = None

    # -- answering -----------------------------------------------------------------------------
    def _next_turn(self, req: Recorded) -> Turn:
        if self._script_iter is not None:
            try:
                return next(self._script_iter)
            except StopIteration:
                raise AssertionError("fake provider script exhausted") from None
        if callable(self.script):
            return self.script(req)
        return default_script(req)

    async def _handle(self, request):
        from aiohttp import web

        raw = await request.read()
        try:
            body = _decode(raw, request.headers.get("Content-Encoding"))
        except Exception:
            body = raw
        try:
            parsed = json.loads(body) if body else None
        except (ValueError, RecursionError):
            parsed = None
        path, _, query = request.raw_path.partition("?")
        rec = Recorded(request.method, path, query, CIMultiDict(request.headers), raw, body, parsed,
                       protocol_of(path))
        self.requests.append(rec)
        try:
            resp = await self._answer(request, rec, parsed, path, query)
        except (AssertionError, ConnectionResetError):
            raise
        except Exception as e:  # a request the renderings cannot take (hostile bodies): answer like a provider
            return web.json_response({"type": "error", "error": {"type": "api_error", "message": f"fake: {e!r}"}},
                                     status=500)
        if isinstance(resp, web.Response) and resp.body is not None and not rec.response:
            rec.response = resp.body if isinstance(resp.body, bytes) else b""
        return resp

    async def _answer(self, request, rec: Recorded, parsed: Any, path: str, query: str):
        from aiohttp import web

        body = rec.body

        if rec.protocol == "count_tokens":
            return web.json_response({"input_tokens": max(1, len(body) // 4)})
        if rec.protocol == "models":
            if path.startswith("/v1beta/") or "x-goog-api-key" in request.headers:
                return web.json_response({"models": [{"name": "models/gemini-fake-1", "displayName": "Gemini Fake",
                                                      "supportedGenerationMethods": ["generateContent"]}]})
            if "anthropic-version" in request.headers:
                return web.json_response({"data": [{"type": "model", "id": "claude-fake-1",
                                                    "display_name": "Claude Fake"}], "has_more": False})
            return web.json_response({"object": "list", "data": [{"id": "gpt-fake-1", "object": "model",
                                                                  "owned_by": "fake"}]})
        if rec.protocol == "other" or request.method != "POST":
            return web.json_response({"fake": True, "method": request.method, "path": path, "query": query})

        turn = self._next_turn(rec)
        if isinstance(turn, dict):
            turn = Reply(json=turn)
        if isinstance(turn, Reply):
            return await self._send_reply(request, turn, rec)
        blocks = turn if isinstance(turn, list) else [turn]
        model = self.model or (parsed or {}).get("model") or _model_in_path(path) or "fake-model"
        render = {"anthropic": self._anthropic, "openai_chat": self._chat,
                  "openai_responses": self._responses, "gemini": self._gemini}[rec.protocol]
        if rec.stream:
            events = render(blocks, model, rec, stream=True)
            return await self._send_events(request, events, rec)
        return web.json_response(render(blocks, model, rec, stream=False))

    async def _send_reply(self, request, r: Reply, rec: Recorded):
        from aiohttp import web

        headers = dict(r.headers)
        if r.events is not None and r.claim_encoding:
            headers["Content-Encoding"] = r.claim_encoding  # plain events under a compressed label
        if r.events is not None:
            return await self._send_events(request, r.events, rec, status=r.status, headers=headers,
                                           abort_after=r.abort_after)
        body = r.raw if r.raw is not None else json.dumps(r.json).encode()
        ctype = r.content_type or ("application/json" if r.raw is None else "application/octet-stream")
        rec.response = body
        coding = "gzip" if r.gzip else r.encoding
        if coding == "gzip":
            body = gzip.compress(body, 1)
        elif coding == "zstd":
            import zstandard

            body = zstandard.ZstdCompressor().compress(body)
        if coding or r.claim_encoding:
            headers["Content-Encoding"] = coding or r.claim_encoding or ""
        headers["Content-Type"] = ctype
        if r.cut_after is None:
            return web.Response(status=r.status, body=body, headers=headers)
        resp = web.StreamResponse(status=r.status, headers=headers)
        resp.content_length = len(body)
        await resp.prepare(request)
        await resp.write(body[:r.cut_after])
        assert request.transport is not None
        request.transport.abort()  # fewer bytes than announced: the client sees a broken answer
        return resp

    async def _send_events(self, request, events, rec: Recorded, *, status: int = 200, headers: dict | None = None,
                           abort_after: int | None = None):
        from aiohttp import web

        resp = web.StreamResponse(status=status, headers={"Content-Type": "text/event-stream",
                                                          "Cache-Control": "no-cache", **(headers or {})})
        await resp.prepare(request)
        for k, (name, data) in enumerate(events):
            if abort_after is not None and k >= abort_after:
                assert request.transport is not None
                request.transport.abort()  # no terminating chunk: the client sees a broken stream
                return resp
            if self.lockstep and k > 0:
                assert self._sem is not None
                await self._sem.acquire()
            # Google's API ends its SSE lines with CRLF; the others with LF.
            chunk = _sse(name, data, "\r\n" if rec.protocol == "gemini" else "\n")
            try:
                await resp.write(chunk)
            except ConnectionResetError:  # the client (or proxy) went away: nothing left to do
                return resp
            rec.response += chunk
            self.sent_events += 1
        await resp.write_eof()
        return resp

    # -- protocol renderings -------------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):04d}"

    def _chunks(self, text: str) -> list[str]:
        n = max(1, self.chunk_text)
        return [text[i:i + n] for i in range(0, len(text), n)] or [""]

    @staticmethod
    def _usage(blocks: list) -> dict:
        for b in blocks:
            if getattr(b, "usage", None):
                return {**DEFAULT_USAGE, **b.usage}
        return dict(DEFAULT_USAGE)

    def _anthropic(self, blocks: list, model: str, rec: Recorded, *, stream: bool):
        u = self._usage(blocks)
        usage = {"input_tokens": u["input"], "cache_creation_input_tokens": u["cache_write"],
                 "cache_read_input_tokens": u["cache_read"], "output_tokens": u["output"]}
        content = []
        for b in blocks:
            if isinstance(b, Text):
                content.append({"type": "text", "text": b.text})
            else:
                content.append({"type": "tool_use", "id": b.id or self._id("toolu"), "name": b.name, "input": b.input})
        stop = "tool_use" if any(c["type"] == "tool_use" for c in content) else "end_turn"
        msg = {"id": self._id("msg"), "type": "message", "role": "assistant", "model": model, "content": content,
               "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if not stream:
            return msg
        start = {**msg, "content": [], "stop_reason": None,
                 "usage": {**usage, "output_tokens": 1}}
        ev: list[tuple[str | None, Any]] = [("message_start", {"type": "message_start", "message": start}),
                                            ("ping", {"type": "ping"})]
        for i, c in enumerate(content):
            if c["type"] == "text":
                ev.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                   "content_block": {"type": "text", "text": ""}}))
                for piece in self._chunks(c["text"]):
                    ev.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                                       "delta": {"type": "text_delta", "text": piece}}))
            else:
                ev.append(("content_block_start", {"type": "content_block_start", "index": i, "content_block":
                                                   {"type": "tool_use", "id": c["id"], "name": c["name"], "input": {}}}))
                for piece in self._chunks(json.dumps(c["input"])):
                    ev.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                                       "delta": {"type": "input_json_delta", "partial_json": piece}}))
            ev.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
        ev.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                     "usage": {"output_tokens": u["output"]}}))
        ev.append(("message_stop", {"type": "message_stop"}))
        return ev

    def _chat(self, blocks: list, model: str, rec: Recorded, *, stream: bool):
        u = self._usage(blocks)
        usage = {"prompt_tokens": u["input"] + u["cache_read"], "completion_tokens": u["output"],
                 "total_tokens": u["input"] + u["cache_read"] + u["output"],
                 "prompt_tokens_details": {"cached_tokens": u["cache_read"]},
                 "completion_tokens_details": {"reasoning_tokens": 0}}
        text = "".join(b.text for b in blocks if isinstance(b, Text)) or None
        calls = [{"id": b.id or self._id("call"), "type": "function",
                  "function": {"name": b.name, "arguments": json.dumps(b.input)}}
                 for b in blocks if isinstance(b, ToolCall)]
        finish = "tool_calls" if calls else "stop"
        cid, created = self._id("chatcmpl"), int(time.time())
        if not stream:
            message: dict = {"role": "assistant", "content": text, "refusal": None}
            if calls:
                message["tool_calls"] = calls
            return {"id": cid, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                    "usage": usage}
        include_usage = bool(((rec.json or {}).get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict, finish_reason: str | None = None, choices: bool = True) -> dict:
            c: dict = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
                       if choices else []}
            if include_usage:
                c["usage"] = None
            return c

        ev: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": "" if text else None}))]
        if text:
            ev += [(None, chunk({"content": piece})) for piece in self._chunks(text)]
        for i, call in enumerate(calls):
            ev.append((None, chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                                    "function": {"name": call["function"]["name"], "arguments": ""}}]})))
            for piece in self._chunks(call["function"]["arguments"]):
                ev.append((None, chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})))
        ev.append((None, chunk({}, finish)))
        if include_usage:
            last = chunk({}, choices=False)
            last["usage"] = usage
            ev.append((None, last))
        ev.append((None, "[DONE]"))
        return ev

    def _responses(self, blocks: list, model: str, rec: Recorded, *, stream: bool):
        u = self._usage(blocks)
        usage = {"input_tokens": u["input"] + u["cache_read"],
                 "input_tokens_details": {"cached_tokens": u["cache_read"]},
                 "output_tokens": u["output"], "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": u["input"] + u["cache_read"] + u["output"]}
        output = []
        for b in blocks:
            if isinstance(b, Text):
                output.append({"id": self._id("msg"), "type": "message", "status": "completed", "role": "assistant",
                               "content": [{"type": "output_text", "text": b.text, "annotations": []}]})
            else:
                output.append({"id": self._id("fc"), "type": "function_call", "status": "completed",
                               "call_id": b.id or self._id("call"), "name": b.name, "arguments": json.dumps(b.input),
                               **(b.extra or {})})
        resp = {"id": self._id("resp"), "object": "response", "created_at": int(time.time()), "status": "completed",
                "model": model, "output": output, "usage": usage}
        if not stream:
            return resp
        seq = itertools.count()
        ev: list[tuple[str | None, Any]] = []

        def add(name: str, **data: Any) -> None:
            ev.append((name, {"type": name, "sequence_number": next(seq), **data}))

        pending = {**resp, "status": "in_progress", "output": [], "usage": None}
        add("response.created", response=pending)
        add("response.in_progress", response=pending)
        for i, item in enumerate(output):
            if item["type"] == "message":
                text = item["content"][0]["text"]
                add("response.output_item.added", output_index=i,
                    item={**item, "status": "in_progress", "content": []})
                add("response.content_part.added", item_id=item["id"], output_index=i, content_index=0,
                    part={"type": "output_text", "text": "", "annotations": []})
                for piece in self._chunks(text):
                    add("response.output_text.delta", item_id=item["id"], output_index=i, content_index=0, delta=piece)
                add("response.output_text.done", item_id=item["id"], output_index=i, content_index=0, text=text)
                add("response.content_part.done", item_id=item["id"], output_index=i, content_index=0,
                    part=item["content"][0])
            else:
                add("response.output_item.added", output_index=i,
                    item={**item, "status": "in_progress", "arguments": ""})
                for piece in self._chunks(item["arguments"]):
                    add("response.function_call_arguments.delta", item_id=item["id"], output_index=i, delta=piece)
                add("response.function_call_arguments.done", item_id=item["id"], output_index=i,
                    arguments=item["arguments"])
            add("response.output_item.done", output_index=i, item=item)
        add("response.completed", response=resp)
        return ev

    def _gemini(self, blocks: list, model: str, rec: Recorded, *, stream: bool):
        u = self._usage(blocks)
        usage = {"promptTokenCount": u["input"] + u["cache_read"], "candidatesTokenCount": u["output"],
                 "totalTokenCount": u["input"] + u["cache_read"] + u["output"]}
        if u["cache_read"]:
            usage["cachedContentTokenCount"] = u["cache_read"]
        parts: list[dict] = []
        for b in blocks:
            if isinstance(b, Text):
                parts.append({"text": b.text})
            else:
                call: dict = {"name": b.name, "args": b.input}
                if b.id:
                    call["id"] = b.id  # the Gemini API sends call ids only on some models: only when given
                parts.append({"functionCall": call, **(b.extra or {})})
        rid = self._id("resp")

        def response(ps: list[dict], finish: str | None, um: dict) -> dict:
            cand: dict = {"content": {"role": "model", "parts": ps}, "index": 0}
            if finish:
                cand["finishReason"] = finish
            return {"candidates": [cand], "usageMetadata": um, "modelVersion": model, "responseId": rid}

        if not stream:
            return response(parts, "STOP", usage)
        pieces: list[dict] = []
        for p in parts:
            if "text" in p:
                pieces += [{"text": t} for t in self._chunks(p["text"])]
            else:
                pieces.append(p)  # Gemini streams a functionCall whole, in one chunk
        running = {"promptTokenCount": usage["promptTokenCount"], "totalTokenCount": usage["promptTokenCount"]}
        ev: list[tuple[str | None, Any]] = []
        for k, p in enumerate(pieces or [{"text": ""}]):
            last = k == max(len(pieces), 1) - 1
            ev.append((None, response([p], "STOP" if last else None, usage if last else running)))
        return ev


def _model_in_path(path: str) -> str:
    """`gemini-2.5-flash` from `/v1beta/models/gemini-2.5-flash:streamGenerateContent`."""
    tail = path.rsplit("/models/", 1)[-1] if "/models/" in path else ""
    return tail.split(":", 1)[0]


class _ThreadCtx:
    def __init__(self, fake: FakeProvider):
        self.fake = fake

    def __enter__(self) -> FakeProvider:
        return self.fake.start_thread()

    def __exit__(self, *exc: object) -> None:
        self.fake.stop_thread()


def main(argv: list[str] | None = None) -> int:
    """`python -m headroom_cli.testing.fake_provider [--port N]`: serve until Ctrl-C (manual tests,
    benchmarks). Prints its URL on the first line of stdout."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)

    async def serve() -> None:
        fake = FakeProvider()
        await fake.start(port=args.port)
        fake.requests = _Discard()  # long runs: do not keep every request
        print(fake.url, flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


class _Discard(list):
    def append(self, item: Any) -> None:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
