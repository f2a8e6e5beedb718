"""The one interface every compressor implements (`Compressor`), the context it gets, the result it gives, and
the registry of compressors by kind that the router is built from.

A compressor is a pure function of (text, Context): no clock, no randomness, no global state, so the
same tool result compresses to the same bytes on every turn and in every process (docs/ARCHITECTURE.md §2).
"""
from __future__ import annotations

import hashlib
import types
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, runtime_checkable


@dataclass(frozen=True)
class Context:
    """What a compressor may look at besides the block itself — all fixed in history."""

    tool_name: str = ""  # the tool that produced the block (a hint, content decides)
    tool_input: str = ""  # the call's arguments as text: command, pattern, path
    preceding_text: str = ""  # assistant text before the call + last human text before it
    ratio: float = 0.3  # share of the block's tokens lossy compressors aim to keep
    marker_tool: str = "headroom_retrieve"  # retrieval tool as the client sees it
    marker_hint: str = ""  # extra words for markers (e.g. how to load a deferred MCP tool)
    # the tool result is flagged as an error by the protocol (Claude Code flags failing commands, Codex never):
    # the built-in compressors cut alike either way; kept for a plugged-in compressor, and in the fingerprint
    is_error: bool = False

    def fingerprint(self) -> str:
        """Hash of the context, part of the memo key (with the block's content hash)."""
        h = hashlib.sha256()
        for part in (self.tool_name, self.tool_input, self.preceding_text, repr(self.ratio),
                     self.marker_tool, self.marker_hint, repr(self.is_error)):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        return h.hexdigest()[:24]


@dataclass
class Result:
    text: str  # the compressed block; lossy results contain at least one marker with store.key_for(original)
    lossy: bool  # True when something was dropped and the original must be stored
    compressor: str = ""  # name of the compressor that produced it
    kind: str = ""  # the detected kind (json, jsonl, log, build, search, diff, code, text)


@runtime_checkable
class Compressor(Protocol):
    """What every module in `compressors/` is (module attributes `name` and `kinds`, a module function
    `compress`), what the router's registry holds, and what the pipeline calls (the router is one too).

    `compress` returns a smaller rendering of `text`, or None to keep the original. Every compressor takes the
    block's retrieval key (`ccr.store.key_for(text)`, passed by a caller that hashed the block already; None:
    compute it if a lossy result needs it) and names it in the marker of a lossy result; the caller stores the
    original under it. `doc` is the block parsed as JSON when detection parsed it already (JSON blocks only;
    None otherwise): a compressor that would parse the block uses it, the others ignore it.
    """

    name: str  # the compressor's name in results and figures (`Result.compressor`)
    kinds: tuple[str, ...]  # the detected kinds it compresses (names from `router.KINDS`); () when it is not registered

    def compress(self, text: str, ctx: Context, *, key: str | None = None, doc: Any = None) -> Result | None:
        ...


class FunctionCompressor:
    """A plain `fn(text, ctx) -> Result | None` as a Compressor, for embedding and tests (the library API takes
    either). It gets no key: `fn` hashes the block itself."""

    kinds: tuple[str, ...] = ()

    def __init__(self, fn: Callable[[str, Context], Result | None]):
        self.fn = fn
        self.name = getattr(fn, "__name__", type(fn).__name__)
        # part of the memo key: the function by module and name, and its `version` (or its module's VERSION)
        v = getattr(fn, "version", None)
        if v is None:
            mod = __import__(fn.__module__, fromlist=["_"]) if getattr(fn, "__module__", None) else None
            v = getattr(mod, "VERSION", None) if mod is not None else None
        self.version = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', type(fn).__name__)}:{v or 0}"

    def compress(self, text: str, ctx: Context, *, key: str | None = None, doc: Any = None) -> Result | None:
        return self.fn(text, ctx)


def as_compressor(c: Compressor | Callable[[str, Context], Result | None]) -> Compressor:
    """`c` itself when it is a Compressor, else the plain function wrapped as one."""
    return c if isinstance(c, Compressor) else FunctionCompressor(c)


def identity(c: Compressor | None) -> str:
    """Part of the memo key: which compressor, at which output version (its `version`, if any), so another or
    a changed compressor never hits an old decision."""
    if c is None:
        return "none"
    where = c.__name__ if isinstance(c, types.ModuleType) else f"{type(c).__module__}.{type(c).__qualname__}"
    return f"{where}/{c.name}:{getattr(c, 'version', 0)}"


class Registry:
    """Kind → compressor, built from compressors (each names the kinds it compresses); a kind no compressor
    names goes to `fallback`. Adding a compressor is a module plus its entry in `compressors.REGISTERED`."""

    def __init__(self, compressors: Iterable[Compressor], fallback: Compressor):
        self.compressors = tuple(compressors)
        self.fallback = fallback
        self._by_kind: dict[str, Compressor] = {}
        for c in self.compressors:
            for kind in c.kinds:
                if kind in self._by_kind:
                    raise ValueError(f"kind {kind!r} has two compressors: {self._by_kind[kind].name}, {c.name}")
                self._by_kind[kind] = c

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._by_kind)

    def for_kind(self, kind: str) -> Compressor:
        return self._by_kind.get(kind, self.fallback)

    def replacing(self, *compressors: Compressor) -> "Registry":
        """A registry where `compressors` take over the kinds they name, the others keep theirs (embedding, tests)."""
        new = Registry(self.compressors, self.fallback)
        for c in compressors:
            for kind in c.kinds:
                new._by_kind[kind] = c
        new.compressors = tuple(dict.fromkeys(new._by_kind.values()))
        return new

    def describe(self) -> str:
        """kind=compressor for every kind (part of the router's memo identity)."""
        return ",".join(f"{k}={identity(c)}" for k, c in self._by_kind.items()) + f",*={identity(self.fallback)}"
