"""The ONE place every proxied request body passes through on its way upstream.

Order: compress tool results (compress/), shape the output (output/), inject the retrieve tool
(ccr/). Each step is a pure function of the body and the settings, so a request the client re-sends
is forwarded with the same bytes every turn (cache safety). Contract: `changed=False` means "forward
the original bytes untouched"; the caller fails open on any exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .. import config, jsonspan, wires
from .settings import ProxySettings


@dataclass
class RequestContext:
    protocol: str  # one of `wires.WIRES`, or `wires.PASSTHROUGH`
    path: str  # request path as the client sent it (no query)
    method: str = "POST"
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # client headers (contain secrets: never log)
    settings: ProxySettings = field(default_factory=ProxySettings)
    user: str = config.LOCAL_USER  # whose request: the originals it stores are theirs

    @property
    def session_id(self) -> str:
        return self.settings.session_id

    @property
    def agent(self) -> str:
        return self.settings.agent


@dataclass
class Transformed:
    body: bytes  # what goes upstream (decoded; equal to the input when nothing changed)
    changed: bool = False
    tokens_before: int = 0
    tokens_after: int = 0
    encoding: str = ""  # tokenizer behind tokens_before/after
    compressors: dict[str, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)  # CCR keys of originals stored for this request
    error: str = ""  # fail-open reason
    output_arm: str = ""  # reduce-output holdout arm
    extra: dict[str, Any] = field(default_factory=dict)
    # Exact token figures are slow (tiktoken): the proxy computes them after forwarding.
    # Returns (tokens_before, tokens_after, saved_by compressor).
    figures: Callable[[], tuple[int, int, dict[str, int]]] | None = None
    # What the ledger records: fills a RequestRecord's token figures (the ones above, or before = after when
    # nothing was compressed, and `tokens_sent`, our count of the forwarded body). Slow like `figures`.
    fill_figures: Callable[[Any], None] | None = None
    # The body as forwarded, set when the proxy answers `headroom_retrieve` calls in the response
    # (it continues the conversation from this body).
    parsed: dict | None = None


def _parse(body: bytes) -> tuple[Any, str | None]:
    """A strict JSON body's value (RFC 8259: UTF-8, no NaN/Infinity) and its text; ValueError for anything
    else, which is then forwarded untouched (changing it would mean guessing what it says).
    Always `jsonspan`, never orjson even when installed (langchain-core brings it): orjson refuses escaped lone
    surrogates that agents do send, and reads huge exponents as infinity, so the same request was compressed or
    forwarded differently depending on what else the environment had installed."""
    text = body.decode("utf-8")
    return jsonspan.loads(text), text


def _loads(body: bytes) -> Any:
    return _parse(body)[0]


def may_change(settings: ProxySettings) -> bool:
    """Whether `transform_request` can change a body under these settings. With compression off and no
    output shaping it forwards every body as it came, so the proxy need not even parse it."""
    return not settings.no_compress or bool(settings.reduce_output or settings.effort_routing)


def dumps(obj: Any) -> bytes:
    """Compact, deterministic serialisation: the same body always gives the same bytes, valid UTF-8
    (lone surrogates escaped; `surrogatepass` would send the upstream ED A0 80, which is not UTF-8)."""
    return jsonspan.dumps(obj)


class _ScratchStore:
    """Keeps warm-up originals out of the user's store."""

    path = ""
    ttl = 60

    def put_many(self, items, *, ttl=None):
        return [k for _, k, _ in items]

    def get(self, key):
        return None


class _UserOriginals:
    """The request's user's originals, opened on the engine's first lossy cut only (most requests cut nothing, and
    finding the store costs more than a request that passes through)."""

    def __init__(self, settings: ProxySettings, user: str):
        self._settings, self._user, self._store = settings, user, None

    def __getattr__(self, name: str) -> Any:
        if self._store is None:
            self._store = self._settings.originals(self._user)
        return getattr(self._store, name)


def warm_up(stopping: Callable[[], bool] = lambda: False, settings: ProxySettings | None = None) -> None:
    """Load the engine before the first request needs it: imports, regexes and the store cost ~150 ms
    on a first compression otherwise. Runs on a worker thread at proxy start; never raises; skips what is
    left once `stopping()` (a proxy that stops has no first request to prepare for)."""
    settings = settings if settings is not None else ProxySettings.from_config()
    try:
        from ..compress.api import CompressConfig, compress_request
        from ..compress.memo import Memo
        from ..output import shaper  # noqa: F401

        if stopping():
            return
        settings.originals()  # opens the store (a shared one: its connection pool)
        if stopping():
            return
        sample = "\n".join(f"2026-01-01T00:00:{i % 60:02d}Z INFO worker {i} ok" for i in range(300))
        body = {"messages": [{"role": "user", "content": "warm up"},
                             {"role": "assistant", "content": [{"type": "tool_use", "id": "w", "name": "Bash",
                                                                "input": {"command": "cat log"}}]},
                             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "w",
                                                           "content": sample}]}]}
        compress_request(body, "anthropic", CompressConfig(store=_ScratchStore(), memo=Memo()))
        if stopping():
            return
        from ..compress.tokens import count_tokens

        # Last, being the longest step (~0.2 s): loads the BPE file, needed for the first request's figures.
        count_tokens("warm up")
    except Exception:  # a warm-up failure only means the first request pays the cost
        pass


