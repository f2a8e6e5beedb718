"""Issue 21, Deliver 1: "a rule or token added on one [instance] is seen by all". Two gateway instances on one
PostgreSQL store: a member's lessons contributed through instance 1 are served by instance 2, and a token added
after both started authenticates on both (nothing about users or rules is kept per instance)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from test_learn_shared_gateway import free_port, headroom, member, wait_http

pytest.importorskip("psycopg", reason="the `team` extra (psycopg) is not installed")


def lessons(url: str, token: str) -> dict:
    req = urllib.request.Request(f"{url}/headroom/lessons?repo=github.com/example/shipyard",
                                 headers={"X-Headroom-Token": token})
    with urllib.request.urlopen(req, timeout=60) as r:
        return {x["key"]: x for x in json.loads(r.read())["rules"]}


def test_a_rule_and_a_token_added_on_one_instance_are_seen_by_the_other(pg_url, tmp_path):
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("HEADROOM_")}
    base["HEADROOM_HOME"] = str(tmp_path / "gateway-home")
    r = headroom(["team", "add", "alice", "--store", pg_url], base)
    assert r.returncode == 0, r.stderr
    alice = r.stdout.strip()
    procs, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen([sys.executable, "-m", "headroom_cli", "proxy", "--port", str(port),
                                           "--store", pg_url, "--gateway-auth"], env=base,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
            wait_http(urls[-1] + "/healthz")
        one, two = urls
        env_a, proj_a, home_a = member(tmp_path, "alice", base, alice, "git@github.com:example/shipyard.git",
                                       "claude")
        r = headroom(["learn", "--share", "--gateway", one, "--project", str(proj_a), "--all-failures",
                      "--claude-home", str(home_a / ".claude"), "--codex-home", str(home_a / ".codex"), "--json"],
                     env_a)
        assert r.returncode == 0, r.stdout + r.stderr
        assert json.loads(r.stdout)["shared"]["new_rules"] >= 4
        # a member added now, while both instances run: instance 2 has never seen this token
        with pytest.raises(urllib.error.HTTPError) as before:
            lessons(two, "hrt_bob-is-not-a-member-yet")
        assert before.value.code == 401
        r = headroom(["team", "add", "bob", "--store", pg_url], base)
        assert r.returncode == 0, r.stderr
        bob = r.stdout.strip()
        via_one, via_two = lessons(one, bob), lessons(two, bob)
        assert via_two == via_one and "missing_tool|helm" in via_two  # alice's rule, served by the other instance
        assert via_two["missing_tool|helm"]["contributors"] == ["alice"]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
