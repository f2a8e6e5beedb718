"""Piped output is not cut at 80 columns, and `headroom retrieve` takes a unique key prefix (issue 16 item 15)."""
from __future__ import annotations

import json

import pytest

from headroom_cli.ccr.store import default_store
from headroom_cli.cli import main


def test_cache_list_into_a_pipe_shows_whole_keys(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    store = default_store()
    keys = [store.put(f"original number {i} " * 50, meta={"tool": "Bash", "command": "x" * 80}) for i in range(3)]
    assert main(["cache", "--list"]) == 0
    out = capsys.readouterr().out
    for k in keys:
        assert k in out  # not `3f9a…`
    assert "…" not in out


def test_retrieve_accepts_a_unique_prefix(capsys):
    store = default_store()
    text = "a stored original\nwith two lines"
    key = store.put(text)
    assert main(["retrieve", "--key", key[:8]]) == 0
    assert capsys.readouterr().out == text


def test_an_ambiguous_prefix_lists_the_candidates(capsys):
    store = default_store()
    keys = [store.put(f"original {i}") for i in range(40)]
    prefix = ""
    for n in range(1, 8):  # the shortest prefix two keys share
        firsts = [k[:n] for k in keys]
        shared = next((p for p in firsts if firsts.count(p) > 1), None)
        if shared is None:
            break
        prefix = shared
    assert prefix
    assert main(["retrieve", "--key", prefix]) == 2
    err = capsys.readouterr().err
    assert "matches" in err and all(k in err for k in keys if k.startswith(prefix))


def test_an_unknown_key_is_still_not_found(capsys):
    assert main(["retrieve", "--key", "ffffffffffff"]) == 1
    assert "no original stored" in capsys.readouterr().err


def test_stats_json_field_names_stay(capsys):
    assert main(["stats", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "current" in doc and "headline" in doc
