"""`git log --oneline --stat` and `--name-status` (one line a commit, its files under it), from a real repository
made by git: each commit keeps its line and the file lines the request names, however many commits touched that
file. It was a log before, whose kept stat lines no longer said which commit they were under."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from headroom_cli.compress import router
from headroom_cli.compress.base import Context

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

FILES = ["headroom_cli/compress/router.py", "headroom_cli/compress/regions.py", "README.md",
         "tests/test_regions.py", "headroom_cli/compress/compressors/logs.py", "benchmarks/bench_engine.py"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")

    def git(*args):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.invalid",
                            "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.invalid",
                            "GIT_AUTHOR_DATE": "2026-12-01T10:00:00Z", "GIT_COMMITTER_DATE": "2026-12-01T10:00:00Z",
                            "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(root)})

    git("init", "-q", "-b", "main")
    touched_router = []
    for k in range(40):
        files = [FILES[(k + j) % len(FILES)] for j in range(2 + k % 5)]
        for f in files:
            p = root / f
            p.parent.mkdir(parents=True, exist_ok=True)
            with p.open("a") as fh:
                fh.write("".join(f"line {k}.{i}: a change of round {k}\n" for i in range(3 + k % 7)))
        subject = (f"change {k}: " + "a long subject that says what was done and why it was done " * 2).strip()
        git("add", "-A")
        git("commit", "-q", "-m", subject)
        if FILES[0] in files:
            touched_router.append(f"change {k}: ")
    return root, touched_router


def run(root, cmd: str) -> str:
    return subprocess.run(cmd, shell=True, cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("form", ["--stat", "--name-status", "--name-only"])
def test_each_commit_keeps_its_line_and_the_named_files_line(repo, form):
    root, touched = repo
    cmd = f"git log --oneline {form} -40"
    out = run(root, cmd)
    ctx = Context(tool_name="Bash", tool_input=cmd,
                  preceding_text="Which of the last commits touched headroom_cli/compress/router.py?")
    assert router.detect(out, ctx) == "gitlog"
    res = router.compress_block(out, ctx)
    assert res is not None and res.lossy and res.kind == "gitlog"
    kept = res.text.split("\n")
    for k, line in enumerate(out.split("\n")):
        if "router.py" in line:
            # the file line is kept, and under it the commit it belongs to
            assert line in kept, line
            above = next(s for s in reversed(out.split("\n")[:k]) if s[:7].isalnum() and " change " in s)
            assert any(s.startswith(above[:20]) for s in kept), above
    # every commit keeps its hash
    for s in out.split("\n"):
        if s and s[:7].isalnum() and " change " in s:
            assert any(t.startswith(s[:8]) for t in kept)
    assert len(res.text) < 0.8 * len(out)


def test_a_plain_oneline_log_is_cut_as_before(repo):
    root, _ = repo
    out = run(root, "git log --oneline -40")
    res = router.compress_block(out, Context(tool_name="Bash", tool_input="git log --oneline -40"))
    assert res is None or all(len(s) < 140 for s in res.text.split("\n")[:-1])  # subjects clipped, lines kept


def test_the_medium_format_keeps_the_named_files_lines_too(repo):
    root, _ = repo
    cmd = "git log --stat -40"
    out = run(root, cmd)
    ctx = Context(tool_name="Bash", tool_input=cmd,
                  preceding_text="Which of the last commits touched headroom_cli/compress/router.py?")
    res = router.compress_block(out, ctx)
    assert res is not None and res.kind == "gitlog"
    lines = out.split("\n")
    kept = res.text.split("\n")
    for k, line in enumerate(lines):
        if "router.py" in line:
            assert line in kept
            commit = next(s for s in reversed(lines[:k]) if s.startswith("commit "))
            assert commit in kept