def transform_request(body: bytes, rctx: RequestContext) -> Transformed:
    """Rewrite one request body (already decoded from gzip/zstd)."""
    s = rctx.settings
    # Every wire is rewritten (each step's map covers every wire: tests/test_wires.py); passthrough never.
    if rctx.protocol not in wires.WIRES or rctx.method != "POST":
        return Transformed(body=body)
    try:
        data, text = _parse(body)
    except (ValueError, RecursionError):  # (RecursionError: nested deeper than the parser recurses)
        return Transformed(body=body)  # not JSON we can read: not ours to judge, the provider will answer
    if not isinstance(data, dict):
        return Transformed(body=body)
    counting = rctx.path.endswith("/count_tokens")
    new = data
    out = Transformed(body=body)
    res = None

    if not s.no_compress:
        from ..compress.api import CompressConfig, compress_request

        cfg = CompressConfig(ratio=s.compress_ratio, marker_tool=s.marker_tool, marker_hint=s.marker_hint,
                             protect_tools=s.protect_tools, ttl=s.originals_ttl(), store=_UserOriginals(s, rctx.user),
                             documents=("off" if not s.compress_documents else
                                        "lossless" if s.retrieval == "off" else "retrievable"))
        res = compress_request(new, rctx.protocol, cfg)
        if res.errors:
            out.error = "; ".join(res.errors)[:500]
        if res.changed:
            new = res.body
            out.compressors = res.compressors
            out.keys = res.keys
            # (the encoding's name is filled in with the figures: naming it loads tiktoken, ~200 ms cold)

            def figures(res=res) -> tuple[int, int, dict[str, int]]:
                saved_by: dict[str, int] = {}
                for b in res.blocks:
                    before, after = b.exact()
                    saved_by[b.compressor] = saved_by.get(b.compressor, 0) + before - after
                before = res.tokens_before
                return before, before - sum(saved_by.values()), saved_by

            out.figures = figures

    if not counting:
        from ..output.shaper import shape_with_settings

        shaped, arm = shape_with_settings(new, rctx.protocol, s)
        out.output_arm = arm
        if arm:
            from ..output.holdout import conversation_id

            out.extra["conversation_id"] = conversation_id(data, rctx.protocol)
        if shaped is not None:
            new = shaped
        if s.retrieval == "inject" and not s.no_compress:
            from ..ccr import retrieve_tool

            injected = retrieve_tool.inject(new, rctx.protocol)
            if injected is not None:
                new = injected
            if retrieve_tool.can_inject(new, rctx.protocol):
                out.parsed = new

    if new is not data:
        try:
            out.body = serialise(body, data, new, text)
        except ValueError as e:  # jsonspan.NotStrict, or text that is not UTF-8: forward it as it came
            return _untouched(body, res, f"forwarded untouched: {e}"[:500])
        out.changed = True
    if res is not None:
        out.fill_figures = _filler(res, out.figures, new)
    return out


def serialise(body: bytes, data: dict, new: dict, text: str | None = None) -> bytes:
    """The bytes of `new`, a copy-on-write change of `data` (parsed from `body`): the changed values
    spliced into the client's own bytes, so everything else (number spellings, escapes, whitespace,
    duplicate keys off the changed paths) goes upstream as the client sent it."""
    return jsonspan.encode(jsonspan.splice(body.decode("utf-8") if text is None else text, data, new))


def _untouched(body: bytes, res, error: str) -> Transformed:
    out = Transformed(body=body, error=error)
    if res is not None:
        out.fill_figures = _filler(res, None, res.original)
    return out


def _filler(res, figures, sent_body: dict) -> Callable[[Any], None]:
    def fill(rec) -> None:
        if figures is not None:
            rec.tokens_before, rec.tokens_after, rec.saved_by = figures()
        else:  # compression ran and found nothing to cut: the request counts, 0 saved
            rec.tokens_before = rec.tokens_after = res.tokens_before
        if sent_body is res.original:
            rec.tokens_sent = rec.tokens_before
        else:
            from ..compress.pipeline import count_body_tokens

            rec.tokens_sent = count_body_tokens(sent_body)  # memoised per string: mostly hits

    return fill
