"""Shared lessons (issue 22, item 1): one repository's rules, deduplicated across agents and members, each with its
evidence and contributor; `learn --share` through the gateway's `/headroom/lessons` with the member's token, and
`learn --apply` writing the team's rules beside the local ones. Without a gateway, the local store does the same."""
from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from headroom_cli import shared_lessons as team
from headroom_cli.learn.mining import mine
from headroom_cli.learn.repo import normalize_remote, remote_of
from headroom_cli.learn.share import outgoing
from headroom_cli.learn.rules import RuleStore
from headroom_cli.learn.sources import load_sessions

_spec = importlib.util.spec_from_file_location("recorded", Path(__file__).parent / "fixtures/learn/recorded.py")
recorded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorded)


@pytest.mark.parametrize("url", [
    "git@github.com:Example/Shipyard.git", "https://github.com/example/shipyard", "https://github.com/example/shipyard/",
    "ssh://git@github.com:22/example/shipyard.git", "https://alice:hrt_secret@GitHub.com/example/shipyard.git",
    "git+ssh://git@github.com/example/shipyard", "github.com:example/shipyard.git",
])
def test_every_spelling_of_a_remote_is_one_repository(url):
    assert normalize_remote(url) == "github.com/example/shipyard"


def test_other_repositories_and_local_paths_stay_apart():
    assert normalize_remote("git@gitlab.com:example/shipyard.git") == "gitlab.com/example/shipyard"
    assert normalize_remote("/srv/git/shipyard.git") == "/srv/git/shipyard"
    assert normalize_remote("") == ""
    assert "hrt_secret" not in normalize_remote("https://hrt_secret@github.com/a/b")


def git_project(path: Path, remote: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "remote", "add", "origin", remote], check=True)
    return path


def test_remote_of_a_project(tmp_path):
    p = git_project(tmp_path / "shop", "git@github.com:example/shipyard.git")
    assert normalize_remote(remote_of(p)) == "github.com/example/shipyard"
    assert remote_of(tmp_path) == "" or normalize_remote(remote_of(tmp_path)) != "github.com/example/shipyard"


class Data:
    """The rules collection of a store (storage backend `rules()`), as a plain file: the real RulesFile."""

    def __new__(cls, path):
        from headroom_cli.storage.rules_file import RulesFile

        return RulesFile(path)


def member_rules(tmp_path, agents: set[str]):
    """The rules `learn` mines from the recorded fixture's sessions of some agents."""
    h, project = recorded.build_home(tmp_path / ("m-" + "-".join(sorted(agents))))
    sessions = [s for s in load_sessions(homes={"claude": h / ".claude", "codex": h / ".codex"}, project=str(project))
                if s.agent in agents]
    return RuleStore(tmp_path / f"local-{'-'.join(sorted(agents))}.json").merge(mine(sessions))


def test_contributions_dedupe_across_agents_and_members_and_keep_evidence(tmp_path):
    data = Data(tmp_path / "team-rules.json")
    repo = "github.com/example/shipyard"
    alice, bob = member_rules(tmp_path, {"claude"}), member_rules(tmp_path, {"codex"})
    a = team.contribute(data, repo, "alice", outgoing(alice))
    b = team.contribute(data, repo, "bob", outgoing(bob))
    assert a["new_rules"] == len(alice) and b["new_rules"] == len({r.key for r in bob} - {r.key for r in alice})
    rules = {r["key"]: r for r in team.team_rules(data, repo)}
    assert set(rules) == set(recorded.EXPECTED)  # one rule per lesson, whoever and whichever agent found it
    helm = rules["missing_tool|helm"]
    assert helm["contributors"] == ["alice", "bob"] and helm["agents"] == ["claude", "codex"]
    assert len(helm["sessions"]) == 3 and all(e["contributor"] in ("alice", "bob") for e in helm["evidence"])
    assert {e["failed"] for e in helm["evidence"]} >= {"helm template deploy/k8s", "helm lint deploy/k8s"}
    assert not any("project" in e for e in helm["evidence"])  # a member's local paths are not shared
    # recurring first, across the team
    ranked = team.team_rules(data, repo)
    assert [len(r["sessions"]) for r in ranked] == sorted((len(r["sessions"]) for r in ranked), reverse=True)
    # contributing again adds nothing; another repository sees none of it
    again = team.contribute(data, repo, "alice", outgoing(alice))
    assert again["new_rules"] == again["new_evidence"] == 0
    assert team.team_rules(data, "github.com/example/other") == []


def test_the_same_event_ids_from_two_members_are_two_pieces_of_evidence(tmp_path):
    data = Data(tmp_path / "team-rules.json")
    rule = {"key": "path|src/a|a", "kind": "path", "text": "Use `a/…` paths.",
            "evidence": [{"id": "claude:id:toolu_fake0001>toolu_fake0003", "agent": "claude", "session": "s1"}]}
    team.contribute(data, "r", "alice", [rule])
    team.contribute(data, "r", "bob", [rule])
    [r] = team.team_rules(data, "r")
    assert r["count"] == 2 and r["contributors"] == ["alice", "bob"]


@pytest.mark.parametrize("bad", [None, "x", [{"text": "no key"}], [{"key": "k", "text": ""}],
                                 [{"key": "k", "text": "t", "evidence": "not a list"}]])
def test_a_malformed_contribution_is_refused_whole(tmp_path, bad):
    from headroom_cli.errors import UsageError

    data = Data(tmp_path / "team-rules.json")
    with pytest.raises(UsageError):
        team.contribute(data, "r", "alice", bad)
    assert team.team_rules(data, "r") == []


