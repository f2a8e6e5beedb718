"""Agno: `HeadroomAgnoModel` wraps any Agno model and compresses what it sends.

    from agno.agent import Agent
    from agno.models.openai import OpenAIChat
    from headroom_cli.integrations.agno import HeadroomAgnoModel
    model = HeadroomAgnoModel(OpenAIChat(id="gpt-4o"))
    Agent(model=model).run("Debug this incident report: …")
    model.total_tokens_saved, model.calls

The wrapper *is* the wrapped model (an instance of a subclass of its class with the same fields), so everything an
Agent asks of its model — id, provider, structured-output support, its tool loop — is the wrapped model's own.
Only the provider calls (`invoke`, `ainvoke`, `invoke_stream`, `ainvoke_stream`) change: they send a compressed
copy of the messages (tool results, and large documents in user messages with the prose around them kept); the
agent's own history keeps the originals. When a lossy cut left a marker, `headroom_retrieve` is added to that call's
tools and the wrapper answers the model's calls to it itself (`integrations/retrieval.py` says why), streaming
included: content streams as it arrives, tool-call deltas are held until the round ends.

Needs `agno` (`pip install 'headroom-proxy[agno]'`), and the provider's client for the model you wrap.
"""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Iterator

try:
    from agno.models.base import Model
    from agno.models.message import Message
except ImportError as e:  # the extra is not installed: say which one
    raise ImportError(f"headroom_cli.integrations.agno needs agno ({e}); "
                      "install it with: pip install 'headroom-proxy[agno]'") from e

from . import retrieval
from .engine import compress_chat
from .savings import CallSavings, Savings

__all__ = ["HeadroomAgnoModel"]

_CLASSES: dict[type, type] = {}


class _State:
    def __init__(self, config: Any, max_retrievals: int):
        self.config = config
        self.max_retrievals = max_retrievals
        self.savings = Savings()


class HeadroomAgnoModel:
    """`HeadroomAgnoModel(model)`: `model` with compressed provider calls (an instance of `model`'s own class)."""

    headroom: _State

    def __new__(cls, model: Any = None, /, **kwargs: Any):
        if model is None:  # a copy being made (Model.__deepcopy__ calls cls.__new__(cls))
            return object.__new__(cls)
        if not isinstance(model, Model):
            raise TypeError(f"HeadroomAgnoModel wraps an agno Model, not {type(model).__name__}")
        base = type(model)
        if isinstance(model, HeadroomAgnoModel):
            base = next(c for c in base.__mro__[1:] if not issubclass(c, HeadroomAgnoModel))
        sub = _CLASSES.get(base)
        if sub is None:
            sub = _CLASSES[base] = type(f"Headroom{base.__name__}", (HeadroomAgnoModel, base), {"__module__": __name__})
        inst = object.__new__(sub)
        inst.__dict__.update(model.__dict__)  # the wrapped model's fields and clients, shared
        return inst

    def __init__(self, model: Any = None, /, *, compress_config: Any = None,
                 max_retrievals: int = retrieval.MAX_ROUNDS):
        if model is not None:
            self.headroom = _State(compress_config, max_retrievals)

    def __deepcopy__(self, memo: dict) -> Any:
        memo[id(self.headroom)] = self.headroom  # copies an agent makes count into the same figures
        return super().__deepcopy__(memo)  # type: ignore[misc]

    # -- figures ---------------------------------------------------------------------------------------------
    @property
    def total_tokens_saved(self) -> int:
        """Tokens the engine removed from everything this model sent: exact cl100k counts of the messages as
        the engine saw them (their OpenAI Chat rendering)."""
        return self.headroom.savings.total_tokens_saved

    @property
    def calls(self) -> list[CallSavings]:
        return self.headroom.savings.calls

    @property
    def savings(self) -> Savings:
        return self.headroom.savings

    # -- the provider calls -----------------------------------------------------------------------------------
    def invoke(self, **kwargs: Any) -> Any:
        sent, kw, handle = self._headroom_prepare(kwargs)
        said: list = []
        for rnd in range(self.headroom.max_retrievals + 1):
            resp = super().invoke(messages=sent, **kw)  # type: ignore[misc]
            calls = _retrieve_calls(resp.tool_calls)
            if not calls:
                break
            if rnd == self.headroom.max_retrievals:
                resp.tool_calls = _others(resp.tool_calls)
                break
            said.append(resp.content)
            sent = sent + self._headroom_answered(resp.content, calls, handle)
        return _after(said, resp)

    async def ainvoke(self, **kwargs: Any) -> Any:
        sent, kw, handle = await asyncio.get_running_loop().run_in_executor(None, self._headroom_prepare, kwargs)
        said: list = []
        for rnd in range(self.headroom.max_retrievals + 1):
            resp = await super().ainvoke(messages=sent, **kw)  # type: ignore[misc]
            calls = _retrieve_calls(resp.tool_calls)
            if not calls:
                break
            if rnd == self.headroom.max_retrievals:
                resp.tool_calls = _others(resp.tool_calls)
                break
            said.append(resp.content)
            sent = sent + self._headroom_answered(resp.content, calls, handle)
        return _after(said, resp)

    def invoke_stream(self, **kwargs: Any) -> Iterator[Any]:
        sent, kw, handle = self._headroom_prepare(kwargs)
        for rnd in range(self.headroom.max_retrievals + 1):
            held, deltas, text = [], [], []
            for d in super().invoke_stream(messages=sent, **kw):  # type: ignore[misc]
                if d.tool_calls:
                    held.append(d)
                    deltas.extend(d.tool_calls)
                    continue
                if isinstance(d.content, str):
                    text.append(d.content)
                yield d
            calls = _retrieve_calls(self.parse_tool_calls(deltas)) if deltas else []  # type: ignore[attr-defined]
            if calls and rnd < self.headroom.max_retrievals:
                sent = sent + self._headroom_answered("".join(text) or None, calls, handle)
                continue
            if not calls:
                yield from held
            return

    async def ainvoke_stream(self, **kwargs: Any) -> AsyncIterator[Any]:
        sent, kw, handle = await asyncio.get_running_loop().run_in_executor(None, self._headroom_prepare, kwargs)
        for rnd in range(self.headroom.max_retrievals + 1):
            held, deltas, text = [], [], []
            async for d in super().ainvoke_stream(messages=sent, **kw):  # type: ignore[misc]
                if d.tool_calls:
                    held.append(d)
                    deltas.extend(d.tool_calls)
                    continue
                if isinstance(d.content, str):
                    text.append(d.content)
                yield d
            calls = _retrieve_calls(self.parse_tool_calls(deltas)) if deltas else []  # type: ignore[attr-defined]
            if calls and rnd < self.headroom.max_retrievals:
                sent = sent + self._headroom_answered("".join(text) or None, calls, handle)
                continue
            if not calls:
                for d in held:
                    yield d
            return

    # -- internals -----------------------------------------------------------------------------------------
    def _headroom_prepare(self, kwargs: dict) -> tuple[list, dict, Any]:
        kw = dict(kwargs)
        messages = list(kw.pop("messages"))
        dicts = [_to_dict(m) for m in messages]
        tools = kw.get("tools") or None
        res = compress_chat(dicts, config=self.headroom.config, retrievable=True, model=str(getattr(self, "id", "")),
                            tools=tools)
        out = res.messages
        sent = [m if out[i] is dicts[i] else _with_content(m, dicts[i], out[i]) for i, m in enumerate(messages)]
        handle = self.headroom.savings.add(res)
        if res.keys and not any(_tool_name(t) == retrieval.NAME for t in tools or ()):
            kw["tools"] = [*(tools or []), retrieval.openai_tool()]
        return sent, kw, handle

    def _headroom_answered(self, content: Any, calls: list[dict], handle: Any) -> list:
        store = getattr(self.headroom.config, "store", None)
        self.headroom.savings.retrieved(handle, len(calls))
        turn = Message(role=getattr(self, "assistant_message_role", "assistant"), content=content, tool_calls=calls)
        return [turn, *(Message(role=getattr(self, "tool_message_role", "tool"), tool_call_id=c.get("id"),
                                tool_name=retrieval.NAME,
                                content=retrieval.answer((c.get("function") or {}).get("arguments") or {}, store))
                        for c in calls)]


