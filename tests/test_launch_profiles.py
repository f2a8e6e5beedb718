"""Agent profiles as data: the loader checks every field (errors name the file and the field), and an
agent whose launch needs no special behaviour is one TOML file that `wrap --list`, the plan builder,
`wrap --dry-run`, `mcp install|uninstall` and `learn` all see without code changes."""
from __future__ import annotations

import importlib.util
import json
import os
import stat
from pathlib import Path

import pytest

from headroom_cli.cli import main
from headroom_cli.cli.exit import status_for
from headroom_cli.errors import UsageError
from headroom_cli.launch import profiles
from headroom_cli.launch.builders import builder_for
from headroom_cli.launch.context import BuildContext, Features
from headroom_cli.launch.plan import build_plan
from headroom_cli.launch.upstream import resolve
from headroom_cli.learn import sources

PROXY = "http://127.0.0.1:4567"


def write_profile(text: str, name: str = "myagent") -> Path:
    d = profiles.user_dir()
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{name}.toml"
    p.write_text(text)
    return p


# -- the built-in profiles carry what other modules used to hard-code ------------------------------
def test_builtin_profiles_carry_mcp_install_transcripts_and_env_prefixes():
    ps = profiles.all_profiles()
    assert {n for n, p in ps.items() if p.mcp_install} == {"claude", "codex", "copilot", "gemini", "opencode"}
    assert ps["claude"].mcp_install.add[:4] == ("mcp", "add", "--scope", "user")
    assert ps["copilot"].mcp_install.edits_file and ps["copilot"].mcp_install.home.env == "COPILOT_HOME"
    assert {n: p.transcripts.rules_target for n, p in ps.items() if p.transcripts} == \
        {"claude": "claude", "codex": "agents"}
    assert set(profiles.env_prefixes()) == {"ANTHROPIC_", "OPENAI_", "CLAUDE_", "CODEX_", "COPILOT_",
                                            "OPENCLAW_", "AIDER_", "GEMINI_", "GOOGLE_", "OPENCODE_"}
    assert "mcp" in ps["claude"].plain_subcommands and "mcp" in ps["codex"].plain_subcommands


def test_one_install_hint_per_agent_for_wrap_and_mcp_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    from headroom_cli.mcp import install as inst

    for agent in ("claude", "codex"):
        with pytest.raises(Exception) as e:
            inst.install(profiles.load(agent))
        assert status_for(e.value) == 127 and e.value.hint == f"install it: {profiles.load(agent).install}"


# -- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, field", [
    ('install = "x"\n', "binary"),
    ('binary = 3\n', "binary"),
    ('binary = "a"\nmcp = "yes"\n', "mcp"),
    ('binary = "a"\nprotocols = "anthropic"\n', "protocols"),
    ('binary = "a"\nenv_prefixes = ["A_", 1]\n', "env_prefixes"),
    ('binary = "a"\nplain_subcommands = "mcp"\n', "plain_subcommands"),
    ('binary = "a"\nenv = "x"\n', "env"),
    ('binary = "a"\n[env]\nA = ["x"]\n', "env.A"),
    ('binary = "a"\nmcp_install = 1\n', "mcp_install"),
    ('binary = "a"\n[mcp_install]\nadd = ["mcp", "add"]\n', "mcp_install.remove"),
    ('binary = "a"\n[mcp_install]\nremove = ["mcp", "rm"]\n', "mcp_install.add"),
    ('binary = "a"\n[mcp_install]\nadd = ["a"]\nremove = ["r"]\nlsit = ["l"]\n', "mcp_install.lsit"),
    ('binary = "a"\n[mcp_install]\nadd = ["a"]\nremove = ["r"]\nentry = {}\n', "mcp_install.entry"),
    ('binary = "a"\n[mcp_install]\nconfig_file = "c.json"\nhome = "~/.a"\n', "mcp_install.entry"),
    ('binary = "a"\n[mcp_install]\nconfig_file = "c.json"\nentry = {type = "local"}\n', "mcp_install.home"),
    ('binary = "a"\n[mcp_install]\nconfig_file = "c.json"\nhome = "~"\nentry = {}\nadd = ["x"]\n',
     "mcp_install.add"),
    ('binary = "a"\n[transcripts]\nreader = "codex"\nhome = "~/.a"\nrules_target = "agents"\n', "transcripts.dir"),
    ('binary = "a"\n[transcripts]\nreader = "codex"\nhome = "~/.a"\ndir = "s"\nrules_target = "agents"\nhome_env = 5\n',
     "transcripts.home_env"),
])
def test_a_bad_profile_names_the_file_and_the_field(text, field):
    path = write_profile(text, "broken")
    with pytest.raises(UsageError) as e:
        profiles.all_profiles()
    assert str(path) in str(e.value) and f"`{field}`" in str(e.value), str(e.value)


