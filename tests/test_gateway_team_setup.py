"""The README's team set-up, run (issue 20 Must show 3): its commands as written — a database, `headroom team add`,
`headroom proxy --host 0.0.0.0 --store postgresql://… --allow-host …`, `headroom wrap <agent> --gateway …` — against a
real PostgreSQL on loopback, with the README's HAProxy configuration in front (without TLS), the fake provider
upstream and fake agents. The only changes to the text: the database URL, the gateway's name (127.0.0.1, what the
agents here connect to), the ports, and the balancer's TLS bind."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from headroom_cli.testing import FakeProvider

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FAKES = Path(__file__).parent / "fakes" / "agents"
KEYS = {"ANTHROPIC_API_KEY": "sk-ant-api03-TESTSECRET0001", "OPENAI_API_KEY": "sk-proj-TESTSECRET0002"}
DOC_DB = "postgresql://headroom@db.example/headroom"
DOC_NAME = "gw.example"


def block(name: str) -> str:
    """The fenced block between `<!-- name -->` and `<!-- /name -->` in the README."""
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"<!-- {name} -->\s*```\w*\n(.*?)```\s*<!-- /{name} -->", text, re.S)
    assert m, f"README: no <!-- {name} --> block"
    return m.group(1)


def documented_commands() -> list[list[str]]:
    return [shlex.split(line) for line in block("team-setup").splitlines() if line.startswith("headroom ")]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def headroom(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "headroom_cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, **kw)


def wait_http(url: str, tries: int = 400) -> None:
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} never answered 200")


@pytest.fixture
def store_url(pg_url):
    return pg_url


def test_the_documented_team_setup_runs(store_url, tmp_path):
    from servers.balancer import haproxy_binary

    cmds = documented_commands()
    adds = [c for c in cmds if c[1:3] == ["team", "add"]]
    (proxy_cmd,) = [c for c in cmds if c[1] == "proxy"]
    (wrap_cmd,) = [c for c in cmds if c[1] == "wrap"]
    assert [c[3] for c in adds] == ["alice", "bob"] and "--admin" in adds[0]
    assert proxy_cmd[proxy_cmd.index("--host") + 1] == "0.0.0.0" and DOC_DB in proxy_cmd
    gw_port, lb_port = free_port(), free_port()

    def real(args: list[str]) -> list[str]:
        subs = [(DOC_DB, store_url), (f"https://{DOC_NAME}", f"http://127.0.0.1:{lb_port}"), (DOC_NAME, "127.0.0.1"),
                ("8787", str(gw_port))]
        out = []
        for a in args[1:]:
            for old, new in subs:
                a = a.replace(old, new)
            out.append(a)
        return out

    base = {**os.environ, **KEYS, "PATH": f"{FAKES}{os.pathsep}{os.environ['PATH']}"}
    for var in ("HEADROOM_STORE", "HEADROOM_GATEWAY_TOKEN"):
        base.pop(var, None)
    # 1-2. users: each `team add` prints the token once, on stdout alone
    issued = {}
    for c in adds:
        r = headroom(real(c), base)
        assert r.returncode == 0, r.stderr
        issued[c[3]] = r.stdout.strip()
        assert issued[c[3]].startswith("hrt_") and issued[c[3]] not in r.stderr
    with FakeProvider().in_thread() as fake:
        env = {**base, "HEADROOM_ANTHROPIC_UPSTREAM": fake.url, "HEADROOM_OPENAI_UPSTREAM": fake.url + "/v1"}
        # 3. the gateway, bound beyond loopback as documented (the test's traffic stays on loopback)
        gw = subprocess.Popen([sys.executable, "-m", "headroom_cli", *real(proxy_cmd)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lb = None
        try:
            wait_http(f"http://127.0.0.1:{gw_port}/healthz")
            # the balancer, as documented, without TLS
            exe = haproxy_binary()
            if exe is None:
                pytest.skip("haproxy is not installed (Debian: apt-get install -y haproxy; .ci/run installs it)")
            cfg_text = block("team-balancer")
            cfg_text = re.sub(r"^\s*bind .*$", f"    bind 127.0.0.1:{lb_port}", cfg_text, flags=re.M)
            cfg_text = cfg_text.replace("10.0.0.5:8787", f"127.0.0.1:{gw_port}").replace(DOC_NAME, "127.0.0.1")
            cfg = tmp_path / "haproxy.cfg"
            cfg.write_text(cfg_text)
            lb = subprocess.Popen([exe, "-db", "-f", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
            wait_http(f"http://127.0.0.1:{lb_port}/healthz")
            # 4. developers: Claude Code (token in a header) as documented, and aider (token in the base URL)
            runs = {}
            for user, agent_cmd in (("alice", real(wrap_cmd)), ("bob", [*real(wrap_cmd)[:1], "aider",
                                                                       *real(wrap_cmd)[2:]])):
                out = tmp_path / f"{user}.json"
                r = headroom(agent_cmd, {**base, "HEADROOM_GATEWAY_TOKEN": issued[user], "FAKE_AGENT_OUT": str(out)})
                assert r.returncode == 0, r.stdout + r.stderr
                runs[user] = json.loads(out.read_text())
                assert runs[user]["statuses"] == [200, 200]
            assert runs["alice"]["mcp"] == {"status": 200, "tools": ["headroom_retrieve"], "without_secret": 401}
            assert f"/t/{issued['bob']}/" in runs["bob"]["url"]  # aider's requests carried the token in the path
            assert len(fake.model_requests) == 4
            for rec in fake.model_requests:
                assert not any(t in rec.path + json.dumps(dict(rec.headers)) for t in issued.values())
            # a request without a token, through the balancer: refused in the provider's shape
            req = urllib.request.Request(f"http://127.0.0.1:{lb_port}/v1/messages", data=b"{}", method="POST",
                                         headers={"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-x"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(req, timeout=10)
            assert refused.value.code == 401 and json.loads(refused.value.read())["type"] == "error"
            # the figures are in the database, per user
            stats = None
            for _ in range(200):  # the gateway's ledger writer runs on its own thread
                r = headroom(["team", "stats", "--store", store_url, "--json"], base)
                assert r.returncode == 0, r.stderr
                stats = {row["key"]: row for row in json.loads(r.stdout)["team"]}
                if stats.get("alice", {}).get("requests", 0) >= 2 and stats.get("bob", {}).get("requests", 0) >= 2:
                    break
                time.sleep(0.05)
            assert stats["alice"]["tokens_before"] > stats["alice"]["tokens_after"] > 0  # alice's tool output cut
        finally:
            if lb is not None:
                lb.terminate()
                lb_out, lb_err = lb.communicate(timeout=20)
            gw.terminate()
            gw_out, gw_err = gw.communicate(timeout=30)
    # the balancer logged every request, and no token, nor any path
    log = [ln for ln in lb_out.splitlines() if ln.strip()]
    assert len(log) >= 5, lb_out + lb_err
    for t in issued.values():
        assert t not in lb_out + lb_err and t[4:] not in lb_out
        assert t not in gw_out + gw_err
    assert "/t/" not in lb_out and "/v1/" not in lb_out
