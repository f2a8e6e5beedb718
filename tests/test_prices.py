"""Price table lookup, user overrides, and how saved tokens are valued."""
from __future__ import annotations

import pytest

from headroom_cli import config
from headroom_cli.errors import UsageError
from headroom_cli.stats import prices
from headroom_cli.stats.records import Usage


@pytest.mark.parametrize("model,key", [
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("anthropic/claude-3-5-haiku-20241022", "claude-3-5-haiku"),
    ("us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1"),
    ("claude-opus-4-6[1m]", "claude-opus-4-6"),
    ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("openai/gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
    ("GPT-5-Codex", "gpt-5-codex"),
])
def test_normalize(model, key):
    assert prices.normalize(model) == key


def test_builtin_table_is_dated_and_sourced():
    t = prices.load()
    assert t.as_of and "anthropic" in t.source.lower() and "openai" in t.source.lower()
    for key, e in t.models.items():
        for f in ("input", "output", "cache_read", "cache_write"):
            assert e[f] >= 0, (key, f)
        assert e["cache_read"] <= e["input"] <= e["output"], key


def test_exact_lookup_and_family_fallback():
    p = prices.lookup("claude-sonnet-4-5-20250929")
    assert (p.input, p.output, p.cache_read, p.cache_write, p.approx) == (3.0, 15.0, 0.30, 3.75, False)
    q = prices.lookup("claude-opus-9-9")  # a future model: family price, flagged
    assert q is not None and q.approx and q.model == "claude-opus-5"
    assert prices.lookup("gpt-5.1-codex-max").model == "gpt-5.1"
    assert prices.lookup("llama-3-70b") is None
    assert prices.lookup("") is None


def test_user_file_overrides_per_model():
    f = config.paths().config_dir / "prices.toml"
    f.parent.mkdir(parents=True)
    f.write_text('as_of = "2030-01-01"\n[models."claude-sonnet-4-5"]\ninput = 1.0\noutput = 2.0\n'
                 'cache_read = 0.1\ncache_write = 1.5\n[models."my-local-model"]\ninput = 0.5\n', encoding="utf-8")
    t = prices.load()
    assert t.lookup("claude-sonnet-4-5").input == 1.0
    assert t.lookup("claude-haiku-4-5").input == 1.0  # untouched built-in
    local = t.lookup("my-local-model")
    assert local.input == 0.5 and local.cache_read == 0.5 and local.output == 0.0
    assert t.describe()["user_as_of"] == "2030-01-01"
    assert prices.table().lookup("my-local-model") is not None  # cached accessor sees the file


def test_broken_user_file_is_a_usage_error():
    f = config.paths().config_dir / "prices.toml"
    f.parent.mkdir(parents=True)
    f.write_text("[models\n", encoding="utf-8")
    with pytest.raises(UsageError):
        prices.load()


def test_cost_of_a_request():
    p = prices.Price("x", input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)
    u = Usage(input_tokens=1_000_000, cache_read_tokens=2_000_000, cache_write_tokens=0, output_tokens=100_000)
    assert p.cost(u) == pytest.approx(3.0 + 0.6 + 1.5)


def test_saved_tokens_split_by_cache_share():
    # We counted 10 000 → 6 000 (6 000 forwarded); the provider billed 6 600 input tokens, 6 000 of them cache reads.
    u = Usage(input_tokens=600, cache_read_tokens=6000, cache_write_tokens=0, output_tokens=50)
    s = prices.split_saved(10_000, 6_000, u)
    # the 4 000 removed, split like the billed input (1/11 uncached, 10/11 cache reads); the provider counting
    # 10 % more than we do does not make it 4 400: more than was removed
    assert s.input == pytest.approx(4000 / 11)
    assert s.cache_read == pytest.approx(40_000 / 11)
    assert s.cache_write == 0
    p = prices.Price("x", input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)
    # cache reads are worth a tenth: 363.6*3 + 3636.4*0.3 µ$ — not 4000*3
    assert prices.value(s, p) == pytest.approx((4000 / 11 * 3 + 40_000 / 11 * 0.3) / 1e6)
    assert prices.value(s, None) == 0.0


def test_saved_without_usage_uses_our_count_as_uncached_input():
    s = prices.split_saved(5000, 1000, Usage())
    assert (s.input, s.cache_read, s.cache_write) == (4000.0, 0.0, 0.0)
    assert prices.split_saved(1000, 1000, Usage(10, 0, 0, 1)).total == 0


def test_added_tokens_count_against_savings():
    s = prices.split_saved(1000, 1100, Usage(input_tokens=1100))
    assert s.total == pytest.approx(-100)
