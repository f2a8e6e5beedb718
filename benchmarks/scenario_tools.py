"""What the capture scenarios (benchmarks/scenario_*.py) share to build their workspaces: git commits at fixed
dates (so every build has the same hashes), files written by relative path, a service stopped after it was driven."""
from __future__ import annotations

import signal
import subprocess
from pathlib import Path


def git(cwd: Path, date: str, *args: str) -> None:
    """`git *args` in `cwd` as the author `dev`, dated `date` (author and committer), with no user config."""
    subprocess.run(["git", "-c", "user.email=dev@example.invalid", "-c", "user.name=dev", *args], cwd=cwd,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "PATH": "/usr/bin:/bin",
                        "HOME": str(cwd)})


def write(proj: Path, files: dict[str, str]) -> None:
    """Each file of `files` (relative path → text) under `proj`, its directories made as needed."""
    for rel, text in files.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text(text)


def stop(p: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the service is still up after 20 s; returns once it has exited."""
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
