"""LangChain: `HeadroomChatModel` wraps any chat model and compresses what it sends.

    from langchain_openai import ChatOpenAI
    from headroom_cli.integrations.langchain import HeadroomChatModel
    llm = HeadroomChatModel(ChatOpenAI(model="gpt-4o"))
    llm.invoke("Analyse these server logs: …")
    llm.total_tokens_saved, llm.calls          # the engine's exact figures, per call

Tool results, long tool outputs and large documents inside user messages (the prose around them kept) go through
the engine, policy and store the proxy uses. The wrapper delegates every call to the wrapped model with the
compressed messages and the caller's own config, so callbacks and tracing see the call the provider got (one run,
the wrapped model's; the wrapper adds none, so no usage is counted twice). `invoke`, `ainvoke`, `stream`, `astream`,
`batch`, `abatch` and the event streams go through it; `bind_tools` and `with_structured_output` use the wrapped
model's own implementation, re-pointed at the wrapper.

Retrieval: when a lossy cut left a marker, the wrapper binds `headroom_retrieve` for that call and answers the
model's calls to it itself (`integrations/retrieval.py` says why), streaming included: text streams as it arrives,
tool-call chunks are held until the round ends. A model that cannot bind tools gets lossless cuts of documents
only.

Needs `langchain-core` ≥ 1.0: `pip install 'headroom-proxy[langchain]'`.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator, Iterator, Sequence

try:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage, convert_to_messages
    from langchain_core.messages.ai import add_usage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
    from langchain_core.prompt_values import PromptValue
    from langchain_core.runnables import Runnable, RunnableBinding, ensure_config
    from pydantic import ConfigDict, PrivateAttr
except ImportError as e:  # the extra is not installed: say which one
    raise ImportError(f"headroom_cli.integrations.langchain needs langchain-core >= 1.0 ({e}); "
                      "install it with: pip install 'headroom-proxy[langchain]'") from e

from . import retrieval
from .engine import compress_chat
from .savings import CallSavings, Savings

__all__ = ["HeadroomChatModel"]


class HeadroomChatModel(BaseChatModel):
    """A chat model that compresses the messages it sends and delegates to `model`."""

    model: BaseChatModel
    compress_config: Any = None  # a headroom_cli.CompressConfig (ratio, protected tools, store, documents mode)
    max_retrievals: int = retrieval.MAX_ROUNDS  # headroom_retrieve rounds answered per call

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _savings: Savings = PrivateAttr(default_factory=Savings)
    _tool_cache: list = PrivateAttr(default_factory=list)  # [formatted retrieve tools] or [None]: cannot bind

    def __init__(self, model: BaseChatModel | None = None, /, **kwargs: Any):
        if model is not None:
            kwargs["model"] = model
        super().__init__(**kwargs)

    # -- figures ---------------------------------------------------------------------------------------------
    @property
    def total_tokens_saved(self) -> int:
        """Tokens the engine removed from everything this wrapper (and its `bind_tools` copies) sent: exact
        cl100k counts of the messages as the engine saw them."""
        return self._savings.total_tokens_saved

    @property
    def calls(self) -> list[CallSavings]:
        """Per call: tokens before / after / saved, by compressor, documents and tool results compressed, keys,
        retrievals answered."""
        return self._savings.calls

    @property
    def savings(self) -> Savings:
        return self._savings

    # -- LangChain's required surface ----------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "headroom"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        inner = getattr(self.model, "_identifying_params", {})
        return {"headroom": True, **(inner if isinstance(inner, dict) else {})}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        # reached only through `generate()`; invoke & co. are delegated before LangChain opens a run of ours
        msg = self._invoke(messages, None, stop, kwargs)
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for chunk in self._stream_rounds(messages, None, stop, kwargs):
            yield ChatGenerationChunk(message=chunk)

    # -- the Runnable interface, delegated with compressed messages ---------------------------------------
    def invoke(self, input: Any, config: Any = None, *, stop: list[str] | None = None, **kwargs: Any) -> AIMessage:
        return self._invoke(_messages(input), config, stop, kwargs)

    async def ainvoke(self, input: Any, config: Any = None, *, stop: list[str] | None = None,
                      **kwargs: Any) -> AIMessage:
        return await self._ainvoke(_messages(input), config, stop, kwargs)

    def stream(self, input: Any, config: Any = None, *, stop: list[str] | None = None,
               **kwargs: Any) -> Iterator[AIMessageChunk]:
        yield from self._stream_rounds(_messages(input), config, stop, kwargs)

    async def astream(self, input: Any, config: Any = None, *, stop: list[str] | None = None,
                      **kwargs: Any) -> AsyncIterator[AIMessageChunk]:
        async for chunk in self._astream_rounds(_messages(input), config, stop, kwargs):
            yield chunk

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Runnable:
        """The wrapped model's `bind_tools` (its own tool formatting), bound to this wrapper."""
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        bound, n = self._rebind(self.model.bind_tools(tools, **kwargs))
        if not n:
            raise NotImplementedError(f"{type(self.model).__name__}.bind_tools returned no binding of the model; "
                                      "headroom cannot route its calls")
        return bound

    def with_structured_output(self, schema: Any, *, include_raw: bool = False, **kwargs: Any) -> Runnable:
        """The wrapped model's own structured output (json_schema, function calling, …), re-pointed at this
        wrapper; LangChain's tool-calling default when the wrapped model's runnable has no binding of it."""
        try:
            runnable = self.model.with_structured_output(schema, include_raw=include_raw, **kwargs)
        except NotImplementedError:
            runnable = None
        if runnable is not None:
            bound, n = self._rebind(runnable)
            if n:
                return bound
        return super().with_structured_output(schema, include_raw=include_raw, **kwargs)

    # -- internals -----------------------------------------------------------------------------------------
    def _rebind(self, r: Any) -> tuple[Any, int]:
        """`r` with every binding of the wrapped model bound to this wrapper instead (same kwargs and config)."""
        if isinstance(r, RunnableBinding):
            if r.bound is self.model:
                return r.model_copy(update={"bound": self}), 1
            inner, n = self._rebind(r.bound)
            return (r.model_copy(update={"bound": inner}), n) if n else (r, 0)
        fields = getattr(type(r), "model_fields", None)
        if not isinstance(r, Runnable) or not isinstance(fields, dict):
            return r, 0
        update, total = {}, 0
        for name in fields:
            v = getattr(r, name, None)
            if isinstance(v, Runnable):
                nv, n = self._rebind(v)
            elif isinstance(v, list) and any(isinstance(x, Runnable) for x in v):
                pairs = [self._rebind(x) for x in v]
                nv, n = [p[0] for p in pairs], sum(p[1] for p in pairs)
            elif isinstance(v, dict) and any(isinstance(x, Runnable) for x in v.values()):
                pairs = {k: self._rebind(x) for k, x in v.items()}
                nv, n = {k: p[0] for k, p in pairs.items()}, sum(p[1] for p in pairs.values())
            else:
                continue
            if n:
                update[name] = nv
                total += n
        return (r.model_copy(update=update), total) if total else (r, 0)

    def _retrieve_tools(self, strict: bool = False) -> list | None:
        """The retrieve tool as the wrapped model's `bind_tools` formats it (`strict`: OpenAI's strict form), or
        None when it cannot bind tools."""
        if not self._tool_cache:
            self._tool_cache.extend((self._format_tool(False), self._format_tool(True)))
        return self._tool_cache[1 if strict else 0] or (None if strict else self._tool_cache[0])

    def _format_tool(self, strict: bool) -> list | None:
        try:
            kw = {"strict": True} if strict else {}
            b = self.model.bind_tools([retrieval.openai_tool(strict=strict)], **kw)
            return (b.kwargs.get("tools") if isinstance(b, RunnableBinding) else None) or None
        except Exception:  # NotImplementedError and friends: no tools, so no retrieval
            return None

    def _prepare(self, messages: list[BaseMessage], kwargs: dict) -> tuple[list[BaseMessage], dict, Any]:
        # a response format (OpenAI's structured parse) or strict tools need the retrieve tool strict as well
        strict = "response_format" in kwargs or any(_strict(t) for t in kwargs.get("tools") or ())
        tools = self._retrieve_tools(strict)
        dicts = [_to_dict(m) for m in messages]
        model = getattr(self.model, "model_name", None) or getattr(self.model, "model", None)
        res = compress_chat(dicts, config=self.compress_config, retrievable=tools is not None,
                            model=model if isinstance(model, str) else "", tools=kwargs.get("tools"))
        out_dicts = res.messages
        sent = [m if out_dicts[i] is dicts[i] else _with_content(m, dicts[i], out_dicts[i])
                for i, m in enumerate(messages)]
        handle = self._savings.add(res)
        if res.keys and tools is not None:
            have = kwargs.get("tools") or []
            if not any(_tool_name(t) == retrieval.NAME for t in have):
                kwargs = {**kwargs, "tools": [*have, *tools]}
        return sent, kwargs, handle

    def _invoke(self, messages: list[BaseMessage], config: Any, stop: list[str] | None, kwargs: dict) -> AIMessage:
        sent, kw, handle = self._prepare(messages, kwargs)
        cfg = ensure_config(config)
        usage, said = None, []
        for rnd in range(self.max_retrievals + 1):
            msg = self.model.invoke(sent, cfg if rnd == 0 else _later(cfg), stop=stop, **kw)
            usage = _sum_usage(usage, msg)
            calls = [c for c in msg.tool_calls if retrieval.is_retrieve(c.get("name"))]
            if not calls:
                break
            if rnd == self.max_retrievals:
                return _without_retrieve(_after(said, msg), usage)
            said.append(msg.content)
            sent = sent + self._answered(msg, calls, handle)
        return _with_usage(_after(said, msg), usage)

    async def _ainvoke(self, messages: list[BaseMessage], config: Any, stop: list[str] | None,
                       kwargs: dict) -> AIMessage:
        sent, kw, handle = await asyncio.get_running_loop().run_in_executor(None, self._prepare, messages, kwargs)
        cfg = ensure_config(config)
        usage, said = None, []
        for rnd in range(self.max_retrievals + 1):
            msg = await self.model.ainvoke(sent, cfg if rnd == 0 else _later(cfg), stop=stop, **kw)
            usage = _sum_usage(usage, msg)
            calls = [c for c in msg.tool_calls if retrieval.is_retrieve(c.get("name"))]
            if not calls:
                break
            if rnd == self.max_retrievals:
                return _without_retrieve(_after(said, msg), usage)
            said.append(msg.content)
            sent = sent + self._answered(msg, calls, handle)
        return _with_usage(_after(said, msg), usage)

    def _answered(self, msg: AIMessage, calls: list[dict], handle: Any) -> list[BaseMessage]:
        """The continuation: the model's turn with only its retrieve calls, and their answers."""
        store = getattr(self.compress_config, "store", None)
        self._savings.retrieved(handle, len(calls))
        turn = AIMessage(content=_text_only(msg.content), tool_calls=calls, id=msg.id)
        return [turn, *(ToolMessage(content=retrieval.answer(c.get("args") or {}, store), tool_call_id=c["id"],
                                    name=retrieval.NAME) for c in calls)]

    def _stream_rounds(self, messages: list[BaseMessage], config: Any, stop: list[str] | None,
                       kwargs: dict) -> Iterator[AIMessageChunk]:
        sent, kw, handle = self._prepare(messages, kwargs)
        cfg = ensure_config(config)
        carried = None  # usage of earlier rounds, handed on with the last chunk
        for rnd in range(self.max_retrievals + 1):
            acc, held = None, []
            for chunk in self.model.stream(sent, cfg if rnd == 0 else _later(cfg), stop=stop, **kw):
                acc = chunk if acc is None else acc + chunk
                if _holds(chunk):
                    held.append(chunk)
                else:
                    yield chunk
            calls = [c for c in (acc.tool_calls if acc is not None else []) if retrieval.is_retrieve(c.get("name"))]
            if calls and rnd < self.max_retrievals:
                carried = _sum_usage(carried, acc)
                sent = sent + self._answered(acc, calls, handle)
                continue
            for c in _released(held, bool(calls)):
                yield c
            if carried:
                yield AIMessageChunk(content="", usage_metadata=carried)
            return

    async def _astream_rounds(self, messages: list[BaseMessage], config: Any, stop: list[str] | None,
                              kwargs: dict) -> AsyncIterator[AIMessageChunk]:
        sent, kw, handle = await asyncio.get_running_loop().run_in_executor(None, self._prepare, messages, kwargs)
        cfg = ensure_config(config)
        carried = None
        for rnd in range(self.max_retrievals + 1):
            acc, held = None, []
            async for chunk in self.model.astream(sent, cfg if rnd == 0 else _later(cfg), stop=stop, **kw):
                acc = chunk if acc is None else acc + chunk
                if _holds(chunk):
                    held.append(chunk)
                else:
                    yield chunk
            calls = [c for c in (acc.tool_calls if acc is not None else []) if retrieval.is_retrieve(c.get("name"))]
            if calls and rnd < self.max_retrievals:
                carried = _sum_usage(carried, acc)
                sent = sent + self._answered(acc, calls, handle)
                continue
            for c in _released(held, bool(calls)):
                yield c
            if carried:
                yield AIMessageChunk(content="", usage_metadata=carried)
            return


