"""How agents read (issue 14 items 1, 2, 4): the corpus_reads workloads through the engine, turn by turn.

    python benchmarks/bench_reads.py [--json]

Per workload (`headroom_cli/corpus_reads.py`): tokens of every string in the request before/after (the offline
encoding, as `headroom perf` counts), needles verbatim / one retrieval away, and the session replayed as the
agent sends it — one request per tool result, each the previous plus one exchange — through one engine (shared
memo): every earlier item re-forwarded unchanged, and billed input with the prompt cache modelled over the
whole JSON body (a request's leading items identical to the previous request's at 0.1×, the rest at 1.25×
for Anthropic, 1× for OpenAI).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("HEADROOM_HOME", tempfile.mkdtemp(prefix="headroom-bench-"))

from headroom_cli import corpus, corpus_reads, perf  # noqa: E402
from headroom_cli.ccr.store import default_store  # noqa: E402
from headroom_cli.compress.api import CompressConfig, compress_request  # noqa: E402
from headroom_cli.compress.memo import Memo  # noqa: E402
from headroom_cli.compress.tokens import count_tokens, encoding_name  # noqa: E402

RATE = {"anthropic": 1.25, "openai_responses": 1.0, "openai_chat": 1.0}
LISTS = {"anthropic": "messages", "openai_responses": "input", "openai_chat": "messages"}


def items(body: dict, protocol: str) -> list[str]:
    """The cacheable units of a request, in order: tools, each system block, each message/input item."""
    out = [json.dumps(body.get("tools"), sort_keys=True)]
    sysv = body.get("system", body.get("instructions"))
    out += [json.dumps(b, sort_keys=True) for b in sysv] if isinstance(sysv, list) else [json.dumps(sysv)]
    for m in body.get(LISTS[protocol]) or []:
        m = {k: v for k, v in m.items() if k != "cache_control"} if isinstance(m, dict) else m
        out.append(json.dumps(m, sort_keys=True).replace(', "cache_control": {"type": "ephemeral"}', ""))
    return out


def billed(seq: list[dict], protocol: str) -> float:
    total, prev = 0.0, []
    for body in seq:
        cur = items(body, protocol)
        k = 0
        while k < min(len(cur), len(prev)) and cur[k] == prev[k]:
            k += 1
        cached = sum(count_tokens(x) for x in cur[:k])
        total += 0.1 * cached + RATE[protocol] * sum(count_tokens(x) for x in cur[k:])
        prev = cur
    return total


def turns(w) -> list[dict]:
    """The requests the agent sent: cut after each tool result."""
    key = LISTS[w.protocol]
    msgs = w.body[key]
    cuts = [i + 1 for i, m in enumerate(msgs) if isinstance(m, dict) and (
        m.get("type") == "function_call_output" or (isinstance(m.get("content"), list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in m["content"])))]
    return [dict(w.body, **{key: msgs[:c]}) for c in cuts]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    store = default_store()
    rows = []
    for b in corpus_reads.builders(corpus.Workload):
        w = b()
        row = perf.run_workload(w, store=store, repeat_warm=1)
        memo, sent, orig = Memo(), [], []
        for body in turns(w):
            orig.append(body)
            sent.append(compress_request(body, w.protocol, CompressConfig(store=store, memo=memo)).body)
        key = LISTS[w.protocol]
        stable = all(sent[k][key][:len(sent[k - 1][key])] == sent[k - 1][key] for k in range(1, len(sent)))
        whole_b = sum(count_tokens(json.dumps(x)) for x in orig)
        whole_a = sum(count_tokens(json.dumps(x)) for x in sent)
        bb, ba = billed(orig, w.protocol), billed(sent, w.protocol)
        rows.append({"name": w.name, "protocol": w.protocol, "tool_tokens": [row.tokens_before, row.tokens_after],
                     "saved_pct": row.saved_pct, "needles": [row.needles_kept, row.needles_reachable, row.needles_total],
                     "compressors": row.compressors, "requests": len(sent), "reforwarded_unchanged": stable,
                     "whole_tokens": [whole_b, whole_a], "whole_saved_pct": round(100 * (whole_b - whole_a) / whole_b, 1),
                     "billed": [round(bb), round(ba)], "billed_saved_pct": round(100 * (bb - ba) / bb, 1),
                     "cold_ms": row.latency_ms})
    if args.json:
        print(json.dumps({"encoding": encoding_name(), "rows": rows}, indent=1))
        return 0
    print(f"tokens: {encoding_name()}; whole = every request of the replayed session, JSON bodies; billed: cache modelled")
    for r in rows:
        print(f"{r['name']:17} {r['protocol']:17} tool results {r['tool_tokens'][0]:>6} -> {r['tool_tokens'][1]:>6} "
              f"({r['saved_pct']:>5} %)  needles {r['needles'][0]}/{r['needles'][2]} verbatim  "
              f"{r['requests']} requests: whole -{r['whole_saved_pct']} %, billed -{r['billed_saved_pct']} %, "
              f"re-forwarded unchanged: {r['reforwarded_unchanged']}  {r['compressors']}")
    return 0 if all(r["reforwarded_unchanged"] and r["needles"][1] == r["needles"][2] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
