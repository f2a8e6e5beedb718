"""Issue 16 item 1: the README's test command works in a fresh virtualenv, and CI runs exactly that.

The packaging test builds the wheel without build isolation, so the build backend must come with the [test] extra
(it did not: a fresh venv gave '1 failed, 6 errors'). And .ci/run must start from a fresh virtualenv, as the README
says, rather than whatever the machine's Python happens to have."""
from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].strip().lower()


def test_the_test_extra_brings_the_build_backend():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    backend = {_name(r) for r in py["build-system"]["requires"]}
    test_extra = {_name(r) for r in py["project"]["optional-dependencies"]["test"]}
    assert backend and backend <= test_extra, backend - test_extra


def test_ci_runs_the_readme_commands_in_a_fresh_virtualenv():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = readme.split("## Test", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    install, test = re.search(r"(pip install -e '\.\[test\]') && (python -m pytest -q)", block).groups()
    assert "python3 -m venv" in block
    lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    venv = next(i for i, ln in enumerate(lines) if re.match(r"python3? -m venv ", ln))
    activate = next(i for i, ln in enumerate(lines) if "/bin/activate" in ln)
    inst = next(i for i, ln in enumerate(lines) if install in ln)
    run = next(i for i, ln in enumerate(lines) if ln.startswith(test))
    assert venv < activate < inst < run