# -- message conversion (LangChain ↔ the OpenAI Chat dicts the engine reads) ---------------------------------

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "function",
          "developer": "developer"}


def _messages(input: Any) -> list[BaseMessage]:
    if isinstance(input, PromptValue):
        return input.to_messages()
    if isinstance(input, str):
        return convert_to_messages([("human", input)])
    return convert_to_messages(input)


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
            out.append({"type": "other"})  # images, files, provider blocks: kept, never read
    return out


def _to_dict(m: BaseMessage) -> dict:
    role = getattr(m, "role", None) if m.type == "chat" else _ROLES.get(m.type, m.type)
    d: dict[str, Any] = {"role": role or m.type, "content": _parts(m.content)}
    if isinstance(m, AIMessage) and m.tool_calls:
        d["tool_calls"] = [{"id": c.get("id") or "", "type": "function",
                            "function": {"name": c.get("name") or "",
                                         "arguments": json.dumps(c.get("args") or {}, ensure_ascii=False)}}
                           for c in m.tool_calls]
    if isinstance(m, ToolMessage):
        d["tool_call_id"] = m.tool_call_id
    name = getattr(m, "name", None)
    if name:
        d["name"] = name
    return d


def _with_content(m: BaseMessage, before: dict, after: dict) -> BaseMessage:
    """A copy of `m` whose compressed strings (and nothing else) are the engine's."""
    new = after.get("content")
    if isinstance(m.content, str):
        return m.model_copy(update={"content": new})
    content = list(m.content)
    for k, (old_part, new_part) in enumerate(zip(before["content"], new)):
        if new_part is not old_part and new_part.get("type") == "text":
            item = content[k]
            content[k] = new_part["text"] if isinstance(item, str) else {**item, "text": new_part["text"]}
    return m.model_copy(update={"content": content})


