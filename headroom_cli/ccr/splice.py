"""Proxy-side answering of `headroom_retrieve` calls, streaming kept (docs/ARCHITECTURE.md §3, §5).

For clients that cannot call MCP, the proxy injects the retrieve tool, and when the model calls it
the proxy answers the call itself and continues the upstream conversation. A `Splicer` sits on the
response of one upstream call at a time:

- events are relayed to the client as they arrive (byte-identical in the first round), except that
  from the first tool call on the rest of the message is held back: a client cannot act on a tool
  call before the message ends anyway, so text stays incremental and nothing is lost by holding;
- at the end of the message, if a held tool call is `headroom_retrieve`, the held events are dropped
  and `continuation(body, lookup)` builds the next upstream request: the conversation so far, an
  assistant turn with what the client already saw plus *only* the retrieve calls, and their results.
  Other tool calls made together with a retrieve call are dropped; the model sees the retrieved text
  and re-issues what it still needs, and the client receives the continuation's tool calls. This
  keeps every conversation valid (each tool call answered exactly once) on every wire;
- the continuation's events are spliced into the same client stream: its opening events are dropped
  and block/item indices are shifted so the client sees one message.

Rounds are bounded: `max_rounds` continuations answer retrieve calls from the store; a call after
those is answered with `LIMIT` in one last continuation that withdraws the tool
(`retrieve_tool.withdraw`), so the model finishes without it and the conversation stays valid. A
retrieve call after that (a model calling a tool it was not offered) reaches the client as is.

Usage: the client sees the first call's opening usage and the last call's closing usage; every
round's usage is collected in `rounds_usage_events` so the ledger can bill all upstream calls.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Callable

from .. import jsonspan, wires
from ..config import RETRIEVE_TOOL
from .retrieve_tool import line_range, withdraw

MAX_ROUNDS = 3
MISSING = "headroom: no original stored under key {key!r} (unknown or expired)."
LIMIT = ("headroom: retrieval limit reached ({rounds} rounds of {tool} in this answer); the tool is withdrawn. "
         "Answer with what was retrieved so far.")


@dataclass
class Call:
    id: str
    key: str
    raw_arguments: str = ""

    def arguments(self) -> dict:
        try:
            args = json.loads(self.raw_arguments or "{}")
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            return {}
        return args if isinstance(args, dict) else {}


def _split_events(buf: bytearray) -> list[bytes]:
    """Complete SSE events (each with its terminating blank line) taken off the front of buf."""
    out = []
    while True:
        i = buf.find(b"\n\n")
        j = buf.find(b"\r\n\r\n")
        if i < 0 and j < 0:
            return out
        if j >= 0 and (i < 0 or j < i):
            end = j + 4
        else:
            end = i + 2
        out.append(bytes(buf[:end]))
        del buf[:end]


def _parse_event(raw: bytes) -> tuple[str, object]:
    name, data_lines = "", []
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data_lines.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
    data = "\n".join(data_lines)
    if not data:
        return name, None
    if data == "[DONE]":
        return name, "[DONE]"
    try:
        return name, json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return name, None


def _render(name: str, data: object) -> bytes:
    payload = jsonspan.dumps_str(data)
    head = f"event: {name}\n" if name else ""
    return jsonspan.encode(f"{head}data: {payload}\n\n")  # the upstream's lone surrogates, escaped


def _key_of(arguments: object) -> str:
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            return ""
    if isinstance(arguments, dict):
        k = arguments.get("key")
        return k.strip() if isinstance(k, str) else ""
    return ""


def _before_first(items: list, kind: str) -> list:
    """The items before the first one of type `kind`: what a message holds ahead of its tool calls."""
    first = next((i for i, it in enumerate(items) if isinstance(it, dict) and it.get("type") == kind), len(items))
    return items[:first]


def _answer(call: Call, lookup: Callable[[str], str | None]) -> tuple[str, bool]:
    text = lookup(call.key) if call.key else None
    if text is None:
        return MISSING.format(key=call.key), True
    args = call.arguments()
    return line_range(text, args.get("start_line"), args.get("end_line")), False


class Splicer:
    """Base: feed upstream bytes, relay what `feed` returns, then call `end()`."""

    protocol = ""

    def __init__(self, tool_name: str = RETRIEVE_TOOL, max_rounds: int = MAX_ROUNDS):
        self.tool_name = tool_name
        self.max_rounds = max_rounds
        self._round = 1
        self._pending: list[Call] = []  # this round's retrieve calls, answered by the next round
        self.rounds_usage_events: list[object] = []
        self._buf = bytearray()
        self._start_round()

    # -- streaming -------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> bytes:
        self._buf.extend(chunk)
        out = bytearray()
        for raw in _split_events(self._buf):
            out.extend(self._event(raw))
        return bytes(out)

    def end(self) -> bytes:
        """Call when the upstream stream ended. Returns bytes still to relay (empty when a retrieve
        round follows: check `wants_round()`)."""
        tail = bytes(self._buf)
        self._buf.clear()
        if self._pending:
            return b""
        return self._flush() + tail

    # -- rounds ----------------------------------------------------------------------------
    @property
    def round(self) -> int:
        """1 for the client's own upstream call, +1 for each continuation."""
        return self._round

    @property
    def calls(self) -> tuple[Call, ...]:
        """The retrieve calls this round ended with (empty while none)."""
        return tuple(self._pending)

    @property
    def at_limit(self) -> bool:
        """Whether this round's retrieve calls get the limit answer instead of originals."""
        return self._round == self.max_rounds + 1

    def _answers_calls(self) -> bool:
        """Whether a retrieve call ending this round is held back and answered by the proxy: in the
        answered rounds and in the limit round; after that the tool is withdrawn."""
        return self._round <= self.max_rounds + 1

    def wants_round(self) -> bool:
        return bool(self._pending) and self._answers_calls()

    def next_round(self) -> None:
        self._round += 1
        self._pending = []
        self._start_round()

    def advance(self, body: dict, lookup: Callable[[str], str | None]) -> tuple[dict, int]:
        """Close a round that ended in retrieve calls: the next upstream request body (the calls
        answered from `lookup`) and how many calls it answers; the splicer is then in the next round."""
        limit = self.at_limit
        answered = 0 if limit else len(self._pending)
        new = self.continuation(body, lookup)
        if limit:
            new = withdraw(new, self.protocol, self.tool_name)
        self.next_round()
        return new, answered

    def _reply(self, call: Call, lookup: Callable[[str], str | None]) -> tuple[str, bool]:
        """A retrieve call's result text and whether it is an error (the limit round: the limit)."""
        if self.at_limit:
            return LIMIT.format(rounds=self.max_rounds, tool=self.tool_name), True
        return _answer(call, lookup)

    def take_response(self, resp: dict, calls: list[Call] | None = None) -> bool:
        """Load a whole (non-streamed) response as this round's end: its retrieve calls (or `calls`)
        become pending and what precedes them is what the client saw. True when a round follows."""
        self._pending = list(self.response_calls(resp) if calls is None else calls)
        self._seen_in_response(resp)
        return self.wants_round()

    # subclasses
    def _event(self, raw: bytes) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def _flush(self) -> bytes:
        """Release what was held back (the message ended without a retrieve call)."""
        out = b"".join(self.held)
        self.held = []
        self.holding = False
        return out

    def _start_round(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def continuation(self, body: dict, lookup: Callable[[str], str | None]) -> dict:  # pragma: no cover
        raise NotImplementedError

    # -- non-streaming ---------------------------------------------------------------------
    def response_calls(self, resp: dict) -> list[Call]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _seen_in_response(self, resp: dict) -> None:  # pragma: no cover - abstract
        """Note what a whole response holds ahead of its tool calls (the continuation repeats it)."""
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
class AnthropicSplicer(Splicer):
    protocol = wires.ANTHROPIC

    def __init__(self, *a, **kw):
        self.offset = 0  # index shift for this round's blocks as the client sees them
        super().__init__(*a, **kw)

    def _start_round(self):
        self.emitted: dict[int, dict] = {}  # this round's blocks the client received
        self.held: list[bytes] = []
        self.held_blocks: dict[int, dict] = {}
        self.holding = False
        self._partial: dict[int, str] = {}

    def _event(self, raw: bytes) -> bytes:
        name, data = _parse_event(raw)
        if not isinstance(data, dict):
            return self._hold(raw) if self.holding else raw
        typ = data.get("type")
        if typ == "message_start":
            self.rounds_usage_events.append(data.get("message", {}).get("usage"))
            if self._round > 1:
                return b""  # the client already has its message_start
            return raw
        if typ in ("content_block_start", "content_block_delta", "content_block_stop"):
            idx = data.get("index", 0)
            if typ == "content_block_start":
                block = copy.deepcopy(data.get("content_block") or {})
                if block.get("type") == "tool_use":
                    self.holding = True
                target = self.held_blocks if self.holding else self.emitted
                target[idx] = block
            else:
                block = self.held_blocks.get(idx) or self.emitted.get(idx)
                if block is not None:
                    self._apply(idx, block, data)
            if self.holding and idx in self.held_blocks:
                return self._hold(raw, data, name)
            return self._out(raw, data, name)
        if typ == "message_delta":
            self.rounds_usage_events.append(data.get("usage"))
            calls = self._calls(self.held_blocks.values())
            if calls and self._answers_calls():
                self._pending = calls
                self.held = []
                return b""
            return self._flush() + self._out(raw, data, name)
        if typ == "message_stop":
            return b"" if self._pending else raw
        # ping, error and unknown events
        if self.holding:
            return self._hold(raw)
        return raw

    def _apply(self, idx: int, block: dict, data: dict) -> None:
        if data.get("type") == "content_block_stop":
            if block.get("type") in ("tool_use", "server_tool_use") and idx in self._partial:
                try:
                    block["input"] = json.loads(self._partial.pop(idx) or "{}")
                except (ValueError, RecursionError):  # RecursionError: nested too deep
                    block["input"] = {}
            return
        d = data.get("delta") or {}
        dt = d.get("type")
        if dt == "text_delta":
            block["text"] = block.get("text", "") + d.get("text", "")
        elif dt == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + d.get("thinking", "")
        elif dt == "signature_delta":
            block["signature"] = d.get("signature", "")
        elif dt == "input_json_delta":
            self._partial[idx] = self._partial.get(idx, "") + d.get("partial_json", "")
        elif dt == "citations_delta":
            block.setdefault("citations", []).append(d.get("citation"))

    def _out(self, raw: bytes, data: dict, name: str) -> bytes:
        if self._round == 1 and self.offset == 0:
            return raw
        if "index" in data:
            data = dict(data)
            data["index"] = data["index"] + self.offset
        return _render(name, data)

    def _hold(self, raw: bytes, data: dict | None = None, name: str = "") -> bytes:
        self.held.append(self._out(raw, data, name) if data is not None else raw)
        return b""

    def continuation(self, body: dict, lookup: Callable[[str], str | None]) -> dict:
        content = [self.emitted[i] for i in sorted(self.emitted)]
        self.offset += len(content)
        content += [{"type": "tool_use", "id": c.id, "name": self.tool_name, "input": json.loads(c.raw_arguments or "{}")}
                    for c in self._pending]
        results = []
        for c in self._pending:
            text, err = self._reply(c, lookup)
            r = {"type": "tool_result", "tool_use_id": c.id, "content": text}
            if err:
                r["is_error"] = True
            results.append(r)
        new = dict(body)
        new["messages"] = [*body.get("messages", []), {"role": "assistant", "content": content},
                           {"role": "user", "content": results}]
        return new

    def response_calls(self, resp: dict) -> list[Call]:
        return self._calls(resp.get("content") or [])

    def _seen_in_response(self, resp: dict) -> None:
        self.emitted = dict(enumerate(_before_first(resp.get("content") or [], "tool_use")))

    def _calls(self, blocks) -> list[Call]:
        """The retrieve calls among a message's content blocks."""
        return [Call(b.get("id", ""), _key_of(b.get("input")), json.dumps(b.get("input")))
                for b in blocks if isinstance(b, dict)
                and b.get("type") == "tool_use" and b.get("name") == self.tool_name]


# ---------------------------------------------------------------------------------------------
class ChatSplicer(Splicer):
    protocol = wires.OPENAI_CHAT

    def _start_round(self):
        self.text = ""
        self.tool_calls: dict[int, dict] = {}
        self.held: list[bytes] = []
        self.holding = False

    def _event(self, raw: bytes) -> bytes:
        name, data = _parse_event(raw)
        if data == "[DONE]":
            if self._pending:
                return b""
            return self._flush() + raw
        if not isinstance(data, dict):
            return self._hold(raw) if self.holding else raw
        if self._pending:
            if data.get("usage"):
                self.rounds_usage_events.append(data.get("usage"))
            return b""  # a retrieve round follows: drop the rest (usage chunk)
        if data.get("usage"):
            self.rounds_usage_events.append(data.get("usage"))
        choices = data.get("choices") or []
        ch = choices[0] if choices and isinstance(choices[0], dict) else {}
        delta = ch.get("delta") or {}
        if isinstance(delta.get("content"), str) and not self.holding:
            self.text += delta["content"]
        for tc in delta.get("tool_calls") or []:
            self.holding = True
            slot = self.tool_calls.setdefault(tc.get("index", 0), {"id": "", "name": "", "arguments": ""})
            if tc.get("id"):
                slot["id"] = tc["id"]
            fn = tc.get("function") or {}
            if fn.get("name"):
                slot["name"] += fn["name"]
            if fn.get("arguments"):
                slot["arguments"] += fn["arguments"]
        if ch.get("finish_reason"):
            calls = [Call(t["id"], _key_of(t["arguments"]), t["arguments"])
                     for _, t in sorted(self.tool_calls.items()) if t["name"] == self.tool_name]
            if calls and self._answers_calls():
                self._pending = calls
                self.held = []
                return b""
            return self._flush() + raw
        return self._hold(raw) if self.holding else raw

    def _hold(self, raw: bytes) -> bytes:
        self.held.append(raw)
        return b""

    def continuation(self, body: dict, lookup: Callable[[str], str | None]) -> dict:
        assistant = {"role": "assistant", "content": self.text or None,
                     "tool_calls": [{"id": c.id, "type": "function",
                                     "function": {"name": self.tool_name, "arguments": c.raw_arguments}}
                                    for c in self._pending]}
        msgs = [*body.get("messages", []), assistant]
        for c in self._pending:
            msgs.append({"role": "tool", "tool_call_id": c.id, "content": self._reply(c, lookup)[0]})
        new = dict(body)
        new["messages"] = msgs
        return new

    def response_calls(self, resp: dict) -> list[Call]:
        try:
            msg = resp["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            return []
        out = []
        for tc in msg.get("tool_calls") or []:
            fn = tc.get("function") or {}
            if fn.get("name") == self.tool_name:
                out.append(Call(tc.get("id", ""), _key_of(fn.get("arguments")), fn.get("arguments") or ""))
        return out

    def _seen_in_response(self, resp: dict) -> None:
        self.text = (resp.get("choices") or [{}])[0].get("message", {}).get("content") or ""


# ---------------------------------------------------------------------------------------------
class ResponsesSplicer(Splicer):
    protocol = wires.OPENAI_RESPONSES

    def __init__(self, *a, **kw):
        self.offset = 0  # output_index shift
        self.seq = -1  # last sequence_number the client saw
        self.prior_items: list[dict] = []  # items of earlier rounds the client saw
        super().__init__(*a, **kw)

    def _start_round(self):
        self.emitted: dict[int, dict] = {}
        self.held_items: dict[int, dict] = {}
        self.held: list[dict | bytes] = []
        self.holding = False

    def _event(self, raw: bytes) -> bytes:
        name, data = _parse_event(raw)
        if not isinstance(data, dict):
            return self._keep(raw)
        typ = data.get("type", name)
        if self._pending:
            return b""
        if typ in ("response.created", "response.in_progress") and self._round > 1:
            return b""
        if typ == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                self.holding = True
        if typ == "response.output_item.done":
            target = self.held_items if self.holding else self.emitted
            target[data.get("output_index", 0)] = data.get("item") or {}
        if typ in ("response.completed", "response.incomplete", "response.failed"):
            resp = data.get("response") or {}
            self.rounds_usage_events.append(resp.get("usage"))
            calls = self._calls(it for _, it in sorted(self.held_items.items()))
            if calls and typ == "response.completed" and self._answers_calls():
                self._pending = calls
                self.held = []
                return b""
            out = self._flush()
            if self._round > 1:
                data = copy.deepcopy(data)
                data["response"]["output"] = [*self.prior_items, *(data["response"].get("output") or [])]
            return out + self._emit(raw, data, name)
        if self.holding:
            self.held.append((raw, data, name))
            return b""
        return self._emit(raw, data, name)

    def _keep(self, raw: bytes) -> bytes:
        if self.holding:
            self.held.append(raw)
            return b""
        return raw

    def _emit(self, raw: bytes, data: dict, name: str) -> bytes:
        changed = False
        if self._round > 1 or self.offset:
            data = dict(data)
            if "output_index" in data:
                data["output_index"] += self.offset
                changed = True
        if "sequence_number" in data:
            if self._round > 1:
                data = dict(data)
                data["sequence_number"] = self.seq + 1
                changed = True
            self.seq = data["sequence_number"]
        if changed or self._round > 1:
            return _render(name, data)
        return raw

    def _flush(self) -> bytes:
        out = bytearray()
        for h in self.held:
            out.extend(h if isinstance(h, bytes) else self._emit(*h))
        self.held = []
        self.holding = False
        return bytes(out)

    def continuation(self, body: dict, lookup: Callable[[str], str | None]) -> dict:
        items = [self.emitted[i] for i in sorted(self.emitted)]
        self.prior_items += items
        self.offset += len(items)
        calls = [{"type": "function_call", "call_id": c.id, "name": self.tool_name, "arguments": c.raw_arguments}
                 for c in self._pending]
        outputs = [{"type": "function_call_output", "call_id": c.id, "output": self._reply(c, lookup)[0]}
                   for c in self._pending]
        inp = body.get("input")
        if isinstance(inp, str):
            inp = [{"role": "user", "content": inp}]
        new = dict(body)
        new["input"] = [*(inp or []), *items, *calls, *outputs]
        return new

    def response_calls(self, resp: dict) -> list[Call]:
        return self._calls(resp.get("output") or [])

    def _seen_in_response(self, resp: dict) -> None:
        self.emitted = dict(enumerate(_before_first(resp.get("output") or [], "function_call")))

    def _calls(self, items) -> list[Call]:
        """The retrieve calls among a response's output items."""
        return [Call(it.get("call_id", ""), _key_of(it.get("arguments")), it.get("arguments") or "")
                for it in items if isinstance(it, dict)
                and it.get("type") == "function_call" and it.get("name") == self.tool_name]


# ---------------------------------------------------------------------------------------------
def _gemini_parts(resp: object) -> list:
    """The parts of a Gemini response's first candidate ([] for anything else)."""
    try:
        parts = resp["candidates"][0]["content"]["parts"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return []
    return parts if isinstance(parts, list) else []


def _before_first_call(parts: list) -> list:
    first = next((i for i, p in enumerate(parts) if isinstance(p, dict) and "functionCall" in p), len(parts))
    return parts[:first]


class GeminiSplicer(Splicer):
    """Gemini API streams: `data:` events, each a whole GenerateContentResponse (no event names, no
    indices, no opening event), a function call always whole inside one event, and the end marked by
    the candidate's `finishReason`. A continuation's events are relayed as they come; the model turn it
    repeats holds the parts the client saw and the retrieve calls with their `thoughtSignature` (Gemini
    refuses a function call in history without the signature it came with)."""

    protocol = wires.GEMINI

    def _start_round(self):
        self.seen_parts: list = []  # this round's parts the client received
        self.held_parts: list = []  # parts from the first function call on
        self.held: list[bytes] = []
        self.holding = False

    def _event(self, raw: bytes) -> bytes:
        name, data = _parse_event(raw)
        if self._pending:
            return b""  # a retrieve round follows: drop what is left of this one
        if not isinstance(data, dict):
            return self._hold(raw) if self.holding else raw
        cands = data.get("candidates")
        cand = cands[0] if isinstance(cands, list) and cands and isinstance(cands[0], dict) else {}
        parts = _gemini_parts(data)
        if any(isinstance(p, dict) and "functionCall" in p for p in parts):
            self.holding = True
        (self.held_parts if self.holding else self.seen_parts).extend(parts)
        if not cand.get("finishReason"):
            return self._hold(raw) if self.holding else raw
        self.rounds_usage_events.append(data.get("usageMetadata"))  # cumulative: the last event's is the call's
        calls = self._calls(self.held_parts)
        if calls and self._answers_calls():
            self._pending = calls
            self.held = []
            return b""
        return self._flush() + raw if self.holding else raw

    def _hold(self, raw: bytes) -> bytes:
        self.held.append(raw)
        return b""

    def continuation(self, body: dict, lookup: Callable[[str], str | None]) -> dict:
        wanted = {id(p) for p in self._call_parts(self.held_parts)}
        calls = [copy.deepcopy(p) for p in self.held_parts if id(p) in wanted]
        # Parallel calls: Gemini signs only the first of them. When that one is dropped (not a retrieve
        # call), its signature goes on the first call kept, or the turn would be refused.
        if calls and not any("thoughtSignature" in p for p in calls):
            sig = next((p["thoughtSignature"] for p in self.held_parts
                        if isinstance(p, dict) and "thoughtSignature" in p and "text" not in p), None)
            if sig is not None:
                calls[0]["thoughtSignature"] = sig
        if not calls:  # calls given from outside (a whole response): rebuilt from them
            calls = [{"functionCall": {**({"id": c.id} if c.id else {}), "name": self.tool_name,
                                       "args": c.arguments()}} for c in self._pending]
        responses = []
        for c in self._pending:
            text, err = self._reply(c, lookup)
            fr: dict = {"name": self.tool_name, "response": {"error" if err else "output": text}}
            if c.id:
                fr["id"] = c.id
            responses.append({"functionResponse": fr})
        new = dict(body)
        new["contents"] = [*(body.get("contents") or []), {"role": "model", "parts": [*self.seen_parts, *calls]},
                           {"role": "user", "parts": responses}]
        return new

    def response_calls(self, resp: dict) -> list[Call]:
        return self._calls(_gemini_parts(resp))

    def _seen_in_response(self, resp: dict) -> None:
        parts = _gemini_parts(resp)
        self.seen_parts = _before_first_call(parts)
        self.held_parts = parts[len(self.seen_parts):]

    def _call_parts(self, parts: list) -> list:
        return [p for p in parts if isinstance(p, dict) and isinstance(p.get("functionCall"), dict)
                and p["functionCall"].get("name") == self.tool_name]

    def _calls(self, parts: list) -> list[Call]:
        """The retrieve calls among a response's parts."""
        out = []
        for p in self._call_parts(parts):
            fc = p["functionCall"]
            cid = fc.get("id") if isinstance(fc.get("id"), str) else ""
            args = fc.get("args") if isinstance(fc.get("args"), dict) else {}
            out.append(Call(cid, _key_of(args), json.dumps(args)))
        return out


# No passthrough fallback: retrieval only runs on a wire whose request got the tool injected.
SPLICERS: wires.WireMap[type[Splicer]] = wires.WireMap("retrieval splicers", {
    wires.ANTHROPIC: AnthropicSplicer,
    wires.OPENAI_CHAT: ChatSplicer,
    wires.OPENAI_RESPONSES: ResponsesSplicer,
    wires.GEMINI: GeminiSplicer,
})


def make_splicer(protocol: str, tool_name: str = RETRIEVE_TOOL, max_rounds: int = MAX_ROUNDS) -> Splicer:
    return SPLICERS[protocol](tool_name, max_rounds)


# -- non-streaming ------------------------------------------------------------------------------
def continuation_for_response(protocol: str, body: dict, resp: dict, calls: list[Call],
                              lookup: Callable[[str], str | None], tool_name: str = RETRIEVE_TOOL) -> dict:
    """The next upstream request after a non-streamed response whose tool calls include retrieves."""
    sp = make_splicer(protocol, tool_name)
    sp.take_response(resp, calls)
    return sp.continuation(body, lookup)


def _merge_anthropic(first: dict, final: dict, merged: dict) -> None:
    merged["content"] = [*_before_first(first.get("content") or [], "tool_use"), *(final.get("content") or [])]


def _merge_chat(first: dict, final: dict, merged: dict) -> None:
    try:
        t1 = first["choices"][0]["message"].get("content") or ""
        msg = merged["choices"][0]["message"]
        if t1:
            msg["content"] = t1 + (msg.get("content") or "")
    except (KeyError, IndexError, TypeError):
        pass


def _merge_responses_api(first: dict, final: dict, merged: dict) -> None:
    merged["output"] = [*_before_first(first.get("output") or [], "function_call"), *(final.get("output") or [])]


def _merge_gemini(first: dict, final: dict, merged: dict) -> None:
    try:
        content = merged["candidates"][0]["content"]
        content["parts"] = [*_before_first_call(_gemini_parts(first)), *_gemini_parts(final)]
    except (KeyError, IndexError, TypeError):
        pass


# How each wire joins the first call's content (before its tool calls) to the final call's response,
# and where it keeps usage. No passthrough fallback, like the splicers.
MERGES: wires.WireMap[tuple[Callable[[dict, dict, dict], None], str]] = wires.WireMap("response merges", {
    wires.ANTHROPIC: (_merge_anthropic, "usage"),
    wires.OPENAI_CHAT: (_merge_chat, "usage"),
    wires.OPENAI_RESPONSES: (_merge_responses_api, "usage"),
    wires.GEMINI: (_merge_gemini, "usageMetadata"),
})


def merge_responses(protocol: str, first: dict, final: dict) -> dict:
    """What the client receives for a non-streamed request answered over several upstream calls: the
    first call's content before its tool calls, then the final call's response. Usage is summed so the
    client sees what was billed."""
    merge, usage_key = MERGES[protocol]
    merged = copy.deepcopy(final)
    merge(first, final, merged)
    u1, u2 = first.get(usage_key), final.get(usage_key)
    if isinstance(u1, dict) and isinstance(u2, dict):
        merged[usage_key] = _sum_usage(u1, u2)
    return merged


def _sum_usage(a: dict, b: dict) -> dict:
    out = copy.deepcopy(b)
    for k, v in a.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(out.get(k), (int, float)):
            out[k] = out[k] + v
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _sum_usage(v, out[k])
    return out
