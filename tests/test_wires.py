"""Every per-wire map covers every wire, and every feature fails the same way on a name that is not one.

A new wire is added to `headroom_cli.wires.WIRES`; `test_every_map_covers_every_wire` then fails naming
each map (and so each feature) that still lacks an entry for it.
"""
from __future__ import annotations

import importlib
import sys

import pytest

from headroom_cli import wires
from headroom_cli.wires import PASSTHROUGH, WIRES, ProviderMap, UnknownProvider, UnknownWire, WireMap

# Every per-wire (or per-provider) map in the package, by module and attribute. Explicit on purpose:
# `test_no_map_is_left_out` finds any map this list forgot.
FEATURE_MAPS = {
    "wires.PROVIDER_OF": ("headroom_cli.wires", "PROVIDER_OF"),
    "message lists": ("headroom_cli.wires", "MESSAGE_LISTS"),
    "protocol walkers": ("headroom_cli.compress.protocols", "WALKERS"),
    "user-text walkers": ("headroom_cli.compress.protocols.user_text", "USER_TEXT"),
    "retrieval splicers": ("headroom_cli.ccr.splice", "SPLICERS"),
    "response merges": ("headroom_cli.ccr.splice", "MERGES"),
    "in-stream errors": ("headroom_cli.proxy.retrieval", "STREAM_ERRORS"),
    "usage sniffers": ("headroom_cli.stats.usage", "DIALECTS"),
    "terseness notes": ("headroom_cli.output.terseness", "PLACEMENTS"),
    "effort routing": ("headroom_cli.output.effort", "EFFORT"),
    "retrieve-tool definitions": ("headroom_cli.ccr.retrieve_tool", "TOOL_SHAPES"),
    "provider error bodies": ("headroom_cli.proxy.upstream", "ERROR_BODIES"),
}
# The maps whose deliberate answer for the catch-all route is "leave it alone" (see each map's comment).
WITH_PASSTHROUGH = {"usage sniffers", "terseness notes", "effort routing"}


def feature_maps() -> dict[str, WireMap]:
    return {label: getattr(importlib.import_module(mod), attr) for label, (mod, attr) in FEATURE_MAPS.items()}


def coverage_gaps() -> dict[str, tuple[str, ...]]:
    return {f"{label} ({mod}.{attr})": m.missing()
            for (label, (mod, attr)), m in zip(FEATURE_MAPS.items(), feature_maps().values()) if m.missing()}


def test_every_map_covers_every_wire():
    gaps = coverage_gaps()
    assert not gaps, "wires without an entry, per map:\n" + "\n".join(f"  {k}: {', '.join(v)}" for k, v in gaps.items())


def test_every_wire_provider_has_error_bodies():
    assert set(wires.PROVIDER_OF.values()) <= set(wires.PROVIDERS)
    assert isinstance(feature_maps()["provider error bodies"], ProviderMap)


def test_a_new_wire_is_reported_missing_from_every_wire_map(monkeypatch):
    """The coverage test above is real: a fifth wire makes it name every wire map (not the provider map)."""
    monkeypatch.setattr(wires, "WIRES", (*WIRES, "bedrock"))
    gaps = coverage_gaps()
    wire_maps = [label for label, m in feature_maps().items() if not isinstance(m, ProviderMap)]
    assert len(wire_maps) == len(FEATURE_MAPS) - 1
    assert sorted(k.split(" (")[0] for k in gaps) == sorted(wire_maps)
    assert all(v == ("bedrock",) for v in gaps.values())
    with pytest.raises(AssertionError, match="bedrock"):
        test_every_map_covers_every_wire()
    monkeypatch.setattr(wires, "PROVIDERS", (*wires.PROVIDERS, "aws"))
    assert feature_maps()["provider error bodies"].missing() == ("aws",)


def test_no_map_is_left_out():
    """Every WireMap held by a loaded headroom module is one of FEATURE_MAPS (import the proxy, which
    pulls in the engine, the ledger, output shaping and retrieval)."""
    importlib.import_module("headroom_cli.proxy.app")
    feature_maps()
    listed = {id(m) for m in feature_maps().values()}
    found = {f"{name}.{attr}" for name, mod in list(sys.modules.items()) if name.startswith("headroom_cli")
             for attr, v in vars(mod).items() if isinstance(v, WireMap) and id(v) not in listed}
    assert not found, f"per-wire maps missing from FEATURE_MAPS: {sorted(found)}"


