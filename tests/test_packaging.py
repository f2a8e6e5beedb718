"""The wheel a user installs: built from this checkout, it carries launchers/, completions/, the perf
corpus and doctor's fake provider, and — installed into a fresh virtualenv (no system site-packages,
dependencies from the package index) — `headroom --version`, `wrap --list` and `perf` work there.

Slow (a venv and a dependency install); run by default. A pip cache under the system temp dir (not the
user's home) keeps repeat runs short.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIP_CACHE = Path(tempfile.gettempdir()) / "headroom-test-pip-cache"
LAUNCHERS = sorted(p.name for p in (REPO / "launchers").glob("*.toml"))
COMPLETIONS = sorted(p.name for p in (REPO / "completions").iterdir() if not p.name.startswith("."))

pytestmark = pytest.mark.slow


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 600)
    return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # The installed hatchling builds it (no isolated build env to download); `build` is the fallback.
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out),
              str(REPO)])
    if r.returncode != 0:
        r = _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheels = list(out.glob("headroom_proxy-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_carries_data_and_helper_modules(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in LAUNCHERS:
        assert f"headroom_cli/_data/launchers/{f}" in names
    for f in COMPLETIONS:
        assert f"headroom_cli/_data/completions/{f}" in names
    for mod in ("headroom_cli/corpus.py", "headroom_cli/testing/fake_provider.py",
                "headroom_cli/shell/completions.py", "headroom_cli/cli/__init__.py"):
        assert mod in names
    assert not any(n.startswith(("tests/", "launchers/", "completions/")) for n in names)
    meta = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "headroom = headroom_cli.cli:main" in zipfile.ZipFile(wheel).read(meta).decode()
    info = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "\nName: headroom-proxy\n" in zipfile.ZipFile(wheel).read(info).decode()  # headroom-cli is taken


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("venv") / "v"
    r = _run([sys.executable, "-m", "venv", str(d)])
    assert r.returncode == 0, r.stderr
    scripts = "Scripts" if os.name == "nt" else "bin"
    py = d / scripts / ("python.exe" if os.name == "nt" else "python")
    env = dict(os.environ, PIP_CACHE_DIR=str(PIP_CACHE), PIP_DISABLE_PIP_VERSION_CHECK="1")
    r = _run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], env=env, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return d / scripts


def _in_venv(bindir: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    # cwd and PYTHONPATH away from the checkout: only the installed wheel may answer.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    return _run([str(bindir / "headroom"), *args], env=env, cwd=tmp)


def test_installed_wheel_runs_from_its_own_files(venv, tmp_path):
    site = _run([str(venv / "python"), "-c", "import headroom_cli, sys; print(headroom_cli.__file__); "
                 "print(sys.flags.no_site, sys.prefix != sys.base_prefix)"], cwd=tmp_path)
    location = site.stdout.splitlines()[0]
    assert str(REPO) not in location and str(venv.parent) in location  # not the editable checkout
    system_site = sysconfig.get_paths()["purelib"]
    check = _run([str(venv / "python"), "-c", "import sys; print(sys.path)"], cwd=tmp_path)
    assert system_site not in check.stdout  # a fresh venv: no system site-packages


def test_version(venv, tmp_path):
    from headroom_cli._version import __version__

    r = _in_venv(venv, "--version", tmp=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"headroom {__version__}", r.stderr
    meta = _run([str(venv / "python"), "-c", "from importlib.metadata import version; "
                 "print(version('headroom-proxy'))"], cwd=tmp_path)
    assert meta.stdout.strip() == __version__, meta.stderr  # installed under the distribution's new name


def test_wrap_list_finds_the_packaged_launchers(venv, tmp_path):
    r = _in_venv(venv, "wrap", "--list", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in (p.removesuffix(".toml") for p in LAUNCHERS):
        assert name in r.stdout
    src = _run([str(venv / "python"), "-c", "from headroom_cli.launch.profiles import load; "
                "print(load('claude').source)"], cwd=tmp_path)
    assert "_data/launchers/claude.toml" in src.stdout.replace("\\", "/") and str(REPO) not in src.stdout


def test_completions_ship_and_answer(venv, tmp_path):
    for shell, name in (("bash", "headroom.bash"), ("zsh", "_headroom"), ("fish", "headroom.fish"),
                        ("powershell", "headroom.ps1")):
        r = _in_venv(venv, "completions", "show", "--shell", shell, tmp=tmp_path)
        assert r.stdout == (REPO / "completions" / name).read_text()
    env = dict(os.environ, COMP_WORDS="headroom wr", COMP_CWORD="1", _HEADROOM_COMPLETE="bash_complete")
    r = _run([str(venv / "headroom")], env=env, cwd=tmp_path)
    assert r.stdout.split() == ["plain,wrap"], r.stderr


def test_perf_runs_on_the_packaged_corpus(venv, tmp_path):
    if not (REPO / "headroom_cli" / "cli" / "perf.py").exists():
        pytest.skip("headroom_cli/cli/perf.py is not built yet")
    r = _in_venv(venv, "perf", "--json", tmp=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    import json

    rows = json.loads(r.stdout)["rows"]
    from headroom_cli.corpus import workloads

    assert [row["name"] for row in rows] == [w.name for w in workloads()]  # the corpus shipped in the wheel
    assert sum(row["tokens_after"] for row in rows) < sum(row["tokens_before"] for row in rows)


def test_wheel_built_from_the_sdist_has_the_same_data(tmp_path):
    """`pip install` from an sdist builds the wheel from it: launchers/ and completions/ must travel too."""
    r = _run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path), str(REPO)])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    sdist = next(tmp_path.glob("headroom_proxy-*.tar.gz"))
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "w"),
              str(sdist)])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    names = set(zipfile.ZipFile(next((tmp_path / "w").glob("*.whl"))).namelist())
    for f in LAUNCHERS:
        assert f"headroom_cli/_data/launchers/{f}" in names
    for f in COMPLETIONS:
        assert f"headroom_cli/_data/completions/{f}" in names
