"""Did shaping reduce output? Output tokens per comparable turn, shaped vs control, with an interval.

Honesty rules: a number is reported only when there is a control arm to compare with (the holdout);
otherwise the answer is `{"status": "not measured", …}`. Arms are assigned per conversation and turns
within a conversation are correlated, so the interval comes from a bootstrap that resamples whole
conversations (fixed seed: the same rows always give the same interval); with hundreds of conversations,
where the bootstrap gets slow and the normal approximation is accurate, a cluster-robust normal interval.
With too few conversations in an arm it falls back to resampling turns and says so (optimistic).

A comparable turn: a successful (2xx) request in either arm, not a `count_tokens` call, with at least
one output token (the provider's own `usage`). Cache writes per turn are reported alongside, because
effort routing can trade output tokens for cache writes (see `effort.py`).
"""
from __future__ import annotations

import math
import random
from typing import Any, Iterable

from .holdout import CONTROL, SHAPED

MIN_TURNS = 2  # per arm, below which no estimate is given
MIN_CLUSTERS = 5  # per arm, below which the bootstrap resamples turns instead of conversations
BOOTSTRAP_BUDGET = 1_000_000  # units × resamples; above it, a normal interval (same answer, O(n))


def _get(row: Any, key: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def _usage_field(row: Any, key: str) -> int:
    """A usage figure from a flat ledger row (`output_tokens`) or a nested one (`usage.output_tokens`)."""
    v = _get(row, key)
    if v is None:
        v = _get(_get(row, "usage"), key)
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


def _comparable(row: Any) -> bool:
    if _get(row, "output_arm") not in (SHAPED, CONTROL):
        return False
    status = _get(row, "status")
    if isinstance(status, int) and not 200 <= status < 300:
        return False
    path = _get(row, "path") or ""
    if isinstance(path, str) and "count_tokens" in path:
        return False
    return _usage_field(row, "output_tokens") > 0


def _conv(row: Any) -> str:
    return str(_get(row, "conversation_id") or _get(row, "session_id") or "")


def _clusters(rows: list, metric: str, by_conv: bool) -> dict[str, list[tuple[float, int]]]:
    """Per arm, one (sum, turns) pair per conversation (or per turn when not `by_conv`)."""
    acc: dict[str, dict[Any, list]] = {SHAPED: {}, CONTROL: {}}
    for i, r in enumerate(rows):
        s = acc[_get(r, "output_arm")].setdefault(_conv(r) if by_conv else (_conv(r), i), [0.0, 0])
        s[0] += _usage_field(r, metric)
        s[1] += 1
    # sorted: the bootstrap must not depend on row order
    return {arm: [tuple(v) for _, v in sorted(d.items())] for arm, d in acc.items()}  # type: ignore[misc]


def _mean(cl: list[tuple[float, int]]) -> float:
    sums, counts = zip(*cl) if cl else ((), ())
    n = sum(counts)
    return sum(sums) / n if n else 0.0


def _percentile(sorted_vals: list[float], q: float) -> float:
    # linear interpolation between closest ranks
    if not sorted_vals:
        return float("nan")
    pos = q * (len(sorted_vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def _compare(shaped: list, control: list, *, confidence: float, resamples: int, seed: int) -> dict:
    rng = random.Random(seed)
    ms, mc = _mean(shaped), _mean(control)
    diffs, rels = [], []
    ks, kc = len(shaped), len(control)
    for _ in range(resamples):
        bs = _mean(rng.choices(shaped, k=ks))
        bc = _mean(rng.choices(control, k=kc))
        diffs.append(bs - bc)
        if bc > 0:
            rels.append((bs - bc) / bc)
    diffs.sort()
    rels.sort()
    a = (1.0 - confidence) / 2.0
    out = {
        "shaped": round(ms, 2),
        "control": round(mc, 2),
        "difference": round(ms - mc, 2),
        "ci": [round(_percentile(diffs, a), 2), round(_percentile(diffs, 1 - a), 2)],
    }
    if mc > 0 and rels:
        out["change_pct"] = round(100.0 * (ms - mc) / mc, 1)
        out["change_pct_ci"] = [round(100.0 * _percentile(rels, a), 1), round(100.0 * _percentile(rels, 1 - a), 1)]
    return out


def _ratio_var(cl: list[tuple[float, int]], m: float) -> float:
    """Linearised (cluster-robust) variance of the per-turn mean Σy/Σn over clusters."""
    k = len(cl)
    n = sum(c for _, c in cl)
    if k < 2 or not n:
        return 0.0
    return k / (k - 1) * sum((y - m * c) ** 2 for y, c in cl) / n**2


def _compare_normal(shaped: list, control: list, *, confidence: float) -> dict:
    """Normal-approximation interval: for many conversations, where it matches the bootstrap and is O(n)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    ms, mc = _mean(shaped), _mean(control)
    vs, vc = _ratio_var(shaped, ms), _ratio_var(control, mc)
    d, se = ms - mc, math.sqrt(vs + vc)
    out = {"shaped": round(ms, 2), "control": round(mc, 2), "difference": round(d, 2),
           "ci": [round(d - z * se, 2), round(d + z * se, 2)]}
    if mc > 0:
        rel = ms / mc - 1
        se_rel = (ms / mc) * math.sqrt((vs / ms**2 if ms else 0.0) + vc / mc**2)
        out["change_pct"] = round(100.0 * rel, 1)
        out["change_pct_ci"] = [round(100.0 * (rel - z * se_rel), 1), round(100.0 * (rel + z * se_rel), 1)]
    return out


def _arm_summary(rows: list, arm: str) -> dict:
    mine = [r for r in rows if _get(r, "output_arm") == arm]
    convs = {_conv(r) for r in mine}
    return {"turns": len(mine), "conversations": len(convs)}


def output_estimate(rows: Iterable[Any], *, confidence: float = 0.95, resamples: int = 2000,
                    seed: int = 0, method: str = "auto") -> dict:
    """Output tokens per comparable turn, shaped vs control, with a bootstrap interval.

    `rows`: ledger rows (dicts) or `RequestRecord`s with `output_arm`, `output_tokens` (flat or under
    `usage`), `status`, `path`, and `conversation_id` or `session_id` for clustering.

    Returns `{"status": "measured", "label": "measured", "metric", "shaped": {turns, conversations, mean},
    "control": {…}, "difference", "ci": [lo, hi], "change_pct", "change_pct_ci", "confidence", "unit",
    "method", "cache_write_per_turn": {…}, "notes": [...]}` (difference = shaped − control, so a saving
    is negative), or `{"status": "not measured", "reason", "shaped", "control"}`.
    """
    rows = [r for r in rows if _comparable(r)]
    shaped, control = _arm_summary(rows, SHAPED), _arm_summary(rows, CONTROL)
    base = {"metric": "output tokens per comparable turn", "shaped": shaped, "control": control}
    if control["turns"] == 0:
        return {"status": "not measured", "reason": "no control turns: run with --output-holdout, e.g. 0.1",
                **base}
    if shaped["turns"] < MIN_TURNS or control["turns"] < MIN_TURNS:
        return {"status": "not measured",
                "reason": f"too few comparable turns (need at least {MIN_TURNS} in each arm)", **base}
    notes = []
    by_conv = shaped["conversations"] >= MIN_CLUSTERS and control["conversations"] >= MIN_CLUSTERS
    if not by_conv:
        notes.append(f"fewer than {MIN_CLUSTERS} conversations in an arm: turns resampled as if independent, "
                     "so the interval is optimistic")
    out_cl = _clusters(rows, "output_tokens", by_conv)
    cw_cl = _clusters(rows, "cache_write_tokens", by_conv)
    unit = "conversation" if by_conv else "turn"
    units = len(out_cl[SHAPED]) + len(out_cl[CONTROL])
    if method == "auto":  # the bootstrap costs units × resamples; past a budget the normal interval is as good
        method = "normal" if units * resamples > BOOTSTRAP_BUDGET else "bootstrap"
    if method == "bootstrap":
        def compare(a: list, b: list) -> dict:
            return _compare(a, b, confidence=confidence, resamples=resamples, seed=seed)
        how = f"percentile bootstrap over {unit}s, {resamples} resamples, seed {seed}"
    elif method == "normal":
        def compare(a: list, b: list) -> dict:
            return _compare_normal(a, b, confidence=confidence)
        how = f"normal approximation, {unit}-clustered standard errors"
    else:
        raise ValueError(f"unknown method {method!r}")
    est = compare(out_cl[SHAPED], out_cl[CONTROL])
    shaped["mean"], control["mean"] = est.pop("shaped"), est.pop("control")
    cw = compare(cw_cl[SHAPED], cw_cl[CONTROL])
    cw.pop("change_pct", None), cw.pop("change_pct_ci", None)
    return {
        "status": "measured",
        "label": "measured",
        **base,
        **est,
        "confidence": confidence,
        "unit": unit,
        "method": how,
        "cache_write_per_turn": cw,
        "notes": notes,
    }


def summary_line(est: dict) -> str:
    """One plain line for summaries and `headroom stats --output` (the CLI adds colour)."""
    if est.get("status") != "measured":
        return f"Output reduction: not measured ({est.get('reason', 'no data')})"
    pct = est.get("change_pct")
    lvl = int(round(est["confidence"] * 100))
    s, c = est["shaped"], est["control"]
    if pct is not None:
        lo, hi = est["change_pct_ci"]
        head = f"{pct:+.1f} % output tokens per turn ({lvl} % CI {lo:+.1f} to {hi:+.1f} %)"
    else:
        lo, hi = est["ci"]
        head = f"{est['difference']:+.0f} output tokens per turn ({lvl} % CI {lo:+.0f} to {hi:+.0f})"
    return (f"Output reduction (measured): {head}; shaped {s['mean']:.0f} vs control {c['mean']:.0f} tokens/turn "
            f"over {s['turns']} + {c['turns']} turns, {s['conversations']} + {c['conversations']} conversations")
