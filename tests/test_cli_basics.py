import subprocess
import sys

from headroom_cli import __version__, config
from headroom_cli.cli import main


def test_version_fast_path(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"headroom {__version__}"


def test_version_via_module():
    out = subprocess.run([sys.executable, "-m", "headroom_cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_paths_are_isolated(isolated_dirs):
    p = config.paths()
    for d in (p.data_dir, p.cache_dir, p.config_dir, p.state_dir, p.runtime_dir):
        assert str(d).startswith(str(isolated_dirs))


def test_setting_env_overrides_config_file(monkeypatch):
    config.set_user_config("compress_ratio", 0.5)
    assert config.get("compress_ratio") == 0.5
    monkeypatch.setenv("HEADROOM_COMPRESS_RATIO", "0.25")
    assert config.get("compress_ratio") == 0.25
