"""`headroom cache --list [--json] | --clear | --ttl | --stats`."""
import json

from headroom_cli import config
from headroom_cli.ccr.store import default_store
from headroom_cli.cli import main


def test_empty_store_list(capsys):
    assert main(["cache", "--list"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["cache", "--list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"entries": []}


def test_list_json_and_clear(capsys):
    s = default_store()
    k1, k2 = s.put("one original"), s.put("two originals here", meta={"tool": "Bash"})
    assert main(["cache", "--list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert {e["key"] for e in entries} == {k1, k2}
    assert {e["size"] for e in entries} == {len("one original"), len("two originals here")}
    assert main(["cache", "--list"]) == 0
    assert k1 in capsys.readouterr().out
    assert main(["cache", "--clear", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cleared": 2}
    assert s.get(k1) is None and s.list() == []


def test_ttl_is_persisted_and_used(capsys):
    assert main(["cache", "--ttl", "3600"]) == 0
    assert "1.0 h" in capsys.readouterr().out
    assert config.user_config()["cache_ttl"] == 3600
    assert config.get("cache_ttl") == 3600
    key = default_store().put("kept an hour")
    (e,) = [e for e in default_store().list() if e["key"] == key]
    assert abs((e["expires"] - e["created"]) - 3600) < 1
    assert main(["cache", "--stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stats"]["ttl"] == 3600


def test_ttl_must_be_positive():
    assert main(["cache", "--ttl", "0"]) == 2


def test_default_view_is_stats(capsys):
    default_store().put("abc")
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert "entries   1" in out and "lifetime" in out


def test_unusable_cache_dir(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HEADROOM_HOME", str(blocker))
    assert main(["cache", "--list"]) == 1
    assert "cannot open the store" in capsys.readouterr().err