# -- message conversion (Agno ↔ the OpenAI Chat dicts the engine reads) --------------------------------------

def _parts(content: Any) -> Any:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    out = []
    for item in content:
        if isinstance(item, str):
            out.append({"type": "text", "text": item})
        elif isinstance(item, dict) and item.get("type") == "text" and isinstance(item.get("text"), str):
            out.append({"type": "text", "text": item["text"]})
        else:
            out.append({"type": "other"})
    return out


def _to_dict(m: Any) -> dict:
    d: dict[str, Any] = {"role": m.role, "content": _parts(m.content)}
    if m.tool_calls:
        d["tool_calls"] = m.tool_calls
    if m.tool_call_id:
        d["tool_call_id"] = m.tool_call_id
    if m.role == "tool" and m.tool_name:
        d["name"] = m.tool_name
    return d


def _with_content(m: Any, before: dict, after: dict) -> Any:
    new = after.get("content")
    if isinstance(m.content, str):
        return m.model_copy(update={"content": new})
    content = list(m.content)
    for k, (old_part, new_part) in enumerate(zip(before["content"], new)):
        if new_part is not old_part and new_part.get("type") == "text":
            item = content[k]
            content[k] = new_part["text"] if isinstance(item, str) else {**item, "text": new_part["text"]}
    return m.model_copy(update={"content": content})


def _tool_name(t: Any) -> str | None:
    if isinstance(t, dict):
        fn = t.get("function")
        return fn.get("name") if isinstance(fn, dict) else t.get("name")
    return getattr(t, "name", None)


def _call_name(c: Any) -> Any:
    return (c.get("function") or {}).get("name") if isinstance(c, dict) else None


def _retrieve_calls(calls: Any) -> list[dict]:
    return [c for c in calls or [] if retrieval.is_retrieve(_call_name(c))]


def _others(calls: Any) -> list:
    return [c for c in calls or [] if not retrieval.is_retrieve(_call_name(c))]


def _after(said: list, resp: Any) -> Any:
    """The last round's response with the text of earlier rounds before it, as a stream shows it."""
    before = "".join(s for s in said if isinstance(s, str))
    if before and (resp.content is None or isinstance(resp.content, str)):
        resp.content = before + (resp.content or "")
    return resp
