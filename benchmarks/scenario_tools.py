"""What the capture scenarios (benchmarks/scenario_*.py) share to build their workspaces: git commits at fixed
dates (so every build has the same hashes), files written by relative path, a service driven over HTTP on loopback
and stopped after."""
from __future__ import annotations

import http.client
import json
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Sequence


def git(cwd: Path, date: str, *args: str) -> None:
    """`git *args` in `cwd` as the author `dev`, dated `date` (author and committer), with no user config."""
    subprocess.run(["git", "-c", "user.email=dev@example.invalid", "-c", "user.name=dev", *args], cwd=cwd,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "PATH": "/usr/bin:/bin",
                        "HOME": str(cwd)})


def fresh(proj: Path) -> Path:
    """`proj` as an empty directory (any previous copy removed, its parents made as needed)."""
    if proj.exists():
        shutil.rmtree(proj)
    proj.mkdir(parents=True)
    return proj


def write(proj: Path, files: dict[str, str]) -> None:
    """Each file of `files` (relative path → text) under `proj`, its directories made as needed."""
    for rel, text in files.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text(text)


def shell(cwd: Path, cmd: str, env: dict, timeout: float = 900) -> str:
    """What `cmd` (a shell line, as an agent would type it) prints in `cwd`, stdout then stderr."""
    r = subprocess.run(cmd, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def stop(p: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the service is still up after 20 s; returns once it has exited."""
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


Requester = Callable[..., "tuple[int, bytes]"]


def requester(port: int, rnd: random.Random, agents: Sequence[str], rate: float,
              gap: float) -> tuple[Requester, Callable[[], None]]:
    """`req(method, path, body=None, agent=None) -> (status, body)` over one keep-alive connection to 127.0.0.1:port,
    and the connection's `close`.
    Clients arrive apart (an exponential pause of mean 1/rate seconds, at most `gap`); the User-Agent is `agent` or
    one of the first three `agents`; a dict body is sent as JSON, a str body as it is (a malformed one on purpose)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def req(method: str, path: str, body: dict | str | None = None, agent: str | None = None) -> tuple[int, bytes]:
        time.sleep(min(rnd.expovariate(rate), gap))
        headers = {"User-Agent": agent or rnd.choice(list(agents[:3]))}
        data = None
        if body is not None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()

    return req, conn.close