def _strict(t: Any) -> bool:
    return isinstance(t, dict) and isinstance(t.get("function"), dict) and t["function"].get("strict") is True


def _tool_name(t: Any) -> str | None:
    if isinstance(t, dict):
        fn = t.get("function")
        return fn.get("name") if isinstance(fn, dict) else t.get("name")
    return getattr(t, "name", None)


def _text_only(content: Any) -> Any:
    """The text of a model turn (a provider's tool-use blocks of dropped calls must not stay in it)."""
    if isinstance(content, list):
        return [b for b in content if isinstance(b, str) or (isinstance(b, dict) and b.get("type") == "text")]
    return content


def _after(said: list, msg: AIMessage) -> AIMessage:
    """The last round's message with the text the model said in earlier rounds before it, as a stream shows it."""
    if not said:
        return msg
    if isinstance(msg.content, str) and all(isinstance(c, str) for c in said):
        return msg.model_copy(update={"content": "".join(said) + msg.content})
    blocks: list = []
    for c in [*said, msg.content]:
        if isinstance(c, list):
            blocks.extend(c if c is msg.content else _text_only(c))
        elif c:
            blocks.append({"type": "text", "text": c})
    return msg.model_copy(update={"content": blocks})


def _later(cfg: dict) -> dict:
    """The config for a continuation round: the caller's, without a run id (each round is a run of its own)."""
    return {k: v for k, v in cfg.items() if k != "run_id"}


