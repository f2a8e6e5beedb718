"""The architecture's rules, checked: import-linter contracts (pyproject.toml [tool.importlinter]), plus two rules
import-linter cannot express (private names across modules; rich's console outside cli/). Each rule is also shown to
fail on a planted violation, so a contract that silently stopped matching anything would be noticed."""
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
    ("headroom_cli.launch.profiles", "import typer", "typer"),
    ("headroom_cli.compress.memo", "import headroom_cli.compress.pipeline", "cycles"),
])
def test_a_planted_violation_breaks_its_contract(tmp_path, module, line, contract):
    r = lint(planted(tmp_path, module, line))
    assert r.returncode != 0, r.stdout[-3000:]
    broken = [ln for ln in r.stdout.splitlines() if ln.rstrip().endswith("BROKEN")]
    assert any(ln.lower().startswith(contract) for ln in broken), (contract, broken, r.stdout[-3000:])


# -- rules import-linter cannot express -------------------------------------------------------------------------

def _modules(pkg: Path):
    for f in sorted(pkg.rglob("*.py")):
        if "_data" in f.parts:
            continue
        rel = f.relative_to(pkg.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        yield ".".join(parts), is_pkg, ast.parse(f.read_text(encoding="utf-8"), str(f))


def _resolve(importer: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_imports(pkg: Path) -> list[str]:
    """`from X import _name` where X is another module of the package (names shared across modules are public)."""
    found = []
    for name, is_pkg, tree in _modules(pkg):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                src = _resolve(name, is_pkg, node)
                if not src.startswith("headroom_cli") or src == name:
                    continue
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        found.append(f"{name}: from {src} import {a.name}")
    return found


CONSOLE_MODULES = ("typer", "rich.console", "rich.live", "rich.prompt", "rich.progress", "click")


def console_imports(pkg: Path) -> list[str]:
    """Imports of a terminal or CLI framework outside headroom_cli.cli (only the CLI edge talks to the user)."""
    found = []
    for name, _is_pkg, tree in _modules(pkg):
        if name == "headroom_cli.cli" or name.startswith("headroom_cli.cli.") or name == "headroom_cli.__main__":
            continue
        for node in ast.walk(tree):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for m in mods:
                if any(m == c or m.startswith(c + ".") for c in CONSOLE_MODULES):
                    found.append(f"{name}: {m}")
    return found


def test_no_private_name_is_imported_across_modules():
    assert private_imports(PKG) == []


def test_only_the_cli_imports_a_console():
    assert console_imports(PKG) == []


def test_the_ast_rules_catch_planted_violations(tmp_path):
    root = planted(tmp_path, "headroom_cli.stats.prices", "from .ledger import _planted_private\nfrom rich.console import Console")
    new_private = set(private_imports(root / "headroom_cli")) - set(private_imports(PKG))
    new_console = set(console_imports(root / "headroom_cli")) - set(console_imports(PKG))
    assert new_private == {"headroom_cli.stats.prices: from headroom_cli.stats.ledger import _planted_private"}
    assert new_console == {"headroom_cli.stats.prices: rich.console"}
