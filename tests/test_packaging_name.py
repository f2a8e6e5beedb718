"""The distribution's name: `headroom-cli` on the package index is another project, so this one is
published as `headroom-proxy` (the `headroom` command and the `headroom_cli` import keep their names).
Fast checks of the sources; tests/test_packaging.py checks the built wheel's metadata."""
from __future__ import annotations

import ast
from pathlib import Path

from headroom_cli import config

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
NAME = "headroom-proxy"
OLD = ("headroom-cli", "headroom_cli")  # as a distribution name; `headroom_cli` stays the import name


def test_pyproject_names_the_distribution():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == NAME == config.DIST_NAME
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"headroom": "headroom_cli.cli:main"}  # the command and the import stay


def test_readme_installs_and_uninstalls_by_the_new_name():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"pip uninstall {NAME}" in text and f"`{NAME}`" in text
    assert "headroom-cli" not in text


def _metadata_calls(tree: ast.AST):
    """Calls of importlib.metadata functions (`version(...)` after `from importlib.metadata import
    version`, or `importlib.metadata.version(...)`, `metadata.version(...)`) with their string arguments."""
    names = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
             and n.module == "importlib.metadata" for a in n.names}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        if isinstance(fn, ast.Name) and fn.id in names:
            pass
        elif isinstance(fn, ast.Attribute) and ast.unparse(fn.value) in ("importlib.metadata", "metadata"):
            pass
        else:
            continue
        yield node, [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def test_metadata_call_finder_sees_both_spellings():
    src = ("from importlib.metadata import version as v\nimport importlib.metadata\n"
           "v('headroom-cli'); importlib.metadata.files('headroom_cli')\n"
           "from importlib.resources import files\nfiles('headroom_cli')\n")
    assert [args for _, args in _metadata_calls(ast.parse(src))] == [["headroom-cli"], ["headroom_cli"]]


def test_nothing_in_the_package_asks_for_the_old_name():
    """No `importlib.metadata.version("headroom-cli")` (or any other metadata call, or install hint)
    naming the old distribution anywhere in the package, benchmarks or CI."""
    files = [*(REPO / "headroom_cli").rglob("*.py"), *(REPO / "benchmarks").rglob("*.py")]
    assert files
    for f in files:
        src = f.read_text(encoding="utf-8")
        assert "headroom-cli" not in src, f
        for node, args in _metadata_calls(ast.parse(src)):
            assert not set(args) & set(OLD), (f, node.lineno, args)
    assert "headroom-cli" not in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_doctor_hint_reinstalls_the_new_name(monkeypatch):
    from importlib.metadata import PackageNotFoundError

    from headroom_cli.cli import doctor

    def missing(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(doctor, "_dist_version", missing)
    hints = [c.hint for c in doctor.check_packages() if c.status == doctor.FAIL]
    assert hints and all(f"pip install --force-reinstall {NAME}" in h for h in hints)
