"""The output estimate on synthetic data with a known effect, and honesty without a control arm."""
from __future__ import annotations

import random

from headroom_cli.output.measure import output_estimate
from headroom_cli.stats.records import RequestRecord, Usage

CONTROL_MEAN = 400.0
EFFECT = -120.0  # shaped turns write 120 fewer output tokens on average (-30 %)


def synth(seed: int, *, n_control: int = 40, n_shaped: int = 160, effect: float = EFFECT) -> list[dict]:
    """Conversations with a per-conversation verbosity factor (mean 1) and per-turn noise."""
    r = random.Random(seed)
    rows = []
    for arm, n, mean in (("control", n_control, CONTROL_MEAN), ("shaped", n_shaped, CONTROL_MEAN + effect)):
        for c in range(n):
            factor = r.uniform(0.6, 1.4)
            for _ in range(r.randint(3, 12)):
                out = max(1, round(r.gauss(mean * factor, 80)))
                rows.append({"session_id": f"{arm}-{seed}-{c}", "output_arm": arm, "status": 200,
                             "path": "/v1/messages", "output_tokens": out,
                             "cache_write_tokens": r.randint(0, 200)})
    return rows


def test_interval_contains_the_known_effect():
    est = output_estimate(synth(1))
    assert est["status"] == "measured" and est["label"] == "measured"
    assert est["unit"] == "conversation"
    lo, hi = est["ci"]
    assert lo <= EFFECT <= hi
    assert hi < 0, "a 30 % cut on this much data must be distinguishable from no effect"
    assert abs(est["difference"] - EFFECT) < 40
    assert est["shaped"]["mean"] < est["control"]["mean"]
    plo, phi = est["change_pct_ci"]
    assert plo <= 100 * EFFECT / CONTROL_MEAN <= phi
    assert est["control"]["conversations"] == 40 and est["shaped"]["conversations"] == 160
    assert est["confidence"] == 0.95 and "bootstrap" in est["method"]
    cw = est["cache_write_per_turn"]
    assert cw["ci"][0] <= 0 <= cw["ci"][1]  # cache writes drawn from the same distribution in both arms


def test_interval_coverage_over_many_datasets():
    hits = 0
    trials = 30
    for seed in range(100, 100 + trials):
        lo, hi = output_estimate(synth(seed, n_control=20, n_shaped=40), resamples=400)["ci"]
        hits += lo <= EFFECT <= hi
    assert hits >= 24, f"95 % intervals covered the true effect only {hits}/{trials} times"


def test_no_effect_interval_contains_zero():
    est = output_estimate(synth(7, effect=0.0))
    assert est["ci"][0] <= 0 <= est["ci"][1]


def test_deterministic_and_order_independent():
    rows = synth(3)
    a = output_estimate(rows)
    shuffled = rows[:]
    random.Random(0).shuffle(shuffled)
    assert output_estimate(shuffled) == a
    assert output_estimate(rows, seed=1)["ci"] != a["ci"]  # the seed is what fixes it


def test_not_measured_without_control():
    rows = [r for r in synth(2) if r["output_arm"] == "shaped"]
    est = output_estimate(rows)
    assert est["status"] == "not measured"
    assert "holdout" in est["reason"]
    assert "difference" not in est and "ci" not in est
    assert est["shaped"]["turns"] == len(rows)
    assert output_estimate([])["status"] == "not measured"


def test_not_measured_with_a_single_control_turn():
    rows = [r for r in synth(2) if r["output_arm"] == "shaped"]
    rows.append({"session_id": "c", "output_arm": "control", "status": 200, "output_tokens": 300})
    assert output_estimate(rows)["status"] == "not measured"


def test_only_comparable_turns_count():
    rows = synth(4)
    good = output_estimate(rows)
    noise = [
        {"session_id": "z", "output_arm": "control", "status": 500, "output_tokens": 99999},
        {"session_id": "z", "output_arm": "control", "status": 200, "path": "/v1/messages/count_tokens",
         "output_tokens": 99999},
        {"session_id": "z", "output_arm": "control", "status": 200, "output_tokens": 0},
        {"session_id": "z", "output_arm": "", "status": 200, "output_tokens": 99999},
        {"session_id": "z", "status": 200, "output_tokens": 99999},
    ]
    assert output_estimate(rows + noise) == good


def test_few_conversations_fall_back_to_turns_and_say_so():
    rows = synth(5, n_control=2, n_shaped=3)
    est = output_estimate(rows)
    assert est["status"] == "measured" and est["unit"] == "turn"
    assert est["notes"] and "optimistic" in est["notes"][0]


def test_accepts_request_records_with_nested_usage():
    r = random.Random(9)
    recs = []
    for c in range(12):
        arm = "control" if c % 3 == 0 else "shaped"
        for _ in range(5):
            out = r.randint(300, 500) if arm == "control" else r.randint(100, 200)
            recs.append(RequestRecord(session_id=f"s{c}", agent="claude", protocol="anthropic",
                                      path="/v1/messages", status=200, output_arm=arm,
                                      usage=Usage(output_tokens=out, cache_write_tokens=10)))
    est = output_estimate(recs)
    assert est["status"] == "measured"
    assert est["control"]["turns"] == 20 and est["shaped"]["turns"] == 40
    assert est["ci"][1] < 0
    assert est["cache_write_per_turn"]["difference"] == 0


def test_normal_interval_agrees_with_bootstrap():
    rows = synth(11)
    b = output_estimate(rows, method="bootstrap")
    n = output_estimate(rows, method="normal")
    assert "bootstrap" in b["method"] and "normal" in n["method"]
    assert b["difference"] == n["difference"]
    width = b["ci"][1] - b["ci"][0]
    assert abs(b["ci"][0] - n["ci"][0]) < 0.15 * width and abs(b["ci"][1] - n["ci"][1]) < 0.15 * width


def test_many_conversations_use_the_normal_interval_and_cover_the_effect():
    est = output_estimate(synth(12, n_control=300, n_shaped=900))
    assert "normal" in est["method"]
    assert est["ci"][0] <= EFFECT <= est["ci"][1]


def test_summary_line():
    from headroom_cli.output.measure import summary_line

    line = summary_line(output_estimate(synth(1)))
    assert line.startswith("Output reduction (measured): -") and "95 % CI" in line and "160 + 40 conversations" in line
    assert summary_line(output_estimate([])) .startswith("Output reduction: not measured (no control turns")