@pytest.mark.parametrize("label", sorted(FEATURE_MAPS))
def test_each_map_raises_unknown_wire(label):
    m = feature_maps()[label]
    with pytest.raises(UnknownWire) as e:
        m["grpc"]
    assert e.value.feature == m.feature
    assert "grpc" in str(e.value) and ", ".join(m.names()) in str(e.value)
    assert "grpc" not in m and m.get("grpc") is None
    with pytest.raises(UnknownWire):
        m.add("grpc", None)  # registering a name that is not a wire fails at import time, loudly
    if label in WITH_PASSTHROUGH:
        assert m.has_passthrough and m[PASSTHROUGH] is not None and PASSTHROUGH not in m
    else:
        assert not m.has_passthrough
        with pytest.raises(UnknownWire):
            m[PASSTHROUGH]


def _feature_calls():
    """Each feature's public entry point, called with a name that is not a wire."""
    from headroom_cli.ccr import retrieve_tool
    from headroom_cli.ccr.splice import make_splicer
    from headroom_cli.compress.protocols import sites
    from headroom_cli.output.effort import route_effort, turn_kind
    from headroom_cli.output.shaper import shape_request
    from headroom_cli.output.terseness import apply_terseness
    from headroom_cli.proxy import upstream
    from headroom_cli.stats.usage import UsageSniffer
    return {
        "walkers": lambda p: sites({"messages": []}, p),
        "splicer": lambda p: make_splicer(p),
        "usage": lambda p: UsageSniffer(p),
        "terseness": lambda p: apply_terseness({"messages": []}, p, 2),
        "shaper": lambda p: shape_request({"messages": []}, p, level=2),
        "turn kind": lambda p: turn_kind({"messages": []}, p),
        "effort": lambda p: route_effort({"messages": []}, p, enabled=True),
        "tool definition": lambda p: retrieve_tool.definition(p),
        "tool injection": lambda p: retrieve_tool.inject({"messages": []}, p),
        "error body": lambda p: upstream.error_body(p, 502, "x"),
    }


@pytest.mark.parametrize("feature", sorted(_feature_calls()))
def test_every_feature_raises_unknown_wire(feature):
    call = _feature_calls()[feature]
    with pytest.raises(UnknownWire, match="'grpc'"):
        call("grpc")
    with pytest.raises(ValueError):  # what the walkers and the retrieve tool raised before
        call("grpc")
    for name in (wires.PROVIDERS if feature == "error body" else WIRES):
        call(name)  # every wire (provider, for error bodies) is known to every feature


def test_error_bodies_fail_as_unknown_provider():
    from headroom_cli.proxy import upstream
    with pytest.raises(UnknownProvider, match="known: anthropic, openai, google"):
        upstream.error_body("openai_chat", 502, "x")  # a wire is not a provider


def test_unknown_wire_message_and_types():
    e = UnknownWire("grpc", "retrieval splicers")
    assert str(e) == ("unknown wire protocol 'grpc' for retrieval splicers "
                      "(known: anthropic, openai_chat, openai_responses, gemini)")
    assert isinstance(e, KeyError) and isinstance(e, ValueError)
    assert wires.check("anthropic") == "anthropic"
    with pytest.raises(UnknownWire):
        wires.check(PASSTHROUGH)  # passthrough is a route, not a wire


def test_wire_map_register_and_lookup():
    m: WireMap[int] = WireMap("demo", passthrough=0)
    m.register(wires.ANTHROPIC)(1)
    assert m[wires.ANTHROPIC] == 1 and m[PASSTHROUGH] == 0 and list(m) == [wires.ANTHROPIC]
    assert m.missing() == (wires.OPENAI_CHAT, wires.OPENAI_RESPONSES, wires.GEMINI)
    with pytest.raises(UnknownWire):
        m[["unhashable"]]  # type: ignore[index]
    assert ["unhashable"] not in m


def test_wires_module_imports_nothing_of_headroom():
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(wires))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("headroom_cli"), ast.dump(node)
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("headroom_cli") for a in node.names)


def test_proxy_reads_its_wires_from_the_registry():
    """The relay sniffs usage on every wire and never on passthrough; the pipeline rewrites every wire."""
    from headroom_cli.proxy import relay
    from headroom_cli.stats.usage import UsageSniffer
    for wire in WIRES:
        assert isinstance(relay.sniffer_for(wire).inner, UsageSniffer)
    assert isinstance(relay.sniffer_for(PASSTHROUGH).inner, relay.NullSniffer)
    assert not hasattr(relay, "SNIFFED")
    from headroom_cli.proxy import pipeline
    assert not hasattr(pipeline, "ENGINE_PROTOCOLS")
