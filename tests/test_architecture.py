"""The architecture's rules, checked: import-linter contracts (pyproject.toml [tool.importlinter]), plus a rule
import-linter cannot express (no private name crosses modules). Each rule is also shown to fail on a planted
violation, so a contract that silently stopped matching anything would be noticed."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "headroom_cli"
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package under `root` with the contracts of this checkout's pyproject.toml."""
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


def planted(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with `line` appended to `module` (a dotted name under headroom_cli)."""
    dst = tmp_path / "headroom_cli"
    shutil.copytree(PKG, dst, ignore=shutil.ignore_patterns("__pycache__", "_data"))
    f = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
    if not f.exists():
        f = f.with_suffix("") / "__init__.py"
    f.write_text(f.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    return tmp_path


def test_the_contracts_hold():
    r = lint(ROOT)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "broken" in r.stdout and "0 broken" in r.stdout  # the contracts ran


@pytest.mark.parametrize("module,line,contract", [
    ("headroom_cli.compress.markers", "from headroom_cli.proxy import settings as _planted", "engine"),
    ("headroom_cli.compress.router", "import headroom_cli.stats.ledger", "engine"),
    ("headroom_cli.proxy.redact", "from headroom_cli.cli import output as _planted", "proxy"),
    ("headroom_cli.ccr.store", "import headroom_cli.compress.markers", "store"),
    ("headroom_cli.learn.rules", "import headroom_cli.proxy.upstream", "learn"),
    ("headroom_cli.stats.prices", "import headroom_cli.proxy.upstream", "stats"),
    ("headroom_cli.storage.base", "import headroom_cli.proxy.settings", "storage"),
    ("headroom_cli.storage.sqlite", "import headroom_cli.compress.memo", "storage"),
    ("headroom_cli.launch.profiles", "import typer", "typer"),
    ("headroom_cli.compress.memo", "import headroom_cli.compress.pipeline", "cycles"),
    ("headroom_cli.compress.api", "import headroom_cli.integrations.savings", "integrations"),
    ("headroom_cli.proxy.app", "import langchain_core", "integrations"),
    ("headroom_cli.gateway.auth", "import headroom_cli.proxy.settings", "gateway"),
    ("headroom_cli.gateway.tokens", "from aiohttp import web as _planted", "gateway"),
])
def test_a_planted_violation_breaks_its_contract(tmp_path, module, line, contract):
    r = lint(planted(tmp_path, module, line))
    assert r.returncode != 0, r.stdout[-3000:]
    broken = [ln for ln in r.stdout.splitlines() if ln.rstrip().endswith("BROKEN")]
    assert any(ln.lower().startswith(contract) for ln in broken), (contract, broken, r.stdout[-3000:])


# -- a rule import-linter cannot express -------------------------------------------------------------------------
# (terminal and CLI-framework imports outside cli/ are scanned in tests/test_cli_edge.py)

def private_imports(source: str, module: str) -> list[str]:
    """`from x import _name` of a headroom module, and `mod._name` on an imported headroom module, in one module's
    source: what two modules share is public."""
    tree = ast.parse(source)
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("headroom_cli")):
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"{module}: from {node.module} import {a.name}")
                else:
                    modules.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("headroom_cli"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{module}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_is_imported_across_modules():
    found = [v for p in sorted(PKG.rglob("*.py")) for v in private_imports(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == []


def test_the_private_name_check_catches_a_planted_violation():
    planted = "from .forward import _sniffer\nfrom . import pipeline\npipeline._loads(b'')\n"
    assert len(private_imports(planted, "planted")) == 2
    assert private_imports("from .relay import sniffer_for\nfrom . import pipeline\npipeline.dumps({})\n", "ok") == []


# -- the document the code points at ---------------------------------------------------------------------------

DOC = ROOT / "docs" / "ARCHITECTURE.md"


def test_the_code_cites_sections_that_exist_in_docs_architecture():
    import re

    sections = set(re.findall(r"^## (\d+)\. ", DOC.read_text(encoding="utf-8"), re.M))
    cited, stale = set(), []
    for folder in ("headroom_cli", "tests", "benchmarks", "launchers"):
        for f in sorted((ROOT / folder).rglob("*")):
            if f.suffix not in (".py", ".toml") or "__pycache__" in f.parts:
                continue
            text = f.read_text(encoding="utf-8")
            if "DESIGN §" in text and f.name != "test_architecture.py":
                stale.append(str(f.relative_to(ROOT)))
            for refs in re.findall(r"docs/ARCHITECTURE\.md ((?:§\d+(?:, )?)+)", text):
                cited.update(re.findall(r"§(\d+)", refs))
    assert not stale, f"references to a document that is not in the repository: {stale}"
    assert cited and cited <= sections, sorted(cited - sections)
