"""The repository a captured session investigates: a copy of an installed package's real source (click, vendored
under src/), a small package of our own with tests (two of them fail for real), helper scripts whose real runs
print the output classes the issues name, and a git history with a real diff. Deterministic: the same bytes every
time, so captures of different runs can be compared. Nothing is downloaded."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

ISSUE_TITLE = "CSV export loses the final line break when the last column is quoted"
ISSUE_ASSIGNEE = "mkowalczyk"
ISSUE_NUMBER = 1873
INCIDENT = ("2026-11-30T03:14:07.221Z ERROR payments-api pool exhausted: 64/64 connections busy, "
            "311 requests waiting (db=orders-primary)")
METRIC = "p99_latency_ms=8421 route=/v1/checkout region=eu-west-3"
FAILED_ASSERT = "assert total([0.1, 0.2]) == 0.3"
JOB_ERRORS = ["TimeoutError: upstream took longer than 30s (stage=fetch)",
              "KeyError: 'customer_id' (stage=transform)",
              "PermissionError: [Errno 13] Permission denied: '/srv/exports/q3.parquet' (stage=write)"]
DIFF_LINE = "-    return round(value, 2)"

SCRIPTS = {
    "tools/issues.py": r'''"""Print the tracker's open issues as JSON (one record per line)."""
import json, random
rng = random.Random(7)
words = ["parser", "cache", "login", "export", "retry", "upload", "timezone", "locale", "search", "billing",
         "webhook", "scheduler", "report", "thumbnail", "sync", "audit", "quota", "token", "session", "import"]
verbs = ["fails", "hangs", "is slow", "crashes", "returns 500", "drops events", "leaks memory", "logs twice"]
people = ["adiaz", "bnguyen", "cokafor", "dlindqvist", "epatel", "fmorales", "gschmidt", "hsato"]
labels = ["bug", "perf", "ux", "backend", "frontend", "infra", "docs", "flaky", "io", "security"]
out = []
for i in range(300):
    n = 1600 + i
    out.append({"number": n, "title": f"{rng.choice(words).capitalize()} {rng.choice(verbs)} when "
                f"{rng.choice(words)} {rng.choice(['is empty', 'has unicode', 'is retried', 'times out', 'is large'])}",
                "state": "open", "assignee": rng.choice(people), "labels": sorted(rng.sample(labels, 2)),
                "comments": rng.randint(0, 40), "updated": f"2026-11-{rng.randint(1, 30):02d}"})
out[273] = {"number": 1873, "title": "CSV export loses the final line break when the last column is quoted",
            "state": "open", "assignee": "mkowalczyk", "labels": ["bug", "csv", "io"], "comments": 6,
            "updated": "2026-11-28"}
print("[\n" + ",\n".join(json.dumps(r) for r in out) + "\n]")
''',
    "tools/jobs.py": r'''"""Replay last night's export jobs: coloured progress, a JSON report, a summary line."""
import json, random, sys
rng = random.Random(11)
errs = ["TimeoutError: upstream took longer than 30s (stage=fetch)", "KeyError: 'customer_id' (stage=transform)",
        "PermissionError: [Errno 13] Permission denied: '/srv/exports/q3.parquet' (stage=write)"]