def test_broken_toml_names_the_file():
    path = write_profile("binary = \n", "broken")
    with pytest.raises(UsageError) as e:
        profiles.load("claude")
    assert str(path) in str(e.value)


def test_unknown_builder_and_reader_and_target_name_the_file_and_the_field():
    path = write_profile('binary = "a"\nbuilder = "nope"\n[transcripts]\nreader = "cursor"\nhome = "~/.a"\n'
                         'dir = "s"\nrules_target = "agents"\n')
    p = profiles.load("myagent")
    with pytest.raises(UsageError) as e:
        builder_for(p)
    assert str(path) in str(e.value) and "`builder`" in str(e.value) and "claude" in e.value.hint
    with pytest.raises(UsageError) as e:
        sources.sources()
    assert str(path) in str(e.value) and "`transcripts.reader`" in str(e.value) and "codex" in e.value.hint
    write_profile('binary = "a"\n[transcripts]\nreader = "codex"\nhome = "~/.a"\ndir = "s"\nrules_target = "x"\n')
    with pytest.raises(UsageError) as e:
        sources.sources()
    assert "`transcripts.rules_target`" in str(e.value)


# -- a new agent is one TOML file ------------------------------------------------------------------
NEW_AGENT = '''
name = "myagent"
display = "My Agent"
binary = "myagent"
install = "pip install myagent"
protocols = ["openai_chat"]
env_prefixes = ["MYAGENT_"]
plain_subcommands = ["login"]
args = ["--api-base", "{openai_base_url}"]

[upstream_env]
openai = ["MYAGENT_BASE"]

[env]
MYAGENT_BASE = "{openai_base_url}"

[mcp_install]
add = ["mcp", "add", "{server}", "--", "{serve}"]
remove = ["mcp", "rm", "{server}"]
list = ["mcp", "ls"]

[transcripts]
reader = "codex"
home = "~/.myagent"
home_env = "MYAGENT_HOME"
dir = "history"
rules_target = "agents"
'''


