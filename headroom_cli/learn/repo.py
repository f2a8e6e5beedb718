"""Which repository a project is, for lessons shared by a team: its git remote, normalised so every clone of it
(https or ssh, with or without `.git`, a user or token in the URL, any letter case) names it the same way."""
from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import UsageError
from ..shared_lessons import normalize_remote

__all__ = ["normalize_remote", "remote_of", "repo_of"]

def remote_of(project: Path) -> str:
    """The project's git remote URL: `origin`, else the first remote; "" when it has none (or is no repository)."""
    def git(*args: str) -> str:
        try:
            p = subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return p.stdout.strip() if p.returncode == 0 else ""

    url = git("remote", "get-url", "origin")
    if not url:
        first = git("remote").splitlines()
        url = git("remote", "get-url", first[0]) if first else ""
    return url


def repo_of(project: Path) -> str:
    """The normalised repository a project is; a UsageError when it has no git remote (nothing to share it by)."""
    repo = normalize_remote(remote_of(project))
    if not repo:
        raise UsageError(f"{project} has no git remote: team lessons are shared per repository",
                         hint="add one (`git remote add origin URL`), or pass --repo URL")
    return repo
