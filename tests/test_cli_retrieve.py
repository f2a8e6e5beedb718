"""`headroom retrieve --key K`."""
import subprocess
import sys

from headroom_cli.ccr.store import default_store
from headroom_cli.cli import main


def test_prints_original_exactly(capfdbinary):
    original = "a\r\nb\t\u00e9\u2603\n\nlast line without newline"
    key = default_store().put(original)
    assert main(["retrieve", "--key", key]) == 0
    out = capfdbinary.readouterr().out
    assert out == original.encode("utf-8")  # no trailing newline, no decoration


def test_subprocess_byte_exact():
    original = "x" * 10 + "\n" + "\u00fc" * 3
    key = default_store().put(original)
    p = subprocess.run([sys.executable, "-m", "headroom_cli", "retrieve", "--key", key], capture_output=True)
    assert p.returncode == 0 and p.stdout == original.encode("utf-8")


def test_missing_key_exit_1_with_message(capsys):
    assert main(["retrieve", "--key", "deadbeef"]) == 1
    err = capsys.readouterr().err
    assert "deadbeef" in err and "expired" in err


def test_expired_key_exit_1():
    store = default_store()
    key = store.put("short-lived", ttl=1)
    # expire it by moving the store's clock forward
    store.clock, real = (lambda: 10**12), store.clock
    try:
        assert main(["retrieve", "--key", key]) == 1
    finally:
        store.clock = real


def test_unusable_cache_dir_is_a_clear_error(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("HEADROOM_CACHE_DIR", str(blocker / "cache"))
    assert main(["retrieve", "--key", "abc"]) == 1
    assert "HEADROOM_CACHE_DIR" in capsys.readouterr().err


def test_key_pasted_from_marker(capfdbinary):
    key = default_store().put("pasted")
    assert main(["retrieve", "--key", f"key={key}"]) == 0
    assert capfdbinary.readouterr().out == b"pasted"
