"""The engine's pipeline: walk a request → for each eligible block: policy, memo, router, store → new body.

A block's compressed form is a pure function of (block, its fixed context, config version): that is what keeps
the provider's prompt cache warm (docs/ARCHITECTURE.md §2). The new body shares every untouched object with the input; only
the containers on the path to a changed block are copied.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import wires
from . import markers, numbered, policy, readpaths, rereads
from ..ccr.store import key_for
from .base import Compressor, Context, Result, identity
from .memo import Memo, MemoEntry, default_memo
from .protocols import sites as walk_sites
from .tokens import big_enough, count_tokens_cached, encoding_name, estimate_tokens, surely_big_enough
from .workdir import WorkDirs

# Bump when the pipeline's decisions change (walkers, accept rule, envelopes): old memo entries then miss.
ENGINE_VERSION = "2"

@dataclass
class BlockInfo:
    """What happened to one compressed block."""

    path: tuple
    origin: str  # "tool_result" | "command_output"
    tool_name: str
    kind: str
    compressor: str
    lossy: bool
    key: str  # retrieval key ("" for lossless rewrites)
    est_before: int
    est_after: int
    memo_hit: bool
    _entry: MemoEntry = field(repr=False, default=None)  # type: ignore[assignment]
    _before_text: str = field(repr=False, default="")

    @property
    def ratio(self) -> float:
        """Share of the block's (estimated) tokens kept."""
        return self.est_after / self.est_before if self.est_before else 1.0

    def exact(self) -> tuple[int, int]:
        """Exact (before, after) token counts, counted once per block and kept in the memo entry."""
        e = self._entry
        if e.exact_before is None:
            e.exact_before = count_tokens_cached(self._before_text)
        if e.exact_after is None:
            e.exact_after = count_tokens_cached(e.text or "")
        return e.exact_before, e.exact_after

    def to_dict(self) -> dict:
        return {"path": list(self.path), "origin": self.origin, "tool_name": self.tool_name, "kind": self.kind,
                "compressor": self.compressor, "lossy": self.lossy, "key": self.key,
                "est_before": self.est_before, "est_after": self.est_after, "ratio": round(self.ratio, 4),
                "memo_hit": self.memo_hit}


