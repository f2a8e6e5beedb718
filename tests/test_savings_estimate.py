"""The money estimate: never more saved than compression removed (issue 16, item 3).

The provider's usage covers the request as forwarded — with the retrieve tool headroom injected and any output
note. Our before/after counts are converted to the provider's units by the ratio of its usage to our count of that
same forwarded request; the injected tool must be on both sides of that ratio, or a request whose tool result
shrank to almost nothing looks like it saved several times its own size.
"""
from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_cli.stats import prices
from headroom_cli.stats.ledger import Ledger
from headroom_cli.stats.prices import Price, PriceTable
from headroom_cli.stats.records import RequestRecord, Usage

SONNET = {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}
PRICES = PriceTable({"claude-sonnet-4-5": SONNET}, {})

counts = st.integers(min_value=0, max_value=2_000_000)
usages = st.builds(Usage, counts, counts, counts, st.integers(min_value=0, max_value=100_000))
rates = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
price_st = st.builds(Price, st.just("m"), rates, rates, rates, rates)


def ceiling(removed: int, p: Price) -> float:
    """Tokens removed × the highest input price that applies (uncached, cache read or cache write)."""
    return max(0, removed) * max(p.input, p.cache_read, p.cache_write) / 1e6


@settings(max_examples=400, deadline=None)
@given(before=counts, after=counts, usage=usages, price=price_st)
def test_estimate_never_exceeds_the_tokens_removed_at_the_highest_price(before, after, usage, price):
    split = prices.split_saved(before, after, usage)
    assert split.total <= max(0, before - after) + 1e-6
    assert prices.value(split, price) <= ceiling(before - after, price) * (1 + 1e-9) + 1e-12


@settings(max_examples=400, deadline=None)
@given(before=counts, after=counts, added=counts, usage=usages, price=price_st)
def test_estimate_with_the_forwarded_count_never_exceeds_the_tokens_removed(before, after, added, usage, price):
    split = prices.split_saved(before, after, usage, sent=after + added)
    assert split.total <= max(0, before - after) + 1e-6
    assert prices.value(split, price) <= ceiling(before - after, price) * (1 + 1e-9) + 1e-12


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(counts, counts, counts, usages), min_size=1, max_size=6))
def test_ledger_totals_never_claim_more_than_was_removed(rows):
    with tempfile.TemporaryDirectory() as d, Ledger(Path(d) / "l.db") as lg:
        for before, after, added, usage in rows:
            lg.record(RequestRecord(session_id="p", agent="claude", protocol="anthropic", path="/v1/messages",
                                    model="claude-sonnet-4-5", status=200, tokens_before=before,
                                    tokens_after=after, tokens_sent=after + added, usage=usage))
        t = lg.totals(prices=PRICES)
    removed = sum(max(0, b - a) for b, a, _, _ in rows)
    assert t["provider_tokens_saved"] <= removed + 0.1 * len(rows)
    assert t["usd_saved"] <= ceiling(removed, prices.Price("s", **SONNET)) + 1e-6


def test_the_reported_case_saves_no_more_than_the_request_had():
    """5,236 → 152 tokens, the retrieve tool (218) injected, the provider billed 432: it was 14,449 saved."""
    with Ledger() as lg:
        lg.record(RequestRecord(session_id="r", agent="claude", protocol="anthropic", path="/v1/messages",
                                model="claude-sonnet-4-5", status=200, tokens_before=5236, tokens_after=152,
                                tokens_sent=152 + 218, usage=Usage(input_tokens=432)))
        t = lg.session_totals("r", prices=PRICES)
    assert t["tokens_saved"] == 5084
    assert t["provider_tokens_saved"] <= 5084
    assert t["usd_saved"] <= 5084 * 3.0 / 1e6 + 1e-9


def test_the_ratio_is_taken_over_the_request_as_forwarded():
    """A provider that counts half our tokens: saved is half of what we removed, whatever headroom added."""
    s = prices.split_saved(10_000, 1_000, Usage(input_tokens=600, cache_read_tokens=0), sent=1_200)
    assert s.total == pytest.approx(9_000 * 600 / 1_200)  # not 9_000 * 600 / 1_000
    # the split follows the request's own billing mix
    s = prices.split_saved(10_000, 1_000, Usage(input_tokens=100, cache_read_tokens=500), sent=1_200)
    assert (s.input, s.cache_read) == (pytest.approx(9_000 * 100 / 1_200), pytest.approx(9_000 * 500 / 1_200))


def test_a_provider_counting_more_than_we_do_does_not_inflate_the_saving():
    # billed 1.3× our count of the forwarded request: the saving stays what we removed, split by the mix
    s = prices.split_saved(10_000, 2_000, Usage(input_tokens=260, cache_read_tokens=2_340), sent=2_000)
    assert s.total == pytest.approx(8_000)
    assert s.cache_read == pytest.approx(8_000 * 0.9)


# -- end to end: the proxy with its injected retrieve tool -----------------------------------------
def _post(url: str, body: dict) -> bytes:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", "x-api-key": "k",
                                          "anthropic-version": "2023-06-01"})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.read()


def _log(n: int) -> str:
    return "\n".join(f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{i % 7} request {i} ok "
                     f"in {i % 97} ms" for i in range(n))


def test_proxy_with_the_retrieve_tool_records_savings_in_the_providers_units():
    """The fake provider counts half the tokens we count, over exactly what it received (tool included)."""
    pytest.importorskip("headroom_cli.testing.fake_provider")
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings
    from headroom_cli.compress.pipeline import count_body_tokens
    from headroom_cli.stats.recorder import Recorder
    from headroom_cli.testing.fake_provider import FakeProvider, Text

    def script(req):
        billed = count_body_tokens(req.json) // 2
        return Text("ok", usage={"input": billed, "cache_read": 0, "cache_write": 0, "output": 3})

    body = {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": [
        {"role": "user", "content": "is the worker healthy?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                           "input": {"command": "cat worker.log"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": _log(400)}]}]}
    with FakeProvider(script).in_thread() as fake:
        recorder = Recorder()
        settings_ = ProxySettings(anthropic_upstream=fake.url, openai_upstream=fake.url + "/v1",
                                  session_id="tool", agent="claude", on_record=recorder)
        proxy = ProxyServer(settings_).start().wait_ready(10)
        try:
            _post(proxy.url + "/v1/messages", body)
        finally:
            proxy.stop()
            recorder.close()
        sent = fake.model_requests[-1].json
    assert any(t.get("name") == "headroom_retrieve" for t in sent.get("tools", [])), "the tool was injected"
    with Ledger() as lg:
        t = lg.session_totals("tool", prices=PRICES)
    removed = t["tokens_saved"]
    assert removed > 0.5 * t["tokens_before"]
    assert t["provider_tokens_saved"] == pytest.approx(removed / 2, rel=0.02)
