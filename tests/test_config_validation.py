"""config.toml and HEADROOM_* values are validated in one place (headroom_cli/config.py): a wrong
type, an out-of-range value or an unknown key is a clean error naming the file (or variable), the key
(and the flag it stands for) and what was expected — never a traceback, in any command."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from headroom_cli import config
from headroom_cli.errors import UsageError

FAKES = Path(__file__).parent / "fakes" / "agents"


def write_config(text: str) -> Path:
    f = config.paths().config_file
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text, encoding="utf-8")
    return f


def error_of(name: str) -> UsageError:
    with pytest.raises(UsageError) as e:
        config.get(name)
    return e.value


# --- the file ---------------------------------------------------------------------------------------

def test_wrong_type_names_file_key_and_expected_type():
    f = write_config('compress_ratio = "lots"\n')
    e = error_of("compress_ratio")
    assert str(f) in str(e) and "compress_ratio" in str(e) and '"lots"' in str(e)
    assert "a number" in str(e) and "a string" in str(e)
    assert "compress_ratio = 0.3" in e.hint  # an example of the right type


@pytest.mark.parametrize("value", ['"x"', "true", "80.5"])
def test_port_must_be_an_integer(value):
    write_config(f"port = {value}\n")
    assert "an integer" in str(error_of("port"))


def test_boolean_and_string_settings_check_their_type():
    write_config("no_compress = 1\nhost = 127\n")
    e = error_of("no_compress")
    assert "no_compress = 1" in str(e) and "true or false" in str(e)
    assert "host = 127" in str(e) and "a string" in str(e)  # every problem of the file at once


def test_an_integer_is_a_valid_ratio():
    write_config("compress_ratio = 1\n")
    v = config.get("compress_ratio")
    assert v == 1.0 and isinstance(v, float)


def test_valid_values_are_read():
    write_config('port = 9000\ncompress_ratio = 0.5\nno_compress = true\nhost = "127.0.0.2"\ncache_ttl = 60\n')
    assert (config.get("port"), config.get("compress_ratio"), config.get("no_compress"), config.get("host"),
            config.get("cache_ttl")) == (9000, 0.5, True, "127.0.0.2", 60)


def test_unknown_key_suggests_the_close_one():
    f = write_config("compres_ratio = 0.5\n")
    e = error_of("host")  # any setting: the file is checked whole
    assert str(f) in str(e) and "unknown key compres_ratio" in str(e)
    assert "did you mean compress_ratio?" in e.hint


def test_unknown_key_without_a_close_one_lists_the_keys():
    write_config("[proxy]\nport = 1\n")
    e = error_of("port")
    assert "unknown key proxy" in str(e) and "compress_ratio" in e.hint and "did you mean" not in e.hint


def test_out_of_range_value_in_the_file():
    f = write_config("compress_ratio = 2\nport = 70000\n")
    e = error_of("compress_ratio")
    assert str(f) in str(e) and "compress_ratio = 2" in str(e) and "(0, 1]" in str(e)
    assert "port = 70000" in str(e) and "0–65535" in str(e)


def test_set_user_config_keeps_a_valid_file_valid():
    config.set_user_config("cache_ttl", 120)
    config.set_user_config("compress_ratio", 0.4)
    assert (config.get("cache_ttl"), config.get("compress_ratio")) == (120, 0.4)


# --- environment variables -----------------------------------------------------------------------

def test_env_wrong_type_names_variable_flag_and_type(monkeypatch):
    monkeypatch.setenv("HEADROOM_PORT", "eighty")
    e = error_of("port")
    assert "HEADROOM_PORT='eighty'" in str(e) and "--port" in str(e) and "an integer" in str(e)
    assert "invalid literal" not in str(e)  # no Python internals


def test_env_out_of_range_names_variable_and_flag(monkeypatch):
    monkeypatch.setenv("HEADROOM_COMPRESS_RATIO", "2")
    e = error_of("compress_ratio")
    assert "HEADROOM_COMPRESS_RATIO='2'" in str(e) and "--compress-ratio" in str(e) and "(0, 1]" in str(e)
    assert "HEADROOM_COMPRESS_RATIO" in e.hint and "--compress-ratio" in e.hint


def test_env_boolean_is_strict(monkeypatch):
    monkeypatch.setenv("HEADROOM_NO_COMPRESS", "maybe")
    assert "true or false" in str(error_of("no_compress"))
    for raw, want in (("1", True), ("on", True), ("no", False), ("FALSE", False)):
        monkeypatch.setenv("HEADROOM_NO_COMPRESS", raw)
        assert config.get("no_compress") is want


def test_env_value_beats_a_broken_file_only_for_its_own_setting(monkeypatch):
    write_config('port = "x"\n')
    monkeypatch.setenv("HEADROOM_PORT", "9001")
    assert config.get("port") == 9001
    assert "port" in str(error_of("host"))  # the file is still wrong


# --- every command: a clean message, no traceback ---------------------------------------------------

def _headroom(args, home: Path, tmp_path: Path, extra_env=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, HEADROOM_HOME=str(home), COLUMNS="200", FAKE_AGENT_MODE="env",
               FAKE_AGENT_OUT=str(tmp_path / "agent.json"), ANTHROPIC_API_KEY="sk-ant-test-0000",
               HEADROOM_ANTHROPIC_UPSTREAM="http://127.0.0.1:9", HEADROOM_OPENAI_UPSTREAM="http://127.0.0.1:9/v1")
    env["PATH"] = f"{FAKES}{os.pathsep}{env['PATH']}"
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "headroom_cli", *args], env=env, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)


COMMANDS = {
    "proxy": ["proxy", "--port", "0"],
    "wrap": ["wrap", "claude", "--", "-p", "hi"],
    "wrap --dry-run": ["wrap", "--dry-run", "claude"],
    "doctor": ["doctor"],
    "stats": ["stats"],
}


def _assert_clean(r: subprocess.CompletedProcess, *needles: str, command: str) -> None:
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out[-3000:]
    if command == "stats" and r.returncode == 0:
        return  # stats reads no setting: it may simply work
    assert r.returncode != 0, out[-3000:]
    for n in needles:
        assert n in out, (n, out[-3000:])
    if command == "doctor":
        assert "headroom is ready" not in out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_wrong_type_in_file_is_a_message_in_every_command(command, isolated_dirs, tmp_path):
    home = isolated_dirs / "headroom"
    f = write_config('compress_ratio = "lots"\n')
    _assert_clean(_headroom(COMMANDS[command], home, tmp_path), str(f.name), "compress_ratio", "a number",
                  command=command)


@pytest.mark.parametrize("text, needles", [
    ('port = "x"\n', ("port", "an integer")),
    ("compres_ratio = 0.5\n", ("compres_ratio", "did you mean compress_ratio?")),
    ("compress_ratio = \n", ("config.toml", "invalid TOML")),
])
@pytest.mark.parametrize("command", ["proxy", "wrap --dry-run"])  # doctor's check: tests/test_doctor.py
def test_bad_file_is_a_message(command, text, needles, isolated_dirs, tmp_path):
    write_config(text)
    _assert_clean(_headroom(COMMANDS[command], isolated_dirs / "headroom", tmp_path), *needles, command=command)


@pytest.mark.parametrize("command", ["proxy", "wrap", "wrap --dry-run"])
def test_env_out_of_range_is_a_message_naming_variable_and_flag(command, isolated_dirs, tmp_path):
    r = _headroom(COMMANDS[command], isolated_dirs / "headroom", tmp_path, {"HEADROOM_COMPRESS_RATIO": "2"})
    _assert_clean(r, "HEADROOM_COMPRESS_RATIO", "--compress-ratio", command=command)