def _sum_usage(total: Any, msg: Any) -> Any:
    u = getattr(msg, "usage_metadata", None)
    if not u:
        return total
    return u if total is None else add_usage(total, u)


def _with_usage(msg: AIMessage, usage: Any) -> AIMessage:
    """The last round's message carrying the usage of every round (each upstream call is billed)."""
    if usage is None or usage == msg.usage_metadata:
        return msg
    return msg.model_copy(update={"usage_metadata": usage})


def _without_retrieve(msg: AIMessage, usage: Any) -> AIMessage:
    """Out of rounds: the message without its retrieve calls (the application does not know the tool)."""
    calls = [c for c in msg.tool_calls if not retrieval.is_retrieve(c.get("name"))]
    return msg.model_copy(update={"tool_calls": calls, "content": _text_only(msg.content) if calls == [] else
                                  msg.content, "usage_metadata": usage or msg.usage_metadata})


def _holds(chunk: AIMessageChunk) -> bool:
    """Chunks kept back until the round ends: tool-call parts, and text-less closing chunks (their finish
    reason belongs to the round that really ends the call)."""
    if chunk.tool_call_chunks:
        return True
    c = chunk.content
    return not c and bool(chunk.response_metadata)


def _released(held: list[AIMessageChunk], drop_retrieve: bool) -> Iterator[AIMessageChunk]:
    """The held chunks, in order; out of rounds without the retrieve calls' parts (found by their index: only a
    call's first chunk carries its name)."""
    if not drop_retrieve:
        yield from held
        return
    idx = {t.get("index") for c in held for t in c.tool_call_chunks if retrieval.is_retrieve(t.get("name"))}
    for c in held:
        if c.tool_call_chunks:
            keep = [t for t in c.tool_call_chunks if t.get("index") not in idx]
            if len(keep) != len(c.tool_call_chunks):
                if not keep and not c.content:
                    continue
                c = AIMessageChunk(content=c.content, tool_call_chunks=keep, id=c.id,
                                   response_metadata=c.response_metadata, usage_metadata=c.usage_metadata)
        yield c