def test_team_rules_are_written_beside_the_local_ones(tmp_path):
    from headroom_cli.learn import writer
    from headroom_cli.learn.rules import Rule

    local = [Rule(key="a", kind="path", text="Use `a/`.")]
    shared = [Rule(key="a", kind="path", text="Use `a/`."), Rule(key="b", kind="cwd", text="Run `npm` from `web/`.")]
    [c] = writer.plan(tmp_path, local, ["agents"], team=shared)
    writer.apply([c])
    text = (tmp_path / "AGENTS.md").read_text()
    assert text.count("Use `a/`.") == 1 and writer.TEAM_TITLE in text
    assert text.index("Use `a/`.") < text.index(writer.TEAM_TITLE) < text.index("Run `npm` from `web/`.")
    [again] = writer.plan(tmp_path, local, ["agents"], team=shared)
    assert not again.changed


def learn_cli(args, env):
    import sys

    return subprocess.run([sys.executable, "-m", "headroom_cli", "learn", *args], env=env, capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite://{tmp_path / 'team-store'}"


def test_without_a_gateway_the_store_shares_the_lessons(shared_store, tmp_path):
    """No gateway: `--share` and `--apply` use the configured store (a team pointing everyone at one `--store`)."""
    import os
    import shutil

    base = {k: v for k, v in os.environ.items() if not k.startswith("HEADROOM_")}
    base["HEADROOM_STORE"] = shared_store
    home, proj_a = recorded.build_home(tmp_path / "alice")
    shutil.rmtree(home / ".codex")
    git_project(proj_a, "git@github.com:example/shipyard.git")
    r = learn_cli(["--share", "--project", str(proj_a), "--all-failures", "--claude-home", str(home / ".claude"),
                   "--codex-home", str(home / ".codex"), "--json"], {**base, "HEADROOM_HOME": str(tmp_path / "a")})
    assert r.returncode == 0, r.stdout + r.stderr
    shared = json.loads(r.stdout)["shared"]
    assert shared["where"] == "the local store" and shared["new_rules"] >= 4
    proj_b = git_project(tmp_path / "bob" / "shipyard", "https://github.com/example/shipyard.git")
    none = tmp_path / "none"
    args = ["--apply", "--agent", "codex", "--project", str(proj_b), "--all-failures", "--claude-home",
            str(none / ".claude"), "--codex-home", str(none / ".codex")]
    r = learn_cli(args, {**base, "HEADROOM_HOME": str(tmp_path / "b")})
    assert r.returncode == 0, r.stdout + r.stderr
    text = (proj_b / "AGENTS.md").read_text()
    assert "`helm` is not installed here: read the manifests in `deploy/k8s/` instead." in text
    # --no-team: this machine's rules only (bob has none: nothing to write)
    (proj_b / "AGENTS.md").unlink()
    r = learn_cli(args + ["--no-team"], {**base, "HEADROOM_HOME": str(tmp_path / "b")})
    assert r.returncode == 0 and not (proj_b / "AGENTS.md").exists()


def test_share_needs_a_repository(tmp_path):
    import os

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HEADROOM_")}, "HEADROOM_HOME": str(tmp_path)}
    proj = tmp_path / "plain"
    proj.mkdir()
    r = learn_cli(["--share", "--project", str(proj), "--claude-home", str(tmp_path / "c"), "--codex-home",
                   str(tmp_path / "x")], env)
    assert r.returncode != 0 and "no git remote" in r.stderr


def test_the_route_on_a_local_proxy_needs_its_secret_and_names_the_local_user(tmp_path):
    """A local proxy (no gateway): loopback and the proxy's secret, as for /stats; the contributor is the local user."""
    import urllib.error
    import urllib.request

    from headroom_cli import config
    from headroom_cli.proxy.runner import ProxyServer
    from headroom_cli.proxy.settings import ProxySettings
    from headroom_cli.storage import open_store

    backend = open_store(f"sqlite://{tmp_path / 'store'}")
    s = ProxyServer(ProxySettings(session_id="lessons", store=backend)).start().wait_ready(20)
    try:
        url = f"{s.url}/headroom/lessons?repo=git@github.com:example/shipyard.git"
        rule = {"key": "cwd|npm|web", "kind": "cwd", "text": "Run `npm` from `web/`.",
                "evidence": [{"id": "claude:id:a>b", "agent": "claude", "session": "s1", "project": "/home/me/x"}]}
        body = json.dumps({"rules": [rule]}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10)
        assert refused.value.code == 401
        auth = {"Authorization": f"Bearer {s.settings.secret}", "Content-Type": "application/json"}
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST", headers=auth),
                                    timeout=10) as r:
            done = json.loads(r.read())
        assert done == {"repo": "github.com/example/shipyard", "rules": 1, "new_rules": 1, "new_evidence": 1,
                        "contributor": config.LOCAL_USER}
        with urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=10) as r:
            [got] = json.loads(r.read())["rules"]
        assert got["key"] == "cwd|npm|web" and got["contributors"] == [config.LOCAL_USER]
        assert "project" not in got["evidence"][0]
        bad = urllib.request.Request(url, data=b'{"rules": "nope"}', method="POST", headers=auth)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=10)
        assert refused.value.code == 400 and "rules" in json.loads(refused.value.read())["error"]
    finally:
        s.stop(grace=0.5)
