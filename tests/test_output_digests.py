"""Behaviour kept identical: the engine and the proxy pipeline give the recorded bytes for every input in
tests/output_digests.py (corpus at three ratios, real request fixtures when present, seeded property requests).
A deliberate change of output re-records them with `python tests/output_digests.py --write`."""
from __future__ import annotations

import json

import pytest

import output_digests as od


def test_digests_match_the_recorded_ones():
    recorded = json.loads(od.RECORDED.read_text(encoding="utf-8"))
    now = od.compute()
    if not od.REAL.exists():  # without ../shared, compare what can be computed
        recorded = {k: v for k, v in recorded.items() if "/real/" not in k}
    missing = sorted(set(recorded) - set(now))
    assert not missing, f"inputs no longer computed: {missing[:5]}"
    changed = sorted(k for k in recorded if recorded[k] != now[k])
    assert not changed, f"{len(changed)} of {len(recorded)} outputs changed, e.g. {changed[:8]}"


def test_the_digested_inputs_do_compress():
    """Guard against a vacuous comparison: most recorded inputs are really cut by the engine."""
    from headroom_cli.compress.api import CompressConfig, compress_request
    from headroom_cli.compress.memo import Memo

    items = od.inputs()
    cut = sum(1 for _, body, proto in items
              if compress_request(body, proto, CompressConfig(store=od.MemStore(), memo=Memo())).changed)
    assert len(items) >= 50 and cut >= 0.6 * len(items), (cut, len(items))


@pytest.mark.parametrize("name", ["corpus/json_api", "corpus/sre_incident"])
def test_a_changed_output_changes_the_digest(name, monkeypatch):
    body, proto = next((b, p) for n, b, p in od.inputs() if n == name)
    before = od.engine_digest(body, proto, 0.3)
    assert od.engine_digest(body, proto, 0.05) != before or od.engine_digest(body, proto, 0.9) != before
