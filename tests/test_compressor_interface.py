"""The compressor interface: every compressor module implements `base.Compressor`, the router's registry is built
from them, and a compressor registered for a kind is what the router runs — no router code names a compressor."""
from __future__ import annotations

import inspect
import json
import pkgutil

import pytest

import test_compressors_samples as S
from headroom_cli.ccr.store import key_for
from headroom_cli.compress import compressors, markers, router
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.base import (Compressor, Context, FunctionCompressor, Registry, Result, as_compressor,
                                        identity)
from headroom_cli.compress.memo import Memo
from headroom_cli.corpus_real import capture
from test_engine_helpers import FakeCompressor

SAMPLES = {  # a block of each kind detection tells apart
    "build": S.pytest_log()[0], "jsonl": S.sre_jsonl()[0], "log": S.worker_log()[0], "json": S.records_json()[0],
    "search": S.grep_output()[0], "diff": S.git_diff()[0], "code": S.python_source()[0],
    "table": S.kubectl_table()[0], "tree": S.npm_tree()[0], "text": S.prose()[0],
    "crash": capture("asan_use_after_free"),
    "threads": capture("jstack_deadlock"),
    "blame": capture("git_blame"),
}


def _modules():
    """Every module in compressors/ except the shared helpers."""
    names = sorted(m.name for m in pkgutil.iter_modules(compressors.__path__) if m.name != "common")
    return [getattr(compressors, n) for n in names]


@pytest.mark.parametrize("mod", _modules(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_compressor_module_implements_the_interface_and_is_registered(mod):
    assert isinstance(mod, Compressor)
    assert isinstance(mod.name, str) and mod.name
    assert isinstance(mod.kinds, tuple) and mod.kinds and all(k in router.KINDS for k in mod.kinds)
    params = inspect.signature(mod.compress).parameters
    assert list(params)[:2] == ["text", "ctx"]
    for kw in ("key", "doc"):
        assert params[kw].kind is inspect.Parameter.KEYWORD_ONLY and params[kw].default is None
    assert mod in compressors.REGISTERED


def test_the_registry_is_built_from_the_registered_modules_and_covers_every_kind():
    reg = router.REGISTRY
    assert set(reg.compressors) == set(compressors.REGISTERED)
    assert sorted(reg.kinds) == sorted(router.KINDS)  # every detected kind has its own compressor
    for c in compressors.REGISTERED:
        for kind in c.kinds:
            assert reg.for_kind(kind) is c
    assert reg.for_kind("no such kind") is compressors.FALLBACK


def test_two_compressors_for_one_kind_are_refused():
    class Twin:
        name, kinds = "twin", ("table",)

        def compress(self, text, ctx, *, key=None, doc=None):
            return None

    with pytest.raises(ValueError, match="'table' has two compressors"):
        Registry(compressors.REGISTERED + (Twin(),), fallback=compressors.FALLBACK)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_the_router_runs_the_registered_compressor_for_the_detected_kind(kind):
    text_ = SAMPLES[kind]
    assert router.detect(text_) == kind
    res = router.ROUTER.compress(text_, Context())
    assert res is not None and res.kind == kind and res.compressor == router.REGISTRY.for_kind(kind).name


class Dummy:
    """A compressor that is not in compressors/: keeps the first line, marks the rest."""

    name = "dummy"

    def __init__(self, *kinds):
        self.kinds = kinds
        self.calls: list[tuple[str | None, object]] = []

    def compress(self, text, ctx, *, key=None, doc=None):
        self.calls.append((key, doc))
        return Result(text.split("\n", 1)[0] + "\n" + markers.omitted("the rest", key, ctx), True, self.name)


def test_registering_a_dummy_compressor_makes_the_router_use_it():
    text_ = SAMPLES["table"]
    dummy = Dummy("table")
    r = router.Router(router.REGISTRY.replacing(dummy))
    res = r.compress(text_, Context())
    assert res is not None and res.compressor == "dummy" and res.kind == "table"
    assert dummy.calls == [(key_for(text_), None)]  # the block's key, and no parse for a non-JSON block
    assert res.text.startswith(text_.split("\n", 1)[0] + "\n") and markers.find_keys(res.text) == [key_for(text_)]
    # the other kinds keep their compressors, the default router is untouched
    assert r.compress(SAMPLES["log"], Context()).compressor == "logs"
    assert router.ROUTER.compress(text_, Context()).compressor == "table"
    assert r.registry.for_kind("jsonl") is compressors.logs  # logs keeps jsonl when "log" alone is replaced
    assert router.Router(router.REGISTRY.replacing(Dummy("log"))).registry.for_kind("jsonl") is compressors.logs


def test_a_json_compressor_gets_the_document_detection_parsed():
    text_ = SAMPLES["json"]
    dummy = Dummy("json")
    assert router.Router(router.REGISTRY.replacing(dummy)).compress(text_, Context()).compressor == "dummy"
    assert dummy.calls == [(key_for(text_), json.loads(text_))]


def test_a_router_with_a_registered_dummy_runs_through_the_library_api():
    text_ = SAMPLES["table"]
    body = {"model": "m", "messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "x"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": text_}]}]}
    dummy = Dummy("table")
    r = compress_request(body, "anthropic", CompressConfig(compressor=router.Router(router.REGISTRY.replacing(dummy)),
                                                           memo=Memo(), store=_Mem()))
    assert [b.compressor for b in r.blocks] == ["dummy"] and r.keys == [key_for(text_)]
    assert dummy.calls == [(key_for(text_), None)]  # the pipeline hands over the key it hashed


class _Mem:
    path, ttl = "", 3600

    def __init__(self):
        self.items = {}

    def put_many(self, items, *, ttl=None):
        for text, key, _ in items:
            self.items[key] = text
        return [k for _, k, _ in items]


def test_plain_functions_are_adapted_and_memo_identities_tell_compressors_apart():
    assert as_compressor(router.ROUTER) is router.ROUTER
    assert as_compressor(compressors.json_data) is compressors.json_data
    fake = FakeCompressor()
    wrapped = as_compressor(fake)
    assert isinstance(wrapped, FunctionCompressor) and isinstance(wrapped, Compressor)
    text_ = "\n".join(f"line {i}" for i in range(10))
    assert wrapped.compress(text_, Context(), key="ignored") == fake(text_, Context())
    assert "fake-1" in identity(wrapped)  # the function's own version is part of its memo identity
    other = router.Router(router.REGISTRY.replacing(Dummy("table")))
    ids = {identity(router.ROUTER), identity(other), identity(wrapped), identity(compressors.logs),
           identity(as_compressor(lambda t, c: None))}
    assert len(ids) == 5
    assert identity(router.ROUTER) == identity(router.Router())  # same registry, same identity