@pytest.fixture
def new_agent(tmp_path, monkeypatch):
    """`myagent.toml` in the user's launchers dir and a fake `myagent` on PATH that logs its argv."""
    write_profile(NEW_AGENT)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.jsonl"
    exe = bindir / "myagent"
    exe.write_text(f"#!/bin/sh\npython3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' \"$@\" >> {log}\n"
                   "exit ${FAKE_RC:-0}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return exe, log


def _calls(log: Path) -> list:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_wrap_list_shows_the_new_agent(new_agent, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["wrap", "--list"]) == 0
    out = capsys.readouterr().out
    assert "myagent" in out and str(new_agent[0]) in out


def test_the_plan_builder_uses_the_new_profile(new_agent):
    p = profiles.load("myagent")
    env = {"HOME": str(Path.home()), "PATH": "/usr/bin", "MYAGENT_BASE": "https://gw.example/v1"}

    def plan(args):
        ctx = BuildContext(profile=p, exe=str(new_agent[0]), user_args=args, proxy_url=PROXY, features=Features(),
                           env=env, cwd=Path.cwd(), session_id="s1")
        ups = resolve(env, p.upstream_env, builder_for(p).discover(ctx), check=lambda url: None)
        return build_plan(ctx, ups)

    chat = plan(["hello"])
    assert chat.argv == [str(new_agent[0]), "--api-base", PROXY + "/v1", "hello"]
    assert chat.env["MYAGENT_BASE"] == PROXY + "/v1" and chat.upstreams.openai == "https://gw.example/v1"
    assert chat.env["HEADROOM_WRAPPED"] == "myagent"
    login = plan(["login"])  # a plain subcommand: the environment, not the per-run args
    assert login.argv == [str(new_agent[0]), "login"] and login.env["MYAGENT_BASE"] == PROXY + "/v1"


def test_wrap_dry_run_lists_the_new_agents_variables(new_agent, capsys, monkeypatch):
    monkeypatch.setenv("MYAGENT_THEME", "dark")
    assert main(["wrap", "myagent", "--dry-run", "--", "hi"]) == 0
    out = capsys.readouterr().out
    assert "#   MYAGENT_THEME=dark" in out  # passed through unchanged, listed because of env_prefixes
    assert "--api-base http://127.0.0.1:PORT/v1 hi" in out


def test_mcp_install_and_uninstall_the_new_agent(new_agent, capsys, monkeypatch):
    exe, log = new_agent
    assert main(["mcp", "install", "myagent", "--dry-run"]) == 0
    assert "would run: myagent mcp add headroom --" in capsys.readouterr().out and _calls(log) == []
    assert main(["mcp", "install", "myagent"]) == 0
    assert main(["mcp", "uninstall", "myagent"]) == 0
    add, remove = _calls(log)
    assert add[:4] == ["mcp", "add", "headroom", "--"] and add[-2:] == ["mcp", "serve"]
    assert remove == ["mcp", "rm", "headroom"]
    monkeypatch.setenv("FAKE_RC", "4")
    from headroom_cli.errors import HeadroomError
    from headroom_cli.mcp import install as inst

    with pytest.raises(HeadroomError) as e:
        inst.install(profiles.load("myagent"))
    assert "myagent mcp ls" in e.value.hint  # the profile's `list` command


def test_mcp_install_refuses_an_agent_without_the_section_naming_those_with_it(capsys):
    assert main(["mcp", "install", "aider"]) == 2
    err = capsys.readouterr().err
    assert "aider.toml" in err and "mcp_install" in err and "claude, codex, copilot" in err


def test_mcp_install_into_a_json_file_from_the_profile(tmp_path, monkeypatch):
    write_profile('binary = "other"\n[mcp_install]\nhome = "~/.other"\nhome_env = "OTHER_HOME"\n'
                  'config_file = "servers.json"\nservers_key = "servers"\n'
                  'entry = { cmd = "{command}", argv = "{args}", enabled = true }\n', "other")
    monkeypatch.setenv("OTHER_HOME", str(tmp_path / "oh"))
    from headroom_cli.mcp import install as inst

    assert inst.config_file_path(profiles.load("other")) == tmp_path / "oh" / "servers.json"
    assert main(["mcp", "install", "other"]) == 0  # no `other` binary needed: headroom edits the file
    entry = json.loads((tmp_path / "oh" / "servers.json").read_text())["servers"]["headroom"]
    assert entry["argv"][-2:] == ["mcp", "serve"] and entry["enabled"] is True and list(entry) == ["cmd", "argv",
                                                                                                     "enabled"]
    assert main(["mcp", "uninstall", "other"]) == 0
    assert not (tmp_path / "oh" / "servers.json").exists()  # headroom created it, headroom removed it


def _fixture_home():
    spec = importlib.util.spec_from_file_location("fixture_home",
                                                  Path(__file__).parent / "fixtures/learn/fixture_home.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_learn_reads_the_new_agents_transcripts(new_agent, tmp_path, monkeypatch):
    h, project = _fixture_home().build_home(tmp_path / "fx")
    mine = tmp_path / "mine"
    mine.mkdir()
    (h / ".codex" / "sessions").rename(mine / "history")  # Codex-format rollouts in the new agent's folder
    monkeypatch.setenv("MYAGENT_HOME", str(mine))
    assert sources.default_home("myagent") == mine
    sources.check_agent("myagent")
    sessions = sources.load_sessions(agent="myagent", project=str(project))
    assert sessions and {s.agent for s in sessions} == {"myagent"}
    from headroom_cli.learn import run

    assert run.default_targets("myagent") == ["agents"]
