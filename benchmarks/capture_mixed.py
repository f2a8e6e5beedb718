"""Capture the real command outputs behind the mixed-output corpus (`headroom_cli/corpus_mixed.py`).

    python benchmarks/capture_mixed.py [--out headroom_cli/corpus_data/mixed]

Runs real commands on this machine — pytest with colour forced through a pty, `pip download` with its progress
bar through a pty, `curl -v` against a loopback HTTP server, scripts printing JSON then a summary line, a
logging app that logs a traceback, `jq .` of several package.json files, `pip list` then `pip check`, `git log`
with colour, `ls -la` — and writes each output as it came (bytes decoded as UTF-8, `\\r` and escape codes kept)
to one file per capture. Paths of the scratch directory are rewritten to `/home/dev/app`. The corpus reads the
files, so its bytes stay fixed until this is run again (the outputs hold timings and ports: re-running changes
them, and the output digests must then be re-recorded).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = "/home/dev/app"


def run(cmd: str, cwd: Path, *, pty: bool = False, env: dict | None = None) -> str:
    """stdout and stderr of `cmd` interleaved as a terminal or a `2>&1` pipe would get them."""
    e = dict(os.environ, **(env or {}))
    if pty:  # util-linux `script`: the command sees a terminal, as Codex's PTY-run commands do
        argv = ["script", "-qec", cmd, "/dev/null"]
    else:
        argv = ["bash", "-c", cmd + " 2>&1"]
    p = subprocess.run(argv, cwd=cwd, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    return p.stdout.decode("utf-8", "replace")


_LOCAL = re.compile(r"^(?:\x1b\[[0-9;]*m)*(?:Looking in (?:indexes|links): |WARNING: Location 'file:)[^\n]*\n?",
                    re.M)


def scrub(text: str, scratch: Path) -> str:
    """Local paths become /home/dev/app; lines about this machine's package sources go."""
    text = text.replace(str(scratch), HOME).replace(sys.prefix, HOME + "/.venv")
    return _LOCAL.sub("", text.replace(str(ROOT), HOME))


# -- the scripts the captures run (written to the scratch directory) ------------------------------------------

REPLAY = r'''
import json, random
r = random.Random(42)
targets = ["/api/v1/orders", "/api/v1/refunds", "/api/v1/customers", "/api/v1/invoices", "/api/v1/payouts"]
out = []
for i in range(200):
    rec = {"id": i, "method": r.choice(["GET", "POST", "PUT"]), "target": r.choice(targets) + f"/{r.randrange(10**5)}",
           "status": 200, "replayed_ms": r.randrange(3, 900), "bytes": r.randrange(200, 9000)}
    if i % 5 == 2 or i in (7, 99, 143):
        rec["status"] = "error"
        rec["error"] = "ValueError: invalid literal for int() with base 10: b'" + r.choice(["x-retry", "n/a", "", "12a"]) + "'"
    out.append(rec)
bad = sum(1 for x in out if x["status"] == "error")
print(json.dumps(out, indent=2), end="")
print(f"{200 - bad}/200 requests replayed cleanly")
'''

ISSUES = r'''
import json, random
r = random.Random(7)
words = "cache parquet reader writer schema nested list struct row group page index footer stats bloom filter".split()
people = ["amara", "bo", "chen", "dana", "eli", "farah", "gus", None]
issues = []
for n in range(1, 121):
    title = " ".join(r.choice(words) for _ in range(r.randrange(4, 9))).capitalize()
    issues.append({"number": 4000 + n, "title": title, "state": r.choice(["open", "open", "closed"]),
                   "assignee": r.choice(people), "labels": sorted({r.choice(["bug", "io", "perf", "docs", "good first issue"])
                   for _ in range(r.randrange(1, 3))}), "comments": r.randrange(0, 40)})
issues[76]["title"] = "Reader segfaults on nested lists of structs when row groups exceed 2 GiB"
issues[76]["assignee"] = "farah"
issues[76]["labels"] = ["bug", "crash", "io"]
open("issues.json", "w").write(json.dumps({"total": len(issues), "items": issues}, indent=2))
'''

NDJSON = r'''
import json, random
r = random.Random(11)
print("Streaming 300 events from queue orders-v2 (partition 3, offsets 88120-88419)")
for i in range(300):
    ev = {"ts": f"2026-12-01T09:{i // 60:02d}:{i % 60:02d}.{r.randrange(1000):03d}Z", "offset": 88120 + i,
          "level": "info", "event": r.choice(["order.created", "order.paid", "order.shipped"]),
          "order_id": f"ord_{r.randrange(16**8):08x}", "amount_cents": r.randrange(100, 90000)}
    if i == 211:
        ev.update(level="error", event="order.paid", error="ledger write rejected: duplicate idempotency key ik_5e0c2b91")
    print(json.dumps(ev))
print("300 events, 1 error; consumer lag 0")
'''

