"""Issue 22, Must show 1: a rule learned from member A's Claude Code transcript appears in member B's AGENTS.md after
`headroom learn --apply`, through a team gateway — a real `headroom proxy` on loopback in gateway mode, keeping its
state in a real PostgreSQL (tests/pgcluster.py), each member with their own token (`headroom team add`), their own
HEADROOM_HOME and their own clone of the repository (two spellings of one git remote). No database URL on the
members' side: only the gateway's URL and their token."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from test_learn_team import git_project, recorded

HELM = "`helm` is not installed here: read the manifests in `deploy/k8s/` instead."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def headroom(args: list[str], env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "headroom_cli", *args], env=env, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL, cwd=cwd)


def wait_http(url: str) -> None:
    for _ in range(600):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def gateway(pg_url, tmp_path):
    """(url, tokens by user, env of the test): a gateway on loopback over PostgreSQL, users alice and bob."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HEADROOM_")}
    base["HEADROOM_HOME"] = str(tmp_path / "gateway-home")
    tokens = {}
    for user in ("alice", "bob"):
        r = headroom(["team", "add", user, "--store", pg_url], base)
        assert r.returncode == 0, r.stderr
        tokens[user] = r.stdout.strip()
    port = free_port()
    gw = subprocess.Popen([sys.executable, "-m", "headroom_cli", "proxy", "--port", str(port), "--store", pg_url,
                           "--gateway-auth"], env=base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}", tokens, base
    finally:
        gw.terminate()
        out, err = gw.communicate(timeout=30)
        for t in tokens.values():
            assert t not in out + err  # the gateway never logs a token


def member(tmp_path: Path, name: str, base: dict, token: str, remote: str, sessions_from: str | None):
    """A member's machine: their HEADROOM_HOME, their clone, and (for A) their Claude Code transcripts."""
    env = {**base, "HEADROOM_HOME": str(tmp_path / f"{name}-headroom"), "HEADROOM_GATEWAY_TOKEN": token}
    if sessions_from is None:
        project = git_project(tmp_path / name / "shipyard", remote)
        return env, project, None
    home, project = recorded.build_home(tmp_path / name)
    git_project(project, remote)
    import shutil

    shutil.rmtree(home / (".codex" if sessions_from == "claude" else ".claude"))  # one agent per member
    return env, project, home


def test_a_rule_from_member_a_claude_session_reaches_member_b_agents_md(gateway, tmp_path):
    url, tokens, base = gateway
    env_a, proj_a, home_a = member(tmp_path, "alice", base, tokens["alice"], "git@github.com:example/shipyard.git",
                                   "claude")
    r = headroom(["learn", "--share", "--gateway", url, "--project", str(proj_a), "--all-failures",
                  "--claude-home", str(home_a / ".claude"), "--codex-home", str(home_a / ".codex"), "--json"], env_a)
    assert r.returncode == 0, r.stdout + r.stderr
    shared = json.loads(r.stdout)["shared"]
    assert shared["contributor"] == "alice" and shared["repo"] == "github.com/example/shipyard"
    assert shared["new_rules"] == shared["rules"] >= 4 and tokens["alice"] not in r.stdout + r.stderr

    env_b, proj_b, _ = member(tmp_path, "bob", base, tokens["bob"], "https://github.com/Example/Shipyard", None)
    (proj_b / "AGENTS.md").write_text("# Shipyard\n\nBob's own notes.\n")
    empty = tmp_path / "bob-agents"  # bob has no sessions of his own
    args = ["learn", "--apply", "--agent", "codex", "--gateway", url, "--project", str(proj_b), "--all-failures",
            "--claude-home", str(empty / ".claude"), "--codex-home", str(empty / ".codex")]
    r = headroom(args, env_b)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (proj_b / "AGENTS.md").read_text()
    assert text.startswith("# Shipyard\n\nBob's own notes.\n")
    assert HELM in text and "Shared by your team" in text
    assert "Use `orders/…` paths, not `src/orders/…`" in text
    assert not (proj_b / "CLAUDE.md").exists()  # codex: AGENTS.md only
    # idempotent: a second --apply writes nothing
    r = headroom(args, env_b)
    assert r.returncode == 0 and "no changes" in r.stdout and (proj_b / "AGENTS.md").read_text() == text
    # the gateway kept who contributed it and the evidence
    req = urllib.request.Request(f"{url}/headroom/lessons?repo=github.com/example/shipyard",
                                 headers={"X-Headroom-Token": tokens["bob"]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        rules = {x["key"]: x for x in json.loads(resp.read())["rules"]}
    helm = rules["missing_tool|helm"]
    assert helm["contributors"] == ["alice"] and helm["agents"] == ["claude"]
    assert helm["evidence"][0]["failed"] == "helm template deploy/k8s"


def test_the_lessons_route_needs_a_members_token(gateway):
    url, tokens, _ = gateway
    for headers in ({}, {"X-Headroom-Token": "hrt_not-a-real-token"}):
        req = urllib.request.Request(f"{url}/headroom/lessons?repo=github.com/example/shipyard", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=10)
        assert refused.value.code == 401
    # the token in the path prefix works too; no repository: a 400 saying so
    with urllib.request.urlopen(f"{url}/t/{tokens['alice']}/headroom/lessons?repo=github.com/x/y", timeout=10) as r:
        assert json.loads(r.read())["rules"] == []
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(urllib.request.Request(f"{url}/headroom/lessons",
                                                      headers={"X-Headroom-Token": tokens["alice"]}), timeout=10)
    assert bad.value.code == 400


def test_two_members_and_both_agents_make_one_rule_each(gateway, tmp_path):
    url, tokens, base = gateway
    for name, agent in (("alice", "claude"), ("bob", "codex")):  # alice: the Claude Code sessions; bob: Codex's
        env, proj, home = member(tmp_path, name, base, tokens[name], "git@github.com:example/shipyard.git", agent)
        r = headroom(["learn", "--share", "--gateway", url, "--project", str(proj), "--all-failures", "--agent", agent,
                      "--claude-home", str(home / ".claude"), "--codex-home", str(home / ".codex"), "--json"], env)
        assert r.returncode == 0, r.stdout + r.stderr
    req = urllib.request.Request(f"{url}/headroom/lessons?repo=github.com/example/shipyard",
                                 headers={"X-Headroom-Token": tokens["alice"]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        rules = json.loads(resp.read())["rules"]
    assert {r["key"]: len(r["sessions"]) for r in rules} == recorded.EXPECTED
    helm = next(r for r in rules if r["key"] == "missing_tool|helm")
    assert helm["contributors"] == ["alice", "bob"] and helm["agents"] == ["claude", "codex"]
    assert [len(r["sessions"]) for r in rules] == sorted((len(r["sessions"]) for r in rules), reverse=True)
