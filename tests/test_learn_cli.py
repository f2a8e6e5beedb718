"""`headroom learn` as a user runs it, on a fixture home directory."""
from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from headroom_cli.cli import main
from headroom_cli.learn import run
from headroom_cli.learn.rules import RuleStore

_spec = importlib.util.spec_from_file_location("fixture_home", Path(__file__).parent / "fixtures/learn/fixture_home.py")
fixture_home = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture_home)

USER_CLAUDE_MD = (Path(__file__).parent / "fixtures/learn/home/shop/CLAUDE.md").read_bytes()


@pytest.fixture
def env(tmp_path, monkeypatch):
    home, project = fixture_home.build_home(tmp_path)
    monkeypatch.setenv("HOME", str(home))  # default ~/.claude and ~/.codex are the fixture's
    monkeypatch.chdir(project)
    return home, project


def learn(capsys, *args):
    code = main(["learn", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_default_prints_rules_with_evidence(env, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # one table row per line
    code, out, _ = learn(capsys, "--all-failures")
    assert code == 0
    row = next(ln for ln in out.splitlines() if "Run `kubectl` with `-n payments`." in ln)
    assert row.split()[0] == "1" and "3×" in row and "3 (claude, codex)" in row
    assert "kubectl logs deploy/api --tail=50  →  kubectl logs deploy/api --tail=50 -n payments" in row
    assert 'Error from server (NotFound): deployments.apps "api" not found' in out
    assert "you said: “no, use `make lint`" in out
    assert "rules from 4 sessions" in out
    assert not (env[1] / "AGENTS.md").exists()  # printing writes nothing
    assert (env[1] / "CLAUDE.md").read_bytes() == USER_CLAUDE_MD


def test_diff_then_apply_then_apply_again(env, capsys):
    _, project = env
    code, out, _ = learn(capsys, "--all-failures", "--diff")
    assert code == 0
    assert "--- a/CLAUDE.md\n+++ b/CLAUDE.md\n" in out and "--- /dev/null\n+++ b/AGENTS.md\n" in out
    assert "+- Run `kubectl` with `-n payments`.\n" in out
    assert "+- `python` is not installed here: use `python3` instead.\n" in out
    assert (project / "CLAUDE.md").read_bytes() == USER_CLAUDE_MD and not (project / "AGENTS.md").exists()

    code, out, _ = learn(capsys, "--all-failures", "--apply")
    assert code == 0 and "wrote 7 rules to" in out and "CLAUDE.md" in out and "AGENTS.md" in out
    claude_md = (project / "CLAUDE.md").read_bytes()
    assert claude_md.startswith(USER_CLAUDE_MD)
    agents_md = (project / "AGENTS.md").read_text()
    lines = [ln for ln in agents_md.splitlines() if ln.startswith("- ")]
    assert lines[0] == "- Run `kubectl` with `-n payments`."  # most evidence first
    assert len(lines) == 7

    code, out, _ = learn(capsys, "--all-failures", "--apply")
    assert code == 0 and out.strip() == "no changes"
    assert (project / "CLAUDE.md").read_bytes() == claude_md
    code, out, _ = learn(capsys, "--all-failures", "--diff")
    assert code == 0 and out.strip() == "no changes"


def test_json_output(env, capsys):
    code, out, _ = learn(capsys, "--all-failures", "--json", "--diff")
    assert code == 0
    data = json.loads(out)
    assert data["project"] == str(env[1])
    assert len(data["sessions"]) == 4
    kube = data["rules"][0]
    assert kube["key"] == "flag_add|kubectl|-n payments" and kube["count"] == 3
    assert kube["agents"] == ["claude", "codex"] and kube["example"]["fixed"].endswith("-n payments")
    assert {f["path"].rsplit("/", 1)[1]: f["changed"] for f in data["files"]} == {"CLAUDE.md": True, "AGENTS.md": True}


def test_agent_and_target_choose_sessions_and_files(env, capsys):
    _, project = env
    code, out, _ = learn(capsys, "--all-failures", "--agent", "codex", "--apply")
    assert code == 0
    assert (project / "CLAUDE.md").read_bytes() == USER_CLAUDE_MD  # codex → AGENTS.md only
    text = (project / "AGENTS.md").read_text()
    assert "ruff" in text and "src/shop" not in text  # the path lesson came from Claude only


def test_a_lesson_from_one_agent_reaches_the_other(env, capsys):
    _, project = env
    assert learn(capsys, "--all-failures", "--agent", "claude")[0] == 0  # mined once, stored
    code, out, _ = learn(capsys, "--all-failures", "--agent", "codex", "--target", "agents", "--apply")
    assert code == 0
    assert "`src/shop/…`" in (project / "AGENTS.md").read_text()  # learned from Claude sessions
    store = RuleStore()
    assert store.path.is_relative_to(Path(__import__("os").environ["HEADROOM_HOME"]))


def test_session_id(env, capsys):
    code, out, _ = learn(capsys, "--session-id", "8d2e4f60", "--json")
    data = json.loads(out)
    assert code == 0 and [s["session_id"] for s in data["sessions"]] == ["8d2e4f60-1a3b-4c5d-8e7f-9a0b1c2d3e02"]
    assert {r["key"].split("|")[0] for r in data["rules"]} == {"missing_tool", "flag_add", "correction"}
    code, _, err = learn(capsys, "--session-id", "does-not-exist")
    assert code == 1 and "no session" in err


def test_since_window(env):
    home, project = env
    now = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
    kw = dict(project=project, homes={"claude": home / ".claude", "codex": home / ".codex"}, now=now)
    default = run.learn(**kw)  # last 14 days: the Nov 10 Claude session and the Oct 1 Codex one are out
    assert sorted(s.session_id[:8] for s in default.sessions) == ["019a2d7a", "8d2e4f60"]
    wide = run.learn(since="30d", **kw)
    assert len(wide.sessions) == 3
    assert len(run.learn(all_failures=True, **kw).sessions) == 4
    assert run.parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_usage_errors(env, capsys):
    assert learn(capsys, "--since", "soon")[0] == 2
    assert learn(capsys, "--agent", "cursor")[0] == 2
    assert learn(capsys, "--target", "cursor", "--apply")[0] == 2
    assert learn(capsys, "--session-id", "x", "--all-failures")[0] == 2


def test_llm_without_a_key_fails_clearly(env, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, out, err = learn(capsys, "--all-failures", "--llm")
    assert code == 2 and "ANTHROPIC_API_KEY" in err and "OPENAI_API_KEY" in err


def test_no_sessions_is_explained(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = learn(capsys, "--all-failures")
    assert code == 0 and "No agent sessions found" in out


def test_damaged_section_is_reported_not_overwritten(env, capsys):
    _, project = env
    broken = USER_CLAUDE_MD + b"\n<!-- headroom:learn:begin -->\n- half\n"
    (project / "CLAUDE.md").write_bytes(broken)
    code, _, err = learn(capsys, "--all-failures", "--apply")
    assert code == 1 and "markers are damaged" in err
    assert (project / "CLAUDE.md").read_bytes() == broken
    assert not (project / "AGENTS.md").exists()  # nothing written when one target is broken


def test_forget_drops_a_rule_for_good(env, capsys):
    _, project = env
    assert learn(capsys, "--all-failures", "--apply")[0] == 0
    code, out, _ = learn(capsys, "--all-failures", "--forget", "- Run `kubectl` with `-n payments`.", "--apply")
    assert code == 0 and "forgot: Run `kubectl` with `-n payments`." in out
    for name in ("CLAUDE.md", "AGENTS.md"):
        text = (project / name).read_text()
        assert "kubectl" not in text and "python3" in text
    # mining the same sessions again does not bring it back
    code, out, _ = learn(capsys, "--all-failures", "--apply")
    assert code == 0 and out.strip() == "no changes"
    code, _, err = learn(capsys, "--forget", "no such rule")
    assert code == 1 and "no stored rule matches" in err
