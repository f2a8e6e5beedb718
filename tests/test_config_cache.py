"""config.get and config.paths run on every proxied request, so their answers are kept — and must still
follow every change: config.toml edits (in-process and by another program) and the environment."""
from __future__ import annotations

import os

from headroom_cli import config


def test_user_config_follows_edits_of_the_same_size():
    config.set_user_config("cache_ttl", 5)
    assert config.get("cache_ttl") == 5
    config.set_user_config("cache_ttl", 7)  # same size, within the file system's timestamp granularity
    assert config.get("cache_ttl") == 7
    f = config.paths().config_file
    f.write_text("cache_ttl = 9\n", encoding="utf-8")  # another program (an editor) rewrites it
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert config.get("cache_ttl") == 9
    f.unlink()
    assert config.get("cache_ttl") is None
    assert config.user_config() == {}


def test_user_config_hands_out_copies():
    config.set_user_config("compress_ratio", 0.5)
    config.user_config()["compress_ratio"] = 0.9  # a caller scribbling on its copy
    assert config.get("compress_ratio") == 0.5


def test_platform_dirs_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HEADROOM_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a"))
    assert config.paths().cache_dir == tmp_path / "a" / "headroom"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "b"))
    assert config.paths().cache_dir == tmp_path / "b" / "headroom"
    monkeypatch.setenv("HEADROOM_CACHE_DIR", str(tmp_path / "c"))
    assert config.paths().cache_dir == tmp_path / "c"
