"""Determinism across processes: different PYTHONHASHSEED → byte-identical compressed requests."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("headroom_cli.compress.router")

SCRIPT = r"""
import hashlib, json, sys
from headroom_cli import corpus
from headroom_cli.compress.api import CompressConfig, compress_request
from headroom_cli.compress.memo import Memo
out = {}
kinds = set()
prose = "\n\n".join(("Operators review every report before a build is promoted. Failures page the on-call "
                     "engineer, who writes a short note. Section %d ends here." % i) for i in range(60))
extra = corpus._anthropic("Summarise the runbook", [("WebFetch", {"url": "https://docs/runbook"}, prose)], seed=9)
for name, protocol, body in [(w.name, w.protocol, w.body) for w in corpus.workloads()] + [("text", "anthropic", extra)]:
    r = compress_request(body, protocol, CompressConfig(memo=Memo()))
    kinds.update(b.compressor for b in r.blocks)
    out[name] = hashlib.sha256(json.dumps(r.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")).hexdigest()
out["_compressors"] = sorted(kinds)
print(json.dumps(out, sort_keys=True))
"""


def run(seed: str, home) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=seed, HEADROOM_HOME=str(home))
    p = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


def test_byte_identical_across_processes_and_hash_seeds(tmp_path):
    a = run("1", tmp_path / "a")
    b = run("4242", tmp_path / "b")
    assert a == b
    # the input exercises every compressor
    assert set(a["_compressors"]) >= {"search", "logs", "json", "build", "diff", "code", "table", "text"}, a["_compressors"]
