"""Capture the real-tool outputs of the held-out check (benchmarks/heldout_check.py).

    python benchmarks/capture_heldout.py [--out benchmarks/heldout_data]

Runs real tools on real code, in throwaway directories, and writes each output as the tool printed it:
- `pytest -v` on a copy of the installed `packaging` sources with a test module of ~300 cases, a few wrong;
- `node --test` on a small JavaScript module with one failing case among many (node's own test runner);
- `git log -p` and `git diff` on a `git init`ed copy of the installed `rich` sources after real edits
  (a default changed, a rename over many modules, a function added);
- `grep -rn` over the installed `httpx`, `httpcore`, `requests` and `urllib3` sources;
- `pip inspect` of this virtualenv (a real JSON report of every installed distribution);
- `ls -la` of the standard library folder (long) and of a small folder (a small result);
- a Python service's real log: a logging app that handles real exceptions (tracebacks) among routine lines.
The stdlib reads are not captured: heldout_check reads the interpreter's own files when it runs.
Outputs hold machine paths as they came; nothing here runs in tests.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = Path(__import__("packaging").__file__).resolve().parent.parent

PYTEST_MODULE = '''
import pytest
from packaging.version import Version, InvalidVersion
from packaging.specifiers import SpecifierSet
from packaging.requirements import Requirement

ORDERED = [
    "0.9", "1.0a1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1", "1.1.dev1", "1.1", "1.2", "1.10",
    "2.0.dev3", "2.0", "2.0.1", "2.1rc2", "2.1", "3.0", "10.0", "2024.1", "2024.11.3",
]
PAIRS = [(a, b) for i, a in enumerate(ORDERED) for b in ORDERED[i + 1:]]


@pytest.mark.parametrize("low,high", PAIRS)
def test_version_order(low, high):
    assert Version(low) < Version(high)


SPECS = [(">=1.0", "1.2", True), ("<2", "1.9", True), ("~=1.4", "1.9", True), ("~=1.4.2", "1.5.0", False),
         ("==1.*", "1.7", True), ("!=1.3", "1.3", False), (">1.0,<1.5", "1.4.9", True), (">=3.8", "3.7", False),
         ("<=2.0", "2.0.1", False), ("==2.0.*", "2.0.9", True)]


@pytest.mark.parametrize("spec,version,expected", SPECS + [("<=2.0", "2.0.post1", True)])
def test_specifier_contains(spec, version, expected):
    assert (version in SpecifierSet(spec)) is expected




def test_epoch_sorts_first():
    assert Version("1!0.1") < Version("2.0")


def test_invalid_version_message():
    with pytest.raises(InvalidVersion, match="Invalid version: 'not-a-version'"):
        Version("not-a-version")


def test_public_strips_local():
    assert Version("1.4.2+deadbeef").public == "1.4.2+deadbeef"
'''

NODE_MODULE = r'''
export function slugify(s) {
  return s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
export function parseDuration(s) {
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) throw new Error(`bad duration: ${s}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2]];
}
export function chunk(xs, n) {
  const out = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
'''

NODE_TEST = r'''
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { slugify, parseDuration, chunk } from "./lib.mjs";

const SLUGS = [["Hello World", "hello-world"], ["  trim me  ", "trim-me"], ["Crème brûlée", "creme-brulee"],
  ["a--b", "a-b"], ["Ünïcödé", "unicode"], ["C++ & Rust", "c-rust"], ["v1.2.3", "v1-2-3"], ["ÆON Flux", "aeon-flux"]];
describe("slugify", () => {
  for (let k = 0; k < 6; k++) for (const [i, o] of SLUGS) test(`slugify(${JSON.stringify(i)}) #${k}`, () => {
    assert.equal(slugify(i), o);
  });
});
const DUR = [["10ms", 10], ["2s", 2000], ["5m", 300000], ["1h", 3600000], ["250ms", 250], ["90s", 90000]];
describe("parseDuration", () => {
  for (let k = 0; k < 8; k++) for (const [i, o] of DUR) test(`parseDuration(${i}) #${k}`, () => {
    assert.equal(parseDuration(i), o);
  });
  test("rejects a unit it does not know", () => { assert.throws(() => parseDuration("3d"), /bad duration/); });
});
describe("chunk", () => {
  for (let n = 1; n <= 24; n++) test(`chunk of 50 by ${n}`, () => {
    assert.equal(chunk([...Array(50).keys()], n).length, Math.ceil(50 / n));
  });
});
'''

LOG_APP = r'''
import logging, random, sys, json
logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                    format="%(asctime)s.%(msecs)03d %(levelname)-7s [%(name)s] %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
import time
r = random.Random(77)
log = logging.getLogger("billing.worker")
api = logging.getLogger("billing.api")
TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"]
def settle(invoice):
    cfg = {"acme": {"currency": "EUR"}, "globex": {"currency": "USD"}}
    return cfg[invoice["tenant"]]["currency"]
def parse_amount(s):
    return int(s)
for i in range(1400):
    t = TENANTS[r.randrange(len(TENANTS))]
    k = r.random()
    if k < 0.55:
        api.info("POST /v2/invoices/%d/settle tenant=%s status=200 in %dms", 40000 + i, t, r.randint(4, 180))
    elif k < 0.85:
        log.info("settled invoice %d for %s: %d lines, total %d.%02d", 40000 + i, t, r.randint(1, 30),
                 r.randint(1, 900), r.randint(0, 99))
    elif k < 0.97:
        log.warning("slow ledger write for invoice %d (%dms), retrying", 40000 + i, r.randint(900, 3000))
    else:
        try:
            parse_amount(r.choice(["12.50", "n/a", "1e3"]))
        except ValueError:
            log.warning("skipping malformed amount on invoice %d", 40000 + i, exc_info=True)
    if i == 1111:
        try:
            settle({"tenant": "initech", "id": 41111})
        except KeyError:
            log.exception("settlement crashed for invoice 41111 (tenant initech)")
'''


def run(cmd: list[str] | str, cwd: str | Path, env: dict | None = None, shell: bool = False) -> str:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, shell=shell)
    return p.stdout + p.stderr


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Dana Reyes", GIT_AUTHOR_EMAIL="dana@example.org",
               GIT_COMMITTER_NAME="Dana Reyes", GIT_COMMITTER_EMAIL="dana@example.org",
               GIT_AUTHOR_DATE="2026-11-30T10:00:00Z", GIT_COMMITTER_DATE="2026-11-30T10:00:00Z")
    return run(["git", *args], repo, env=env)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    s = path.read_text()
    assert old in s, (path, old)
    path.write_text(s.replace(old, new, count))


def capture_git(tmp: Path, out: Path) -> None:
    repo = tmp / "rich-copy"
    shutil.copytree(SITE / "rich", repo / "rich", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "import rich sources")
    # 1: a default changed (the one the question is about), plus a docstring touch elsewhere
    edit(repo / "rich/progress.py", "refresh_per_second: float = 10,", "refresh_per_second: float = 4,")
    edit(repo / "rich/live.py", "refresh_per_second: float = 4,", "refresh_per_second: float = 2,")
    git(repo, "commit", "-q", "-am", "progress: refresh less often by default to cut terminal writes")
    # 2: a mechanical rename over many modules
    n = 0
    for p in sorted((repo / "rich").glob("*.py")):
        s = p.read_text()
        if "cell_len(" in s and p.name != "cells.py":
            p.write_text(s.replace("cell_len(", "cell_width("))
            n += 1
    edit(repo / "rich/cells.py", "def cell_len(", "def cell_width(")
    edit(repo / "rich/cells.py", "def cell_width(", "def cell_len(text: str, _cell_len=None) -> int:\n"
         "    \"\"\"Deprecated alias of cell_width.\"\"\"\n    return cell_width(text)\n\n\ndef cell_width(")
    git(repo, "commit", "-q", "-am", f"cells: rename cell_len to cell_width ({n} modules)")
    # 3: a function added (uncommitted: the `git diff` the agent looks at)
    edit(repo / "rich/markup.py", "def escape(", "def strip_markup(text: str) -> str:\n"
         "    \"\"\"Remove every [tag] from console markup, keeping escaped brackets.\"\"\"\n"
         "    return render(text).plain\n\n\ndef escape(")
    edit(repo / "rich/text.py", "        self.end = end\n", "        self.end = end or \"\\n\"\n")
    (out / "git_log_p_rich.txt").write_text(git(repo, "log", "-p", "-2"))
    (out / "git_diff_rich.txt").write_text(git(repo, "diff"))
    (out / "git_log_stat_rich.txt").write_text(git(repo, "log", "--stat", "-3"))


def capture_pytest(tmp: Path, out: Path) -> None:
    proj = tmp / "vers"
    shutil.copytree(SITE / "packaging", proj / "packaging", ignore=shutil.ignore_patterns("__pycache__"))
    (proj / "tests").mkdir()
    (proj / "tests" / "test_versions.py").write_text(PYTEST_MODULE)
    env = dict(os.environ, PYTHONPATH=str(proj))
    txt = run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:hypothesispytest", "tests"], proj, env=env)
    (out / "pytest_packaging.txt").write_text(txt.replace(str(tmp), "/home/dev")
                                              .replace(str(Path(sys.prefix)), "/home/dev/.venv"))


def capture_node(tmp: Path, out: Path) -> None:
    proj = tmp / "jslib"
    proj.mkdir()
    (proj / "lib.mjs").write_text(NODE_MODULE)
    (proj / "lib.test.mjs").write_text(NODE_TEST)
    txt = run(["node", "--test", "--test-reporter=spec", "lib.test.mjs"], proj)
    (out / "node_test.txt").write_text(txt.replace(str(tmp), "/home/dev"))


def capture_grep(out: Path) -> None:
    txt = run("grep -rn --include='*.py' -i 'proxy' httpx httpcore requests urllib3", SITE, shell=True)
    (out / "grep_proxy.txt").write_text(txt)
    txt = run("grep -rn --include='*.py' 'def ' rich", SITE, shell=True)
    (out / "grep_defs_rich.txt").write_text(txt)


def capture_misc(tmp: Path, out: Path) -> None:
    # `pip inspect | jq '[.installed[].metadata | {name, version, summary, requires_python, requires_dist}]'`
    rep = json.loads(run([sys.executable, "-m", "pip", "inspect", "--local"], tmp).split("\n", 1)[-1]
                     if not run([sys.executable, "-m", "pip", "inspect", "--local"], tmp).lstrip().startswith("{")
                     else run([sys.executable, "-m", "pip", "inspect", "--local"], tmp))
    keys = ("name", "version", "summary", "requires_python", "requires_dist")
    meta = [{k: m["metadata"].get(k) for k in keys} for m in rep["installed"]]
    (out / "pip_inspect.txt").write_text(json.dumps(meta, indent=2) + "\n")
    std = Path(os.__file__).parent
    (out / "ls_stdlib.txt").write_text(run(["ls", "-la", "--time-style=long-iso", str(std)], tmp))
    (out / "ls_small.txt").write_text(run(["ls", "-la", "--time-style=long-iso", str(std / "json")], tmp))
    (tmp / "app.py").write_text(LOG_APP)
    (out / "app_log.txt").write_text(run([sys.executable, "app.py"], tmp).replace(str(tmp), "/srv/billing"))


UNITTEST_MODULE = r'''
import statistics, textwrap, unittest, fractions, datetime


class TestMeans(unittest.TestCase):
    pass


for i in range(1, 61):
    def _t(self, i=i):
        xs = [fractions.Fraction(k, i) for k in range(1, i + 2)]
        self.assertEqual(statistics.mean(xs), fractions.Fraction(i + 2, 2 * i))
    setattr(TestMeans, f"test_mean_of_{i}", _t)


class TestWrap(unittest.TestCase):
    pass


for w in range(8, 48, 2):
    def _t(self, w=w):
        text = "The quick brown fox jumps over the lazy dog " * 3
        self.assertTrue(all(len(x) <= w for x in textwrap.wrap(text, w)))
    setattr(TestWrap, f"test_wrap_width_{w}", _t)


class TestDates(unittest.TestCase):
    def test_iso_week_of_new_year(self):
        self.assertEqual(datetime.date(2027, 1, 1).isocalendar().week, 1)

    def test_fromisoformat_z_suffix(self):
        self.assertEqual(datetime.datetime.fromisoformat("2026-12-02T10:00:00Z").tzinfo, datetime.timezone.utc)

    def test_median_low_even(self):
        self.assertEqual(statistics.median_low([1, 3, 5, 7]), 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
'''


def capture_final(tmp: Path, out: Path) -> None:
    """The untouched set's real outputs (captured before any fix of this round)."""
    repo = tmp / "click-copy"
    shutil.copytree(SITE / "click", repo / "click", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "vendor click")
    edit(repo / "click/core.py", "        if not args and self.no_args_is_help and not ctx.resilient_parsing:",
         "        if not args and self.no_args_is_help and not ctx.resilient_parsing and not ctx.obj:")
    edit(repo / "click/core.py", "max_content_width = parent.max_content_width",
         "max_content_width = parent.max_content_width or 100")
    edit(repo / "click/termui.py", "def confirm(", "def confirm_twice(text: str) -> bool:\n"
         "    \"\"\"Ask for a confirmation twice (destructive operations).\"\"\"\n"
         "    return confirm(text) and confirm(\"Really? \" + text)\n\n\ndef confirm(")
    for p in sorted((repo / "click").glob("*.py")):
        s = p.read_text()
        if "t.Optional[" in s:
            continue
        p.write_text(s.replace("from __future__ import annotations\n",
                               "from __future__ import annotations  # PEP 563\n", 1))
    (out / "final_git_diff_click.txt").write_text(git(repo, "diff"))
    (out / "final_git_grep_click.txt").write_text(git(repo, "grep", "-n", "ctx\\."))
    proj = tmp / "ut"
    proj.mkdir()
    (proj / "test_misc.py").write_text(UNITTEST_MODULE)
    (out / "final_unittest.txt").write_text(run([sys.executable, "-m", "unittest", "-v", "test_misc"], proj)
                                            .replace(str(tmp), "/home/dev"))
    db = tmp / "shop.db"
    import random as _r
    import sqlite3
    r = _r.Random(9301)
    con = sqlite3.connect(db)
    con.execute("create table orders (id integer primary key, ref text, customer text, total_cents integer, "
                "currency text, status text, created_at text)")
    names = ("Ada Park", "Bo Chen", "Cy Ruiz", "Di Okafor", "Ed Vos", "Flo Haas", "Gus Ivanov", "Hana Sato")
    for i in range(1, 901):
        st = r.choices(("paid", "shipped", "refunded", "pending"), (50, 40, 5, 5))[0]
        ref = f"ORD-{r.getrandbits(28):07X}"
        if i == 613:
            ref, st = "ORD-7C41A9E", "chargeback"
        con.execute("insert into orders values (?,?,?,?,?,?,?)",
                    (i, ref, r.choice(names), r.randint(500, 90000), r.choice(("EUR", "USD")), st,
                     f"2026-11-{r.randint(1, 30):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"))
    con.commit()
    con.close()
    (out / "final_sqlite_csv.txt").write_text(run(["sqlite3", "-header", "-csv", str(db),
                                                   "select * from orders order by id"], tmp))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(HERE / "heldout_data"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="heldout-") as t:
        tmp = Path(t)
        capture_git(tmp, out)
        capture_pytest(tmp, out)
        capture_node(tmp, out)
        capture_grep(out)
        capture_misc(tmp, out)
        capture_final(tmp, out)
    for p in sorted(out.glob("*.txt")):
        print(f"{p.name:24} {p.stat().st_size:>8} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