class CompressResult:
    """Outcome of compressing one request. Token figures are lazy: exact counting stays off the hot path."""

    def __init__(self, original: dict, body: dict, protocol: str, blocks: list[BlockInfo],
                 skipped: dict[str, int], elapsed_ms: float, errors: list[str]):
        self.original = original
        self.body = body
        self.protocol = protocol
        self.blocks = blocks
        self.skipped = skipped  # reason → count of sites left untouched
        self.elapsed_ms = elapsed_ms
        self.errors = errors  # compressor exceptions (fail-open per block)
        self._before: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.blocks)

    @property
    def messages(self) -> Any:
        return self.body.get(wires.MESSAGE_LISTS[self.protocol])

    @property
    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for b in self.blocks:
            if b.key:
                seen[b.key] = None
        return list(seen)

    @property
    def compressors(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in self.blocks:
            out[b.compressor] = out.get(b.compressor, 0) + 1
        return out

    @property
    def encoding(self) -> str:
        return encoding_name()

    @property
    def tokens_saved_estimate(self) -> int:
        return sum(b.est_before - b.est_after for b in self.blocks)

    @property
    def tokens_before(self) -> int:
        """Exact tokens of every string in the original request (memoised per string: history is counted once)."""
        if self._before is None:
            self._before = _count_strings(self.original)
        return self._before

    @property
    def tokens_saved(self) -> int:
        return sum(b - a for b, a in (blk.exact() for blk in self.blocks))

    @property
    def tokens_after(self) -> int:
        return self.tokens_before - self.tokens_saved

    def summary(self) -> dict:
        return {"protocol": self.protocol, "changed": self.changed, "blocks": len(self.blocks),
                "keys": self.keys, "compressors": self.compressors, "skipped": dict(self.skipped),
                "elapsed_ms": round(self.elapsed_ms, 3)}

    def __repr__(self) -> str:
        return f"CompressResult(protocol={self.protocol!r}, blocks={len(self.blocks)}, keys={len(self.keys)})"


# Opaque payloads (base64 images, encrypted reasoning, thinking signatures) are not text tokens.
_OPAQUE_KEYS = frozenset(("data", "encrypted_content", "signature", "file_data"))


def _count_strings(obj: Any) -> int:
    total = 0
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            if not o.startswith("data:"):
                total += count_tokens_cached(o)
        elif isinstance(o, dict):
            stack.extend(v for k, v in o.items() if k not in _OPAQUE_KEYS)
        elif isinstance(o, list):
            stack.extend(o)
    return total


def count_body_tokens(body: Any) -> int:
    """Exact tokens of every string in a request body, counted as `CompressResult.tokens_before` counts them
    (the proxy counts the body it forwards the same way, so the provider's usage can be set against it)."""
    return _count_strings(body)


class _Rewriter:
    """Copy-on-write: copies only the containers on the path to each replaced value."""

    def __init__(self, root: dict):
        self.root = root
        self.new: dict | None = None
        self._copied: set[tuple] = set()

    def replace(self, path: tuple, value: Any) -> None:
        if self.new is None:
            self.new = dict(self.root)
        node: Any = self.new
        for d in range(len(path) - 1):
            step = path[d]
            child = node[step]
            prefix = path[:d + 1]
            if prefix not in self._copied:
                child = dict(child) if isinstance(child, dict) else list(child)
                node[step] = child
                self._copied.add(prefix)
            node = child
        node[path[-1]] = value

    def result(self) -> dict:
        return self.new if self.new is not None else self.root


def default_compressor() -> Compressor:
    """The router (imported on first use: the router loads every compressor)."""
    from .router import ROUTER

    return ROUTER


def run(body: dict, protocol: str, *, ratio: float, marker_tool: str, marker_hint: str,
        protect_tools: tuple[str, ...], min_tokens: int, compressor: Compressor | None,
        memo: Memo | None, store_getter: Callable[[], Any], ttl: int | None,
        walk: Callable[[dict, str], list] | None = None) -> CompressResult:
    """`walk`: what lists the sites (default: the wire's walker, tool results; `compress.api` passes the
    user-text walker for documents)."""
    t0 = time.perf_counter()
    memo = memo if memo is not None else default_memo()
    cver = f"{ENGINE_VERSION}|{identity(compressor)}|{min_tokens}|rereads:{rereads.VERSION}"
    rw = _Rewriter(body)
    blocks: list[BlockInfo] = []
    skipped: dict[str, int] = {}
    errors: list[str] = []
    new_lossy: list[tuple[tuple, MemoEntry, str, Any]] = []  # memo key, entry, original, site
    refresh: list[tuple[MemoEntry, str, Any]] = []
    store = None
    life = 0.0

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    site_list = (walk or walk_sites)(body, protocol)
    index = rereads.Index() if compressor is not None else None
    dirs: WorkDirs | None = None

    def verbatim(site: Any, text: str, ordinal: int, key: str | None = None) -> None:
        """The block goes out as it came: later re-reads may point at it."""
        if index is not None and len(text) >= rereads.MIN_CHARS:
            index.add(text, rereads.describe(site.tool_name, site.tool_input, site.command), ordinal,
                      numbers=rereads.numbers_are_prefixes(site.tool_name, site.command), key=key)

    for ordinal, site in enumerate(site_list):
        text = site.text
        # The estimate (a pass over the block) is put off until a memo miss needs it, when the block's length
        # alone says it is big enough: history blocks are memo hits, and their entries hold it.
        sure = surely_big_enough(text, min_tokens)
        est = None if sure else big_enough(text, min_tokens)
        if est is None and not sure:
            skip("small")
            verbatim(site, text, ordinal)
            continue
        if compressor is None:
            skip("no_compressor")
            continue
        if _user_protected(site.tool_name, protect_tools):
            skip("protected")
            verbatim(site, text, ordinal)
            continue
        is_read = policy.is_read_tool(site.tool_name)
        rpath = rereads.read_path(site.tool_input, site.command) if is_read else ""
        cwd = None
        if readpaths.looks_installed(rpath or site.command):  # only then is the working directory looked for
            if dirs is None:
                dirs = WorkDirs(body, [s.path for s in site_list])
            cwd = dirs.at(site.path)
        # a read tool's range of installed code (numbers not starting at 1) stays whole: see policy.is_protected
        ranged = bool(cwd) and is_read and _starts_past_one(text)
        protected = _protected(site.tool_name, site.command, protect_tools, rpath, cwd, ranged)
        can_ref = index is not None and index.could_match(text)
        if protected and not can_ref:
            skip("protected")
            verbatim(site, text, ordinal)
            continue
        ctx = Context(tool_name=site.tool_name, tool_input=site.tool_input, preceding_text=site.preceding_text,
                      ratio=ratio, marker_tool=marker_tool, marker_hint=marker_hint, is_error=site.is_error)
        # The block's retrieval key doubles as its memo hash: one hash of the block instead of two
        # (sha256 runs in hardware; 96 bits are plenty to tell blocks apart).
        bkey = key_for(text)
        # A block that may point at earlier ones depends on them too: their state is part of its key.
        mkey = (bkey, ctx.fingerprint(), cver) + ((index.state(), ordinal, protected) if can_ref else ())
        entry = memo.get(mkey)
        hit = entry is not None
        if entry is None:
            if est is None:
                est = estimate_tokens(text)
            ref = index.match(bkey, text, ordinal, ctx,
                              numbers=rereads.numbers_are_prefixes(site.tool_name, site.command)) if can_ref else None
            if protected:
                entry = _reference(ref, est, bkey)
            else:
                # (a log read with a read tool is output too: its numbers are the read tool's, as a `cat` has none)
                saved = is_read and (readpaths.is_saved_output(rpath) or policy.is_output_file(rpath))
                entry = _decide(text, ctx, compressor, errors, est, bkey, numbered_output=saved)
                if ref is not None:
                    alt = _reference(ref, est, bkey)
                    if alt.text is not None and (entry.text is None or alt.est_after <= entry.est_after):
                        entry = alt
            if entry.lossy:
                new_lossy.append((mkey, entry, text, site))  # memoised once its original is stored
            else:
                memo.put(mkey, entry)
        elif entry.lossy:
            if store is None:
                store = store_getter()
                life = _lifetime(store, ttl)
            if _needs_refresh(store, entry, life):
                refresh.append((entry, text, site))
        if entry.text is None:
            skip("protected" if protected else "kept")
            verbatim(site, text, ordinal, bkey)
            continue
        rw.replace(site.path, site.value(entry.text))
        blocks.append(BlockInfo(site.path, site.origin, site.tool_name, entry.kind, entry.compressor, entry.lossy,
                                entry.key, entry.est_before, entry.est_after, hit, entry, text))

    pending = [(e, t, s) for _, e, t, s in new_lossy] + refresh
    if pending:
        try:
            store = store if store is not None else store_getter()
            store.put_many([(t, e.key, {"tool": s.tool_name, "kind": e.kind}) for e, t, s in pending], ttl=ttl)
        except Exception as exc:
            # No silent loss: without its original kept, no lossy cut goes out. Forward the request as it came.
            errors.append(f"store: {type(exc).__name__}: {exc}"[:300])
            return CompressResult(body, body, protocol, [], {"store_failed": len(pending)},
                                  (time.perf_counter() - t0) * 1000, errors)
        now, sid = time.time(), _store_id(store)
        for e, _, _ in pending:
            e.stored[sid] = now
        for mkey, e, _, _ in new_lossy:
            memo.put(mkey, e)
    return CompressResult(body, rw.result(), protocol, blocks, skipped, (time.perf_counter() - t0) * 1000, errors)


@functools.lru_cache(maxsize=8192)
def _protected(tool_name: str, command: str, protect_tools: tuple[str, ...], read_path: str = "",
               cwd: str | None = None, ranged: bool = False) -> bool:
    return policy.is_protected(tool_name, command, protect_tools, read_path=read_path, cwd=cwd, ranged=ranged)


def _starts_past_one(text: str) -> bool:
    nb = numbered.parse(text[:4000])
    return nb is not None and nb.start == 0 and nb.first > 1


@functools.lru_cache(maxsize=1024)
def _user_protected(tool_name: str, protect_tools: tuple[str, ...]) -> bool:
    return policy.is_user_protected(tool_name, protect_tools)


def _reference(text: str | None, before: int, key: str) -> MemoEntry:
    """A block whose repeated lines became references (`rereads`): its original is stored under `key`."""
    if text is None:
        return MemoEntry(None)
    after = estimate_tokens(text)
    if after >= before:
        return MemoEntry(None)
    return MemoEntry(text, lossy=True, key=key, compressor=rereads.NAME, kind=rereads.NAME,
                     est_before=before, est_after=after)


def _decide(text: str, ctx: Context, compressor: Compressor, errors: list[str],
            before: int, key: str, *, numbered_output: bool = False) -> MemoEntry:
    """Run the compressor once for a block and decide whether to accept its result (`before`: the block's
    `estimate_tokens`, `key`: its `key_for`). `numbered_output`: the block is a saved command output read back
    with a read tool (`readpaths.is_saved_output`): its line numbers are dropped and the output inside is
    compressed like the output it is (the original, numbers included, stays one retrieval away)."""
    head = tail = ""
    full = text
    if numbered_output:
        split = numbered.strip(text)
        if split is not None:
            head, text, tail = split
    try:
        res = compressor.compress(text, ctx, key=key)  # the key the pipeline already hashed
    except Exception as e:  # fail-open per block; deterministic failures are memoised like any decision
        errors.append(f"{type(e).__name__}: {e}"[:300])
        return MemoEntry(None)
    if res is None or not isinstance(getattr(res, "text", None), str) or res.text == text:
        return MemoEntry(None)
    if text is not full:  # the line numbers are gone: the original is stored, and a marker names it
        body = res.text
        if not markers.names_key(body, key):
            body += f"\n{markers.omitted('line numbers', key, ctx)}"
        res = Result(head + body + tail, True, res.compressor, res.kind)
    after = estimate_tokens(res.text)
    if after >= before:
        return MemoEntry(None)
    if not res.lossy:
        key = ""
    elif key not in res.text:  # no silent loss: a lossy cut must name its key
        errors.append(f"{res.compressor or 'compressor'}: lossy result without its retrieval key; kept original")
        return MemoEntry(None)
    return MemoEntry(res.text, lossy=bool(res.lossy), key=key, compressor=res.compressor or "", kind=res.kind or "",
                     est_before=before, est_after=after)


def _store_id(store: Any) -> str:
    """Where an original was put, for the memo: a store's `scope_id` names the owner too (one owner's put does
    not store it for another), else its path."""
    return str(getattr(store, "scope_id", "") or getattr(store, "path", "")) or f"obj:{id(store)}"


def _lifetime(store: Any, ttl: int | None) -> float:
    life = ttl if ttl is not None else getattr(store, "ttl", None)
    if life is None:
        from ..ccr.store import default_ttl

        life = default_ttl()
    return float(life)


def _needs_refresh(store: Any, entry: MemoEntry, life: float) -> bool:
    """A memo hit must still find its original in *this* store (the memo outlives stores, e.g. another
    HEADROOM_HOME) and keep it alive: re-put when absent or past half its lifetime.
    (Timing only affects the store's expiry, never the bytes sent.)"""
    when = entry.stored.get(_store_id(store))
    return when is None or time.time() - when > life / 2