print("\x1b[1;34m==> replaying 120 jobs from nightly-2026-11-30\x1b[0m")
jobs = []
for i in range(120):
    j = {"job": f"export-{i:03d}", "tenant": f"t{rng.randint(100, 999)}", "rows": rng.randint(1000, 90000),
         "ms": rng.randint(200, 9000), "status": "ok"}
    if i % 7 == 3:
        j["status"] = "error"
        j["error"] = errs[(i // 7) % 3]
    jobs.append(j)
print(json.dumps(jobs))
bad = sum(j["status"] == "error" for j in jobs)
print(f"\x1b[32m{120 - bad}/120 jobs succeeded\x1b[0m, \x1b[31m{bad} failed\x1b[0m")
''',
    "tools/metrics.py": r'''"""Dump the per-route latency metrics of the last hour (one line per route and minute)."""
import random
rng = random.Random(5)
routes = ["/v1/cart", "/v1/search", "/v1/items", "/v1/login", "/v1/profile", "/v1/orders", "/v1/checkout"]
for m in range(90):
    for r in routes:
        p99 = rng.randint(80, 420)
        if m == 61 and r == "/v1/checkout":
            print(f"2026-11-30T03:{m % 60:02d}:00Z p99_latency_ms=8421 route=/v1/checkout region=eu-west-3 n=5120")
            continue
        print(f"2026-11-30T{2 + m // 60:02d}:{m % 60:02d}:00Z p99_latency_ms={p99} route={r} "
              f"region=eu-west-{1 + (m + len(r)) % 3} n={rng.randint(900, 6000)}")
''',
}

REPORT_PY = '''"""Money formatting for the export reports."""
from decimal import Decimal, ROUND_HALF_UP


def format_amount(value: Decimal) -> str:
    """Two decimals with thousands separators."""
    q = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{q:,}"


def share(part: float, whole: float) -> float:
    """part/whole as a percentage."""
    if not whole:
        return 0.0
    return round(100 * part / whole, 1)


def total(values) -> float:
    value = sum(values)
    return round(value, 2)
'''

TESTS_PY = '''from decimal import Decimal

import pytest

from acme.report import format_amount, share, total


@pytest.mark.parametrize("n", range(40))
def test_share_of_itself(n):
    assert share(n + 1, n + 1) == 100.0


def test_format_amount():
    assert format_amount(Decimal('1234.5')) == '1,234.50'


def test_total_keeps_cents():
    assert total([0.1, 0.2]) == 0.3


def test_total_rounds_to_whole_units():
    assert total([1.25, 1.25]) == 3
'''


def incident_log() -> str:
    rng = random.Random(3)
    services = ["gateway", "orders-api", "search", "payments-api", "worker", "auth"]
    lines = []
    for i in range(260):
        t = f"2026-11-30T03:{i * 13 // 60 % 60:02d}:{i * 13 % 60:02d}.{rng.randint(0, 999):03d}Z"
        svc = rng.choice(services)
        lvl = rng.choice(["INFO"] * 8 + ["DEBUG"] * 3 + ["WARN"])
        msg = rng.choice([f"request id={rng.randint(10**6, 10**7)} status=200 ms={rng.randint(2, 90)}",
                          f"cache hit ratio={rng.random():.2f}", f"heartbeat ok peers={rng.randint(3, 9)}",
                          f"retrying call attempt={rng.randint(1, 3)} backoff_ms={rng.randint(50, 400)}",
                          f"gc pause ms={rng.randint(1, 30)}"])
        lines.append(f"{t} {lvl} {svc} {msg}")
    lines.insert(174, INCIDENT)
    return "\n".join(lines) + "\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=dev@example.invalid", "-c", "user.name=dev", *args], cwd=cwd,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={"GIT_AUTHOR_DATE": "2026-11-30T09:00:00Z", "GIT_COMMITTER_DATE": "2026-11-30T09:00:00Z",
                        "PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def build(root: Path) -> Path:
    """Create the project under `root/acme` (replacing any previous copy) and return its path."""
    import click

    proj = root / "acme"
    if proj.exists():
        shutil.rmtree(proj)
    (proj / "src").mkdir(parents=True)
    shutil.copytree(Path(click.__file__).parent, proj / "src" / "click",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (proj / "src" / "acme").mkdir()
    (proj / "src" / "acme" / "__init__.py").write_text("")
    (proj / "src" / "acme" / "report.py").write_text(REPORT_PY)
    (proj / "tests").mkdir()
    (proj / "tests" / "test_report.py").write_text(TESTS_PY)
    (proj / "tests" / "conftest.py").write_text("import sys, pathlib\n"
                                                "sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / 'src'))\n")
    for rel, text in SCRIPTS.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text(text)
    (proj / "logs").mkdir()
    (proj / "logs" / "incident-2026-11-30.log").write_text(incident_log())
    (proj / "README.md").write_text("# acme\n\nExport reports. `python -m pytest -q tests` runs the tests.\n")
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", ".")
    git(proj, "commit", "-qm", "acme: reports, tools, vendored click")
    # a second commit: a behaviour change hidden among mechanical edits (the diff to review)
    rep = proj / "src" / "acme" / "report.py"
    rep.write_text(rep.read_text().replace("    return round(value, 2)", "    return int(value)"))
    for f in sorted((proj / "src" / "click").glob("*.py")):
        f.write_text(f.read_text().replace("Copyright", "Copyright (c)").replace("\n\n\n", "\n\n\n# --\n", 3))
    git(proj, "commit", "-qam", "tidy headers; simplify total()")
    return proj


def needles() -> list[dict]:
    return [
        {"text": ISSUE_TITLE, "why": "the issue the user named in words"},
        {"text": ISSUE_ASSIGNEE, "why": "its assignee"},
        {"text": INCIDENT, "why": "the one relevant event of the incident log"},
        {"text": METRIC, "why": "the one anomaly in the >30K-char metrics dump"},
        {"text": FAILED_ASSERT, "why": "the failing assertion"},
        *({"text": e, "why": "a distinct job error in the mixed output"} for e in JOB_ERRORS),
        {"text": DIFF_LINE, "why": "the behaviour change in the diff"},
        {"text": "def get_current_context", "why": "the search hit that answers where it is defined"},
        {"text": "_termui_impl.py", "why": "a file of the small ls -la"},
        {"text": "def shorten(", "why": "the stdlib definition asked about"},
    ]


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
    print(json.dumps(needles(), indent=1))