APPLOG = r'''
import logging, random, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                    format="%(asctime)s.%(msecs)03d %(levelname)s [%(name)s] %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
log = logging.getLogger("billing.worker")
r = random.Random(3)

def settle(batch):
    amounts = {"usd": 1200, "eur": 930}
    return amounts[batch["currency"]] / batch["fx_rate"]

for i in range(260):
    log.info("settled batch %d: %d invoices in %d ms", 5000 + i, r.randrange(10, 400), r.randrange(20, 900))
    if i == 181:
        try:
            settle({"currency": "gbp", "fx_rate": 0})
        except Exception:
            log.exception("batch %d failed; moving it to the dead-letter queue", 5000 + i)
    if i % 50 == 49:
        logging.getLogger("billing.pool").warning("pool at %d%% of capacity", 70 + i // 50)
'''

PYTEST_FILE = r'''
import warnings
import pytest

@pytest.mark.parametrize("n", range(240))
def test_invoice_totals(n):
    assert round(n * 1.1, 2) >= n

def test_refund_rounding():
    total = 19.99
    assert round(total * 0.33, 2) == 6.60

def test_parse_retry_header():
    warnings.warn("parse_retry_header() is deprecated; use parse_headers()", DeprecationWarning)
    int("x-retry")

@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "ap-south-1"])
def test_region_endpoints(region):
    assert region.count("-") == 2
'''


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a):  # noqa: D401 - keep the capture free of the server's own log
        pass


def captures(scratch: Path) -> dict[str, str]:
    py = sys.executable
    out: dict[str, str] = {}
    (scratch / "replay.py").write_text(REPLAY)
    out["replay_json_summary"] = run(f"{py} replay.py", scratch)

    (scratch / "issues.py").write_text(ISSUES)
    run(f"{py} issues.py", scratch)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: _Quiet(*a, directory=str(scratch), **k))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        out["curl_verbose_json"] = run(f"curl -sv http://127.0.0.1:{srv.server_address[1]}/issues.json", scratch)
    finally:
        srv.shutdown()

    (scratch / "events.py").write_text(NDJSON)
    out["ndjson_header"] = run(f"{py} events.py", scratch)

    (scratch / "applog.py").write_text(APPLOG)
    out["log_traceback"] = run(f"{py} applog.py", scratch)

    (scratch / "test_billing.py").write_text(PYTEST_FILE)
    out["pytest_color_pty"] = run(f"{py} -m pytest --color=yes -v -p no:cacheprovider test_billing.py", scratch,
                                  pty=True)
    out["pytest_plain_failed"] = run(f"{py} -m pytest -q -p no:cacheprovider test_billing.py", scratch)

    dl = scratch / "dl"
    out["pip_progress_pty"] = run(f"{py} -m pip download --isolated --no-deps --progress-bar on -d {dl} "
                                  "rich==13.7.1 pygments==2.17.2 markdown-it-py==3.0.0 mdurl==0.1.2", scratch, pty=True)

    pkgs = Path("/work/tools/global/lib/node_modules/@google/gemini-cli/node_modules")
    names = sorted(p.name for p in pkgs.iterdir() if (p / "package.json").is_file() and not p.name.startswith("."))[:6] \
        if pkgs.is_dir() else []
    if names:
        # jq prints each document after the other (a `cat` would be a file read, which the policy protects)
        out["package_json_docs"] = run("jq . " + " ".join(f"{pkgs}/{n}/package.json" for n in names), scratch)

    out["pip_list_check"] = run(f"{py} -m pip list --disable-pip-version-check; {py} -m pip check", scratch)
    out["git_log_color"] = run("git log --color=always --stat -n 25", ROOT)

    lsdir = scratch / "ls"
    lsdir.mkdir()
    r = random.Random(5)
    for i in range(43):  # with total, . and ..: 46 lines
        name = f"{r.choice(['report', 'invoice', 'ledger', 'export', 'notes'])}_{2026_11_00 + i}.{r.choice(['csv', 'json', 'md', 'py'])}"
        (lsdir / name).write_text("x" * r.randrange(10, 90000))
    out["ls_la_small"] = run("ls -la", lsdir)
    return {k: scrub(v, scratch) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "headroom_cli" / "corpus_data" / "mixed"))
    a = ap.parse_args(argv)
    dest = Path(a.out)
    dest.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="headroom-capture-"))
    try:
        got = captures(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for name, text in got.items():
        (dest / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
        print(f"{name}: {len(text):,} chars")
    (dest / "MANIFEST.json").write_text(json.dumps(sorted(got), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
