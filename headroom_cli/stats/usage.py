"""Read the provider's own `usage` out of a response as the proxy relays it.

The proxy feeds every relayed chunk (`feed`) and asks for the figures at the end (`finish`). Bodies
are either one JSON document or an SSE stream; chunk boundaries are arbitrary (mid-line, mid-CRLF).
SSE is parsed line by line and only the events that can carry usage or the model are decoded, so a
long stream costs little and is never held in memory as a whole. Nothing here raises into the
proxy: a body we cannot understand yields zero usage (`.ok` tells whether usage was seen).

Normalisation (see `records.Usage`): `input_tokens` is *uncached* input billed at the full price.
- Anthropic: `input_tokens` already excludes cache reads/writes; usage is split across
  `message_start` (input, cache, first output count) and `message_delta` (cumulative output, and on
  newer API versions cumulative input/cache figures too) — later values win.
- OpenAI Chat: `prompt_tokens` includes `prompt_tokens_details.cached_tokens`; usage arrives in the
  final chunk (only with `stream_options.include_usage`).
- OpenAI Responses: `response.usage.input_tokens` includes `input_tokens_details.cached_tokens`;
  usage arrives in `response.completed` (or `.incomplete` / `.failed`).
- Gemini: `usageMetadata.promptTokenCount` includes `cachedContentTokenCount` (and tool-use prompt
  tokens come on top in `toolUsePromptTokenCount`); output is `candidatesTokenCount` plus
  `thoughtsTokenCount` (thinking is billed as output). Every streamed chunk carries the figures so far
  (later values win); the model is `modelVersion`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from .. import wires
from .records import Usage

# A JSON body is buffered whole only up to this size (non-streamed responses are small; anything
# larger is not worth holding just to read its usage).
_MAX_JSON_BODY = 32 * 1024 * 1024
# Lines longer than this whose event type carries no usage are skipped without being kept.
_SKIP_PEEK = 4096

_TYPE_RE = re.compile(rb'"type"\s*:\s*"([^"]{1,64})"')
_EOL_RE = re.compile(rb"\r\n|\r|\n")
_USAGE_OBJ_RE = re.compile(rb'"usage"\s*:\s*\{')
_GEMINI_USAGE_RE = re.compile(rb'"usageMetadata"\s*:\s*\{')


def _int(v) -> int:
    try:
        return max(0, int(v or 0))
    except (TypeError, ValueError):
        return 0


def _chat_shaped(u: dict) -> bool:
    return "prompt_tokens" in u or "completion_tokens" in u


def _read_chat(cur: Usage, u: dict) -> None:
    prompt = _int(u.get("prompt_tokens", u.get("input_tokens")))
    details = u.get("prompt_tokens_details") or {}
    cached = _int(details.get("cached_tokens") if isinstance(details, dict) else 0)
    if not cached:
        cached = _int(u.get("prompt_cache_hit_tokens"))  # DeepSeek-style
    cur.cache_read_tokens = min(cached, prompt)
    cur.input_tokens = prompt - cur.cache_read_tokens
    cur.cache_write_tokens = _int(u.get("cache_creation_input_tokens"))
    cur.output_tokens = _int(u.get("completion_tokens", u.get("output_tokens")))


def _read_responses(cur: Usage, u: dict) -> None:
    total_in = _int(u.get("input_tokens"))
    details = u.get("input_tokens_details") or {}
    cached = _int(details.get("cached_tokens") if isinstance(details, dict) else 0)
    cur.cache_read_tokens = min(cached, total_in)
    cur.input_tokens = total_in - cur.cache_read_tokens
    cur.cache_write_tokens = 0
    cur.output_tokens = _int(u.get("output_tokens"))


def _read_anthropic(cur: Usage, u: dict) -> None:
    # Fields present override (message_delta figures are cumulative).
    if "input_tokens" in u and u["input_tokens"] is not None:
        cur.input_tokens = _int(u["input_tokens"])
    if u.get("cache_read_input_tokens") is not None:
        cur.cache_read_tokens = _int(u["cache_read_input_tokens"])
    if u.get("cache_creation_input_tokens") is not None:
        cur.cache_write_tokens = _int(u["cache_creation_input_tokens"])
    if u.get("output_tokens") is not None:
        cur.output_tokens = _int(u["output_tokens"])


# A Chat-shaped usage object (prompt_tokens / completion_tokens) is read as Chat whatever the wire.
def _usage_anthropic(cur: Usage, u: dict) -> None:
    (_read_chat if _chat_shaped(u) else _read_anthropic)(cur, u)


def _usage_responses(cur: Usage, u: dict) -> None:
    (_read_chat if _chat_shaped(u) else _read_responses)(cur, u)


def _usage_by_shape(cur: Usage, u: dict) -> None:
    if _chat_shaped(u):
        _read_chat(cur, u)
    elif "input_tokens_details" in u:
        _read_responses(cur, u)
    else:
        _read_anthropic(cur, u)


def _read_gemini(cur: Usage, u: dict) -> None:
    prompt = _int(u.get("promptTokenCount")) + _int(u.get("toolUsePromptTokenCount"))
    cur.cache_read_tokens = min(_int(u.get("cachedContentTokenCount")), prompt)
    cur.input_tokens = prompt - cur.cache_read_tokens
    cur.cache_write_tokens = 0
    cur.output_tokens = _int(u.get("candidatesTokenCount")) + _int(u.get("thoughtsTokenCount"))


def _pick_gemini(obj: dict) -> tuple[object, object]:
    return obj.get("modelVersion"), obj.get("usageMetadata")


@dataclass(frozen=True)
class Dialect:
    """How one wire carries usage in a response."""
    # SSE event types that can carry usage or the model; None: the events carry no type, keep every line.
    useful_types: frozenset[str] | None
    # Normalise one usage object into the running figures (see `records.Usage`).
    read_usage: Callable[[Usage, dict], None]
    # Where an event keeps (model, usage), for a wire that does not name them `model` / `usage`
    # (None: `model`/`usage`, inside `message` or `response` for lifecycle events), and the byte
    # patterns that tell an untyped data line may hold them.
    pick: Callable[[dict], tuple[object, object]] | None = None
    usage_re: re.Pattern = _USAGE_OBJ_RE
    model_hint: bytes = b'"model"'


# Passthrough (a body of no known wire) is read by the shape of its usage object.
DIALECTS: wires.WireMap[Dialect] = wires.WireMap("usage sniffers", {
    wires.ANTHROPIC: Dialect(frozenset({"message_start", "message_delta", "message"}), _usage_anthropic),
    wires.OPENAI_CHAT: Dialect(None, _read_chat),
    wires.OPENAI_RESPONSES: Dialect(frozenset({
        "response.created", "response.in_progress", "response.completed", "response.incomplete",
        "response.failed", "response.done", "response"}), _usage_responses),
    wires.GEMINI: Dialect(None, _read_gemini, _pick_gemini, _GEMINI_USAGE_RE, b'"modelVersion"'),
}, passthrough=Dialect(None, _usage_by_shape))


class UsageSniffer:
    """Incremental usage parser for one response. `protocol` is a wire, or passthrough (parsed by the
    shape of the usage object); any other name raises `wires.UnknownWire`."""

    def __init__(self, protocol: str):
        self._dialect = DIALECTS[protocol]
        self.protocol = protocol
        self.model: str = ""
        self.ok = False  # True once a usage object was seen
        self._usage = Usage()
        self._mode: str | None = None  # "sse" | "json" | "other", decided on the first bytes
        self._buf = bytearray()  # SSE: the unfinished line; JSON: the body so far
        self._skipping = False  # SSE: dropping the rest of a line that carries no usage
        self._event = ""  # SSE: the current event's `event:` name
        self._after_cr = False  # SSE: the last chunk ended in CR (an LF next completes a CRLF)
        self._finished = False

    # -- feeding ---------------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        if not chunk or self._finished:
            return
        try:
            if self._mode is None:
                self._buf += chunk
                head = bytes(self._buf).lstrip()
                if not head:
                    return
                if head[:1] in (b"{", b"["):
                    self._mode = "json"
                elif head.startswith((b"event:", b"data:", b":", b"id:", b"retry:")):
                    self._mode = "sse"
                    data, self._buf = bytes(self._buf), bytearray()
                    self._feed_sse(data)
                elif len(head) >= 8:
                    self._mode = "other"
                    self._buf = bytearray()
                return
            if self._mode == "sse":
                self._feed_sse(chunk)
            elif self._mode == "json":
                if len(self._buf) + len(chunk) > _MAX_JSON_BODY:
                    self._mode, self._buf = "other", bytearray()
                else:
                    self._buf += chunk
        except Exception:  # never break the relay over accounting
            self._mode, self._buf = "other", bytearray()

    def _feed_sse(self, chunk: bytes) -> None:
        pos = 0
        n = len(chunk)
        if self._after_cr and chunk[:1] == b"\n":
            pos = 1  # second half of a CRLF split across chunks, not an empty line
        self._after_cr = False
        while pos < n:
            m = _EOL_RE.search(chunk, pos)
            if m is None:
                self._append_partial(chunk[pos:])
                return
            self._append_partial(chunk[pos:m.start()])
            self._end_line()
            pos = m.end()
            if pos == n and m.group() == b"\r":
                self._after_cr = True

    def _append_partial(self, part: bytes) -> None:
        if self._skipping or not part:
            return
        self._buf += part
        if len(self._buf) > _SKIP_PEEK and not self._line_is_useful(bytes(self._buf[:_SKIP_PEEK])):
            self._skipping = True
            self._buf = bytearray()

    def _line_is_useful(self, head: bytes) -> bool:
        useful = self._dialect.useful_types
        if useful is None:
            return True  # Chat chunks (and passthrough) carry no type: keep every line
        if not head.startswith(b"data:"):
            return True
        if self._event:
            return self._event in useful
        m = _TYPE_RE.search(head)
        return m is None or m.group(1).decode("ascii", "replace") in useful

    def _end_line(self) -> None:
        if self._skipping:
            self._skipping = False
            self._buf = bytearray()
            return
        line = bytes(self._buf)
        self._buf = bytearray()
        if not line:
            self._event = ""  # blank line ends the event
            return
        if line.startswith(b"event:"):
            self._event = line[6:].strip().decode("utf-8", "replace")
            return
        if not line.startswith(b"data:"):
            return  # comments (":"), id:, retry:
        data = line[5:]
        if data.startswith(b" "):
            data = data[1:]
        if not data or data.strip() == b"[DONE]":
            return
        useful = self._dialect.useful_types
        if useful is not None and self._event and self._event not in useful:
            return
        d = self._dialect
        if useful is None and not d.usage_re.search(data) and (self.model or d.model_hint not in data):
            return  # a chat delta: nothing to learn from it
        try:
            obj = json.loads(data)
        except ValueError:
            return
        if isinstance(obj, dict):
            self._take_event(obj)

    # -- interpreting ----------------------------------------------------------------------------
    def _take_event(self, obj: dict) -> None:
        if self._dialect.pick is not None:
            model, usage = self._dialect.pick(obj)
            self._take_model(model)
            self._take_usage(usage)
            return
        typ = obj.get("type") or self._event
        if typ == "message_start" and isinstance(obj.get("message"), dict):
            msg = obj["message"]
            self._take_model(msg.get("model"))
            self._take_usage(msg.get("usage"))
            return
        if isinstance(obj.get("response"), dict):  # Responses lifecycle events
            resp = obj["response"]
            self._take_model(resp.get("model"))
            self._take_usage(resp.get("usage"))
            return
        self._take_model(obj.get("model"))
        self._take_usage(obj.get("usage"))

    def _take_model(self, model) -> None:
        if isinstance(model, str) and model:
            self.model = model

    def _take_usage(self, u) -> None:
        if not isinstance(u, dict) or not u:
            return
        self.ok = True
        self._dialect.read_usage(self._usage, u)

    # -- result ----------------------------------------------------------------------------------
    def finish(self) -> Usage:
        """The usage seen so far (idempotent). Parses a buffered JSON body or a last unterminated
        SSE line."""
        if self._finished:
            return Usage(**vars(self._usage))
        self._finished = True
        try:
            if self._mode == "json" and self._buf:
                obj = json.loads(bytes(self._buf))
                if isinstance(obj, dict):
                    self._take_event(obj)
            elif self._mode == "sse" and self._buf:
                self._end_line()
            elif self._mode is None and self._buf:
                head = bytes(self._buf).lstrip()
                if head[:1] == b"{":
                    obj = json.loads(head)
                    if isinstance(obj, dict):
                        self._take_event(obj)
        except Exception:
            pass
        self._buf = bytearray()
        return Usage(**vars(self._usage))


def sniff(protocol: str, body: bytes) -> tuple[Usage, str]:
    """One-shot helper: usage and model of a complete body."""
    s = UsageSniffer(protocol)
    s.feed(body)
    return s.finish(), s.model
